import Foundation
import VigilEvents
import VigilExposition
import VigilStats

/// Decoding and windowing for every configured model: the part of the agent shared by
/// `run` (fed from Kafka) and `replay` (fed from a file).
///
/// Not Sendable: confined to the consuming thread, or split between a decoding thread (decoders
/// only) and a `PipelineWorker` (everything else). Publishes counters and window gauges to the
/// metrics registry once per batch and once per evaluated window, never per event.
final class Pipelines {
    /// One decoder per input (Kafka topic, or the replay file) and the models it serves.
    struct Input {
        var name: String
        var decoder: EventDecoder
        /// Decoder model index → pipeline index.
        var models: [Int]
    }

    let configuration: Configuration
    private(set) var pipelines: [ModelPipeline]
    let inputs: [Input]
    let metrics: MetricsRegistry
    private let idleTimeoutMillis: Int64
    /// Rejections by reason over the whole run, for the replay report.
    private(set) var rejectedTotals: [RejectionReason: Int] = Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map { ($0, 0) })
    private(set) var acceptedTotal = 0
    /// Accepted events per model (configuration order) over the whole run.
    private(set) var acceptedByModel: [Int]
    /// Rejections attributed to each model since its previous window.
    private var rejectedSinceWindow: [Int]
    /// Called for each evaluated window, on the consuming thread.
    var onWindow: (WindowReport) -> Void = { _ in }
    /// Called when delayed labels change an evaluated window's performance: (model, start, end, performance).
    var onPerformanceUpdate: (String, Int64, Int64, PerformanceReport) -> Void = { _, _, _, _ in }
    /// SPEC §4 `labels`: the decoder of the labels stream and the join (nil without `labels:`).
    private let labelDecoder: EventDecoder?
    private var labelJoin: LabelJoin?
    /// Per model, the end of the latest window with labels (whose performance the gauges show).
    private var lastPerformanceEnd: [String: Int64] = [:]

    /// - Parameter inputs: names of the inputs; each serves the models whose `topic` equals the
    ///   name, or (a single `nil` name) every model, as in replay.
    init(configuration: Configuration, metrics: MetricsRegistry, byTopic: Bool, references: [ReferenceProfile?] = []) {
        self.configuration = configuration
        self.metrics = metrics
        idleTimeoutMillis = configuration.kafka.idleTimeout.milliseconds
        pipelines = configuration.models.enumerated().map {
            ModelPipeline(settings: $1, index: $0, reference: $0 < references.count ? references[$0] : nil,
                          labelDelay: configuration.labels?.maxDelay)
        }
        if let labels = configuration.labels {
            // Labels carry id, label and timestamp only: no model, features or prediction to find.
            let none = "\u{1}vigil.none"
            var fields = FieldPaths(model: none, id: labels.idField, timestamp: labels.timestampField,
                                    features: none, prediction: none, label: labels.labelField)
            fields.features = [none]
            labelDecoder = EventDecoder(configuration: DecoderConfiguration(
                models: [ModelSchema(name: "labels", features: [], prediction: .numeric, label: .numeric)], fields: fields))
            labelJoin = LabelJoin(maxDelayMillis: labels.maxDelay.milliseconds)
        } else {
            labelDecoder = nil
        }
        acceptedByModel = Array(repeating: 0, count: configuration.models.count)
        rejectedSinceWindow = Array(repeating: 0, count: configuration.models.count)
        var inputs: [Input] = []
        if byTopic {
            var topics: [String] = []
            for model in configuration.models { if let topic = model.topic, !topics.contains(topic) { topics.append(topic) } }
            for topic in topics {
                let indices = configuration.models.indices.filter { configuration.models[$0].topic == topic }
                inputs.append(Self.makeInput(name: topic, modelIndices: indices, configuration: configuration))
            }
        } else {
            inputs.append(Self.makeInput(name: "replay", modelIndices: Array(configuration.models.indices), configuration: configuration))
        }
        self.inputs = inputs
        initializeMetrics()
    }

    private static func makeInput(name: String, modelIndices: [Int], configuration: Configuration) -> Input {
        let models = modelIndices.map { configuration.models[$0] }
        var decoding = DecoderConfiguration(
            models: models.map(\.schema),
            fields: models[0].fields,
            maxEventBytes: models.map(\.maxEventBytes).max() ?? (1 << 20))
        decoding.parseThreads = parseThreads
        return Input(name: name, decoder: EventDecoder(configuration: decoding), models: modelIndices)
    }

    /// Threads that parse a poll or a replay chunk (`prepare`): one per core, at most 4.
    static let parseThreads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))

    private func initializeMetrics() {
        for stage in ProcessingStage.allCases {
            metrics.initialize(MetricCatalog.processingDurationSeconds, labels: [stage.rawValue])
        }
        for reason in RejectionReason.allCases {
            metrics.initialize(MetricCatalog.eventsRejectedTotal, labels: ["", reason.rawValue])
        }
        for model in configuration.models {
            metrics.initialize(MetricCatalog.eventsTotal, labels: [model.name])
            for reason in RejectionReason.allCases where reason != .malformed && reason != .tooLarge {
                metrics.initialize(MetricCatalog.eventsRejectedTotal, labels: [model.name, reason.rawValue])
            }
            if model.anomaly.method == .mahalanobis { metrics.initialize(MetricCatalog.anomaliesTotal, labels: [model.name]) }
            if model.predictionChangeDetection != nil, model.task != .multiclass {
                metrics.initialize(MetricCatalog.changeDetectedTotal, labels: [model.name, "prediction"])
            }
            if configuration.labels != nil {
                metrics.initialize(MetricCatalog.labelsJoinedTotal, labels: [model.name])
            }
            for feature in model.features {
                // non_finite applies to numeric features, category_overflow to categorical ones.
                for reason in InvalidValueReason.allCases where reason == .typeError || (reason == .nonFinite) == (feature.kind == .numeric) {
                    metrics.initialize(MetricCatalog.featureValuesInvalidTotal, labels: [model.name, feature.name, reason.rawValue])
                }
            }
        }
    }

    /// Parses messages of input `input` on several threads ahead of their `decode` calls, which
    /// must follow in the same order (see `EventDecoder.prepare`).
    func prepare(input: Int, _ payloads: [UnsafeRawBufferPointer]) {
        inputs[input].decoder.prepare(payloads)
    }

    /// Parses `payloads` of input `input` while `work` runs (see `EventDecoder.prepare(_:terminated:overlapping:)`).
    func prepare(input: Int, _ payloads: [UnsafeRawBufferPointer], terminated: Bool = false, overlapping work: () -> Void) {
        inputs[input].decoder.prepare(payloads, terminated: terminated, overlapping: work)
    }

    /// How many messages of input `input` the last `prepare(input:_:overlapping:)` parsed.
    func pipelinedCount(input: Int) -> Int { inputs[input].decoder.pipelinedCount }

    /// Decodes message `index` of input `input`'s pipelined batch.
    @inline(__always)
    func decodePipelined(input: Int, _ index: Int, partition: Int32, offset: Int64, nowMillis: Int64) -> DecodeOutcome {
        inputs[input].decoder.decodePipelined(index, partition: partition, offset: offset, processingTimeMillis: nowMillis)
    }

    /// Decodes one message of input `input`; the payload is only borrowed for the call.
    @inline(__always)
    func decode(input: Int, _ payload: UnsafeRawBufferPointer, partition: Int32, offset: Int64, nowMillis: Int64) -> DecodeOutcome {
        inputs[input].decoder.decode(payload, partition: partition, offset: offset, processingTimeMillis: nowMillis)
    }

    /// Applies everything decoded since the last call to the pipelines, publishes counters,
    /// then evaluates the windows the watermarks have passed.
    ///
    /// - Parameter counted: false for replayed events (offsets a previous owner already counted,
    ///   see `ReplayPoint`): they rebuild window state and windows, but no counter moves.
    func flush(nowMillis: Int64, evaluate: Bool = true, counted: Bool = true) {
        apply(takeDecoded(), nowMillis: nowMillis, evaluate: evaluate, counted: counted)
    }

    /// What one input's decoder produced since it was last taken: the hand-over between decoding
    /// and windowing (`PipelineWorker` runs the two on different threads).
    struct Decoded: Sendable {
        var input: Int
        var batches: [EventBatch]
        var counters: DecoderCounters
    }

    /// Takes every input's batches and counters (touches the decoders only).
    func takeDecoded() -> [Decoded] {
        inputs.indices.map { Decoded(input: $0, batches: inputs[$0].decoder.takeBatches(), counters: inputs[$0].decoder.takeCounters()) }
    }

    /// The rest of `flush`: applies decoded batches to the pipelines, publishes counters, then
    /// evaluates the windows the watermarks have passed (touches everything but the decoders).
    func apply(_ decoded: [Decoded], nowMillis: Int64, evaluate: Bool = true, counted: Bool = true) {
        // SPEC §9 `vigil_processing_duration_seconds`: the update of the windows by this call's
        // events (without the evaluations it triggers), and each window evaluation.
        var updateSeconds = 0.0
        var updated = false
        var evaluations: [Double] = []
        for item in decoded {
            let batches = item.batches
            let counters = item.counters
            let modelMap = inputs[item.input].models
            if counted {
                publish(counters, modelMap: modelMap)
            } else {
                for (key, count) in counters.rejected where count > 0 {
                    if let model = key.model { rejectedSinceWindow[modelMap[model]] += count }
                }
            }
            for var batch in batches {
                let model = modelMap[batch.model]
                batch.model = model
                let started = ContinuousClock.now
                let (outcome, reports) = pipelines[model].apply(batch, nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis)
                let name = configuration.models[model].name
                rejectedSinceWindow[model] += outcome.late
                if counted {
                    acceptedTotal += outcome.accepted
                    acceptedByModel[model] += outcome.accepted
                    metrics.increment(MetricCatalog.eventsTotal, labels: [name], by: Double(outcome.accepted))
                    publishScores(of: pipelines[model], name: name)
                    if labelJoin != nil { registerForJoin(batch, model: model) }
                    if outcome.late > 0 {
                        rejectedTotals[.late, default: 0] += outcome.late
                        metrics.increment(MetricCatalog.eventsRejectedTotal, labels: [name, RejectionReason.late.rawValue], by: Double(outcome.late))
                    }
                } else {
                    _ = pipelines[model].takeScores()
                    _ = pipelines[model].takeChanges()
                }
                let windows = pipelines[model].takeEvaluationSeconds()
                updateSeconds += max(0, (ContinuousClock.now - started).seconds - windows.reduce(0, +))
                updated = updated || batch.count > 0
                evaluations += windows
                reports.forEach(deliver)
                if !reports.isEmpty { releasePerformance(model) }
            }
        }
        if evaluate {
            for (model, pipeline) in pipelines.enumerated() {
                let reports = pipeline.advance(nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis)
                evaluations += pipeline.takeEvaluationSeconds()
                reports.forEach(deliver)
                if !reports.isEmpty { releasePerformance(model) }
            }
        }
        publishDurations(update: updated ? updateSeconds : nil, evaluations: evaluations)
    }

    /// One `update` observation per `apply` that applied events, one `evaluate` per window.
    private func publishDurations(update: Double?, evaluations: [Double]) {
        guard update != nil || !evaluations.isEmpty else { return }
        metrics.update { store in
            if let update { store.observe(MetricCatalog.processingDurationSeconds, labels: [ProcessingStage.update.rawValue], update) }
            for seconds in evaluations {
                store.observe(MetricCatalog.processingDurationSeconds, labels: [ProcessingStage.evaluate.rawValue], seconds)
            }
        }
    }

    /// After windows were evaluated: with a labels stream, the model's closed panes that no
    /// waiting prediction can reach are forgotten (memory; see `ModelPipeline.releasePerformance`).
    private func releasePerformance(_ model: Int) {
        guard let join = labelJoin else { return }
        pipelines[model].releasePerformance(oldestAwaited: join.oldestPrediction(model: model))
    }

    /// Accepted predictions without a label in their event wait for one from the labels stream
    /// (late events are not counted in any window, so their labels are not either).
    private func registerForJoin(_ batch: EventBatch, model: Int) {
        guard batch.labelCodes.isEmpty, !batch.predictionValues.isEmpty else { return }
        var joined = 0
        for row in 0..<batch.count {
            let id = batch.idHashes[row], score = batch.predictionValues[row]
            guard id != 0, !score.isNaN, row >= batch.labelValues.count || batch.labelValues[row].isNaN,
                  pipelines[model].accepted(row: row) else { continue }
            if let label = labelJoin!.prediction(id: id, model: model, timestamp: batch.timestamps[row], score: score) {
                pipelines[model].attributeLabel(timestamp: batch.timestamps[row], score: score, label: label)
                joined += 1
            }
        }
        if joined > 0 { metrics.increment(MetricCatalog.labelsJoinedTotal, labels: [configuration.models[model].name], by: Double(joined)) }
    }

    /// Decodes one message of the labels stream (borrowed for the call).
    func decodeLabel(_ payload: UnsafeRawBufferPointer, nowMillis: Int64) {
        _ = labelDecoder?.decode(payload, partition: 0, offset: 0, processingTimeMillis: nowMillis)
    }

    /// Joins the labels decoded since the last call and reports the windows they changed.
    func flushLabels() {
        if let labels = takeDecodedLabels() { joinLabels(labels) }
    }

    /// Takes the labels stream's batches and counters (touches its decoder only); nil without `labels:`.
    func takeDecodedLabels() -> Decoded? {
        guard let decoder = labelDecoder else { return nil }
        return Decoded(input: -1, batches: decoder.takeBatches(), counters: decoder.takeCounters())
    }

    /// The rest of `flushLabels`: joins decoded labels and reports the windows they changed.
    func joinLabels(_ labels: Decoded) {
        guard labelJoin != nil else { return }
        var joined = Array(repeating: 0, count: pipelines.count)
        var unmatched = labels.counters.rejected.values.reduce(0, +)
        for batch in labels.batches {
            for row in 0..<batch.count {
                let id = batch.idHashes[row], value = row < batch.labelValues.count ? batch.labelValues[row] : .nan
                guard id != 0, !value.isNaN else { unmatched += 1; continue }
                if let prediction = labelJoin!.label(id: id, timestamp: batch.timestamps[row], value: value) {
                    pipelines[prediction.model].attributeLabel(timestamp: prediction.timestamp, score: prediction.score, label: value)
                    joined[prediction.model] += 1
                }
            }
        }
        unmatched += labelJoin!.takeUnmatched()
        publishJoin(joined: joined, unmatched: unmatched)
    }

    /// End of replay input: labels still waiting will never meet their prediction.
    func finishLabels() {
        guard labelJoin != nil else { return }
        publishJoin(joined: Array(repeating: 0, count: pipelines.count), unmatched: labelJoin!.finish())
    }

    private func publishJoin(joined: [Int], unmatched: Int) {
        for (model, count) in joined.enumerated() where count > 0 {
            metrics.increment(MetricCatalog.labelsJoinedTotal, labels: [configuration.models[model].name], by: Double(count))
        }
        // Unmatched labels belong to no known prediction: attributed to the model when there is one.
        if unmatched > 0 {
            metrics.increment(MetricCatalog.labelsUnmatchedTotal, labels: [configuration.models.count == 1 ? configuration.models[0].name : ""], by: Double(unmatched))
        }
        for pipeline in pipelines {
            for update in pipeline.takePerformanceUpdates() {
                onPerformanceUpdate(pipeline.settings.name, update.start, update.end, update.performance)
                if update.end >= lastPerformanceEnd[pipeline.settings.name] ?? .min {
                    lastPerformanceEnd[pipeline.settings.name] = update.end
                    metrics.update { WindowMetrics.publishPerformance(update.performance, model: pipeline.settings.name, to: &$0) }
                }
            }
        }
    }

    /// Replay end: closes and evaluates every window still open.
    func closeAll() {
        for pipeline in pipelines {
            let reports = pipeline.closeAll()
            publishDurations(update: nil, evaluations: pipeline.takeEvaluationSeconds())
            reports.forEach(deliver)
        }
    }

    // MARK: Replay (`kafka.start_from: window`)

    /// Starts the per-pane offset bookkeeping `replayPoint` needs; `historyMillis` per model is how
    /// far back evaluated windows are re-evaluated after a restart (its alert rules' hold times).
    func trackReplay(historyMillis: (ModelSettings) -> Int64) {
        for pipeline in pipelines { pipeline.trackReplay(historyMillis: historyMillis(pipeline.settings)) }
    }

    /// What to commit with offset `position` of `topic`/`partition`: where the models reading the
    /// topic need replay to start, and their evaluation points; nil for a topic no model reads.
    func replayPoint(topic: String, partition: Int32, position: Int64) -> ReplayPoint? {
        guard let input = inputs.first(where: { $0.name == topic }) else { return nil }
        var from = position
        var through: [String: Int64] = [:]
        for model in input.models {
            if let offset = pipelines[model].replayOffset(partition: partition) { from = min(from, offset) }
            if let t = pipelines[model].replayThrough { through[pipelines[model].settings.name] = t }
        }
        return ReplayPoint(replayFrom: from, through: through)
    }

    /// Before replaying `topic`: the evaluation points a previous owner committed (the smallest per
    /// model over the partitions, so no window is skipped); pipelines with state keep their own.
    func restore(topic: String, from points: [ReplayPoint]) {
        guard let input = inputs.first(where: { $0.name == topic }) else { return }
        for model in input.models {
            let name = pipelines[model].settings.name
            if let through = points.compactMap({ $0.through[name] }).min() {
                pipelines[model].restore(evaluatedThrough: through)
            }
        }
    }

    /// Kafka assignment changes for `topic`.
    func assign(topic: String, partitions: [Int32], nowMillis: Int64) {
        for input in inputs where input.name == topic {
            for model in input.models { pipelines[model].assign(partitions, nowMillis: nowMillis) }
        }
    }

    func revoke(topic: String, partitions: [Int32]) {
        for input in inputs where input.name == topic {
            for model in input.models { pipelines[model].revoke(partitions) }
        }
    }

    /// Per batch: the anomaly score histogram, anomalies and change detections (SPEC §9).
    private func publishScores(of pipeline: ModelPipeline, name: String) {
        let scores = pipeline.takeScores()
        if !scores.isEmpty, let threshold = pipeline.anomalyModel?.threshold {
            var anomalies = 0
            for score in scores where score > threshold { anomalies += 1 }
            var histogram = HistogramCounts(MetricCatalog.anomalyScore)
            // The buffer overload: the generic `some Sequence` one is not specialised across modules
            // and allocated once per score (issue 11, measured with a malloc counter).
            scores.withUnsafeBufferPointer { histogram.add(contentsOf: $0) }
            metrics.update { store in
                store.observe(MetricCatalog.anomalyScore, labels: [name], histogram)
                store.increment(MetricCatalog.anomaliesTotal, labels: [name], by: Double(anomalies))
            }
        }
        let changes = pipeline.takeChanges()
        if changes > 0 { metrics.increment(MetricCatalog.changeDetectedTotal, labels: [name, "prediction"], by: Double(changes)) }
    }

    private func publish(_ counters: DecoderCounters, modelMap: [Int]) {
        for (key, count) in counters.rejected where count > 0 {
            let name = key.model.map { configuration.models[modelMap[$0]].name } ?? ""
            if let model = key.model { rejectedSinceWindow[modelMap[model]] += count }
            rejectedTotals[key.reason, default: 0] += count
            metrics.increment(MetricCatalog.eventsRejectedTotal, labels: [name, key.reason.rawValue], by: Double(count))
        }
        for (key, count) in counters.invalidValues where count > 0 {
            let model = configuration.models[modelMap[key.model]]
            metrics.increment(MetricCatalog.featureValuesInvalidTotal, labels: [model.name, model.features[key.feature].name, key.reason.rawValue], by: Double(count))
        }
    }

    private func deliver(_ report: WindowReport) {
        var report = report
        if let index = configuration.models.firstIndex(where: { $0.name == report.model }) {
            report.rejected = rejectedSinceWindow[index]
            rejectedSinceWindow[index] = 0
        }
        if report.performance.labeled > 0 { lastPerformanceEnd[report.model] = report.endMillis }
        WindowMetrics.publish(report, to: metrics)
        onWindow(report)
    }
}

/// SPEC §9 `vigil_processing_duration_seconds{stage}`: decoding a poll (or a replay chunk),
/// updating the windows with it, and evaluating one window.
enum ProcessingStage: String, CaseIterable {
    case decode, update, evaluate
}
