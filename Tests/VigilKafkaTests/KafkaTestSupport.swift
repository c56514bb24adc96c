import Foundation
import Logging
import VigilSync
import Testing
@testable import VigilKafka

extension Tag {
    /// Component tests: real sockets on loopback (librdkafka's in-process mock cluster), seconds.
    @Tag static var component: Self
}

/// A mock cluster with one topic, and the configurations clients need for it.
struct MockKafka {
    let cluster: MockCluster
    let topic: String

    init(topic: String = "events", partitions: Int = 3, brokers: Int = 1) throws {
        cluster = try MockCluster(brokers: brokers)
        self.topic = topic
        try cluster.createTopic(topic, partitions: partitions)
    }

    /// Spreads null-key messages too (DESIGN.md: the sticky partitioner piles them up otherwise).
    var producerConfiguration: [String: String] {
        ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5", "sticky.partitioning.linger.ms": "0"]
    }

    func consumerConfiguration(group: String, _ extra: [String: String] = [:]) -> [String: String] {
        var configuration = [
            "bootstrap.servers": cluster.bootstrapServers,
            "group.id": group,
            "client.id": "vigil-test",
            "auto.offset.reset": "earliest",
            // The mock coordinator waits session.timeout.ms - 1 s for members after one leaves (a real
            // broker finishes as soon as the known members rejoined): keep a later join in the same
            // group short.
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
        ]
        configuration.merge(extra) { _, new in new }
        return configuration
    }
}

/// Log records captured by `CapturingLogHandler`, with the thread each was emitted on.
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
        var thread: String
    }

    private let storage = Locked<[Record]>([])

    var records: [Record] { storage.withLock { $0 } }

    func append(_ record: Record) { storage.withLock { $0.append(record) } }

    func logger(level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: "vigil.kafka.test") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = level
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(.init(
            level: event.level,
            message: event.message.description,
            metadata: (event.metadata ?? [:]).mapValues { $0.description },
            thread: osThreadName()
        ))
    }
}

/// Polls until `done()` or `timeout`; returns the messages delivered.
@discardableResult
func pollUntil(
    _ consumer: KafkaConsumer,
    timeout: Duration,
    maxMessages: Int = 1000,
    _ body: (KafkaMessage) -> Void = { _ in },
    until done: () -> Bool
) throws -> Int {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var total = 0
    while !done(), ContinuousClock.now < deadline {
        total += try consumer.poll(maxMessages: maxMessages, timeoutMillis: 50, body)
    }
    return total
}

func utf8(_ bytes: UnsafeRawBufferPointer?) -> String? {
    bytes.map { String(decoding: $0, as: UTF8.self) }
}
