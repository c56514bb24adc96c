import VigilEvents
import VigilStats

/// The mergeable summaries of one model's events over one `slide` of event time
/// (or over a whole count window).
struct WindowPane {
    private(set) var events = 0
    private(set) var minTimestamp = Int64.max
    private(set) var maxTimestamp = Int64.min
    var numeric: [NumericSummary]
    var categorical: [CategoricalSummary]
    var predictionValues: NumericSummary?
    var predictionClasses: CategoricalSummary?
    /// Anomaly counts when the model scores events.
    var anomaly: AnomalySummary?
    /// Page-Hinkley detections among the pane's events.
    var changeDetections = 0
    /// Model performance from the labels that came with the events, until the pane is closed
    /// (`takePerformance()`); labelled events after that go to `PanedPerformance`.
    var performance: PerformanceSummary
    /// Whether `takePerformance()` moved the performance out (`add` then skips it).
    private(set) var performanceClosed = false
    /// The reference the pane's bins and anomaly counts were set up for (panes are only
    /// recycled within one reference).
    var referenceGeneration = 0

    /// - Parameter bins: per numeric feature (and last, the numeric prediction), the reference's
    ///   PSI bins, counted exactly as events arrive; nil entries (or an empty list) without a reference.
    init(schema: ModelSchema, capacity: Int, seed: UInt64, bins: [ReferenceBins?] = [], anomalyFeatures: Int? = nil,
         performance: PerformanceSummary.Task = .regression) {
        self.performance = PerformanceSummary(task: performance)
        anomaly = anomalyFeatures.map { AnomalySummary(features: $0) }
        let numericCount = schema.numericFeatureNames.count
        numeric = (0..<numericCount).map {
            NumericSummary(capacity: capacity, seed: seed &+ UInt64($0) &* 0x9E37_79B9, bins: $0 < bins.count ? bins[$0] : nil)
        }
        categorical = Array(repeating: CategoricalSummary(), count: schema.categoricalFeatureNames.count)
        if schema.prediction == .numeric {
            predictionValues = NumericSummary(capacity: capacity, seed: seed ^ 0xA5A5_A5A5, bins: bins.count > numericCount ? bins[numericCount] : nil)
        } else {
            predictionClasses = CategoricalSummary()
        }
    }

    /// Adds rows `rows` of `batch`, all of which fall into this pane.
    mutating func add(_ batch: EventBatch, rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        events += rows.count
        for i in rows {
            let ts = batch.timestamps[i]
            if ts < minTimestamp { minTimestamp = ts }
            if ts > maxTimestamp { maxTimestamp = ts }
        }
        for f in numeric.indices {
            batch.numeric[f].withUnsafeBufferPointer { numeric[f].add($0, rows: rows) }
        }
        for f in categorical.indices {
            batch.categorical[f].withUnsafeBufferPointer { categorical[f].add($0, rows: rows) }
        }
        if predictionValues != nil, !batch.predictionValues.isEmpty {
            batch.predictionValues.withUnsafeBufferPointer { predictionValues!.add($0, rows: rows) }
        }
        if predictionClasses != nil, !batch.predictionCodes.isEmpty {
            batch.predictionCodes.withUnsafeBufferPointer { predictionClasses!.add($0, rows: rows) }
        }
        if performanceClosed { return }
        if !batch.labelValues.isEmpty, !batch.predictionValues.isEmpty {
            batch.predictionValues.withUnsafeBufferPointer { p in
                batch.labelValues.withUnsafeBufferPointer { performance.add(predictions: p, labels: $0, rows: rows) }
            }
        } else if !batch.labelCodes.isEmpty, !batch.predictionCodes.isEmpty {
            batch.predictionCodes.withUnsafeBufferPointer { p in
                batch.labelCodes.withUnsafeBufferPointer { performance.add(predictionCodes: p, labelCodes: $0, rows: rows) }
            }
        }
    }

    /// Sorts every feature's sample once (the pane is final: its time has passed).
    mutating func sortSamples() {
        for f in numeric.indices { numeric[f].sortSample() }
        predictionValues?.sortSample()
    }

    /// Moves the performance out when the pane's first window is evaluated (see `PanedPerformance`).
    mutating func takePerformance() -> PerformanceSummary {
        defer {
            performance = PerformanceSummary(task: performance.task)
            performanceClosed = true
        }
        return performance
    }

    /// Empties the pane for reuse as a new one, keeping buffer capacity.
    mutating func reset(seed: UInt64) {
        events = 0
        minTimestamp = .max
        maxTimestamp = .min
        for f in numeric.indices { numeric[f].reset(seed: seed &+ UInt64(f) &* 0x9E37_79B9) }
        for f in categorical.indices { categorical[f] = CategoricalSummary() }
        predictionValues?.reset(seed: seed ^ 0xA5A5_A5A5)
        if predictionClasses != nil { predictionClasses = CategoricalSummary() }
        anomaly?.reset()
        changeDetections = 0
        performance.reset()
        performanceClosed = false
    }

    mutating func recordNonFinite(feature: Int) {
        numeric[feature].recordNonFinite(1)
    }
}
