// Shared test doubles for the notifier and delivery suites: an in-process HTTP receiver
// (Hummingbird on 127.0.0.1, port 0), a ReceivedJSON value decoded with JSONDecoder, result counters, a
// capturing log handler and alert fixtures.

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import VigilSync
import Testing
@testable import VigilAlerting

// MARK: - Fake receiver

/// What the fake receiver answers to its `index`-th request (0-based).
struct FakeResponse: Sendable {
    var status: Int = 200
    var delay: Duration = .zero
    var headers: [String: String] = [:]

    static let ok = FakeResponse()
    static func status(_ status: Int, headers: [String: String] = [:]) -> FakeResponse { FakeResponse(status: status, headers: headers) }
}

final class FakeReceiver: Sendable {
    struct Received: Sendable {
        var method: String
        var path: String
        /// Lower-cased names.
        var headers: [String: String]
        var body: [UInt8]
        var receivedAt: ContinuousClock.Instant
        /// Wall-clock receipt time, Unix epoch milliseconds.
        var receivedAtMillis: Int64

        func json() throws -> ReceivedJSON { try JSONDecoder().decode(ReceivedJSON.self, from: Data(body)) }
    }

    /// The requests received so far, in order.
    final class Log: Sendable {
        private let received = Locked<[Received]>([])
        func append(_ request: Received) { received.withLock { $0.append(request) } }
        var all: [Received] { received.withLock { $0 } }
    }

    let port: Int
    private let log: Log

    init(port: Int, log: Log) {
        self.port = port
        self.log = log
    }

    var requests: [Received] { log.all }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Waits until at least `count` requests arrived (polling), then returns them all.
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let requests = self.requests
            if requests.count >= count { return requests }
            guard ContinuousClock.now < deadline else {
                Issue.record("expected \(count) requests, got \(requests.count) within \(timeout)")
                return requests
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Runs `body` while a receiver listens on 127.0.0.1:`port` (0: ephemeral), answering with
/// `respond(index)`; stops it afterwards.
func withFakeReceiver<T: Sendable>(
    port: Int = 0,
    respond: @escaping @Sendable (Int) -> FakeResponse = { _ in .ok },
    _ body: (FakeReceiver) async throws -> T
) async throws -> T {
    typealias Received = FakeReceiver.Received
    let log = FakeReceiver.Log()
    let counter = Atomic<Int>(0)
    let router = Router()
    let handle: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
        let index = counter.add(1, ordering: .relaxed).oldValue
        let bytes = try await request.body.collect(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        log.append(Received(method: request.method.rawValue, path: request.uri.path, headers: headers,
                            body: Array(bytes.readableBytesView), receivedAt: .now, receivedAtMillis: wallClockMillis()))
        let answer = respond(index)
        if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
        var fields = HTTPFields()
        for (name, value) in answer.headers { fields[HTTPField.Name(name)!] = value }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields)
    }
    router.on("/", method: .post, use: handle)  // `**` does not match the root
    router.on("**", method: .post, use: handle)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { portContinuation.yield(port) }
        },
        logger: silentLogger)
    let group = ServiceGroup(services: [app], logger: silentLogger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let boundPort = await iterator.next() else {
            try await tasks.waitForAll()
            throw ReceiverError.didNotStart
        }
        let result: T
        do {
            result = try await body(FakeReceiver(port: boundPort, log: log))
        } catch {
            tasks.cancelAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

enum ReceiverError: Error { case didNotStart }

/// A port nothing listens on right now (bound once, then released).
func vacantPort() async throws -> Int {
    try await withFakeReceiver { $0.port }
}

// MARK: - Running a delivery

/// Runs `delivery` in a `ServiceGroup` during `body`, then shuts it down gracefully.
func withDelivery<T: Sendable>(_ delivery: AlertDelivery, _ body: (ServiceGroup) async throws -> T) async throws -> T {
    let group = ServiceGroup(services: [delivery], logger: silentLogger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: T
        do {
            result = try await body(group)
        } catch {
            tasks.cancelAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// Retries within milliseconds, so retry tests stay fast.
let fastRetry = RetryPolicy(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(100), maxAttempts: 20, maxAge: .seconds(30))

/// Counts `onResult` calls.
final class ResultCounts: Sendable {
    private let counts = Locked<[String: Int]>([:])

    var onResult: @Sendable (String, NotificationResult, Int) -> Void {
        { notifier, result, count in self.counts.withLock { $0["\(notifier)/\(result.rawValue)", default: 0] += count } }
    }

    func count(_ notifier: String, _ result: NotificationResult) -> Int {
        counts.withLock { $0["\(notifier)/\(result.rawValue)", default: 0] }
    }

    /// Waits until `count(notifier, result) >= expected` (polling).
    func waitFor(_ notifier: String, _ result: NotificationResult, atLeast expected: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while count(notifier, result) < expected {
            guard ContinuousClock.now < deadline else {
                Issue.record("\(notifier)/\(result) stayed at \(count(notifier, result)), expected \(expected)")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

func wallClockMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// Parses an RFC 3339 timestamp with optional fractional seconds to Unix epoch milliseconds.
func epochMillis(_ text: String) throws -> Int64 {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    let date = try #require(formatter.date(from: text), "not RFC 3339: \(text)")
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

// MARK: - ReceivedJSON

/// A ReceivedJSON document decoded with `JSONDecoder` (exact doubles on Linux, unlike JSONSerialization).
enum ReceivedJSON: Decodable, Equatable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    case null, bool(Bool), number(Double), string(String), array([ReceivedJSON]), object([String: ReceivedJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Probe the kinds in turn; a mismatch is the expected answer, the last probe throws.
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ReceivedJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ReceivedJSON].self)) }
    }

    init(stringLiteral value: String) { self = .string(value) }
    init(floatLiteral value: Double) { self = .number(value) }
    init(integerLiteral value: Int) { self = .number(Double(value)) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: ReceivedJSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, ReceivedJSON)...) { self = .object(Dictionary(uniqueKeysWithValues: elements)) }
    init(nilLiteral: ()) { self = .null }

    static func strings(_ dictionary: [String: String]) -> ReceivedJSON { .object(dictionary.mapValues { .string($0) }) }

    subscript(key: String) -> ReceivedJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> ReceivedJSON? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var array: [ReceivedJSON]? {
        if case .array(let array) = self { return array }
        return nil
    }

    var keys: Set<String> {
        if case .object(let object) = self { return Set(object.keys) }
        return []
    }

    /// A copy with `key` removed from the object (to compare the rest exactly).
    func removing(_ key: String) -> ReceivedJSON {
        if case .object(var object) = self { object[key] = nil; return .object(object) }
        return self
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[" + values.map(\.description).joined(separator: ",") + "]"
        case .object(let object): "{" + object.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        }
    }
}

// MARK: - Logging

let silentLogger: Logger = {
    var logger = Logger(label: "vigil.test", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// Collects every log record (trace and up) as one string per record: level, message, metadata.
final class LogCapture: Sendable {
    private let lines = Locked<[String]>([])
    var records: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "vigil.test") { label in Handler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(event.message) \(rendered)")
        }
    }
}

// MARK: - Fixtures

enum DeliveryFixture {
    /// 2024-05-01T12:00:00.250Z
    static let startsAtMillis: Int64 = 1_714_564_800_250
    static let startsAtText = "2024-05-01T12:00:00.250Z"
    /// 2024-05-01T12:15:30.500Z
    static let endsAtMillis: Int64 = 1_714_565_730_500
    static let endsAtText = "2024-05-01T12:15:30.500Z"

    static func labels(name: String = "FeatureDrift", model: String = "fraud", feature: String? = "amount",
                       severity: String = "critical") -> [String: String] {
        var labels = ["alertname": name, "model": model, "severity": severity, "team": "risk"]
        if let feature { labels["feature"] = feature }
        return labels
    }

    static func alert(name: String = "FeatureDrift", model: String = "fraud", feature: String? = "amount",
                      severity: String = "critical", state: Alert.State = .firing, value: Double = 0.3125,
                      startsAt: Int64 = startsAtMillis, endsAt: Int64? = nil,
                      generatorURL: String = "http://vigil:9877/api/v1/windows/fraud") -> Alert {
        Alert(
            labels: labels(name: name, model: model, feature: feature, severity: severity),
            annotations: [
                "summary": "\(model): drift on \(feature ?? "-") (\(value))",
                "description": "PSI above 0.2 for 5m",
                "value": "\(value)",
            ],
            state: state, value: value, startsAtMillis: startsAt,
            endsAtMillis: state == .resolved ? (endsAt ?? endsAtMillis) : nil,
            generatorURL: generatorURL)
    }

    /// `count` distinct firing alerts (feature `f0`, `f1`, ...).
    static func alerts(_ count: Int, state: Alert.State = .firing) -> [Alert] {
        (0..<count).map { alert(feature: "f\($0)", state: state) }
    }
}
