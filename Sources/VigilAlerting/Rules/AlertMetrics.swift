package import VigilStats

/// The report keys alert rules can name (SPEC §4 `alerts[].metric`, §7), and their values in a window.
package enum AlertMetrics {
    /// Keys of a feature's (and the prediction's) report object.
    package static let columnKeys: Set<String> = [
        "count", "missing_ratio", "non_finite", "mean", "stddev", "min", "max", "quantile_0.5", "quantile_0.9", "quantile_0.99",
        "out_of_range_ratio", "psi", "ks_statistic", "ks_p_value", "wasserstein_normed", "jensen_shannon",
        "new_category_ratio", "chi2_p_value", "z_test_p_value", "drift_score", "drift_threshold", "drifted",
    ]
    package static let performanceKeys: Set<String> = [
        "labeled", "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "brier", "macro_f1", "mae", "rmse", "mape",
    ]
    package static let modelKeys: Set<String> = [
        "events", "rejected_ratio", "dataset_drift_share", "dataset_drifted", "dataset_drifted_features",
        "anomaly_ratio", "anomaly_mean_score", "anomalies", "anomaly_threshold", "change_detections", "change_detected",
    ]

    package static func isKnown(_ metric: String) -> Bool {
        if modelKeys.contains(metric) { return true }
        if metric.hasPrefix("feature_") { return columnKeys.contains(String(metric.dropFirst(8))) }
        if metric.hasPrefix("prediction_") { return columnKeys.contains(String(metric.dropFirst(11))) }
        if metric.hasPrefix("performance_") { return performanceKeys.contains(String(metric.dropFirst(12))) }
        return false
    }

    /// A model-level (or prediction/performance) metric's value in a window; nil when it does not
    /// apply or has no value (the condition is then false).
    package static func value(_ metric: String, in window: WindowReport, rejected: Int? = nil) -> Double? {
        if metric.hasPrefix("prediction_") {
            return window.prediction.flatMap { column(String(metric.dropFirst(11)), $0) }
        }
        if metric.hasPrefix("performance_") {
            let p = window.performance
            switch metric.dropFirst(12) {
            case "labeled": return Double(p.labeled)
            case "accuracy": return p.accuracy
            case "precision": return p.precision
            case "recall": return p.recall
            case "f1": return p.f1
            case "roc_auc": return p.rocAUC
            case "log_loss": return p.logLoss
            case "brier": return p.brier
            case "macro_f1": return p.macroF1
            case "mae": return p.mae
            case "rmse": return p.rmse
            case "mape": return p.mape
            default: return nil
            }
        }
        switch metric {
        case "events": return Double(window.events)
        case "rejected_ratio":
            guard let rejected else { return nil }
            let total = rejected + window.events
            return total > 0 ? Double(rejected) / Double(total) : nil
        case "dataset_drift_share": return window.datasetDrift?.share
        case "dataset_drifted": return window.datasetDrift.map { $0.drifted ? 1 : 0 }
        case "dataset_drifted_features": return window.datasetDrift.map { Double($0.driftedFeatures) }
        case "anomaly_ratio": return window.anomaly?.ratio
        case "anomaly_mean_score": return window.anomaly?.meanScore
        case "anomalies": return window.anomaly.map { Double($0.anomalies) }
        case "anomaly_threshold": return window.anomaly?.threshold
        case "change_detections": return window.changeDetection.first.map { Double($0.detections) }
        case "change_detected": return window.changeDetection.first.map { $0.detected ? 1 : 0 }
        default: return nil
        }
    }

    /// A column key's value (`mean`, `psi`, `drifted`, …) of a feature or the prediction.
    package static func column(_ key: String, _ feature: FeatureReport) -> Double? {
        switch key {
        case "drift_score": return feature.drift?.score
        case "drift_threshold": return feature.drift?.threshold
        case "drifted": return feature.drift.map { $0.drifted ? 1 : 0 }
        default: break
        }
        switch feature.values {
        case .numeric(let n):
            let s = n.statistics
            switch key {
            case "count": return Double(s.count)
            case "missing_ratio": return s.missingRatio
            case "non_finite": return Double(s.nonFinite)
            case "mean": return s.mean
            case "stddev": return s.standardDeviation
            case "min": return s.min
            case "max": return s.max
            case "quantile_0.5": return s.quantiles[0]
            case "quantile_0.9": return s.quantiles[1]
            case "quantile_0.99": return s.quantiles[2]
            case "out_of_range_ratio": return n.outOfRangeRatio
            case "psi": return n.psi
            case "ks_statistic": return n.ksStatistic
            case "ks_p_value": return n.ksPValue
            case "wasserstein_normed": return n.wassersteinNormed
            case "jensen_shannon": return n.jensenShannon
            default: return nil
            }
        case .categorical(let c):
            switch key {
            case "count": return Double(c.count)
            case "missing_ratio": return c.missingRatio
            case "new_category_ratio": return c.newCategoryRatio
            case "psi": return c.psi
            case "chi2_p_value": return c.chi2PValue
            case "jensen_shannon": return c.jensenShannon
            case "z_test_p_value": return c.zTestPValue
            default: return nil
            }
        }
    }
}
