/// An alert rule (SPEC §4 `alerts`): a report metric compared with a threshold for long enough.
package struct AlertRule: Sendable, Equatable {
    package enum Comparison: String, Sendable, CaseIterable {
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="

        package func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .greater: value > threshold
            case .greaterOrEqual: value >= threshold
            case .less: value < threshold
            case .lessOrEqual: value <= threshold
            case .equal: value == threshold
            case .notEqual: value != threshold
            }
        }
    }

    package var name: String
    /// nil: every model.
    package var model: String?
    /// A report key (SPEC §7): `feature_*`, `prediction_*`, `dataset_drift_share`, `anomaly_ratio`, …
    package var metric: String
    /// For `feature_*` metrics: only these features (nil: all).
    package var features: [String]?
    package var comparison: Comparison
    package var threshold: Double
    /// `for`: how long (event time) the condition must hold before the alert fires.
    package var holdMillis: Int64
    /// `keep_firing_for`: how long a firing alert stays firing after the condition stops holding.
    package var keepFiringMillis: Int64
    package var severity: String
    package var labels: [String: String]
    package var annotations: [String: String]

    package init(name: String, model: String? = nil, metric: String, features: [String]? = nil, comparison: Comparison, threshold: Double,
                 holdMillis: Int64 = 0, keepFiringMillis: Int64 = 0, severity: String = "warning",
                 labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.model = model
        self.metric = metric
        self.features = features
        self.comparison = comparison
        self.threshold = threshold
        self.holdMillis = holdMillis
        self.keepFiringMillis = keepFiringMillis
        self.severity = severity
        self.labels = labels
        self.annotations = annotations
    }

    /// Whether the rule is evaluated per feature (`feature_*` metrics).
    package var isPerFeature: Bool { metric.hasPrefix("feature_") }

    /// SPEC §9: the rules that apply when `alerts:` is absent, for a model whose anomaly
    /// threshold quantile is `thresholdQuantile`.
    package static func defaults(model: String, thresholdQuantile: Double) -> [AlertRule] {
        [
            AlertRule(name: "DatasetDrift", model: model, metric: "dataset_drifted", comparison: .equal, threshold: 1,
                      holdMillis: 600_000, severity: "warning",
                      annotations: ["summary": "{{model}}: dataset drift ({{value}} of features drifted)"]),
            AlertRule(name: "FeatureDrift", model: model, metric: "feature_drifted", comparison: .equal, threshold: 1,
                      holdMillis: 900_000, severity: "warning",
                      annotations: ["summary": "{{model}}: drift on {{feature}}"]),
            AlertRule(name: "AnomalyRateHigh", model: model, metric: "anomaly_ratio", comparison: .greater,
                      threshold: 10 * (1 - thresholdQuantile), holdMillis: 300_000, severity: "critical",
                      annotations: ["summary": "{{model}}: anomaly rate {{value}} above {{threshold}}"]),
            AlertRule(name: "NoEvents", model: model, metric: "events", comparison: .equal, threshold: 0,
                      holdMillis: 600_000, severity: "warning",
                      annotations: ["summary": "{{model}}: no events"]),
        ]
    }
}
