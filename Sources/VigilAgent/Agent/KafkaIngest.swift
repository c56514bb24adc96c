import Foundation
import Synchronization
import VigilStats
import Logging
import VigilExposition
import VigilKafka

/// The consume loop (DESIGN "Concurrency"): runs on its own OS thread, polls batches from
/// librdkafka, decodes them into columns, applies them to the model pipelines, stores the
/// offsets of what was applied, and evaluates windows as watermarks advance.
///
/// Everything the loop owns (consumer handle, decoders, pipelines) lives on that thread.
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

    func start() { thread.start() }
    func requestStop() { thread.requestStop() }
    func join() async { await thread.join() }
    var failureMessage: String? { failure.get() }

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
        let topics = pipelines.inputs.map(\.name)
        let consumer = try KafkaConsumer(configuration: clientProperties(configuration), logger: logger)
        defer { consumer.close() }
        try consumer.subscribe(topics)
        status.setConsumerRunning(true)
        logger.info("Kafka consumer started.", metadata: ["kafka.topics": "\(topics.joined(separator: ","))", "kafka.group": "\(configuration.kafka.groupId)"])

        var messagesPerTopic = Array(repeating: 0, count: topics.count)
        var referenceGenerations = pipelines.pipelines.map(\.referenceGeneration)
        var lastLagUpdate: Int64 = 0
        for topic in topics { metrics.initialize(MetricCatalog.kafkaMessagesTotal, labels: [topic]) }
        metrics.initialize(MetricCatalog.kafkaRebalancesTotal, labels: [])

        while !shouldStop() {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let polled = try consumer.poll(maxMessages: 4096, timeoutMillis: 10) { message in
                messagesPerTopic[message.topicIndex] += 1
                _ = pipelines.decode(input: message.topicIndex, message.payload, partition: message.partition,
                                     offset: message.offset, nowMillis: now)
            }
            for event in consumer.takeRebalances() {
                metrics.increment(MetricCatalog.kafkaRebalancesTotal, labels: [], by: 1)
                switch event {
                case .assigned(let partitions):
                    for topic in Set(partitions.map(\.topic)) {
                        pipelines.assign(topic: topic, partitions: partitions.filter { $0.topic == topic }.map(\.partition), nowMillis: now)
                    }
                    logger.info("Partitions assigned.", metadata: ["kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))"])
                case .revoked(let partitions):
                    for topic in Set(partitions.map(\.topic)) {
                        pipelines.revoke(topic: topic, partitions: partitions.filter { $0.topic == topic }.map(\.partition))
                    }
                    logger.info("Partitions revoked.", metadata: ["kafka.partitions": "\(partitions.map(\.description).joined(separator: ","))"])
                }
                status.setAssignment(consumer.assignment.map { .init(topic: $0.topic, partition: $0.partition) })
            }
            if let fatal = consumer.fatalError { throw fatal }
            let before = pipelines.acceptedByModel
            pipelines.flush(nowMillis: now)
            for (index, pipeline) in pipelines.pipelines.enumerated() where pipeline.referenceGeneration != referenceGenerations[index] {
                referenceGenerations[index] = pipeline.referenceGeneration
                status.setAnomalyStatus(model: pipeline.settings.name, AnomalyStatus.describe(pipeline.settings, reference: pipeline.reference))
                logger.info("Reference built from warm-up events.", metadata: ["model": "\(pipeline.settings.name)"])
            }
            for (index, model) in configuration.models.enumerated() {
                status.addEvents(model: model.name, pipelines.acceptedByModel[index] - before[index])
            }
            if polled > 0 {
                try consumer.storeDeliveredOffsets()
                for (index, count) in messagesPerTopic.enumerated() where count > 0 {
                    metrics.increment(MetricCatalog.kafkaMessagesTotal, labels: [topics[index]], by: Double(count))
                    messagesPerTopic[index] = 0
                }
            }
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
        pipelines.flush(nowMillis: Int64(Date().timeIntervalSince1970 * 1000), evaluate: false)
        try consumer.storeDeliveredOffsets()
        do { try consumer.commitSync() } catch {
            logger.warning("Final offset commit failed.", metadata: ["error": "\(error)"])
        }
    }
}

final class FailureBox: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ message: String) { value.withLock { $0 = message } }
    func get() -> String? { value.withLock { $0 } }
}
