import Foundation
import Testing
@testable import VigilKafka

@Suite(.tags(.component), .timeLimit(.minutes(1)))
struct KafkaProducerTests {
    @Test(arguments: [
        (["no.such.property": "1"], "no.such.property"),
        (["linger.ms": "soon"], "linger.ms"),
        (["acks": "most"], "acks"),
    ])
    func rejectsBadConfigurationWithAKafkaError(configuration: [String: String], key: String) {
        do {
            _ = try KafkaProducer(configuration: configuration)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(key))
        }
    }

    @Test func neverQuotesSecretValuesInErrors() {
        do {
            _ = try KafkaProducer(configuration: ["sasl.password.typo": "hunter2"])
            Issue.record("expected an error")
        } catch {
            #expect(!error.message.contains("hunter2"))
            #expect(error.message.contains("sasl.password.typo"))
        }
    }

    @Test func anUnknownPartitionFailsDeliveryThenSendsThrow() throws {
        let logs = LogCapture()
        let kafka = try MockKafka(topic: "known", partitions: 3)
        defer { kafka.cluster.close() }
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration, logger: logs.logger())
        defer { producer.close() }
        // Unknown before metadata arrives: accepted, then reported as a failed delivery.
        try producer.send(topic: kafka.topic, partition: 7, value: [1])
        try producer.flush(timeout: .seconds(10))
        #expect(producer.deliveryFailures == 1)
        #expect(producer.deliveredMessages == 0)
        // Known to be wrong now: rejected at once.
        #expect { try producer.send(topic: kafka.topic, partition: 7, value: [1]) } throws: { error in
            (error as? KafkaError)?.code == .unknownPartition
        }
        try producer.send(topic: kafka.topic, partition: 2, value: [2])
        try producer.flush(timeout: .seconds(10))
        #expect(producer.deliveredMessages == 1)
    }

    @Test func brokerErrorsAreCountedAsDeliveryFailures() throws {
        let logs = LogCapture()
        let kafka = try MockKafka(topic: "faulty", partitions: 1)
        defer { kafka.cluster.close() }
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration, logger: logs.logger())
        defer { producer.close() }
        try producer.send(topic: kafka.topic, value: [0])  // metadata and connection first
        try producer.flush(timeout: .seconds(10))
        // Not retriable: the message fails for good.
        try kafka.cluster.pushRequestErrors(apiKey: .produce, errors: [.messageSizeTooLarge])
        try producer.send(topic: kafka.topic, key: [1], value: [1])
        try producer.flush(timeout: .seconds(10))
        #expect(producer.deliveryFailures == 1)
        #expect(producer.deliveredMessages == 1)
        #expect(logs.records.contains { $0.message == "Kafka message delivery failed." && $0.metadata["kafka.error"] == "MSG_SIZE_TOO_LARGE" })
        // Retriable: librdkafka retries and the message gets through.
        try kafka.cluster.pushRequestErrors(apiKey: .produce, errors: [.notEnoughReplicas, .notEnoughReplicas])
        try producer.send(topic: kafka.topic, key: [2], value: [2])
        try producer.flush(timeout: .seconds(10))
        #expect(producer.deliveryFailures == 1)
        #expect(producer.deliveredMessages == 2)
    }

    @Test func concurrentSendersAreAllDelivered() async throws {
        let logs = LogCapture()
        let kafka = try MockKafka(topic: "shared", partitions: 3)
        defer { kafka.cluster.close() }
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration, logger: logs.logger())
        let threads = (0..<4).map { t in
            ConsumerThread(name: "vigil-test-p\(t)") { _ in
                for i in 0..<500 {
                    try? producer.send(topic: "shared", key: Array("\(t)-\(i)".utf8), value: [UInt8(t), UInt8(i & 0xFF)])
                }
            }
        }
        for thread in threads { thread.start() }
        for thread in threads { await thread.join() }
        try producer.flush(timeout: .seconds(20))
        #expect(producer.deliveredMessages == 2_000)
        #expect(producer.deliveryFailures == 0)
        #expect(producer.queuedMessages == 0)
        producer.close()
        producer.close()  // idempotent
        #expect(producer.queuedMessages == 0)
        #expect { try producer.send(topic: "shared", value: [1]) } throws: { error in
            (error as? KafkaError)?.code == .destroyed
        }
        #expect { try producer.flush(timeout: .seconds(1)) } throws: { error in
            (error as? KafkaError)?.code == .destroyed
        }
    }

    @Test func aFullQueueIsRetriedUntilTheEnqueueTimeout() throws {
        // No broker: nothing is ever delivered, so the one-message queue stays full.
        let producer = try KafkaProducer(
            configuration: ["bootstrap.servers": "127.0.0.1:1", "queue.buffering.max.messages": "1", "log_level": "0"],
            logger: LogCapture().logger(),
            enqueueTimeout: .milliseconds(300))
        defer { producer.close(flushTimeout: .zero) }
        try producer.send(topic: "t", value: [1])
        let start = ContinuousClock.now
        #expect { try producer.send(topic: "t", value: [2]) } throws: { error in
            (error as? KafkaError)?.code == .queueFull
        }
        #expect(start.duration(to: .now) >= .milliseconds(300))
    }
}
