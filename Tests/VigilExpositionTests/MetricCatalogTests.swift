import Testing
@testable import VigilExposition

@Suite struct MetricCatalogTests {
    /// SPEC §9's table, written out by hand (name, type, labels). Keep in step with SPEC.md §9.
    static let spec: [(name: String, type: MetricType, labels: [String])] = {
        let modelFeature = ["model", "feature"]
        var rows: [(String, MetricType, [String])] = [
            ("vigil_events_total", .counter, ["model"]),
            ("vigil_events_rejected_total", .counter, ["model", "reason"]),
            ("vigil_feature_values_invalid_total", .counter, ["model", "feature", "reason"]),
            ("vigil_window_events", .gauge, ["model"]),
            ("vigil_window_end_timestamp_seconds", .gauge, ["model"]),
        ]
        for suffix in ["psi", "ks_statistic", "ks_p_value", "wasserstein_normed", "jensen_shannon", "chi2_p_value"] {
            rows.append(("vigil_feature_\(suffix)", .gauge, modelFeature))
        }
        rows += [
            ("vigil_feature_drift_score", .gauge, ["model", "feature", "method"]),
            ("vigil_feature_drifted", .gauge, modelFeature),
            ("vigil_feature_missing_ratio", .gauge, modelFeature),
            ("vigil_feature_out_of_range_ratio", .gauge, modelFeature),
            ("vigil_feature_new_category_ratio", .gauge, modelFeature),
            ("vigil_feature_mean", .gauge, modelFeature),
            ("vigil_feature_stddev", .gauge, modelFeature),
            ("vigil_feature_quantile", .gauge, ["model", "feature", "quantile"]),
            ("vigil_dataset_drift_share", .gauge, ["model"]),
            ("vigil_dataset_drifted", .gauge, ["model"]),
        ]
        for suffix in ["psi", "ks_statistic", "drift_score", "drifted", "mean"] {
            rows.append(("vigil_prediction_\(suffix)", .gauge, ["model"]))
        }
        rows += [
            ("vigil_prediction_quantile", .gauge, ["model", "quantile"]),
            ("vigil_prediction_class_ratio", .gauge, ["model", "class"]),
            ("vigil_anomaly_score", .histogram, ["model"]),
            ("vigil_anomalies_total", .counter, ["model"]),
            ("vigil_anomaly_ratio", .gauge, ["model"]),
            ("vigil_change_detected_total", .counter, ["model", "target"]),
        ]
        for suffix in ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mae", "rmse"] {
            rows.append(("vigil_model_\(suffix)", .gauge, ["model"]))
        }
        rows += [
            ("vigil_labels_joined_total", .counter, ["model"]),
            ("vigil_labels_unmatched_total", .counter, ["model"]),
            ("vigil_kafka_messages_total", .counter, ["topic"]),
            ("vigil_kafka_consumer_lag_messages", .gauge, ["topic", "partition"]),
            ("vigil_kafka_rebalances_total", .counter, []),
            ("vigil_processing_duration_seconds", .histogram, ["stage"]),
            ("vigil_alerts", .gauge, ["alertname", "state"]),
            ("vigil_alert_notifications_total", .counter, ["notifier", "result"]),
            ("vigil_series_dropped_total", .counter, []),
            ("vigil_build_info", .gauge, ["version", "swift_version"]),
        ]
        return rows
    }()

    /// SPEC §9 names these "standard"; the two extra ones are the rest of the standard set.
    static let specProcess = [
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "process_open_fds",
    ]

    @Test func catalogueNamesEqualSPEC() {
        #expect(MetricCatalog.all.map(\.name).sorted() == Self.spec.map(\.name).sorted())
    }

    @Test(arguments: MetricCatalogTests.spec.map(\.name))
    func familyMatchesSPECRow(name: String) throws {
        let row = try #require(Self.spec.first { $0.name == name })
        let family = try #require(MetricCatalog.all.first { $0.name == name })
        #expect(family.type == row.type)
        #expect(family.labelNames == row.labels)
    }

    @Test func processFamiliesCoverSPEC() {
        let names = Set(MetricCatalog.process.map(\.name))
        #expect(Set(Self.specProcess).isSubset(of: names))
        #expect(names.isSubset(of: Set(Self.specProcess + ["process_virtual_memory_bytes", "process_max_fds"])))
    }

    @Test func namesAreUnique() {
        let names = (MetricCatalog.all + MetricCatalog.process).map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test(arguments: MetricCatalog.all + MetricCatalog.process)
    func familyFollowsNamingRules(family: MetricFamily) {
        #expect(family.name.hasPrefix("vigil_") || family.name.hasPrefix("process_"))
        #expect(family.name.hasSuffix("_total") == (family.type == .counter))
        for reserved in ["_count", "_sum", "_bucket", "_created"] {
            #expect(!family.name.hasSuffix(reserved))
        }
        #expect(family.help.hasSuffix("."))
        #expect(!family.help.contains("\n"))
        #expect((family.buckets != nil) == (family.type == .histogram))
    }

    @Test func openMetricsNameDropsTotalOnlyForCounters() {
        #expect(MetricCatalog.eventsTotal.openMetricsName == "vigil_events")
        #expect(MetricCatalog.processCPUSecondsTotal.openMetricsName == "process_cpu_seconds")
        #expect(MetricCatalog.windowEvents.openMetricsName == "vigil_window_events")
    }

    @Test(arguments: [("vigil_ok", true), ("a:b_c9", true), ("9lives", false), ("with-dash", false), ("", false), ("é", false)])
    func metricNameValidation(name: String, valid: Bool) {
        #expect(MetricFamily.isValidMetricName(name) == valid)
    }

    @Test(arguments: [("model", true), ("_x", true), ("__reserved", false), ("a:b", false), ("1a", false)])
    func labelNameValidation(name: String, valid: Bool) {
        #expect(MetricFamily.isValidLabelName(name) == valid)
    }
}
