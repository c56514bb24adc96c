import Foundation
import Testing
@testable import VigilExposition

@Suite struct MetricsRegistryTests {
    static let testHistogram = MetricFamily(
        name: "vigil_test_duration_seconds",
        help: "Test durations in seconds; help with a \\ backslash, \"quotes\"\nand a second line.",
        type: .histogram, labelNames: ["stage"], buckets: [0.001, 0.5, 1, 100_000, 1e6])

    /// A small registry touching every rendering rule: counters (one with an empty label value), a
    /// gauge with escaped and UTF-8 label values and NaN/-Inf values, a histogram with an initialized
    /// zero series, a family without series, and the always-present dropped counter.
    static func smallRegistry() -> MetricsRegistry {
        let registry = MetricsRegistry(
            families: [
                MetricCatalog.eventsTotal, MetricCatalog.eventsRejectedTotal, MetricCatalog.windowEvents,
                MetricCatalog.featureMean, testHistogram,
            ],
            processMetrics: false)
        registry.increment(MetricCatalog.eventsTotal, labels: ["fraud"], by: 3)
        registry.increment(MetricCatalog.eventsTotal, labels: ["churn"], by: 1000)
        registry.increment(MetricCatalog.eventsTotal, labels: ["churn"], by: 250)
        registry.increment(MetricCatalog.eventsRejectedTotal, labels: ["", "malformed"], by: 2)
        registry.update { store in
            store.set(MetricCatalog.featureMean, labels: ["fraud", "quote\"back\\slash\nnewline"], -.infinity)
            store.set(MetricCatalog.featureMean, labels: ["fraud", "amount"], 125.5)
            store.set(MetricCatalog.featureMean, labels: ["fraud", "café ☕"], 1e-7)
            store.set(MetricCatalog.featureMean, labels: ["churn", "tenure"], .nan)
        }
        registry.observe(testHistogram, labels: ["decode"], values: [0.0009765625, 0.25, 0.75, 2, 500_000, 2_000_000])
        registry.initialize(testHistogram, labels: ["update"])
        return registry
    }

    static let expectedText = #"""
        # HELP vigil_events_total Events accepted per model.
        # TYPE vigil_events_total counter
        vigil_events_total{model="churn"} 1250
        vigil_events_total{model="fraud"} 3
        # HELP vigil_events_rejected_total Events rejected per model (empty when the model is unknown) and reason (malformed, too_large, bad_timestamp, unknown_model, late).
        # TYPE vigil_events_rejected_total counter
        vigil_events_rejected_total{model="",reason="malformed"} 2
        # HELP vigil_window_events Events accepted in the last evaluated window.
        # TYPE vigil_window_events gauge
        # HELP vigil_feature_mean Mean of the feature's values in the last window, in the feature's unit.
        # TYPE vigil_feature_mean gauge
        vigil_feature_mean{model="churn",feature="tenure"} NaN
        vigil_feature_mean{model="fraud",feature="amount"} 125.5
        vigil_feature_mean{model="fraud",feature="café ☕"} 1e-07
        vigil_feature_mean{model="fraud",feature="quote\"back\\slash\nnewline"} -Inf
        # HELP vigil_test_duration_seconds Test durations in seconds; help with a \\ backslash, "quotes"\nand a second line.
        # TYPE vigil_test_duration_seconds histogram
        vigil_test_duration_seconds_bucket{stage="decode",le="0.001"} 1
        vigil_test_duration_seconds_bucket{stage="decode",le="0.5"} 2
        vigil_test_duration_seconds_bucket{stage="decode",le="1"} 3
        vigil_test_duration_seconds_bucket{stage="decode",le="100000"} 4
        vigil_test_duration_seconds_bucket{stage="decode",le="1e+06"} 5
        vigil_test_duration_seconds_bucket{stage="decode",le="+Inf"} 6
        vigil_test_duration_seconds_sum{stage="decode"} 2500003.0009765625
        vigil_test_duration_seconds_count{stage="decode"} 6
        vigil_test_duration_seconds_bucket{stage="update",le="0.001"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="0.5"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="1"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="100000"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="1e+06"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="+Inf"} 0
        vigil_test_duration_seconds_sum{stage="update"} 0
        vigil_test_duration_seconds_count{stage="update"} 0
        # HELP vigil_series_dropped_total Updates of new series dropped because the registry held max_series series.
        # TYPE vigil_series_dropped_total counter
        vigil_series_dropped_total 0

        """#

    static let expectedOpenMetrics = #"""
        # TYPE vigil_events counter
        # HELP vigil_events Events accepted per model.
        vigil_events_total{model="churn"} 1250
        vigil_events_total{model="fraud"} 3
        # TYPE vigil_events_rejected counter
        # HELP vigil_events_rejected Events rejected per model (empty when the model is unknown) and reason (malformed, too_large, bad_timestamp, unknown_model, late).
        vigil_events_rejected_total{model="",reason="malformed"} 2
        # TYPE vigil_window_events gauge
        # HELP vigil_window_events Events accepted in the last evaluated window.
        # TYPE vigil_feature_mean gauge
        # HELP vigil_feature_mean Mean of the feature's values in the last window, in the feature's unit.
        vigil_feature_mean{model="churn",feature="tenure"} NaN
        vigil_feature_mean{model="fraud",feature="amount"} 125.5
        vigil_feature_mean{model="fraud",feature="café ☕"} 1e-07
        vigil_feature_mean{model="fraud",feature="quote\"back\\slash\nnewline"} -Inf
        # TYPE vigil_test_duration_seconds histogram
        # HELP vigil_test_duration_seconds Test durations in seconds; help with a \\ backslash, \"quotes\"\nand a second line.
        vigil_test_duration_seconds_bucket{stage="decode",le="0.001"} 1
        vigil_test_duration_seconds_bucket{stage="decode",le="0.5"} 2
        vigil_test_duration_seconds_bucket{stage="decode",le="1.0"} 3
        vigil_test_duration_seconds_bucket{stage="decode",le="100000.0"} 4
        vigil_test_duration_seconds_bucket{stage="decode",le="1e+06"} 5
        vigil_test_duration_seconds_bucket{stage="decode",le="+Inf"} 6
        vigil_test_duration_seconds_sum{stage="decode"} 2500003.0009765625
        vigil_test_duration_seconds_count{stage="decode"} 6
        vigil_test_duration_seconds_bucket{stage="update",le="0.001"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="0.5"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="1.0"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="100000.0"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="1e+06"} 0
        vigil_test_duration_seconds_bucket{stage="update",le="+Inf"} 0
        vigil_test_duration_seconds_sum{stage="update"} 0
        vigil_test_duration_seconds_count{stage="update"} 0
        # TYPE vigil_series_dropped counter
        # HELP vigil_series_dropped Updates of new series dropped because the registry held max_series series.
        vigil_series_dropped_total 0
        # EOF

        """#

    @Test func textFormatMatchesGolden() {
        let text = String(decoding: Self.smallRegistry().render(.prometheus), as: UTF8.self)
        #expect(text == Self.expectedText)
    }

    @Test func openMetricsMatchesGolden() {
        let text = String(decoding: Self.smallRegistry().render(.openMetrics), as: UTF8.self)
        #expect(text == Self.expectedOpenMetrics)
        #expect(text.hasSuffix("# EOF\n"))
    }

    @Test(.enabled(if: ExternalTool.promtool != nil || ExternalTool.isCI, "promtool not found (set PROMTOOL or install prometheus)"))
    func textFormatPassesPromtool() throws {
        let promtool = try #require(ExternalTool.promtool, "promtool is required under CI")
        let result = try ExternalTool.run(promtool, ["check", "metrics"], input: Self.smallRegistry().render(.prometheus))
        #expect(result.status == 0, "promtool: \(result.output)")
        #expect(result.output.isEmpty, "promtool: \(result.output)")
    }

    /// Every catalogue family with a series, plus the process metrics: the exposition Vigil serves.
    static func fullRegistry() -> MetricsRegistry {
        let registry = MetricsRegistry()
        registry.update { store in
            for family in MetricCatalog.all {
                let labels = family.labelNames.map { name in
                    switch name {
                    case "quantile": "0.99"
                    case "partition": "3"
                    default: "x_\(name)"
                    }
                }
                switch family.type {
                case .counter: store.increment(family, labels: labels, by: 7)
                case .gauge: store.set(family, labels: labels, 0.5)
                case .histogram: store.observe(family, labels: labels, 0.3)
                }
            }
        }
        return registry
    }

    @Test(.enabled(if: ExternalTool.promtool != nil || ExternalTool.isCI, "promtool not found (set PROMTOOL or install prometheus)"))
    func fullCatalogueExpositionPassesPromtoolExceptSPECQuantileLabels() throws {
        let promtool = try #require(ExternalTool.promtool, "promtool is required under CI")
        let result = try ExternalTool.run(promtool, ["check", "metrics"], input: Self.fullRegistry().render(.prometheus))
        // SPEC §9 puts a `quantile` label on two gauges; promlint reserves it for summaries. SPEC wins
        // (STYLE preamble), so exactly those two lint findings are expected (exit status 3 = lint
        // findings only; a parse error would be 1).
        let findings = result.output.split(separator: "\n").map(String.init).sorted()
        #expect(findings == [
            "vigil_feature_quantile non-summary metrics should not have \"quantile\" label",
            "vigil_prediction_quantile non-summary metrics should not have \"quantile\" label",
        ], "promtool: \(result.output)")
        #expect(result.status == 3, "promtool: \(result.output)")
    }

    @Test func openMetricsCounterFamiliesDropTotal() {
        let text = String(decoding: Self.fullRegistry().render(.openMetrics), as: UTF8.self)
        let lines = text.split(separator: "\n")
        for family in MetricCatalog.all + MetricCatalog.process where family.type == .counter {
            let base = family.openMetricsName
            #expect(lines.contains("# TYPE \(base) counter"), "\(family.name)")
            #expect(!lines.contains("# TYPE \(family.name) counter"), "\(family.name)")
            #expect(lines.contains { $0.hasPrefix("\(family.name) ") || $0.hasPrefix("\(family.name){") }, "\(family.name)")
        }
        #expect(lines.last == "# EOF")
        #expect(lines.filter { $0 == "# EOF" }.count == 1)
    }

    @Test(arguments: ExpositionFormat.allCases)
    func noDuplicateSeries(format: ExpositionFormat) {
        let registry = Self.fullRegistry()
        for _ in 0..<3 {
            registry.increment(MetricCatalog.eventsTotal, labels: ["x_model"])
            registry.set(MetricCatalog.featureMean, labels: ["x_model", "x_feature"], 2)
        }
        let samples = String(decoding: registry.render(format), as: UTF8.self)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { line in line.lastIndex(of: " ").map { line[..<$0] } }
        #expect(Set(samples).count == samples.count)
        #expect(registry.value(MetricCatalog.eventsTotal, labels: ["x_model"]) == 10)
    }

    @Test func processMetricsAreRenderedFromProc() throws {
        let text = String(decoding: MetricsRegistry(families: [], processMetrics: true).render(.prometheus), as: UTF8.self)
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            values[String(parts[0])] = Double(parts[1])
        }
        #if os(Linux)
        for family in MetricCatalog.process {
            #expect(values[family.name] != nil, "\(family.name) missing")
        }
        let start = try #require(values["process_start_time_seconds"])
        let now = Date().timeIntervalSince1970
        #expect(start > now - 86_400 * 30 && start <= now + 1)
        #expect(try #require(values["process_resident_memory_bytes"]) > 1_000_000)
        #expect(try #require(values["process_open_fds"]) >= 3)
        #expect(try #require(values["process_cpu_seconds_total"]) >= 0)
        #endif
        #expect(values["vigil_series_dropped_total"] == 0)
    }

    @Test func seriesBeyondMaxSeriesAreDroppedAndCounted() {
        let histogram = MetricFamily(name: "vigil_test_seconds", help: "Test.", type: .histogram, labelNames: ["stage"], buckets: [1, 2])
        // 1 (dropped counter) + 4 counters = 5 samples; the histogram needs 2 + 3 = 5 more.
        let registry = MetricsRegistry(families: [MetricCatalog.eventsTotal, histogram], maxSeries: 5, processMetrics: false)
        for model in ["a", "b", "c", "d"] { registry.increment(MetricCatalog.eventsTotal, labels: [model]) }
        #expect(registry.sampleCount == 5)
        registry.increment(MetricCatalog.eventsTotal, labels: ["e"])
        registry.observe(histogram, labels: ["decode"], 0.5)
        #expect(registry.value(MetricCatalog.eventsTotal, labels: ["e"]) == nil)
        #expect(registry.histogram(histogram, labels: ["decode"]) == nil)
        #expect(registry.value(MetricCatalog.seriesDroppedTotal, labels: []) == 2)
        // Existing series keep updating.
        registry.increment(MetricCatalog.eventsTotal, labels: ["a"], by: 4)
        #expect(registry.value(MetricCatalog.eventsTotal, labels: ["a"]) == 5)
        #expect(registry.value(MetricCatalog.seriesDroppedTotal, labels: []) == 2)
        // Removing series makes room again.
        registry.remove(MetricCatalog.eventsTotal, labelPrefix: ["b"])
        registry.increment(MetricCatalog.eventsTotal, labels: ["e"])
        #expect(registry.value(MetricCatalog.eventsTotal, labels: ["e"]) == 1)
        let text = String(decoding: registry.render(.prometheus), as: UTF8.self)
        #expect(text.contains("vigil_series_dropped_total 2\n"))
        #expect(!text.contains("model=\"b\""))
    }

    @Test func removeByPrefixAndByLabel() {
        let registry = MetricsRegistry(processMetrics: false)
        registry.update { store in
            for model in ["fraud", "churn"] {
                store.increment(MetricCatalog.eventsTotal, labels: [model])
                for feature in ["amount", "age"] {
                    store.set(MetricCatalog.featurePSI, labels: [model, feature], 0.1)
                    store.set(MetricCatalog.featureQuantile, labels: [model, feature, "0.5"], 1)
                }
            }
        }
        registry.remove(MetricCatalog.featurePSI, labelPrefix: ["fraud", "age"])
        #expect(registry.value(MetricCatalog.featurePSI, labels: ["fraud", "age"]) == nil)
        #expect(registry.value(MetricCatalog.featurePSI, labels: ["fraud", "amount"]) == 0.1)
        registry.remove(label: "model", value: "fraud")
        let store = registry.snapshot()
        #expect(store.labelSets(MetricCatalog.eventsTotal) == [["churn"]])
        #expect(store.labelSets(MetricCatalog.featureQuantile).allSatisfy { $0[0] == "churn" })
        #expect(store.labelSets(MetricCatalog.featureQuantile).count == 2)
        let text = String(decoding: registry.render(.prometheus), as: UTF8.self)
        #expect(!text.contains("fraud"))
        #expect(text.contains("vigil_feature_psi{model=\"churn\",feature=\"age\"} 0.1\n"))
    }

    @Test func removingOneExactSeriesKeepsTheOthers() throws {
        let registry = MetricsRegistry(processMetrics: false)
        let means = ["a": 97.0, "b": 98, "c": 99, "d": 100]
        for (feature, mean) in means {
            registry.set(MetricCatalog.featureMean, labels: ["m", feature], mean)
        }
        registry.observe(MetricCatalog.anomalyScore, labels: ["m"], 1)
        registry.observe(MetricCatalog.anomalyScore, labels: ["n"], 2)
        registry.remove(MetricCatalog.featureMean, labelPrefix: ["m", "b"])
        registry.remove(MetricCatalog.featureMean, labelPrefix: ["m", "zzz"])  // absent: no-op
        registry.remove(MetricCatalog.anomalyScore, labelPrefix: ["m"])
        #expect(registry.value(MetricCatalog.featureMean, labels: ["m", "b"]) == nil)
        for feature in ["a", "c", "d"] {
            #expect(registry.value(MetricCatalog.featureMean, labels: ["m", feature]) == means[feature])
        }
        #expect(registry.histogram(MetricCatalog.anomalyScore, labels: ["m"]) == nil)
        #expect(registry.histogram(MetricCatalog.anomalyScore, labels: ["n"])?.sum == 2)
        #expect(registry.sampleCount == 1 + 3 + (try #require(MetricCatalog.anomalyScore.buckets).count + 3))
        let text = String(decoding: registry.render(.prometheus), as: UTF8.self)
        #expect(text.contains("vigil_feature_mean{model=\"m\",feature=\"a\"} 97\nvigil_feature_mean{model=\"m\",feature=\"c\"} 99\nvigil_feature_mean{model=\"m\",feature=\"d\"} 100\n"))
    }

    @Test func initializeKeepsExistingValues() {
        let registry = MetricsRegistry(processMetrics: false)
        registry.increment(MetricCatalog.alertNotificationsTotal, labels: ["ops", "sent"], by: 5)
        for result in ["sent", "failed", "dropped"] {
            registry.initialize(MetricCatalog.alertNotificationsTotal, labels: ["ops", result])
        }
        #expect(registry.value(MetricCatalog.alertNotificationsTotal, labels: ["ops", "sent"]) == 5)
        #expect(registry.value(MetricCatalog.alertNotificationsTotal, labels: ["ops", "failed"]) == 0)
        #expect(registry.value(MetricCatalog.alertNotificationsTotal, labels: ["ops", "dropped"]) == 0)
    }

    @Test func histogramBatchEqualsOneByOne() {
        let values = (0..<1000).map { Double($0) * 0.01 }
        let batch = MetricsRegistry(processMetrics: false), single = MetricsRegistry(processMetrics: false)
        batch.observe(MetricCatalog.anomalyScore, labels: ["m"], values: values)
        for value in values { single.observe(MetricCatalog.anomalyScore, labels: ["m"], value) }
        #expect(batch.histogram(MetricCatalog.anomalyScore, labels: ["m"]) == single.histogram(MetricCatalog.anomalyScore, labels: ["m"]))
        let counts = batch.histogram(MetricCatalog.anomalyScore, labels: ["m"])
        #expect(counts?.count == 1000)
        #expect(counts?.cumulativeCounts.last == 1000)
        // le is inclusive: 0.5 falls in the first bucket (0..0.5 has 51 values).
        #expect(counts?.bucketCounts.first == 51)
    }

    @Test func renderIsCachedUntilTheRegistryChanges() {
        let registry = Self.smallRegistry()
        let first = registry.render(.prometheus)
        #expect(registry.render(.prometheus) == first)
        registry.increment(MetricCatalog.eventsTotal, labels: ["fraud"])
        let second = String(decoding: registry.render(.prometheus), as: UTF8.self)
        #expect(second.contains("vigil_events_total{model=\"fraud\"} 4\n"))
        registry.increment(MetricCatalog.eventsTotal, labels: ["aaa"])
        let third = String(decoding: registry.render(.prometheus), as: UTF8.self)
        #expect(third.contains("# TYPE vigil_events_total counter\nvigil_events_total{model=\"aaa\"} 1\nvigil_events_total{model=\"churn\"} 1250\n"))
    }

    @Test func concurrentUpdatesAndScrapes() async {
        let registry = MetricsRegistry(processMetrics: false)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for i in 0..<500 {
                        registry.update { store in
                            store.increment(MetricCatalog.eventsTotal, labels: ["m\(worker)"])
                            store.set(MetricCatalog.featureMean, labels: ["m\(worker)", "f\(i % 50)"], Double(i))
                        }
                    }
                }
            }
            group.addTask {
                for _ in 0..<50 { _ = registry.render(.openMetrics) }
            }
        }
        for worker in 0..<4 {
            #expect(registry.value(MetricCatalog.eventsTotal, labels: ["m\(worker)"]) == 500)
        }
        #expect(registry.sampleCount == 1 + 4 + 4 * 50)
    }
}
