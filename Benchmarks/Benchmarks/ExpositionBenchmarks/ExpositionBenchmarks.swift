// Benchmarks of the metrics exposition (issue #6 target: rendering 50,000 series ≤ 50 ms on one
// core, and the gzip of it). A registry shaped like a large deployment: 100 models × 50 features ×
// 10 feature gauges (incl. 3 quantiles) = 50,000 series.

import Benchmark
import VigilExposition

func makeRegistry() -> MetricsRegistry {
    let registry = MetricsRegistry(maxSeries: 100_000, processMetrics: false)
    let gauges = [MetricCatalog.featurePSI, MetricCatalog.featureKSStatistic, MetricCatalog.featureKSPValue,
                  MetricCatalog.featureWassersteinNormed, MetricCatalog.featureJensenShannon, MetricCatalog.featureMissingRatio,
                  MetricCatalog.featureMean]
    registry.update { store in
        for m in 0..<100 {
            for f in 0..<50 {
                let labels = ["model-\(m)", "feature_\(f)"]
                for (g, family) in gauges.enumerated() { store.set(family, labels: labels, Double(m * 50 + f) / Double(g + 3)) }
                for q in ["0.5", "0.9", "0.99"] { store.set(MetricCatalog.featureQuantile, labels: labels + [q], Double(f) * 1.5) }
            }
        }
    }
    return registry
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 2,
        maxDuration: .seconds(3),
        maxIterations: 50
    )

    // Every scrape after an update re-renders (the registry's cache is keyed by its generation).
    Benchmark("exposition: render 50,000 series, text 0.0.4 (after an update)", configuration: configuration) { (benchmark: Benchmark, registry: MetricsRegistry) in
        registry.increment(MetricCatalog.eventsTotal, labels: ["model-0"], by: 1)   // invalidates the cached render
        blackHole(registry.render(.prometheus).count)
    } setup: {
        makeRegistry()
    }

    Benchmark("exposition: render 50,000 series, OpenMetrics (after an update)", configuration: configuration) { (benchmark: Benchmark, registry: MetricsRegistry) in
        registry.increment(MetricCatalog.eventsTotal, labels: ["model-0"], by: 1)
        blackHole(registry.render(.openMetrics).count)
    } setup: {
        makeRegistry()
    }

    Benchmark("exposition: gzip of the 50,000-series text (level 6)", configuration: configuration) { (benchmark: Benchmark, text: [UInt8]) in
        blackHole(Gzip.compress(text).count)
    } setup: {
        makeRegistry().render(.prometheus)
    }
}
