import Foundation
import Logging
import Synchronization
import Testing
@testable import VigilKafka

@Suite(.tags(.component), .timeLimit(.minutes(1)))
struct KafkaConsumerTests {
    /// The payload for message `i`: text plus bytes that are not UTF-8, so the round-trip is byte-exact.
    static func payload(_ i: Int) -> [UInt8] {
        Array("{\"i\":\(i)}".utf8) + [0x00, 0xFF, UInt8(truncatingIfNeeded: i)]
    }

    @Test func consumesEveryMessageOnceCommitsAndHonoursCommittedOffsets() throws {
        let kafka = try MockKafka(topic: "events", partitions: 3)
        defer { kafka.cluster.close() }
        let count = 5_000
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration)
        let producedAt = Int64(Date().timeIntervalSince1970 * 1000)
        for i in 0..<count {
            try producer.send(topic: kafka.topic, key: Array("key-\(i)".utf8), value: Self.payload(i))
        }
        try producer.flush(timeout: .seconds(20))
        #expect(producer.deliveryFailures == 0)
        #expect(producer.deliveredMessages == count)
        producer.close()

        let logs = LogCapture()
        let consumer = try KafkaConsumer(configuration: kafka.consumerConfiguration(group: "round-trip"), logger: logs.logger(level: .info))
        try consumer.subscribe([kafka.topic])
        var seen: [Int32: Set<Int64>] = [:]
        var duplicates = 0, badPayloads = 0, badTopics = 0, missingTimestamps = 0
        var keysSeen = Set<Int>()
        let received = try pollUntil(consumer, timeout: .seconds(40), { message in
            if message.topicIndex != 0 { badTopics += 1 }
            if !seen[message.partition, default: []].insert(message.offset).inserted { duplicates += 1 }
            guard let key = utf8(message.key), key.hasPrefix("key-"), let i = Int(key.dropFirst(4)),
                  Array(message.payload) == Self.payload(i)
            else { badPayloads += 1; return }
            keysSeen.insert(i)
            if let timestamp = message.timestampMillis {
                if abs(timestamp - producedAt) > 60_000 { missingTimestamps += 1 }
            } else {
                missingTimestamps += 1
            }
        }, until: { seen.values.reduce(0) { $0 + $1.count } >= count })

        #expect(received == count)
        #expect(duplicates == 0)
        #expect(badPayloads == 0)
        #expect(badTopics == 0)
        #expect(missingTimestamps == 0)
        #expect(keysSeen.count == count)
        // Every (partition, offset) exactly once: offsets 0..<n in each of the 3 partitions.
        #expect(seen.keys.sorted() == [0, 1, 2])
        for (partition, offsets) in seen {
            #expect(offsets == Set(0..<Int64(offsets.count)), "partition \(partition) has gaps")
        }

        let partitions = (0..<3).map { TopicPartition(topic: kafka.topic, partition: Int32($0)) }
        #expect(consumer.takeRebalances().contains(.assigned(partitions)))
        #expect(consumer.takeRebalances().isEmpty)
        #expect(consumer.assignment == partitions)
        #expect(logs.records.contains { $0.message == "Kafka partitions assigned." })

        // Caught up: the lag of every assigned partition is known and 0.
        _ = try consumer.poll(maxMessages: 100, timeoutMillis: 200) { _ in }
        let lag = consumer.lag()
        #expect(lag == Dictionary(uniqueKeysWithValues: partitions.map { ($0, 0) }))

        try consumer.storeDeliveredOffsets()
        try consumer.commitSync()
        let committed = try consumer.committed(partitions)
        #expect(committed == Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(seen[$0.partition]!.count)) }))
        consumer.close()
        #expect(consumer.fatalErrorAfterCloseIsNotQueried)

        // A second member of the group starts from the committed offsets: nothing new to read.
        let secondLogs = LogCapture()
        let second = try KafkaConsumer(configuration: kafka.consumerConfiguration(group: "round-trip", ["debug": "cgrp"]), logger: secondLogs.logger(level: .debug))
        defer { for r in secondLogs.records { print(r.metadata["kafka.log"] ?? r.message) } }
        defer { second.close() }
        try second.subscribe([kafka.topic])
        var assigned = false
        var again = try pollUntil(second, timeout: .seconds(20), until: {
            assigned = assigned || second.takeRebalances().contains(.assigned(partitions))
            return assigned
        })
        #expect(assigned)
        again += try pollUntil(second, timeout: .milliseconds(1500), until: { false })
        #expect(again == 0)
        #expect(second.fatalError == nil)
    }
}

extension KafkaConsumer {
    /// Documentation aid for the test above: `close()` is idempotent.
    fileprivate var fatalErrorAfterCloseIsNotQueried: Bool { close(); return isClosed }
}
