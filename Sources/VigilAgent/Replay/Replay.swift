import Foundation
package import Logging
package import VigilEvents
package import VigilExposition
package import VigilStats
package import VigilAlerting

/// `vigil replay`: the agent's pipeline over a JSON Lines file instead of Kafka (SPEC §2).
package enum Replay {
    package struct Options: Sendable {
        package var configurationPath: String
        package var inputPath: String
        package var reportPath: String?
        package var metricsPath: String?
        package var notify = false
        package var labelsPath: String?

        package init(configurationPath: String, inputPath: String, reportPath: String? = nil, metricsPath: String? = nil) {
            self.configurationPath = configurationPath
            self.inputPath = inputPath
            self.reportPath = reportPath
            self.metricsPath = metricsPath
        }
    }

    /// What a replay produced.
    package struct Result: Sendable {
        package var report: [UInt8]
        package var windows: [WindowReport]
        package var metrics: [UInt8]
        package var registry: MetricsRegistry
        package var accepted: Int
        package var rejected: [RejectionReason: Int]
        /// Alerts that fired and resolved during the replay, then those still pending or firing.
        package var alerts: [Alert]
    }

    /// Runs the replay and writes the report (to `reportPath`, or standard output when nil)
    /// and the metrics exposition.
    package static func run(_ options: Options, logger: Logger) async throws -> Result {
        let configuration = try Configuration.load(path: options.configurationPath)
        let result: Result
        if options.notify {
            // SPEC §2: notifiers are called only with --notify.
            let delivery = AlertDelivery(settings: AlertRules.notifierSettings(configuration, agentURL: ""), logger: logger)
            result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await delivery.run() }
                let result = try replay(configuration: configuration, input: options.inputPath, labels: options.labelsPath, logger: logger, delivery: delivery)
                await delivery.flush(timeout: .seconds(30))
                group.cancelAll()
                return result
            }
        } else {
            result = try replay(configuration: configuration, input: options.inputPath, labels: options.labelsPath, logger: logger)
        }
        if let path = options.reportPath {
            try write(result.report, to: path)
        } else {
            FileHandle.standardOutput.write(Data(result.report))
        }
        if let path = options.metricsPath { try write(result.metrics, to: path) }
        logger.info("Replay finished.", metadata: [
            "events.accepted": "\(result.accepted)",
            "events.rejected": "\(result.rejected.values.reduce(0, +))",
            "windows": "\(result.windows.count)",
        ])
        return result
    }

    /// Replays `input` through the pipelines of `configuration`.
    /// - Parameter labels: a delayed-label stream (SPEC §2 `--labels`), joined after the events:
    ///   labels reach the windows of their predictions while within `labels.max_delay` of the end
    ///   of the input's event time.
    package static func replay(configuration: Configuration, input: String, labels: String? = nil, logger: Logger,
                               delivery: AlertDelivery? = nil) throws -> Result {
        var configuration = configuration
        if labels != nil, configuration.labels == nil {
            // `--labels` without a `labels:` section: the default field names and delay.
            configuration.labels = LabelSettings(topic: "")
        }
        let references = try References.load(&configuration)
        let metrics = MetricsRegistry(maxSeries: configuration.http.maxSeries)
        BuildInfo.publish(to: metrics)
        let pipelines = Pipelines(configuration: configuration, metrics: metrics, byTopic: false, references: references)
        var windows: [WindowReport] = []
        let alerts = AlertSink(rules: AlertRules.from(configuration), metrics: metrics, delivery: delivery, agentURL: "")
        pipelines.onWindow = {
            windows.append($0)
            alerts.handle($0)
        }
        let reader = try LineReader(path: input)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var line: Int64 = 0
        var pending = 0
        // Parsing one batch while the one before is decoded (both on every core), windows on the
        // worker's thread; same order, same results as one thread.
        let worker = PipelineWorker(pipelines: pipelines)
        do {
            defer { worker.finish() }
            let decodePipelined = {
                for index in 0..<pipelines.pipelinedCount(input: 0) {
                    line += 1
                    _ = pipelines.decodePipelined(input: 0, index, partition: 0, offset: line, nowMillis: now)
                    pending += 1
                    if pending == 4096 {
                        worker.submit(.init(decoded: pipelines.takeDecoded(), nowMillis: now, evaluate: true))
                        pending = 0
                    }
                }
            }
            try reader.forEachBatch(maxLines: 4096, terminate: true) { lines in
                pipelines.prepare(input: 0, lines, terminated: true, overlapping: decodePipelined)
            }
            pipelines.prepare(input: 0, [], overlapping: decodePipelined)
            worker.submit(.init(decoded: pipelines.takeDecoded(), nowMillis: now, evaluate: true))
        }
        pipelines.closeAll()
        var updates: [(model: String, end: Int64, performance: PerformanceReport)] = []
        pipelines.onPerformanceUpdate = { model, _, end, performance in updates.append((model, end, performance)) }
        if let labels {
            var pendingLabels = 0
            try LineReader(path: labels).forEachLine { line in
                pipelines.decodeLabel(line, nowMillis: now)
                pendingLabels += 1
                if pendingLabels == 4096 { pipelines.flushLabels(); pendingLabels = 0 }
            }
            pipelines.flushLabels()
            pipelines.finishLabels()
            // Each window's latest performance (several labels may have changed it).
            for update in updates {
                if let index = windows.lastIndex(where: { $0.model == update.model && $0.endMillis == update.end }) {
                    windows[index].performance = update.performance
                }
            }
        }
        metrics.increment(MetricCatalog.kafkaMessagesTotal, labels: ["replay"], by: Double(line))

        let report = ReplayReport(
            version: VigilVersion.current,
            models: configuration.models.map { model in (model.name, windows.filter { $0.model == model.name }) },
            alerts: alerts.alerts(includeResolved: true),
            rejected: pipelines.rejectedTotals)
        return Result(report: report.json(), windows: windows, metrics: metrics.render(.prometheus), registry: metrics,
                      accepted: pipelines.acceptedTotal, rejected: pipelines.rejectedTotals, alerts: alerts.alerts(includeResolved: true))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ReplayError("cannot write \"\(path)\"")
        }
    }
}

/// Loads and checks every model's reference profile (SPEC §6).
enum References {
    /// Reads each model's `reference.path`; a model without `features` takes them from its profile.
    /// - Throws: `ConfigurationError` naming `models[i].reference.path` for a missing, unreadable,
    ///   unknown-format or mismatched profile.
    static func load(_ configuration: inout Configuration) throws(ConfigurationError) -> [ReferenceProfile?] {
        var problems: [String] = []
        var profiles: [ReferenceProfile?] = []
        for index in configuration.models.indices {
            let model = configuration.models[index]
            let key = "models[\(index)].reference.path"
            guard let path = model.reference.path else { profiles.append(nil); continue }
            let profile: ReferenceProfile
            do { profile = try ProfileFile.read(path) } catch {
                problems.append("\(key): \(error)")
                profiles.append(nil)
                continue
            }
            if model.features.isEmpty {
                configuration.models[index].features = profile.features.map {
                    FeatureSettings(name: $0.name, kind: $0.numeric != nil ? .numeric : .categorical)
                }
            }
            for feature in configuration.models[index].features {
                guard let column = profile.feature(named: feature.name) else {
                    problems.append("\(key): the profile has no feature \"\(feature.name)\" (rebuild it with `vigil baseline`)")
                    continue
                }
                let profileKind: FeatureSettings.Kind = column.numeric != nil ? .numeric : .categorical
                if profileKind != feature.kind {
                    problems.append("\(key): feature \"\(feature.name)\" is \(profileKind.rawValue) in the profile but \(feature.kind.rawValue) in the configuration")
                }
            }
            if model.anomaly.method == .mahalanobis {
                if let anomaly = profile.anomaly {
                    if anomaly.thresholdQuantile != model.anomaly.thresholdQuantile {
                        problems.append("models[\(index)].anomaly.threshold_quantile: \(model.anomaly.thresholdQuantile) differs from the profile's \(anomaly.thresholdQuantile) (rebuild it with `vigil baseline`)")
                    }
                    let numeric = Set(configuration.models[index].features.filter { $0.kind == .numeric }.map(\.name))
                    for name in anomaly.features where !numeric.contains(name) {
                        problems.append("models[\(index)].features: the profile's anomaly model scores \"\(name)\", which the configuration does not list as numeric")
                    }
                }
            }
            if profile.psiBins != model.drift.psiBins {
                problems.append("models[\(index)].drift.psi_bins: \(model.drift.psiBins) differs from the profile's \(profile.psiBins) (rebuild it with `vigil baseline`)")
            }
            profiles.append(profile)
        }
        if !problems.isEmpty { throw ConfigurationError(problems) }
        return profiles
    }
}
