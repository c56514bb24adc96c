import AsyncHTTPClient
import NIOHTTP1
import NIOHTTPCompression
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing
import TestSupport
@testable import VigilExposition
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 10, part 4: methods, unknown paths, request limits, slow and idle clients, and 200
/// concurrent scrapes, over real HTTP on loopback where it matters. No timing assertions: the
/// limits below are short and every wait is bounded by a generous deadline or `.timeLimit`.
@Suite struct ExpositionHardeningTests {
    // MARK: Router (methods and paths)

    static let knownPaths = ["/metrics", "/healthz", "/readyz", "/api/v1/status", "/api/v1/alerts", "/api/v1/windows/fraud"]

    @Test(arguments: knownPaths, [HTTPRequest.Method.post, .put, .delete, .patch, .options, .trace, .connect])
    func otherMethodsOnKnownPathsAre405WithAllow(path: String, method: HTTPRequest.Method) async throws {
        try await ExpositionServerTests.app().test(.router) { client in
            try await client.execute(uri: path, method: method, body: ByteBuffer(string: "x")) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
            }
        }
    }

    @Test(arguments: knownPaths)
    func headIsAnsweredLikeGetWithoutABody(path: String) async throws {
        try await ExpositionServerTests.app().test(.router) { client in
            let get = try await client.execute(uri: path, method: .get)
            let head = try await client.execute(uri: path, method: .head)
            #expect(head.status == get.status)
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test(arguments: ["/", "/nope", "/metrics/extra", "/api/v1", "/api/v1/windows", "/api/v1/windows/a/b", "/METRICS"],
          [HTTPRequest.Method.get, .post, .delete])
    func unknownPathsAre404WhateverTheMethod(path: String, method: HTTPRequest.Method) async throws {
        try await ExpositionServerTests.app().test(.router) { client in
            try await client.execute(uri: path, method: method) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.allow] == nil)
            }
        }
    }

    @Test func authenticationComesBeforeMethodChecks() async throws {
        let router = ExpositionServer.makeRouter(
            registry: ExpositionServerTests.registry(), routes: ExpositionServerTests.routes, security: HTTPSecurity(bearerToken: "s3cret"))
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .post, headers: [.authorization: "Bearer s3cret"]) {
                #expect($0.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/healthz", method: .delete) { #expect($0.status == .methodNotAllowed) }
        }
    }

    // MARK: A live server on loopback

    /// Short limits so that the tests finish quickly.
    static let limits = HTTPLimits(
        idleTimeout: .seconds(1), requestHeadTimeout: .seconds(1), requestBodyTimeout: .seconds(1),
        maxRequestBodyBytes: 1024, maxHeaderFieldBytes: 4096, maxHeaderListBytes: 8192, maxHeaderFieldCount: 50)

    /// The test limits on headers, with timeouts too long to interfere.
    static let headerLimitsOnly = HTTPLimits(
        idleTimeout: .seconds(60), requestHeadTimeout: .seconds(60), requestBodyTimeout: .seconds(60),
        maxRequestBodyBytes: 1024, maxHeaderFieldBytes: 4096, maxHeaderListBytes: 8192, maxHeaderFieldCount: 50)

    /// Runs an `ExpositionServer` on an ephemeral loopback port for the duration of `body`.
    static func withServer<T: Sendable>(
        registry: MetricsRegistry = ExpositionServerTests.registry(), limits: HTTPLimits = limits,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let server = ExpositionServer(
            host: "127.0.0.1", port: 0, registry: registry, routes: ExpositionServerTests.routes, limits: limits, logger: logger,
            onListening: { continuation.yield($0) })
        let group = ServiceGroup(services: [server], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let result: Result<T, any Error>
            do { result = .success(try await body(port)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func slowlorisHeadersAreCutOff() async throws {
        // A long idle timeout: only the time limit on the first request head can close it.
        let limits = HTTPLimits(idleTimeout: .seconds(60), requestHeadTimeout: .seconds(1))
        try await Self.withServer(limits: limits) { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            // One header line every 200 ms, for up to 20 s: the head never completes.
            var closed = false
            for i in 0..<100 where !closed {
                try await Task.sleep(for: .milliseconds(200))
                closed = !connection.trySend("X-Slow-\(i): a\r\n") || connection.isClosedByPeer()
            }
            #expect(closed, "the server kept a trickling connection open for 20 s")
            // Meanwhile and afterwards, the server answers others.
            let other = try RawConnection(port: port)
            try other.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(try await other.readUntilClosed(seconds: 20).hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func silentConnectionsAndIdleKeepAlivesAreClosed() async throws {
        try await Self.withServer { port in
            let silent = try RawConnection(port: port)           // never sends a byte
            let keepAlive = try RawConnection(port: port)
            try keepAlive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let first = try await keepAlive.readUntilClosed(seconds: 20)
            #expect(first.hasPrefix("HTTP/1.1 200"))             // answered, then closed once idle
            #expect(try await silent.readUntilClosed(seconds: 20).isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func announcedOversizedBodyIs413BeforeItIsRead() async throws {
        try await Self.withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000\r\n\r\n")
            let response = try await connection.readUntilClosed(seconds: 20)
            #expect(response.hasPrefix("HTTP/1.1 413"), "\(response.prefix(80))")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func chunkedBodyBeyondTheLimitClosesTheConnection() async throws {
        // Long timeouts: only the size limit can close the connection within the test's 20 s.
        let limits = HTTPLimits(idleTimeout: .seconds(60), requestHeadTimeout: .seconds(60), requestBodyTimeout: .seconds(60),
                                maxRequestBodyBytes: 1024)
        try await Self.withServer(limits: limits) { port in
            let connection = try RawConnection(port: port)
            try connection.send("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = String(repeating: "a", count: 512)
            var sent = 0
            while sent < 100, connection.trySend("200\r\n\(chunk)\r\n") { sent += 1 }
            let response = try await connection.readUntilClosed(seconds: 20)   // throws if still open
            #expect(!response.contains("HTTP/1.1 200"), "\(sent) chunks sent")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func trickledBodyIsCutOff() async throws {
        // Every byte resets Hummingbird's idle timer: only the body time limit can close it.
        let limits = HTTPLimits(idleTimeout: .seconds(60), requestHeadTimeout: .seconds(60), requestBodyTimeout: .seconds(1))
        try await Self.withServer(limits: limits) { port in
            let connection = try RawConnection(port: port)
            try connection.send("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
            var closed = false
            for _ in 0..<100 where !closed {                         // one byte per 200 ms: 200 s for the body
                try await Task.sleep(for: .milliseconds(200))
                closed = !connection.trySend("a") || connection.isClosedByPeer()
            }
            #expect(closed, "the server waited 20 s for a trickled body")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func oversizedHeaderIs400AndClosed() async throws {
        // Long timeouts: the head never completes, and the 400 must not race the head time limit.
        try await Self.withServer(limits: Self.headerLimitsOnly) { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + String(repeating: "b", count: 16 << 10) + "\r\n\r\n")
            let response = try await connection.readUntilClosed(seconds: 20)
            #expect(response.hasPrefix("HTTP/1.1 400"), "\(response.prefix(80))")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func tooManyHeadersAre400AndClosed() async throws {
        // Long timeouts: the head never completes, and the 400 must not race the head time limit.
        try await Self.withServer(limits: Self.headerLimitsOnly) { port in
            let connection = try RawConnection(port: port)
            var request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            for i in 0..<200 { request += "X-\(i): v\r\n" }
            try connection.send(request + "\r\n")
            let response = try await connection.readUntilClosed(seconds: 20)
            #expect(response.hasPrefix("HTTP/1.1 400"), "\(response.prefix(80))")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func wrongMethodOverTheWireIs405WithAllow() async throws {
        try await Self.withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send("DELETE /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let response = try await connection.readUntilClosed(seconds: 20)
            #expect(response.hasPrefix("HTTP/1.1 405"))
            #expect(response.lowercased().contains("\r\nallow: get, head\r\n"))
        }
    }

    // MARK: Load

    /// A registry the size of a real deployment: 5 models × 40 features with every per-feature
    /// gauge of SPEC §9, plus counters and histograms (about 3,100 samples, 300 KB of text).
    static func realisticRegistry() -> MetricsRegistry {
        let registry = MetricsRegistry(processMetrics: true)
        registry.update { store in
            for m in 0..<5 {
                let model = "model_\(m)"
                store.increment(MetricCatalog.eventsTotal, labels: [model], by: 1_000_000)
                store.set(MetricCatalog.windowEvents, labels: [model], 10_000)
                for f in 0..<40 {
                    let labels = [model, "feature_\(f)"]
                    for family in [MetricCatalog.featurePSI, MetricCatalog.featureKSStatistic, MetricCatalog.featureKSPValue,
                                   MetricCatalog.featureWassersteinNormed, MetricCatalog.featureJensenShannon,
                                   MetricCatalog.featureMissingRatio, MetricCatalog.featureOutOfRangeRatio,
                                   MetricCatalog.featureMean, MetricCatalog.featureStddev, MetricCatalog.featureDrifted] {
                        store.set(family, labels: labels, Double(f) / 40)
                    }
                    for q in ["0.5", "0.9", "0.99"] { store.set(MetricCatalog.featureQuantile, labels: labels + [q], 1.5) }
                    for reason in ["type_error", "non_finite"] { store.increment(MetricCatalog.featureValuesInvalidTotal, labels: labels + [reason], by: 3) }
                }
                var histogram = HistogramCounts(MetricCatalog.anomalyScore)
                histogram.add(contentsOf: [0.5, 1, 2, 8])
                store.observe(MetricCatalog.anomalyScore, labels: [model], histogram)
            }
        }
        return registry
    }

    /// 200 concurrent clients × 5 scrapes of `/metrics` (half of them gzip), while the registry keeps
    /// changing: all 1,000 succeed with a complete exposition.
    @Test(.timeLimit(.minutes(5)))
    func twoHundredConcurrentScrapersAllSucceed() async throws {
        let registry = Self.realisticRegistry()
        let sampleLines = String(decoding: registry.render(.prometheus), as: UTF8.self)
            .split(separator: "\n").filter { $0.hasPrefix("vigil_") }.count
        #expect(sampleLines > 3000)
        let limits = HTTPLimits(idleTimeout: .seconds(30))
        let results = try await Self.withServer(registry: registry, limits: limits) { port in
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 200)
            configuration.timeout = .init(connect: .seconds(30), read: .seconds(120))
            configuration.decompression = .enabled(limit: .none)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            do {
                let outcome = try await withThrowingTaskGroup(of: [String].self) { group in
                    group.addTask {                                  // ingestion keeps publishing meanwhile
                        for i in 0..<200 {
                            registry.increment(MetricCatalog.eventsTotal, labels: ["model_\(i % 5)"], by: 1)
                            try await Task.sleep(for: .milliseconds(10))
                        }
                        return []
                    }
                    for clientIndex in 0..<200 {
                        group.addTask {
                            var problems: [String] = []
                            for request in 0..<5 {
                                var get = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
                                if (clientIndex + request) % 2 == 0 { get.headers.add(name: "Accept-Encoding", value: "gzip") }
                                let response = try await client.execute(get, timeout: .seconds(120))
                                let body = try await response.body.collect(upTo: 64 << 20)
                                let text = String(buffer: body)
                                let lines = text.split(separator: "\n").filter { $0.hasPrefix("vigil_") }.count
                                if response.status != .ok || lines != sampleLines || !text.contains("vigil_window_events{model=\"model_4\"} 10000\n") {
                                    problems.append("client \(clientIndex) request \(request): \(response.status.code), \(lines) sample lines")
                                }
                            }
                            return problems
                        }
                    }
                    var all: [String] = []
                    for try await problems in group { all += problems }
                    return all
                }
                try await client.shutdown()
                return outcome
            } catch {
                try await client.shutdown()
                throw error
            }
        }
        #expect(results.isEmpty, "\(results.count) failed scrapes, first: \(results.prefix(3))")
    }
}

/// A blocking loopback TCP connection for hand-written (and deliberately broken) HTTP.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = try TestSupport.connectLoopback(port: port)
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        guard trySend(text) else { throw RawConnectionError("send: errno \(errno)") }
    }

    /// Sends everything; false when the peer has closed (EPIPE, ECONNRESET).
    func trySend(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { sendNoSignal(fd, $0) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// Whether the peer closed the connection (a non-blocking peek sees end of stream or a reset).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n == 0 { return true }
        if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        // Data (a response) is waiting: read it away and look again.
        var buffer = [UInt8](repeating: 0, count: 65536)
        _ = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return false
    }

    /// Everything the peer sends until it closes; throws when it is still open after `seconds`.
    /// Polls without blocking: a blocked thread of the cooperative pool would starve the server's
    /// own request handling (Hummingbird answers from Swift tasks on that pool).
    func readUntilClosed(seconds: Int) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { received += buffer[0..<n]; continue }
            if n == 0 || errno == ECONNRESET { break }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw RawConnectionError("recv: errno \(errno)") }
            guard ContinuousClock.now < deadline else {
                throw RawConnectionError("still open after \(seconds) s; received \(received.count) bytes")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return String(decoding: received, as: UTF8.self)
    }
}

/// `send` without SIGPIPE when the peer has gone.
private func sendNoSignal(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    #if canImport(Glibc)
    Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
    #else
    Darwin.send(fd, bytes.baseAddress, bytes.count, 0)
    #endif
}

struct RawConnectionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
