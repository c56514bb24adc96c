import Foundation
import Logging
import VigilSync
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
        consumer.close()  // idempotent
        #expect(consumer.isClosed)

        // A second member of the group starts from the committed offsets: nothing new to read.
        let second = try KafkaConsumer(configuration: kafka.consumerConfiguration(group: "round-trip"), logger: logs.logger(level: .warning))
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

    /// What the consumer thread observed, checked on the test's side after `join()`.
    struct ThreadObservations: Sendable {
        var failure: String?
        var rebalances: [RebalanceEvent] = []
        var withHeaders: (partition: Int32, offset: Int64, keyIsNull: Bool, value: String?, reason: String?, missing: Bool, all: [String])?
        var nullValue: (partition: Int32, key: String?, payloadCount: Int)?
        var earliest: [TopicPartition: Int64] = [:]
        var future: [TopicPartition: Int64] = [:]
        var whilePaused = -1
        var afterResume: [Int64] = []
        var afterSeek: [Int64] = []
        var lag: [TopicPartition: Int64] = [:]
    }

    @Test func runsOnAConsumerThreadWithCooperativeRebalancingHeadersPauseAndSeek() async throws {
        let kafka = try MockKafka(topic: "dead-letters", partitions: 3)
        defer { kafka.cluster.close() }
        let topic = kafka.topic
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration)
        defer { producer.close() }
        try producer.send(
            topic: topic, partition: 1, value: Array("with-headers".utf8),
            headers: [("vigil-reason", Array("malformed".utf8)), ("vigil-source", Array("events/2/17".utf8)), ("empty", [])])
        try producer.send(topic: topic, partition: 0, key: Array("k".utf8), value: [])
        try producer.flush(timeout: .seconds(10))
        #expect(producer.deliveryFailures == 0)

        let logs = LogCapture()
        let observations = Locked(ThreadObservations())
        let configuration = kafka.consumerConfiguration(
            group: "cooperative", ["partition.assignment.strategy": "cooperative-sticky", "debug": "cgrp"])
        let logger = logs.logger(level: .debug)
        let p = (0..<3).map { TopicPartition(topic: topic, partition: Int32($0)) }
        let thread = ConsumerThread(name: "vigil-test-cons") { shouldStop in
            var seen = ThreadObservations()
            defer { observations.withLock { $0 = seen } }
            do {
                let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
                defer { consumer.close() }
                try consumer.subscribe([topic])
                var received = 0
                try pollUntil(consumer, timeout: .seconds(20), { message in
                    received += 1
                    if message.partition == 1 {
                        seen.withHeaders = (
                            message.partition, message.offset, message.key == nil, utf8(message.payload),
                            utf8(message.header(named: "vigil-reason")), message.header(named: "absent") != nil,
                            message.headers.map { "\($0.name)=\(String(decoding: $0.value, as: UTF8.self))" })
                    } else {
                        seen.nullValue = (message.partition, utf8(message.key), message.payload.count)
                    }
                }, until: { received == 2 || shouldStop() })

                seen.earliest = try consumer.offsetsForTimes(p, timestampMillis: 0)
                seen.future = try consumer.offsetsForTimes(p, timestampMillis: Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000)

                consumer.pause([p[1]])
                try producer.send(topic: topic, partition: 1, value: Array("after-pause".utf8))
                try producer.flush(timeout: .seconds(10))
                seen.whilePaused = try pollUntil(consumer, timeout: .seconds(1), until: { false })
                consumer.resume([p[1]])
                try pollUntil(consumer, timeout: .seconds(10), { seen.afterResume.append($0.offset) }, until: { !seen.afterResume.isEmpty })

                try consumer.seek(p[1], to: 0)
                try pollUntil(consumer, timeout: .seconds(10), { seen.afterSeek.append($0.offset) }, until: { seen.afterSeek.count >= 2 })
                seen.lag = consumer.lag()
                try consumer.storeDeliveredOffsets()
                seen.rebalances = consumer.takeRebalances()
            } catch {
                seen.failure = "\(error)"
            }
        }
        thread.start()
        await thread.join()
        #expect(thread.isFinished)

        let seen = observations.withLock { $0 }
        #expect(seen.failure == nil)
        // Cooperative protocol: one incremental assignment of all three partitions.
        #expect(seen.rebalances == [.assigned(p)])
        let headers = try #require(seen.withHeaders)
        #expect(headers.partition == 1 && headers.offset == 0 && headers.keyIsNull)
        #expect(headers.value == "with-headers")
        #expect(headers.reason == "malformed")
        #expect(!headers.missing)
        #expect(headers.all == ["vigil-reason=malformed", "vigil-source=events/2/17", "empty="])
        let nullValue = try #require(seen.nullValue)
        #expect(nullValue.partition == 0 && nullValue.key == "k" && nullValue.payloadCount == 0)
        // librdkafka 2.0.2's mock broker answers every ListOffsets-by-timestamp with -1 (a FIXME in
        // rdkafka_mock_handlers.c); a real broker answers 0 for the two non-empty partitions.
        #expect(Set(seen.earliest.keys) == Set(p))
        #expect(seen.earliest[p[2]] == KafkaOffset.end)
        #expect([0, KafkaOffset.end].contains(seen.earliest[p[0]]) && [0, KafkaOffset.end].contains(seen.earliest[p[1]]))
        #expect(seen.future == [p[0]: KafkaOffset.end, p[1]: KafkaOffset.end, p[2]: KafkaOffset.end])
        #expect(seen.whilePaused == 0)
        #expect(seen.afterResume == [1])
        #expect(seen.afterSeek == [0, 1])
        #expect(seen.lag[p[0]] == 0 && seen.lag[p[1]] == 0)
        // Every librdkafka log line was served on the consumer thread (log.queue forwarding).
        let records = logs.records
        #expect(records.contains { $0.message == "librdkafka log." })
        #expect(records.allSatisfy { $0.thread == "vigil-test-cons" })
    }

    /// Offsets taken with `takeDeliveredOffsets` (`vigil run` hands each poll to the window thread)
    /// reach a commit only once stored: before `store`, a commit commits nothing; after it, the
    /// position after each partition's last message (the 60 + 40 messages this test produced).
    @Test func takenOffsetsAreCommittedOnlyOnceStored() throws {
        let kafka = try MockKafka(topic: "events", partitions: 2)
        defer { kafka.cluster.close() }
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration)
        for i in 0..<100 { try producer.send(topic: kafka.topic, partition: i < 60 ? 0 : 1, value: Self.payload(i)) }
        try producer.flush(timeout: .seconds(20))
        producer.close()

        let consumer = try KafkaConsumer(configuration: kafka.consumerConfiguration(group: "taken", ["enable.auto.commit": "false"]),
                                         logger: LogCapture().logger(level: .warning))
        defer { consumer.close() }
        try consumer.subscribe([kafka.topic])
        var received = 0
        _ = try pollUntil(consumer, timeout: .seconds(30), { _ in received += 1 }, until: { received >= 100 })
        #expect(received == 100)
        let taken = consumer.takeDeliveredOffsets()
        #expect(!taken.isEmpty)
        #expect(consumer.takeDeliveredOffsets().isEmpty)   // taken once

        let partitions = [0, 1].map { TopicPartition(topic: kafka.topic, partition: Int32($0)) }
        try consumer.commitSync()
        #expect(try consumer.committed(partitions).isEmpty)

        try consumer.store(taken)
        try consumer.commitSync()
        #expect(try consumer.committed(partitions) == [partitions[0]: 60, partitions[1]: 40])
    }

    /// `wakeFetchers` (called by `vigil run` after draining a backlog) only wakes librdkafka's
    /// fetchers: with local queue limits far below the topic's size, so that fetching stops and
    /// resumes again and again, calling it after every poll still delivers each of the 2,000
    /// messages exactly once, in offset order per partition. Its speed effect is measured by
    /// `make bench-e2e` (timing assertions would be flaky here).
    @Test func wakingTheFetchersLosesAndRepeatsNothing() throws {
        let kafka = try MockKafka(topic: "events", partitions: 2)
        defer { kafka.cluster.close() }
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration)
        for i in 0..<2_000 { try producer.send(topic: kafka.topic, partition: Int32(i % 2), value: Self.payload(i)) }
        try producer.flush(timeout: .seconds(20))
        producer.close()

        let consumer = try KafkaConsumer(
            configuration: kafka.consumerConfiguration(group: "wake", ["queued.min.messages": "50", "queued.max.messages.kbytes": "1"]),
            logger: LogCapture().logger(level: .warning))
        defer { consumer.close() }
        consumer.wakeFetchers()   // nothing assigned yet: nothing to do
        try consumer.subscribe([kafka.topic])
        var offsets: [Int32: [Int64]] = [:]
        let deadline = ContinuousClock.now + .seconds(40)
        while offsets.values.reduce(0, { $0 + $1.count }) < 2_000, ContinuousClock.now < deadline {
            _ = try consumer.poll(maxMessages: 64, timeoutMillis: 50) { offsets[$0.partition, default: []].append($0.offset) }
            consumer.wakeFetchers()
        }
        let eachOnceInOrder = offsets[0] == Array(0..<1_000) && offsets[1] == Array(0..<1_000)
        #expect(eachOnceInOrder, "received \(offsets[0]?.count ?? 0) + \(offsets[1]?.count ?? 0) messages")
    }

    @Test func rejectsAMissingGroupAndUnknownProperties() throws {
        let logger = LogCapture().logger()
        #expect(throws: KafkaError.self) { _ = try KafkaConsumer(configuration: ["bootstrap.servers": "127.0.0.1:1"], logger: logger) }
        do {
            _ = try KafkaConsumer(configuration: ["group.id": "g", "no.such.property": "1"], logger: logger)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("no.such.property"))
        }
    }

    @Test func startOffsetsOnAssignOverrideTheCommittedPosition() throws {
        let kafka = try MockKafka(topic: "replay", partitions: 1)
        defer { kafka.cluster.close() }
        let producer = try KafkaProducer(configuration: kafka.producerConfiguration, logger: LogCapture().logger())
        for i in 0..<10 { try producer.send(topic: kafka.topic, value: [UInt8(i)]) }
        try producer.flush(timeout: .seconds(10))
        producer.close()

        let consumer = try KafkaConsumer(configuration: kafka.consumerConfiguration(group: "replay"), logger: LogCapture().logger())
        let partition = TopicPartition(topic: kafka.topic, partition: 0)
        var asked: [[TopicPartition]] = []
        consumer.startOffsetsOnAssign = { assigned in
            asked.append(assigned)
            return [partition: 7]
        }
        try consumer.subscribe([kafka.topic])
        try consumer.commitSync()  // nothing stored yet: not an error
        var offsets: [Int64] = []
        var payloads: [UInt8] = []
        try pollUntil(consumer, timeout: .seconds(20), {
            offsets.append($0.offset)
            payloads.append(contentsOf: $0.payload)
        }, until: { offsets.count >= 3 })
        #expect(asked == [[partition]])
        #expect(offsets == [7, 8, 9])
        #expect(payloads == [7, 8, 9])
        try consumer.storeDeliveredOffsets()
        consumer.close()
        // close() revoked the assignment through the rebalance callback and committed offset 10.
        #expect(consumer.takeRebalances() == [.assigned([partition]), .revoked([partition])])
    }
}
