import Foundation
import Testing
@testable import VigilExposition

// TEMPORARY: not committed. Dumps expositions and times a 50k-series render.
@Suite struct ScratchBench {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_SCRATCH"] != nil))
    func dumpAndTime() throws {
        let dir = ProcessInfo.processInfo.environment["VIGIL_SCRATCH"]!
        try Data(MetricsRegistryTests.smallRegistry().render(.openMetrics)).write(to: URL(fileURLWithPath: dir + "/small.om"))
        try Data(MetricsRegistryTests.fullRegistry().render(.openMetrics)).write(to: URL(fileURLWithPath: dir + "/full.om"))

        let registry = MetricsRegistry(maxSeries: 60_000)
        // 50,000 series: 100 models × 25 features × 20 gauges.
        let gauges = [MetricCatalog.featurePSI, MetricCatalog.featureKSStatistic, MetricCatalog.featureKSPValue, MetricCatalog.featureWassersteinNormed,
                      MetricCatalog.featureJensenShannon, MetricCatalog.featureChi2PValue, MetricCatalog.featureDrifted, MetricCatalog.featureMissingRatio,
                      MetricCatalog.featureOutOfRangeRatio, MetricCatalog.featureNewCategoryRatio, MetricCatalog.featureMean, MetricCatalog.featureStddev]
        var t = ContinuousClock.now
        registry.update { store in
            for m in 0..<100 {
                for f in 0..<25 {
                    for g in gauges { store.set(g, labels: ["model_\(m)", "feature_\(f)"], Double(f) * 0.123456789) }
                    for q in ["0.5", "0.9", "0.99"] { store.set(MetricCatalog.featureQuantile, labels: ["model_\(m)", "feature_\(f)", q], 3.25) }
                    for method in ["wasserstein", "psi", "ks"] { store.set(MetricCatalog.featureDriftScore, labels: ["model_\(m)", "feature_\(f)", method], 0.01) }
                    for r in ["type_error", "non_finite"] { store.increment(MetricCatalog.featureValuesInvalidTotal, labels: ["model_\(m)", "feature_\(f)", r], by: 12) }
                    store.set(MetricCatalog.featurePSI, labels: ["model_\(m)", "feature_\(f)"], 0.2)
                }
            }
        }
        print("populate", ContinuousClock.now - t, "samples", registry.sampleCount)
        for round in 0..<4 {
            t = ContinuousClock.now
            let text = registry.render(.prometheus)
            let d1 = ContinuousClock.now - t
            t = ContinuousClock.now
            let gz = Gzip.compress(text)
            let d2 = ContinuousClock.now - t
            t = ContinuousClock.now
            let gz1 = Gzip.compress(text, level: 1)
            let d3 = ContinuousClock.now - t
            print("round", round, "render", d1, "bytes", text.count, "gzip6", d2, gz.count, "gzip1", d3, gz1.count)
            // Change values only (no new series): layout cache stays valid.
            registry.update { store in
                for m in 0..<100 { store.set(MetricCatalog.featureMean, labels: ["model_\(m)", "feature_0"], Double(round)) }
            }
        }
        t = ContinuousClock.now
        registry.increment(MetricCatalog.eventsTotal, labels: ["new_model"])
        _ = registry.render(.prometheus)
        print("render after a new series (layout rebuild of one family)", ContinuousClock.now - t)
        t = ContinuousClock.now
        _ = registry.render(.openMetrics)
        print("first openMetrics render", ContinuousClock.now - t)
        t = ContinuousClock.now
        _ = registry.render(.openMetrics)
        print("cached openMetrics render", ContinuousClock.now - t)
    }
}
