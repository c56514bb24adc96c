import Testing
import VigilAlerting
import VigilStats

@Suite struct AlertEngineTests {
    /// A window of model "m" with one numeric feature "x" whose drift verdict is `drifted`.
    static func window(end: Int64, drifted: Bool, events: Int = 100, anomalyRatio: Double? = nil) -> WindowReport {
        var summary = NumericSummary(capacity: 10, seed: 1)
        [1.0, 2.0].withUnsafeBufferPointer { summary.add($0, rows: 0..<2) }
        let statistics = NumericStatistics(panes: [summary], events: 2, capacity: 10, seed: 1)
        let feature = FeatureReport(name: "x", values: .numeric(NumericFeatureReport(statistics: statistics)),
                                    drift: DriftVerdict(method: "psi", score: drifted ? 0.4 : 0.01, threshold: 0.1, drifted: drifted))
        var w = WindowReport(model: "m", startMillis: end - 60_000, endMillis: end, events: events, features: [feature])
        w.datasetDrift = DatasetDriftReport(features: 1, driftedFeatures: drifted ? 1 : 0, share: drifted ? 1 : 0, drifted: drifted)
        if let anomalyRatio { w.anomaly = AnomalyReport(method: "mahalanobis", threshold: 5, meanScore: 2, anomalies: 1, ratio: anomalyRatio, topFeatures: []) }
        return w
    }

    @Test func featureRuleFiresPerFeatureWithLabelsAndTemplatedAnnotations() throws {
        let rule = AlertRule(name: "FeatureDrift", metric: "feature_drift_score", comparison: .greaterOrEqual, threshold: 0.2,
                             holdMillis: 60_000, severity: "critical", labels: ["team": "risk"],
                             annotations: ["summary": "{{model}}: drift on {{feature}} ({{value}} ≥ {{threshold}})"])
        var engine = AlertEngine(rules: [rule], agentURL: "http://vigil:9877")
        #expect(engine.evaluate(Self.window(end: 60_000, drifted: true)).isEmpty)          // pending
        #expect(engine.active.map(\.state) == [.pending])
        let fired = engine.evaluate(Self.window(end: 120_000, drifted: true))
        let alert = try #require(fired.first)
        #expect(fired.count == 1 && alert.state == .firing)
        #expect(alert.labels == ["alertname": "FeatureDrift", "model": "m", "feature": "x", "severity": "critical", "team": "risk"])
        #expect(alert.annotations["summary"] == "m: drift on x (0.4 ≥ 0.2)")
        #expect(alert.annotations["value"] == "0.4")
        #expect(alert.startsAtMillis == 60_000)
        #expect(alert.generatorURL == "http://vigil:9877/api/v1/windows/m")
        let resolved = engine.evaluate(Self.window(end: 180_000, drifted: false))
        #expect(resolved.map(\.state) == [.resolved])
        #expect(resolved.first?.endsAtMillis == 180_000)
        #expect(resolved.first?.fingerprint == alert.fingerprint)
        #expect(engine.active.isEmpty && engine.resolved.count == 1)
    }

    @Test func defaultRulesFollowSpec() throws {
        let rules = AlertRule.defaults(model: "m", thresholdQuantile: 0.999)
        #expect(rules.map(\.name) == ["DatasetDrift", "FeatureDrift", "AnomalyRateHigh", "NoEvents"])
        #expect(rules.map(\.holdMillis) == [600_000, 900_000, 300_000, 600_000])
        #expect(rules.map(\.severity) == ["warning", "warning", "critical", "warning"])
        #expect(isApproximately(rules[2].threshold, 0.01))                  // 10 × (1 − 0.999)
        var engine = AlertEngine(rules: rules)
        var fired: [String] = []
        for minute in 1...16 {
            for alert in engine.evaluate(Self.window(end: Int64(minute) * 60_000, drifted: true, events: 0, anomalyRatio: 0.5)) where alert.state == .firing {
                fired.append("\(alert.labels["alertname"]!)@\(minute)")
            }
        }
        // Pending from minute 1: AnomalyRateHigh fires after 5 min, DatasetDrift and NoEvents after 10, FeatureDrift after 15.
        #expect(fired == ["AnomalyRateHigh@6", "DatasetDrift@11", "NoEvents@11", "FeatureDrift@16"])
    }

    @Test func sameEventsGiveTheSameAlerts() {
        let rule = AlertRule(name: "A", metric: "dataset_drift_share", comparison: .greater, threshold: 0.5)
        func run() -> [Alert] {
            var engine = AlertEngine(rules: [rule])
            return (1...10).flatMap { engine.evaluate(Self.window(end: Int64($0) * 1000, drifted: $0 % 3 != 0)) }
        }
        #expect(run() == run())
        #expect(run().count == 7)   // fires at 1, 4, 7, 10 and resolves at 3, 6, 9
    }

    @Test(arguments: ["feature_psi", "feature_drifted", "prediction_ks_p_value", "dataset_drift_share", "anomaly_ratio", "events",
                      "rejected_ratio", "performance_f1", "change_detections", "feature_quantile_0.99"])
    func knownMetrics(metric: String) { #expect(AlertMetrics.isKnown(metric)) }

    @Test(arguments: ["feature_", "bogus", "feature_nope", "performance_speed", "prediction"])
    func unknownMetrics(metric: String) { #expect(!AlertMetrics.isKnown(metric)) }

    @Test func fingerprintIsAStableHashOfTheSortedLabels() {
        // printf 'alertname=A\nmodel=m\n' | sha256sum
        #expect(Alert.fingerprint(["model": "m", "alertname": "A"]) == "2a498174a5d777ace16fe9673e1ef8eb89feef33feff9c514c55341a82592d67")
    }

    func isApproximately(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }
}
