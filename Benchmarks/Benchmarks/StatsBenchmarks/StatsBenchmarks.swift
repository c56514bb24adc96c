// Benchmarks of the VigilStats core (issue #3 targets).
//
// - Window update: what a pane does with one decoded batch of 4096 events × 20 numeric features
//   (moments, PSI bin counts against the reference's 9 edges, out-of-range count, reservoir sample),
//   and the pieces alone: `Moments.add`, `Binning.count`, `Binning.bin`, `CategoricalSummary.add`.
//   Target: ≥ 50 M feature-values/s on one core and no allocation per batch after warm-up.
// - Window evaluation: one window of 100 000 events (5 panes of 20 000, as size 300 s / slide 60 s)
//   × (20 numeric + 5 categorical) features against a 100 000-row reference, every statistic
//   (merge + sort + quantiles, PSI, JS, KS statistic and p-value, normed Wasserstein; PSI, χ², JS
//   for categories). Target: ≤ 150 ms on one core.
//
// - Anomaly scoring: Mahalanobis scores of a 4096-event batch, d = 20 (issue #4 target ≥ 5 M
//   events/s; here `feature-values/s` counts events).
//
// Data are seeded (SplitMix64) and normal-ish (Irwin–Hall: the sum of 12 uniforms − 6), 1 % missing.
// Throughput: `feature-values/s` is a custom metric, the values processed per iteration over the
// iteration's own wall time; `throughput` is the framework's iterations (batches or windows) per second.

import Benchmark
import VigilStats

// MARK: - Benchmarks

let featureValuesPerSecond = BenchmarkMetric.custom("feature-values/s", polarity: .prefersLarger, useScalingFactor: false)

/// Records `values / elapsed` for the iteration.
func recordRate(_ benchmark: Benchmark, values: Int, since start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    if seconds > 0 { benchmark.measurement(featureValuesPerSecond, Int(Double(values) / seconds)) }
}

let benchmarks: @Sendable () -> Void = {
    // Short runs: the machine has 2 shared cores. The p50 is what we report.
    let kernelConfig = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, featureValuesPerSecond],
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 2000
    )
    let windowConfig = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 20
    )

    // MARK: Window update

    // Steady state: every pane's reservoir is past capacity (100 000 values per feature) before
    // measuring, so each value draws a random slot; no allocation is expected.
    Benchmark("window update: NumericSummary.add 20×4096, past capacity", configuration: kernelConfig) { (benchmark: Benchmark, state: (Panes, Batch)) in
        let (panes, batch) = state
        let values = batch.numericValues
        let start = ContinuousClock.now
        for f in 0..<Shape.numericFeatures {
            batch.numeric[f].withUnsafeBufferPointer { column in
                panes.numeric[f].add(column, rows: 0..<column.count)
            }
        }
        recordRate(benchmark, values: values, since: start)
        blackHole(panes.numeric[0].moments.count)
    } setup: {
        let reference = Reference(seed: 1)
        let panes = Panes(bins: reference.bins, seed: 7)
        let batch = Batch(rows: Shape.batchRows, seed: 2)
        // 30 batches = 122 880 rows ≈ 121 650 present values per feature > capacity.
        for b in 0..<30 { panes.add(Batch(rows: Shape.batchRows, seed: 100 + UInt64(b))) }
        precondition(panes.numeric.allSatisfy { $0.sample.count == Shape.capacity })
        return (panes, batch)
    }

    // A pane as it fills (the usual case: a 60 s pane of a 100 000-event window holds 20 000
    // events, below capacity, so every present value is appended to the sample). One iteration
    // = a fresh pane (not measured) filled with 5 batches (measured): mallocs are the sample's
    // growth, per 5 batches.
    Benchmark("window update: NumericSummary.add 20×4096 ×5, filling a new pane", configuration: kernelConfig) { (benchmark: Benchmark, state: ([ReferenceBins], Batch)) in
        let (bins, batch) = state
        var panes = bins.indices.map { NumericSummary(capacity: Shape.capacity, seed: UInt64($0), bins: bins[$0]) }
        let values = 5 * batch.numericValues
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        for _ in 0..<5 {
            for f in 0..<Shape.numericFeatures {
                batch.numeric[f].withUnsafeBufferPointer { column in
                    panes[f].add(column, rows: 0..<column.count)
                }
            }
        }
        recordRate(benchmark, values: values, since: start)
        benchmark.stopMeasurement()
        blackHole(panes[0].sample.count)
    } setup: {
        (Reference(seed: 1).bins, Batch(rows: Shape.batchRows, seed: 2))
    }

    Benchmark("kernel: Moments.add 20×4096", configuration: kernelConfig) { (benchmark: Benchmark, batch: Batch) in
        let values = batch.numericValues
        let start = ContinuousClock.now
        var moments = Moments()
        for f in 0..<Shape.numericFeatures {
            batch.numeric[f].withUnsafeBufferPointer { moments.add($0) }
        }
        recordRate(benchmark, values: values, since: start)
        blackHole(moments.count)
    } setup: {
        Batch(rows: Shape.batchRows, seed: 2)
    }

    // What the window update uses (`NumericSummary.add`): every value against all edges at once,
    // counted per lane, plus the out-of-range count.
    Benchmark("kernel: Binning.count 20×4096, 9 edges", configuration: kernelConfig) { (benchmark: Benchmark, state: ([ReferenceBins], Batch)) in
        let (bins, batch) = state
        let values = batch.numericValues
        let start = ContinuousClock.now
        var outside = 0
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { counts in   // on the stack
            counts.initialize(repeating: 0)
            for f in 0..<Shape.numericFeatures {
                batch.numeric[f].withUnsafeBufferPointer { column in
                    outside &+= Binning.count(column, bins: bins[f], into: counts)
                }
            }
            blackHole(counts[0])
        }
        recordRate(benchmark, values: values, since: start)
        blackHole(outside)
    } setup: {
        (Reference(seed: 1).bins, Batch(rows: Shape.batchRows, seed: 2))
    }

    Benchmark("kernel: Binning.bin 20×4096, 9 edges", configuration: kernelConfig) { (benchmark: Benchmark, state: ([ReferenceBins], Batch)) in
        let (bins, batch) = state
        let values = batch.numericValues
        let start = ContinuousClock.now
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { counts in   // on the stack
            counts.initialize(repeating: 0)
            for f in 0..<Shape.numericFeatures {
                bins[f].edges.withUnsafeBufferPointer { edges in
                    batch.numeric[f].withUnsafeBufferPointer { column in
                        for value in column where !value.isNaN {
                            counts[Binning.bin(value, edges: edges)] &+= 1
                        }
                    }
                }
            }
            blackHole(counts[0])
        }
        recordRate(benchmark, values: values, since: start)
    } setup: {
        (Reference(seed: 1).bins, Batch(rows: Shape.batchRows, seed: 2))
    }

    Benchmark("kernel: CategoricalSummary.add 5×4096", configuration: kernelConfig) { (benchmark: Benchmark, state: (Panes, Batch)) in
        let (panes, batch) = state
        let values = Shape.categoricalFeatures * Shape.batchRows
        let start = ContinuousClock.now
        for f in 0..<Shape.categoricalFeatures {
            batch.codes[f].withUnsafeBufferPointer { column in
                panes.categorical[f].add(column, rows: 0..<column.count)
            }
        }
        recordRate(benchmark, values: values, since: start)
        blackHole(panes.categorical[0].counts.count)
    } setup: {
        let panes = Panes(bins: [], seed: 7)
        let batch = Batch(rows: Shape.batchRows, seed: 2)
        panes.add(batch)                      // every code seen once: counts at full size
        return (panes, batch)
    }

    // MARK: Window evaluation

    Benchmark("window evaluation: 100k events × (20 numeric + 5 categorical), all statistics", configuration: windowConfig) { (benchmark: Benchmark, window: Window) in
        let result = window.evaluate(seed: 42)
        blackHole(result.verdicts.count)
    } setup: {
        Window(seed: 3)
    }

    // The numeric part split in two, to see where the time goes (one feature each).
    Benchmark("window evaluation parts: NumericStatistics, 1 feature (5 panes, 99k values)", configuration: windowConfig) { (benchmark: Benchmark, window: Window) in
        let statistics = NumericStatistics(panes: window.panes.map { $0.numeric[1] }, events: window.events, capacity: Shape.capacity, seed: 42)
        blackHole(statistics.count)
    } setup: {
        Window(seed: 3)
    }

    // Feature 1 is drawn like its reference; feature 0 is shifted by 0.2 σ (a drifted feature:
    // D ≈ 0.08, where the KS p-value takes another branch of `kstwo.sf`).
    for (feature, label) in [(1, "stable"), (0, "drifted")] {
        Benchmark("window evaluation parts: DriftEvaluator.numeric, 1 \(label) feature (99k vs 99k)", configuration: windowConfig) { (benchmark: Benchmark, state: (Window, NumericStatistics)) in
            let (window, statistics) = state
            var report = NumericFeatureReport(statistics: statistics)
            let verdict = DriftEvaluator.numeric(&report, reference: window.reference.numeric[feature], options: DriftOptions(method: .auto))
            blackHole(verdict?.drifted)
            blackHole(report.ksPValue)
        } setup: {
            let window = Window(seed: 3)
            let statistics = NumericStatistics(panes: window.panes.map { $0.numeric[feature] }, events: window.events, capacity: Shape.capacity, seed: 42)
            return (window, statistics)
        }
    }

    // MARK: Anomaly scoring (issue #4)

    // Mahalanobis scores of one 4096-event batch over d = 20 numeric features, with the model
    // fitted on a 20 000-row reference (Ledoit-Wolf, threshold calibration: setup, not measured).
    // Target: ≥ 5 M events/s on one core, no allocation per batch.
    Benchmark("anomaly scoring: MahalanobisModel.score, d = 20, 4096 events", configuration: kernelConfig) { (benchmark: Benchmark, state: AnomalyWorkload) in
        let start = ContinuousClock.now
        state.score()
        recordRate(benchmark, values: Shape.batchRows, since: start)
        blackHole(state.scores[0])
    } setup: {
        AnomalyWorkload(seed: 11)
    }

    // MARK: Labels (issue #8)

    // ROC AUC of a 100,000-event window (exact, ties as scikit-learn): one sort.
    Benchmark("performance: ROC AUC of 100,000 scored labels", configuration: windowConfig) { (benchmark: Benchmark, data: ([Double], [Bool])) in
        blackHole(ROCAUC.value(scores: data.0, positives: data.1))
    } setup: {
        var random = SplitMix64(seed: 21)
        let scores = (0..<100_000).map { _ in Double(random.next() % 10_000) / 10_000 }
        let positives = scores.map { s in Double(random.next() % 1000) / 1000 < s }
        return (scores, positives)
    }

    // The delayed-label join: 4096 predictions registered, then their 4096 labels joined.
    Benchmark("labels: join 4096 predictions with 4096 delayed labels", configuration: kernelConfig) { (benchmark: Benchmark, state: LabelJoinWorkload) in
        let start = ContinuousClock.now
        state.round()
        recordRate(benchmark, values: Shape.batchRows, since: start)
    } setup: {
        LabelJoinWorkload()
    }
}
