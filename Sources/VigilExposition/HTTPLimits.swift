/// Limits that keep the HTTP server of SPEC §8 responsive when clients misbehave (issue 10):
/// oversized or slow requests, idle and slowloris connections. Every endpoint is a GET, so a
/// request body is never needed and the limits can be tight.
package struct HTTPLimits: Sendable, Equatable {
    /// A keep-alive connection with no request for this long is closed (Hummingbird's idle timeout).
    /// Longer than the usual scrape intervals would need only with very slow scrapes; Prometheus
    /// reconnects transparently either way.
    package var idleTimeout: Duration
    /// A new connection must deliver a complete request head within this; headers trickled byte by
    /// byte (slowloris) never complete one, so the connection is closed.
    package var requestHeadTimeout: Duration
    /// A request's body, once its head arrived, must be complete within this (a trickled body).
    package var requestBodyTimeout: Duration
    /// Larger request bodies are refused: 413 when `Content-Length` announces it (before any of the
    /// body is read), the connection closed when a chunked body grows past it.
    package var maxRequestBodyBytes: Int
    /// NIO's HTTP decoder limits; beyond them Hummingbird answers 400 and closes the connection.
    package var maxHeaderFieldBytes: Int
    package var maxHeaderListBytes: Int
    package var maxHeaderFieldCount: Int

    package init(
        idleTimeout: Duration = .seconds(60),
        requestHeadTimeout: Duration = .seconds(10),
        requestBodyTimeout: Duration = .seconds(10),
        maxRequestBodyBytes: Int = 64 << 10,
        maxHeaderFieldBytes: Int = 8 << 10,
        maxHeaderListBytes: Int = 32 << 10,
        maxHeaderFieldCount: Int = 100
    ) {
        self.idleTimeout = idleTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.requestBodyTimeout = requestBodyTimeout
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.maxHeaderFieldBytes = maxHeaderFieldBytes
        self.maxHeaderListBytes = maxHeaderListBytes
        self.maxHeaderFieldCount = maxHeaderFieldCount
    }
}

extension Duration {
    /// Whole nanoseconds (for NIO's `TimeAmount`), saturating.
    var nanosecondsForNIO: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
