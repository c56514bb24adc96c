/// When to retry a failed notification (SPEC §10): exponential backoff with full jitter, starting
/// at 500 ms and capped at 30 s, for 5xx, 429, connection errors and timeouts.
///
/// A request is abandoned (counted `failed`) after `maxAttempts` attempts or once `maxAge` has
/// passed since its first attempt, whichever comes first: with the defaults that is about four to
/// five minutes of retrying. Firing alerts are re-sent to Alertmanager every `resend_interval`
/// anyway, so an abandoned firing notification is not the end of the story.
package struct RetryPolicy: Sendable, Equatable {
    /// Upper bound of the first backoff; doubles each attempt up to `maxBackoff`.
    package var initialBackoff: Duration
    package var maxBackoff: Duration
    /// Attempts per request, the first included.
    package var maxAttempts: Int
    /// No new attempt starts this long after the first one.
    package var maxAge: Duration

    package init(initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30),
                 maxAttempts: Int = 20, maxAge: Duration = .seconds(300)) {
        precondition(initialBackoff > .zero && maxBackoff >= initialBackoff && maxAttempts >= 1, "invalid retry policy")
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// SPEC §10's policy.
    package static let standard = RetryPolicy()

    /// The ceiling before attempt `attempt + 1`: `min(maxBackoff, initialBackoff × 2^(attempt − 1))`.
    func ceiling(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        let ceiling = initialBackoff * (1 << doublings)
        return min(ceiling, maxBackoff)
    }

    /// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in
    /// `0 ... ceiling(afterAttempt:)`, so many agents retrying one receiver spread out.
    /// A receiver's `Retry-After` (429, 503) raises it, still capped at `maxBackoff`.
    func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceilingNanos = ceiling(afterAttempt: attempt).wholeMilliseconds * 1_000_000
        var delay = Duration.nanoseconds(Int64.random(in: 0...max(ceilingNanos, 0), using: &generator))
        if let retryAfter { delay = max(delay, min(retryAfter, maxBackoff)) }
        return delay
    }
}
