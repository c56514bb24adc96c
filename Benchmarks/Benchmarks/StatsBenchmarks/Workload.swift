// Seeded workload of the VigilStats benchmarks: reference profiles, decoded batches, window panes.
// No dependency on the benchmark framework, so a profiler harness can reuse it.

import VigilStats

/// Normal-ish N(mean, sd²) values, `missing` of them (a fraction) NaN.
func normalColumn(_ count: Int, mean: Double, sd: Double, missing: Double, using random: inout SplitMix64) -> [Double] {
    var column: [Double] = []
    column.reserveCapacity(count)
    for _ in 0..<count {
        if missing > 0, uniform(&random) < missing {
            column.append(.nan)
            continue
        }
        var z = -6.0
        for _ in 0..<12 { z += uniform(&random) }
        column.append(mean + sd * z)
    }
    return column
}

/// A uniform double in [0, 1).
func uniform(_ random: inout SplitMix64) -> Double {
    Double(random.next() >> 11) * 0x1p-53
}

/// Category codes 1...categories with a skewed (roughly geometric) distribution; code 0 = missing.
func codeColumn(_ count: Int, categories: Int, missing: Double, using random: inout SplitMix64) -> [UInt32] {
    (0..<count).map { _ in
        if uniform(&random) < missing { return 0 }
        var code: UInt32 = 1
        while Int(code) < categories, uniform(&random) < 0.6 { code += 1 }
        return code
    }
}

enum Shape {
    static let numericFeatures = 20
    static let categoricalFeatures = 5
    static let categories = 8
    static let batchRows = 4096
    static let referenceRows = 100_000
    static let windowEvents = 100_000
    static let panes = 5                     // window size 300 s / slide 60 s (the defaults)
    static let capacity = 100_000            // max_window_samples default
    static let psiBins = 10                  // drift.psi_bins default → 9 edges
    static let missing = 0.01

    /// Feature f's reference distribution; the window's is shifted a little (some features drift).
    static func mean(_ f: Int) -> Double { Double(f) * 0.5 }
    static func sd(_ f: Int) -> Double { 1 + Double(f) * 0.1 }
    static func shift(_ f: Int) -> Double { f % 4 == 0 ? 0.2 * sd(f) : 0 }
}

/// Reference profiles of every feature, as `vigil baseline` builds them.
struct Reference {
    var numeric: [ColumnProfile] = []
    var categorical: [ColumnProfile] = []
    var bins: [ReferenceBins] = []
    var categoryNames: [String] = (1...Shape.categories).map { "category-\($0)" }

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for f in 0..<Shape.numericFeatures {
            let values = normalColumn(Shape.referenceRows, mean: Shape.mean(f), sd: Shape.sd(f), missing: Shape.missing, using: &random)
            let profile = ProfileBuilder.numeric(name: "x\(f)", values: values, psiBins: Shape.psiBins, sampleSize: Shape.referenceRows, seed: 0xBA5E_0000 &+ UInt64(f))
            let summary = profile.numeric!
            numeric.append(profile)
            bins.append(ReferenceBins(edges: summary.psiEdges, min: summary.min!, max: summary.max!))
        }
        for f in 0..<Shape.categoricalFeatures {
            let codes = codeColumn(Shape.referenceRows, categories: Shape.categories, missing: Shape.missing, using: &random)
            var counts: [String: Int] = [:]
            var missing = 0
            for code in codes {
                if code == 0 { missing += 1 } else { counts[categoryNames[Int(code) - 1], default: 0] += 1 }
            }
            categorical.append(ProfileBuilder.categorical(name: "c\(f)", counts: counts, missing: missing))
        }
    }
}

/// One decoded batch: a column per feature (struct of arrays, as `EventBatch`).
struct Batch {
    var numeric: [[Double]]
    var codes: [[UInt32]]

    init(rows: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        numeric = (0..<Shape.numericFeatures).map { f in
            normalColumn(rows, mean: Shape.mean(f) + Shape.shift(f), sd: Shape.sd(f), missing: Shape.missing, using: &random)
        }
        codes = (0..<Shape.categoricalFeatures).map { _ in
            codeColumn(rows, categories: Shape.categories, missing: Shape.missing, using: &random)
        }
    }

    var numericValues: Int { numeric.reduce(0) { $0 + $1.count } }
}

/// Mutable state carried across iterations (the panes a benchmark keeps adding to).
final class Panes {
    var numeric: [NumericSummary]
    var categorical: [CategoricalSummary]

    init(bins: [ReferenceBins], seed: UInt64) {
        numeric = bins.indices.map { NumericSummary(capacity: Shape.capacity, seed: seed &+ UInt64($0), bins: bins[$0]) }
        categorical = Array(repeating: CategoricalSummary(), count: Shape.categoricalFeatures)
    }

    /// Adds a whole batch, feature by feature, as the pipeline does.
    func add(_ batch: Batch) {
        for f in numeric.indices {
            batch.numeric[f].withUnsafeBufferPointer { column in
                numeric[f].add(column, rows: 0..<column.count)
            }
        }
        for f in categorical.indices {
            batch.codes[f].withUnsafeBufferPointer { column in
                categorical[f].add(column, rows: 0..<column.count)
            }
        }
    }
}

/// A window ready to evaluate: its panes, built from 100 000 events, and the reference.
struct Window {
    var reference: Reference
    var panes: [Panes]
    var events: Int

    init(seed: UInt64) {
        let reference = Reference(seed: seed)
        let perPane = Shape.windowEvents / Shape.panes
        self.reference = reference
        panes = (0..<Shape.panes).map { p in
            let pane = Panes(bins: reference.bins, seed: seed &+ 0x1000 &* UInt64(p + 1))
            var added = 0
            var b: UInt64 = 0
            while added < perPane {
                let rows = Swift.min(Shape.batchRows, perPane - added)
                pane.add(Batch(rows: rows, seed: seed ^ (UInt64(p) << 32 | b)))
                added += rows
                b += 1
            }
            return pane
        }
        events = Shape.windowEvents
        // Steady state of a sliding window (as ModelPipeline does it): every pane but the newest
        // was sorted when an earlier window was evaluated.
        for pane in panes.dropLast() {
            for f in pane.numeric.indices { pane.numeric[f].sortSample() }
        }
    }

    /// Every statistic of every feature (what `ModelPipeline.report` computes), with the verdicts.
    func evaluate(seed: UInt64) -> (numeric: [NumericFeatureReport], categorical: [CategoricalFeatureReport], verdicts: [DriftVerdict?]) {
        var numericReports: [NumericFeatureReport] = []
        var categoricalReports: [CategoricalFeatureReport] = []
        var verdicts: [DriftVerdict?] = []
        let options = DriftOptions(method: .auto)
        for f in 0..<Shape.numericFeatures {
            // The newest pane is sorted now (a copy, so that every iteration pays for it).
            var newest = panes[panes.count - 1].numeric[f]
            newest.sortSample()
            let members = panes.dropLast().map { $0.numeric[f] } + [newest]
            let statistics = NumericStatistics(panes: members, events: events, capacity: Shape.capacity, seed: seed &+ UInt64(f))
            var report = NumericFeatureReport(statistics: statistics)
            verdicts.append(DriftEvaluator.numeric(&report, reference: reference.numeric[f], options: options))
            numericReports.append(report)
        }
        for f in 0..<Shape.categoricalFeatures {
            var merged = CategoricalSummary()
            for pane in panes { merged.merge(pane.categorical[f]) }
            var report = categoricalReport(merged)
            verdicts.append(DriftEvaluator.categorical(&report, current: report.categoryCounts, reference: reference.categorical[f], options: options))
            categoricalReports.append(report)
        }
        return (numericReports, categoricalReports, verdicts)
    }

    /// As `ModelPipeline.categoricalReport`: code counts → name counts, sorted by name.
    func categoricalReport(_ summary: CategoricalSummary) -> CategoricalFeatureReport {
        var counts: [(name: String, count: Int)] = []
        for code in 1..<summary.counts.count where summary.counts[code] > 0 {
            counts.append((reference.categoryNames[code - 1], summary.counts[code]))
        }
        counts.sort { $0.name < $1.name }
        let present = summary.present
        return CategoricalFeatureReport(count: present, missingRatio: Double(events - present) / Double(events), categoryCounts: counts)
    }
}

/// A fitted anomaly model and one batch to score, with reused buffers.
final class AnomalyWorkload {
    let model: MahalanobisModel
    let batch: [ContiguousArray<Double>]
    var scratch: [Double] = []
    var scores: [Double]

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let reference = (0..<Shape.numericFeatures).map { f in
            normalColumn(20_000, mean: Shape.mean(f), sd: Shape.sd(f), missing: Shape.missing, using: &random)
        }
        model = MahalanobisModel.fit(names: (0..<Shape.numericFeatures).map { "x\($0)" }, columns: reference, thresholdQuantile: 0.999,
                                     medians: Array(repeating: 0, count: Shape.numericFeatures), mads: Array(repeating: 1, count: Shape.numericFeatures))!
        batch = Batch(rows: Shape.batchRows, seed: seed ^ 0xABCD).numeric.map { ContiguousArray($0) }
        scores = Array(repeating: 0, count: Shape.batchRows)
        score()   // grow the scratch buffer once
    }

    func score() {
        scores.withUnsafeMutableBufferPointer { model.score(numeric: batch, rows: 0..<Shape.batchRows, scratch: &scratch, into: $0) }
    }
}

/// A label join in its steady state: each round registers a batch of predictions (ids never seen
/// before, event time moving on) and joins the batch's labels.
final class LabelJoinWorkload {
    var join = LabelJoin(maxDelayMillis: 3_600_000)
    var next: UInt64 = 1
    var time: Int64 = 0
    var joined = 0

    func round() {
        let first = next
        for i in 0..<UInt64(Shape.batchRows) {
            _ = join.prediction(id: first &+ i &* 0x9E37_79B9_7F4A_7C15, model: 0, timestamp: time, score: 0.5)
        }
        for i in 0..<UInt64(Shape.batchRows) where join.label(id: first &+ i &* 0x9E37_79B9_7F4A_7C15, timestamp: time + 1000, value: 1) != nil {
            joined += 1
        }
        next &+= UInt64(Shape.batchRows)
        time += 100
    }
}
