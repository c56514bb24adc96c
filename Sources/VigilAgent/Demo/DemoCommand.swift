import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilSync
import VigilExposition
import VigilKafka
import VigilStats

/// `vigil demo` (SPEC §2): an embedded Kafka (librdkafka mock cluster), a synthetic model
/// producing events whose inputs drift after `--drift-after`, and the agent consuming them.
package enum DemoCommand {
    package struct Options: Sendable {
        package var port: Int
        package var rate: Int
        package var driftAfter: String
        package var duration: String?
        package var configurationPath: String?

        package init(port: Int, rate: Int, driftAfter: String, duration: String?, configurationPath: String?) {
            self.port = port
            self.rate = rate
            self.driftAfter = driftAfter
            self.duration = duration
            self.configurationPath = configurationPath
        }
    }

    static let topic = "demo-predictions"

    package static func run(_ options: Options) async throws {
        guard let driftAfter = ConfigDuration.parse(options.driftAfter) else {
            throw UsageError("--drift-after: \"\(options.driftAfter)\" is not a duration")
        }
        let duration = try options.duration.map { text throws(UsageError) -> Duration in
            guard let value = ConfigDuration.parse(text), value > .zero else { throw UsageError("--duration: \"\(text)\" is not a positive duration") }
            return value
        }
        guard (1...1_000_000).contains(options.rate) else { throw UsageError("--rate: must be 1...1000000") }
        guard (0...65535).contains(options.port) else { throw UsageError("--port: must be 0...65535") }

        let logger = Logger(label: "vigil.demo")
        let cluster = try MockCluster(brokers: 1, logger: logger)
        defer { cluster.close() }
        try cluster.createTopic(topic, partitions: 3)

        var configuration = try loadConfiguration(options.configurationPath)
        configuration.kafka.brokers = cluster.bootstrapServers
        configuration.http.port = options.port

        let terminal = isatty(STDOUT_FILENO) != 0
        let summary = DemoSummary(modelName: configuration.models[0].name, terminal: terminal)
        let port = Locked(options.port)
        let agent = Agent(
            configuration: configuration, logger: Logger(label: "vigil"),
            onWindow: { summary.record($0) },
            onListening: { bound in
                port.withLock { $0 = bound }
                print("vigil demo: metrics at http://127.0.0.1:\(bound)/metrics  (Ctrl-C to stop)")
                fflush(nil)
            })
        let producer = DemoProducer(bootstrap: cluster.bootstrapServers, rate: options.rate, driftAfter: driftAfter, logger: logger)
        var extra: [any Service] = [producer, SummaryPrinter(summary: summary, agent: agent, producer: producer)]
        if let duration { extra.append(StopAfter(duration: duration)) }
        print("vigil demo: embedded Kafka at \(cluster.bootstrapServers), topic \(topic) (3 partitions); \(options.rate) events/s; drift and anomalies after \(ConfigDuration.format(driftAfter))")
        fflush(nil)
        try await agent.run(extra: extra)
        print(summary.finalLine(agent: agent, producer: producer))
    }

    static func loadConfiguration(_ path: String?) throws -> Configuration {
        if let path { return try Configuration.load(path: path) }
        for candidate in ["config/demo.yaml", (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/../../config/demo.yaml"]
        where FileManager.default.fileExists(atPath: candidate) {
            return try Configuration.load(path: candidate)
        }
        return try Configuration.parse(yaml: builtInConfiguration, environment: ProcessInfo.processInfo.environment)
    }

    /// config/demo.yaml, for when the binary runs outside the source tree.
    static let builtInConfiguration = """
        kafka: {brokers: "localhost:9092", group_id: vigil-demo, idle_timeout: 5s}
        http: {listen: "127.0.0.1:9877"}
        models:
          - name: demo
            topic: demo-predictions
            task: binary_classification
            features:
              - {name: amount, type: numeric}
              - {name: age, type: numeric}
              - {name: utilization, type: numeric}
              - {name: merchant_category, type: categorical}
              - {name: is_foreign, type: categorical}
            reference: {warmup_events: 20000}
            window: {size: 20s, slide: 5s, lateness: 1s}
            max_window_samples: 50000
        alerts:
          - {name: DatasetDrift, metric: dataset_drifted, op: "==", threshold: 1, for: 10s, severity: warning}
          - {name: FeatureDrift, metric: feature_drifted, op: "==", threshold: 1, for: 10s, severity: warning}
          - {name: AnomalyRateHigh, metric: anomaly_ratio, op: ">", threshold: 0.01, for: 5s, severity: critical}
        notify: {log: false}
        """
}

/// Produces synthetic events at a steady rate on its own thread.
final class DemoProducer: Service, Sendable {
    private let bootstrap: String
    private let rate: Int
    private let driftAfter: Duration
    private let logger: Logger
    private let produced = Atomic<Int>(0)
    private let stop = Atomic<Bool>(false)
    private let startedAt = Locked<ContinuousClock.Instant?>(nil)

    init(bootstrap: String, rate: Int, driftAfter: Duration, logger: Logger) {
        self.bootstrap = bootstrap
        self.rate = rate
        self.driftAfter = driftAfter
        self.logger = logger
    }

    var count: Int { produced.load(ordering: .relaxed) }

    var isDrifting: Bool {
        guard let start = startedAt.withLock({ $0 }) else { return false }
        return ContinuousClock.now - start >= driftAfter
    }

    func run() async throws {
        let producer = try KafkaProducer(configuration: [
            "bootstrap.servers": bootstrap, "linger.ms": "5", "sticky.partitioning.linger.ms": "0",
        ])
        defer { producer.close() }
        let start = ContinuousClock.now
        startedAt.withLock { $0 = start }
        let thread = ConsumerThread(name: "vigil-demo-producer") { [self] shouldStop in
            var model = SyntheticModel()
            var sent = 0
            var key: [UInt8] = [0]
            while !shouldStop() && !stop.load(ordering: .relaxed) {
                let elapsed = ContinuousClock.now - start
                let due = Int(Double(rate) * elapsed.seconds)
                if sent >= due { Thread.sleep(forTimeInterval: 0.005); continue }
                let drifted = elapsed >= driftAfter
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                while sent < due {
                    key[0] = UInt8(truncatingIfNeeded: sent)
                    let event = model.event(timestampMillis: now, drifted: drifted)
                    do {
                        try producer.send(topic: DemoCommand.topic, key: key, value: event)
                    } catch {
                        logger.warning("Demo producer could not send.", metadata: ["error": "\(error)"])
                        break
                    }
                    sent += 1
                }
                produced.store(sent, ordering: .relaxed)
            }
        }
        thread.start()
        await withTaskCancellationOrGracefulShutdownHandler {
            await thread.join()
        } onCancelOrGracefulShutdown: {
            thread.requestStop()
        }
    }
}

/// Ends the demo after `--duration` by starting a graceful shutdown of the group.
struct StopAfter: Service {
    let duration: Duration
    func run() async throws {
        // Returning starts the group's graceful shutdown (see Agent.run).
        try? await Task.sleep(for: duration)
    }
}

/// Prints the live summary every two seconds.
struct SummaryPrinter: Service {
    let summary: DemoSummary
    let agent: Agent
    let producer: DemoProducer

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .seconds(2))
            summary.print(agent: agent, producer: producer)
        }
    }
}
