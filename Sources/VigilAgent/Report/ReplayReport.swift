import VigilEvents
import VigilStats
import VigilAlerting

/// The replay report of SPEC §7.
struct ReplayReport {
    var version: String
    /// Per model, in configuration order, its windows in evaluation order.
    var models: [(name: String, windows: [WindowReport])]
    var alerts: [Alert]
    var rejected: [RejectionReason: Int]

    func json(pretty: Bool = true) -> [UInt8] {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.field("vigil_version", version)
        w.key("models")
        w.beginArray()
        for model in models {
            w.beginObject()
            w.field("model", model.name)
            w.key("windows")
            w.beginArray()
            for window in model.windows { Self.write(window, to: &w) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("alerts")
        AlertSink.json(alerts, to: &w)
        w.key("rejected")
        w.beginObject()
        for reason in RejectionReason.allCases { w.field(reason.rawValue, rejected[reason] ?? 0) }
        w.endObject()
        w.endObject()
        var bytes = w.bytes
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// One window object (also served by `/api/v1/windows/{model}`).
    static func write(_ window: WindowReport, to w: inout JSONWriter) {
        w.beginObject()
        w.field("start", RFC3339.format(millis: window.startMillis))
        w.field("end", RFC3339.format(millis: window.endMillis))
        w.field("events", window.events)
        w.key("features")
        w.beginObject()
        for feature in window.features {
            w.key(feature.name)
            write(feature, to: &w)
        }
        w.endObject()
        w.key("dataset_drift")
        w.beginObject()
        if let drift = window.datasetDrift {
            w.field("features", drift.features)
            w.field("drifted_features", drift.driftedFeatures)
            w.field("share", drift.share)
            w.field("drifted", drift.drifted)
        } else {
            w.field("features", window.features.count)
            w.field("drifted_features", nil as Double?)
            w.field("share", nil as Double?)
            w.field("drifted", nil as Bool?)
        }
        w.endObject()
        w.key("prediction")
        if let prediction = window.prediction { write(prediction, to: &w) } else { w.null() }
        w.key("anomaly")
        if let anomaly = window.anomaly {
            w.beginObject()
            w.field("method", anomaly.method)
            w.field("threshold", anomaly.threshold)
            w.field("mean_score", anomaly.meanScore)
            w.field("anomalies", anomaly.anomalies)
            w.field("ratio", anomaly.ratio)
            w.key("top_features")
            w.beginArray()
            for top in anomaly.topFeatures {
                w.beginObject()
                w.field("feature", top.feature)
                w.field("contribution", top.contribution)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        } else {
            w.null()
        }
        w.key("change_detection")
        w.beginObject()
        for change in window.changeDetection {
            w.key(change.target)
            w.beginObject()
            w.field("method", change.method)
            w.field("detected", change.detected)
            w.field("detections", change.detections)
            w.endObject()
        }
        w.endObject()
        let p = window.performance
        w.key("performance")
        w.beginObject()
        w.field("labeled", p.labeled)
        w.field("accuracy", p.accuracy)
        w.field("precision", p.precision)
        w.field("recall", p.recall)
        w.field("f1", p.f1)
        w.field("roc_auc", p.rocAUC)
        w.field("log_loss", p.logLoss)
        w.field("brier", p.brier)
        w.field("macro_f1", p.macroF1)
        w.field("mae", p.mae)
        w.field("rmse", p.rmse)
        w.field("mape", p.mape)
        w.endObject()
        w.endObject()
    }

    static func write(_ feature: FeatureReport, to w: inout JSONWriter) {
        w.beginObject()
        switch feature.values {
        case .numeric(let numeric):
            let s = numeric.statistics
            w.field("type", "numeric")
            w.field("count", s.count)
            w.field("missing_ratio", s.missingRatio)
            w.field("non_finite", s.nonFinite)
            w.field("mean", s.mean)
            w.field("stddev", s.standardDeviation)
            w.field("min", s.min)
            w.field("max", s.max)
            w.key("quantiles")
            w.beginObject()
            for (q, value) in zip(NumericStatistics.reportedQuantiles, s.quantiles) { w.field("\(q)", value) }
            w.endObject()
            w.field("out_of_range_ratio", numeric.outOfRangeRatio)
            w.field("psi", numeric.psi)
            w.field("ks_statistic", numeric.ksStatistic)
            w.field("ks_p_value", numeric.ksPValue)
            w.field("wasserstein_normed", numeric.wassersteinNormed)
            w.field("jensen_shannon", numeric.jensenShannon)
        case .categorical(let categorical):
            w.field("type", "categorical")
            w.field("count", categorical.count)
            w.field("missing_ratio", categorical.missingRatio)
            w.field("new_category_ratio", categorical.newCategoryRatio)
            w.field("psi", categorical.psi)
            w.field("chi2_p_value", categorical.chi2PValue)
            w.field("jensen_shannon", categorical.jensenShannon)
            if categorical.isBinary { w.field("z_test_p_value", categorical.zTestPValue) }
        }
        w.field("drift_method", feature.drift?.method)
        w.field("drift_score", feature.drift?.score)
        w.field("drift_threshold", feature.drift?.threshold)
        w.field("drifted", feature.drift?.drifted)
        w.endObject()
    }
}
