import Foundation
package import Logging
package import ServiceLifecycle
import UnixSignals
import VigilExposition
import VigilKafka
import VigilAlerting
package import VigilStats

/// The running agent: the HTTP exposition and the Kafka ingest, in one `ServiceGroup`
/// ordered so that shutdown stops polling first and serves `/metrics` until the end.
package final class Agent: Sendable {
    let configuration: Configuration
    let metrics: MetricsRegistry
    let status: StatusBoard
    private let logger: Logger
    private let ingest: KafkaIngest
    private let onListening: @Sendable (Int) -> Void
    let alerts: AlertSink
    private let delivery: AlertDelivery

    package init(configuration: Configuration, references: [ReferenceProfile?] = [], logger: Logger,
                 onWindow: @escaping @Sendable (WindowReport) -> Void = { _ in },
                 onListening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
        metrics = MetricsRegistry(maxSeries: configuration.http.maxSeries)
        BuildInfo.publish(to: metrics)
        status = StatusBoard(models: configuration.models.map(\.name), anomalyStatus: Dictionary(uniqueKeysWithValues: configuration.models.enumerated().map { index, model in
            (model.name, AnomalyStatus.describe(model, reference: index < references.count ? references[index] : nil))
        }))
        let agentURL = "http://\(configuration.http.host == "0.0.0.0" ? "127.0.0.1" : configuration.http.host):\(configuration.http.port)"
        delivery = AlertDelivery(settings: AlertRules.notifierSettings(configuration, agentURL: agentURL), logger: logger,
                                 onResult: AlertSink.resultCounter(metrics))
        let alerts = AlertSink(rules: AlertRules.from(configuration), metrics: metrics, delivery: delivery, agentURL: agentURL)
        self.alerts = alerts
        ingest = KafkaIngest(configuration: configuration, references: references, metrics: metrics, status: status, logger: logger,
                             onWindow: { report in
                                 alerts.handle(report)
                                 onWindow(report)
                             })
    }

    /// Validates what `run` needs beyond the file's own rules.
    static func validateForRun(_ configuration: Configuration) throws(ConfigurationError) {
        var problems: [String] = []
        if configuration.kafka.brokers == nil { problems.append("kafka.brokers: required for `run`") }
        for (index, model) in configuration.models.enumerated() where model.topic == nil {
            problems.append("models[\(index)].topic: required for `run`")
        }
        problems += tlsProblems(configuration)
        if !problems.isEmpty { throw ConfigurationError(problems) }
    }

    /// `http.tls` files that cannot serve HTTPS (unreadable, not PEM, key not matching), checked
    /// before starting so they are configuration errors (exit 2), also in `check-config`.
    static func tlsProblems(_ configuration: Configuration) -> [String] {
        let security = HTTPSecurity(certificatePath: configuration.http.tlsCertificatePath, keyPath: configuration.http.tlsKeyPath)
        guard security.usesTLS else { return [] }
        do { try security.validateTLSFiles() } catch { return ["\(error)"] }
        return []
    }

    /// Runs until SIGTERM/SIGINT (or until a service fails), plus any `extra` services
    /// (they start after the exposition and before ingest, and stop in reverse; one that
    /// returns shuts the whole agent down gracefully).
    package func run(extra: [any Service] = []) async throws {
        let routes = ExpositionRoutes(
            isHealthy: { true },
            readiness: { [status] in status.readiness() },
            status: { [status] in status.statusJSON() },
            alerts: { [alerts] in alerts.json() },
            window: { [status] model in status.window(model) })
        let http = configuration.http
        let server = ExpositionServer(
            host: http.host, port: http.port, registry: metrics, routes: routes,
            security: HTTPSecurity(certificatePath: http.tlsCertificatePath, keyPath: http.tlsKeyPath,
                                   bearerToken: http.bearerToken, basicAuthUsers: http.basicAuthUsers),
            logger: logger,
            onListening: { [logger, onListening] port in
                logger.info("HTTP server listening.", metadata: ["http.port": "\(port)"])
                onListening(port)
            })
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server), .init(service: delivery)] + extra.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) } + [.init(service: IngestService(ingest: ingest))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        // SPEC-style escalation: the first SIGTERM/SIGINT shuts down gracefully (above); a second
        // one means the operator will not wait, so exit at once.
        let escalation = Task { [logger] in
            var seen = 0
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                seen += 1
                if seen >= 2 {
                    logger.warning("Second signal during shutdown: exiting immediately.", metadata: ["signal": "\(signal)"])
                    exit(signal == .sigint ? 130 : 143)
                }
            }
        }
        defer { escalation.cancel() }
        try await group.run()
    }
}

/// Adapts the ingest thread to swift-service-lifecycle: graceful shutdown asks the loop to
/// stop after the batch in hand and waits for it to commit and close.
struct IngestService: Service {
    let ingest: KafkaIngest

    func run() async throws {
        ingest.start()
        // Also on cancellation: when another service fails (say the HTTP server cannot bind), the
        // group cancels instead of shutting down gracefully, and the loop must stop then too.
        await withTaskCancellationOrGracefulShutdownHandler {
            await ingest.join()
        } onCancelOrGracefulShutdown: {
            ingest.requestStop()
        }
        if let failure = ingest.failureMessage { throw IngestFailure(message: failure) }
    }
}

struct IngestFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "Kafka ingest failed: \(message)" }
}

/// How a model's events are scored for anomalies, for `/api/v1/status` and the log.
enum AnomalyStatus {
    static func describe(_ model: ModelSettings, reference: ReferenceProfile?) -> String {
        guard model.anomaly.method == .mahalanobis else { return "off (anomaly.method: none)" }
        guard let reference else {
            return model.reference.warmupEvents != nil ? "waiting for the warm-up reference" : "disabled: the model has no reference profile"
        }
        guard let anomaly = reference.anomaly else {
            return "disabled: no numeric feature with a non-zero reference standard deviation"
        }
        var text = "mahalanobis over \(anomaly.dimension) features, threshold \(anomaly.threshold)"
        if !anomaly.dropped.isEmpty { text += "; left out (constant in the reference): \(anomaly.dropped.joined(separator: ", "))" }
        if anomaly.ridge > 0 { text += "; covariance regularised (ridge \(anomaly.ridge))" }
        return text
    }
}

/// `vigil run`.
package enum AgentCommand {
    package static func run(configurationPath: String) async throws {
        // Issue 11: fetch buffers reused from the heap, and the heap trimmed while events flow.
        HeapPolicy.configure()
        var configuration = try Configuration.load(path: configurationPath)
        try Agent.validateForRun(configuration)
        let references = try References.load(&configuration)
        let logger = Logger(label: "vigil")
        logger.info("Configuration loaded.", metadata: ["config": "\(configurationPath)", "models": "\(configuration.models.count)"])
        try await Agent(configuration: configuration, references: references, logger: logger).run()
        logger.info("Shutdown complete.")
    }
}
