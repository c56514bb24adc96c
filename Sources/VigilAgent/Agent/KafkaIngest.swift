import Foundation
import VigilSync
import VigilStats
import Logging
import VigilExposition
import VigilEvents
import VigilKafka
import VigilAlerting

/// The consume loop (DESIGN "Concurrency"): runs on its own OS thread, polls batches from
/// librdkafka and decodes them into columns; a `PipelineWorker` thread applies them to the model
/// pipelines and evaluates windows as watermarks advance; the loop stores the offsets of what the
/// worker applied.
///
/// The consumer handle and decoders live on the loop's thread, the rest of the pipelines on the
/// worker's, except while the loop has drained the worker (rebalances, replay commits, stop).
final class KafkaIngest: Sendable {
    private let configuration: Configuration
    private let metrics: MetricsRegistry
    private let status: StatusBoard
    private let logger: Logger
    private let thread: ConsumerThread
    private let failure = FailureBox()
    /// Windows evaluated, for extra sinks (the demo's summary); called on the consumer thread.
    private let onWindow: @Sendable (WindowReport) -> Void

    init(configuration: Configuration, references: [ReferenceProfile?], metrics: MetricsRegistry, status: StatusBoard, logger: Logger,
         onWindow: @escaping @Sendable (WindowReport) -> Void = { _ in }) {
        self.configuration = configuration
        self.metrics = metrics
        self.status = status
        self.logger = logger
        self.onWindow = onWindow
        let failure = self.failure
        thread = ConsumerThread(name: "vigil-consumer") { shouldStop in
            do {
                try KafkaIngest.consume(configuration: configuration, references: references, metrics: metrics, status: status, logger: logger,
                                        onWindow: onWindow, shouldStop: shouldStop)
            } catch {
                logger.error("Kafka consumer stopped.", metadata: ["error": "\(error)"])
                status.setFatal("\(error)")
                failure.set("\(error)")
            }
            status.setConsumerRunning(false)
        }
    }

    /// The consume loop's nap between small polls (see `consume`).
    static let idleNapMicros: UInt32 = 50_000
    /// How often the consume loop hands the window thread an empty submission when polls bring
    /// nothing (processing time moves windows on: idle timeouts). Each one wakes that thread; at a
    /// sidecar's rate most polls are empty, librdkafka queueing fetched messages in bursts.
    static let idleSubmitMillis: Int64 = 250
    /// Decoded polls waiting for the window thread before polling blocks (back-pressure): at most
    /// 8 × 4096 events, ~7 MB of standard events.
    static let workerCapacity = 8

    func start() { thread.start() }
    func requestStop() { thread.requestStop() }
    func join() async { await thread.join() }
    var failureMessage: String? { failure.get() }

    /// Producer settings for dead letters: the user's properties (security) and the brokers.
    static func producerProperties(_ configuration: Configuration) -> [String: String] {
        var properties = configuration.kafka.properties
        properties["bootstrap.servers"] = configuration.kafka.brokers ?? "localhost:9092"
        properties["client.id"] = configuration.kafka.clientId + "-dead-letters"
        for consumerOnly in ["auto.offset.reset", "enable.auto.commit", "group.id", "session.timeout.ms", "heartbeat.interval.ms",
                             "max.poll.interval.ms", "enable.partition.eof", "fetch.min.bytes", "fetch.max.bytes", "isolation.level"] {
            properties[consumerOnly] = nil
        }
        return properties
    }

    static func clientProperties(_ configuration: Configuration) -> [String: String] {
        var properties = configuration.kafka.properties
        properties["bootstrap.servers"] = configuration.kafka.brokers ?? "localhost:9092"
        properties["group.id"] = configuration.kafka.groupId
        properties["client.id"] = configuration.kafka.clientId
        if properties["auto.offset.reset"] == nil {
            switch configuration.kafka.startFrom {
            case .latest: properties["auto.offset.reset"] = "latest"
            default: properties["auto.offset.reset"] = "earliest"
            }
        }
        return properties
    }

    private static func consume(configuration: Configuration, references: [ReferenceProfile?], metrics: MetricsRegistry, status: StatusBoard, logger: Logger,
                                onWindow: @escaping @Sendable (WindowReport) -> Void, shouldStop: () -> Bool) throws {
        let pipelines = Pipelines(configuration: configuration, metrics: metrics, byTopic: true, references: references)
        pipelines.onWindow = { report in
            status.recordWindow(report)
            onWindow(report)
        }
        var topics = pipelines.inputs.map(\.name)
        // SPEC §4 `labels.topic`: delayed ground truth, joined to predictions by event id.
        let labelsIndex: Int? = configuration.labels.map { labels in
            topics.append(labels.topic)
            return topics.count - 1
        }
        var properties = clientProperties(configuration)
        let replays = configuration.kafka.startFrom == .window
        // Replay points travel as offset-commit metadata, which librdkafka 2.0's offset store (what
        // auto-commit commits) cannot carry: commit by hand instead (see `ReplayCoordinator`).
        if replays { properties["enable.auto.commit"] = "false" }
        let commitIntervalMillis = Int64(properties["auto.commit.interval.ms"] ?? "") ?? 5000
        let consumer = try KafkaConsumer(configuration: properties, logger: logger)
        defer { consumer.close() }

        // This thread polls and decodes; window updates, evaluation and publishing run on the
        // worker's (issue 11: the two halves of the work on the two cores). After each submission
        // the worker reports to the status board.
        var referenceGenerations = pipelines.pipelines.map(\.referenceGeneration)
        var reportedEvents = pipelines.acceptedByModel
        let worker = PipelineWorker(pipelines: pipelines, capacity: KafkaIngest.workerCapacity) {
            for (index, pipeline) in pipelines.pipelines.enumerated() where pipeline.referenceGeneration != referenceGenerations[index] {
                referenceGenerations[index] = pipeline.referenceGeneration
                status.setAnomalyStatus(model: pipeline.settings.name, AnomalyStatus.describe(pipeline.settings, reference: pipeline.reference))
                logger.info("Reference built from warm-up events.", metadata: ["model": "\(pipeline.settings.name)"])
            }
            for (index, model) in configuration.models.enumerated() where pipelines.acceptedByModel[index] != reportedEvents[index] {
                status.addEvents(model: model.name, pipelines.acceptedByModel[index] - reportedEvents[index])
                reportedEvents[index] = pipelines.acceptedByModel[index]
            }
        }
        // Runs before `consumer.close()`: everything submitted is applied before the final revoke.
        defer { worker.finish() }

        // Without replay, offsets are stored for auto-commit only once the worker applied their
        // messages: (submission number, offsets delivered by the polls before it), oldest first.
        var pendingStores: [(submission: Int, offsets: DeliveredOffsets)] = []
        func storeApplied(through completed: Int) throws(KafkaError) {
            var stored = 0
            defer { pendingStores.removeFirst(stored) }
            while stored < pendingStores.count, pendingStores[stored].submission <= completed {
                try consumer.store(pendingStores[stored].offsets)
                stored += 1
            }
        }

        var coordinator: ReplayCoordinator?
        if replays {
            let rules = AlertRules.from(configuration)
            // Evaluated windows re-run after a restart, so `for` timers resume where they were (≤ 1 h).
            let history: (ModelSettings) -> Int64 = { model in
                min(rules.filter { $0.model == nil || $0.model == model.name }.map { $0.holdMillis + $0.keepFiringMillis }.max() ?? 0, 3_600_000)
            }
            pipelines.trackReplay(historyMillis: history)
            let replay = ReplayCoordinator(
                consumer: consumer, pipelines: pipelines, topics: topics, labelsTopic: configuration.labels?.topic,
                lookBackMillis: ReplayCoordinator.lookBack(configuration, history: history), logger: logger,
                now: { Int64(Date().timeIntervalSince1970 * 1000) })
            // The hooks run inside `poll` on this thread and read or restore window state: the
            // worker finishes what it has first.
            consumer.startOffsetsOnAssign = { [unowned replay] assigned in
                worker.drain()
                return replay.startOffsets(assigned)
            }
            coordinator = replay
        }
        // Partitions about to go: apply everything delivered, so what is committed on revoke
        // (auto-commit's stored offsets, or the coordinator's commit) covers all of it.
        consumer.onRevoke = { [coordinator] revoked, lost in
            worker.drain()
            do { try storeApplied(through: .max) } catch {
                logger.warning("Storing offsets before a revoke failed.", metadata: ["error": "\(error)"])
            }
            coordinator?.revoking(revoked, lost: lost)
        }
        try consumer.subscribe(topics)
        status.setConsumerRunning(true)
        logger.info("Kafka consumer started.", metadata: ["kafka.topics": "\(topics.joined(separator: ","))", "kafka.group": "\(configuration.kafka.groupId)"])

        let deadLetters = try configuration.kafka.deadLetterTopic.map { topic throws(KafkaError) in
            try DeadLetters(topic: topic, properties: producerProperties(configuration), logger: logger)
        }
        defer { deadLetters?.close() }
        var messagesPerTopic = Array(repeating: 0, count: topics.count)
        var lastLagUpdate: Int64 = 0
        var lastCommit: Int64 = 0
        var lastBrokerProbe: Int64 = 0
        // Whether the decoded events not yet submitted are counted (false while replaying).
        var pendingCounted = true
        for topic in topics { metrics.initialize(MetricCatalog.kafkaMessagesTotal, labels: [topic]) }
        metrics.initialize(MetricCatalog.kafkaRebalancesTotal, labels: [])

        // Below a quarter batch per poll the loop naps between polls instead of waiting inside
        // librdkafka: a waiting consumer is woken by every fetch response librdkafka queues (some
        // hundred times a second at 5,000 events/s), a napping one finds them queued and takes them
        // in one batch (issue 11: CPU at a sidecar's rate). Busy, it never naps, so throughput and
        // back-pressure are as before; a nap delays an event by at most `idleNapMicros`.
        let batchSize = 4096
        var payloads: [[UnsafeRawBufferPointer]] = Array(repeating: [], count: pipelines.inputs.count)
        var nap = false
        var previousPolled = 0
        var lastIdleSubmit: Int64 = 0
        var heapTrimmer = HeapTrimmer()
        while !shouldStop() {
            if nap { usleep(KafkaIngest.idleNapMicros) }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var decodeStarted = ContinuousClock.now
            let polled = try consumer.poll(maxMessages: batchSize, timeoutMillis: nap ? 0 : 10, prepare: { messages in
                decodeStarted = ContinuousClock.now
                // Every event topic's messages parsed at once, on every core; decoded below in order.
                for index in payloads.indices { payloads[index].removeAll(keepingCapacity: true) }
                for message in messages where message.topicIndex < payloads.count && message.topicIndex != labelsIndex {
                    payloads[message.topicIndex].append(message.payload)
                }
                // Empty ones too: that drops whatever an earlier poll prepared and did not decode,
                // whose buffers librdkafka has since freed.
                for (index, batch) in payloads.enumerated() { pipelines.prepare(input: index, batch) }
            }) { message in
                let replayed = coordinator?.isReplay(topicIndex: message.topicIndex, partition: message.partition, offset: message.offset) ?? false
                if replayed == pendingCounted {
                    // Replayed and new events never share a submission: only the new ones are counted.
                    worker.submit(.init(decoded: pipelines.takeDecoded(), nowMillis: now, evaluate: true, counted: pendingCounted))
                    pendingCounted = !replayed
                }
                if !replayed { messagesPerTopic[message.topicIndex] += 1 }
                if message.topicIndex == labelsIndex {
                    pipelines.decodeLabel(message.payload, nowMillis: now)
                    return
                }
                let outcome = pipelines.decode(input: message.topicIndex, message.payload, partition: message.partition,
                                               offset: message.offset, nowMillis: now)
                if !replayed, let deadLetters, case .rejected(let reason, _) = outcome {
                    deadLetters.send(message, reason: reason, topic: topics[message.topicIndex])
                }
            }
            if polled > 0 {
                // SPEC §9: parsing and decoding the poll (from its messages' arrival, not the wait).
                metrics.observe(MetricCatalog.processingDurationSeconds, labels: [ProcessingStage.decode.rawValue],
                                (ContinuousClock.now - decodeStarted).seconds)
            }
            // A full batch, then less: the loop has just drained a backlog from librdkafka's queue,
            // whose fetchers may now sleep for up to a second (see `KafkaConsumer.wakeFetchers`).
            if polled < batchSize, previousPolled == batchSize { consumer.wakeFetchers() }
            previousPolled = polled
            let rebalances = consumer.takeRebalances()
            if !rebalances.isEmpty {
                // Assignment changes touch window state: the worker finishes what it has first.
                worker.drain()
            }
            for event in rebalances {
                metrics.increment(MetricCatalog.kafkaRebalancesTotal, labels: [], by: 1)
                switch event {
                case .assigned(let partitions):
                    for topic in Set(partitions.map(\.topic)) {
                        pipelines.assign(topic: topic, partitions: partitions.filter { $0.topic == topic }.map(\.partition), nowMillis: now)
                    }
                    logger.info("Partitions assigned.", metadata: ["kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))"])
                case .revoked(let partitions):
                    coordinator?.forget(partitions)
                    for topic in Set(partitions.map(\.topic)) {
                        pipelines.revoke(topic: topic, partitions: partitions.filter { $0.topic == topic }.map(\.partition))
                    }
                    logger.info("Partitions revoked.", metadata: ["kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))"])
                }
                status.setAssignment(consumer.assignment.map { .init(topic: $0.topic, partition: $0.partition) })
            }
            if let fatal = consumer.fatalError { throw fatal }
            // Submitted also when nothing was polled, every `idleSubmitMillis`: evaluation follows
            // processing time too (idle timeouts). Nothing is decoded outside a poll.
            var submission: Int?
            if polled > 0 || now - lastIdleSubmit >= KafkaIngest.idleSubmitMillis {
                if polled == 0 { lastIdleSubmit = now }
                submission = worker.submit(.init(decoded: pipelines.takeDecoded(), labels: pipelines.takeDecodedLabels(),
                                                 nowMillis: now, evaluate: true, counted: pendingCounted))
            }
            if let coordinator {
                if now - lastCommit >= commitIntervalMillis {
                    lastCommit = now
                    // Replay points come from window state: commit what the worker has applied.
                    worker.drain()
                    coordinator.commit(async: true)
                }
            } else {
                if polled > 0, let submission { pendingStores.append((submission, consumer.takeDeliveredOffsets())) }
                if !pendingStores.isEmpty { try storeApplied(through: worker.completedCount) }
            }
            if polled > 0 {
                for (index, count) in messagesPerTopic.enumerated() where count > 0 {
                    metrics.increment(MetricCatalog.kafkaMessagesTotal, labels: [topics[index]], by: Double(count))
                    messagesPerTopic[index] = 0
                }
            }
            // SPEC §8 `/readyz`: an outage (librdkafka reported every broker down) shows until a
            // broker answers again or a message arrives.
            if consumer.brokersDown, now - lastBrokerProbe >= 1000 {
                lastBrokerProbe = now
                consumer.probeBrokers()
            }
            status.setBrokersDown(consumer.brokersDown)
            nap = polled < batchSize / 4
            heapTrimmer.polled(polled, nowMillis: now)
            if now - lastLagUpdate >= 5000 {
                lastLagUpdate = now
                let lag = consumer.lag()
                for (tp, value) in lag {
                    metrics.set(MetricCatalog.kafkaConsumerLagMessages, labels: [tp.topic, String(tp.partition)], Double(value))
                }
                status.setAssignment(consumer.assignment.map { .init(topic: $0.topic, partition: $0.partition, offset: nil, lag: lag[$0]) })
            }
        }
        logger.info("Kafka consumer stopping: committing offsets.")
        worker.submit(.init(decoded: pipelines.takeDecoded(), labels: pipelines.takeDecodedLabels(),
                            nowMillis: Int64(Date().timeIntervalSince1970 * 1000), evaluate: false, counted: pendingCounted))
        worker.drain()
        if let coordinator {
            coordinator.commit(async: false)
        } else {
            try storeApplied(through: .max)
            do { try consumer.commitSync() } catch {
                logger.warning("Final offset commit failed.", metadata: ["error": "\(error)"])
            }
        }
        logger.info("Kafka consumer stopped.", metadata: ["events": "\(pipelines.acceptedTotal)"])
    }
}

final class FailureBox: Sendable {
    private let value = Locked<String?>(nil)
    func set(_ message: String) { value.withLock { $0 = message } }
    func get() -> String? { value.withLock { $0 } }
}

/// SPEC §3 `kafka.dead_letter_topic`: rejected messages are produced there unchanged (key and
/// value), with headers `vigil-reason` and `vigil-source` (topic/partition/offset). Sending only
/// enqueues (librdkafka retries delivery); a full queue drops the dead letter rather than
/// stalling consumption, and failures are logged with their count. Late events are rejected after
/// decoding, when their bytes are gone, so they are counted but not dead-lettered.
final class DeadLetters {
    private let producer: KafkaProducer
    private let topic: String
    private let logger: Logger
    private var dropped = 0
    private var lastReportedFailures = 0

    init(topic: String, properties: [String: String], logger: Logger) throws(KafkaError) {
        producer = try KafkaProducer(configuration: properties, logger: logger, enqueueTimeout: .zero)
        self.topic = topic
        self.logger = logger
    }

    func send(_ message: KafkaMessage, reason: RejectionReason, topic source: String) {
        let headers: [(String, [UInt8])] = [
            ("vigil-reason", Array(reason.rawValue.utf8)),
            ("vigil-source", Array("\(source)/\(message.partition)/\(message.offset)".utf8)),
        ]
        do {
            try producer.send(topic: topic, key: message.key.map { Array($0) }, value: message.payload, headers: headers)
        } catch {
            dropped += 1
            if dropped == 1 || dropped % 1000 == 0 {
                logger.warning("Dead letter not enqueued.", metadata: ["kafka.topic": "\(topic)", "dead_letters.dropped": "\(dropped)", "error": "\(error)"])
            }
        }
        let failures = producer.deliveryFailures
        if failures > lastReportedFailures {
            lastReportedFailures = failures
            logger.warning("Dead letters failed delivery.", metadata: ["kafka.topic": "\(topic)", "dead_letters.failed": "\(failures)"])
        }
    }

    func close() { producer.close() }
}
