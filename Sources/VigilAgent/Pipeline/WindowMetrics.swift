import VigilExposition
import VigilStats

/// Sets the per-window gauges of SPEC §9 from an evaluated window.
enum WindowMetrics {
    /// One lock acquisition per window.
    static func publish(_ report: WindowReport, to registry: MetricsRegistry) {
        registry.update { publish(report, to: &$0) }
    }

    static func publish(_ report: WindowReport, to metrics: inout MetricsStore) {
        let model = report.model
        metrics.set(MetricCatalog.windowEvents, labels: [model], Double(report.events))
        metrics.set(MetricCatalog.windowEndTimestampSeconds, labels: [model], Double(report.endMillis) / 1000)
        for feature in report.features {
            let labels = [model, feature.name]
            switch feature.values {
            case .numeric(let numeric):
                let s = numeric.statistics
                setOrRemove(&metrics, MetricCatalog.featureOutOfRangeRatio, labels, numeric.outOfRangeRatio)
                setOrRemove(&metrics, MetricCatalog.featurePSI, labels, numeric.psi)
                setOrRemove(&metrics, MetricCatalog.featureKSStatistic, labels, numeric.ksStatistic)
                setOrRemove(&metrics, MetricCatalog.featureKSPValue, labels, numeric.ksPValue)
                setOrRemove(&metrics, MetricCatalog.featureWassersteinNormed, labels, numeric.wassersteinNormed)
                setOrRemove(&metrics, MetricCatalog.featureJensenShannon, labels, numeric.jensenShannon)
                setOrRemove(&metrics, MetricCatalog.featureMissingRatio, labels, s.missingRatio)
                setOrRemove(&metrics, MetricCatalog.featureMean, labels, s.mean)
                setOrRemove(&metrics, MetricCatalog.featureStddev, labels, s.standardDeviation)
                for (q, value) in zip(NumericStatistics.reportedQuantiles, s.quantiles) {
                    setOrRemove(&metrics, MetricCatalog.featureQuantile, labels + [quantileLabel(q)], value)
                }
            case .categorical(let categorical):
                setOrRemove(&metrics, MetricCatalog.featureMissingRatio, labels, categorical.missingRatio)
                setOrRemove(&metrics, MetricCatalog.featureNewCategoryRatio, labels, categorical.newCategoryRatio)
                setOrRemove(&metrics, MetricCatalog.featurePSI, labels, categorical.psi)
                setOrRemove(&metrics, MetricCatalog.featureChi2PValue, labels, categorical.chi2PValue)
                setOrRemove(&metrics, MetricCatalog.featureJensenShannon, labels, categorical.jensenShannon)
            }
            // The method can change between windows (auto): one drift_score series per feature.
            metrics.remove(MetricCatalog.featureDriftScore, labelPrefix: labels)
            if let drift = feature.drift {
                setOrRemove(&metrics, MetricCatalog.featureDriftScore, labels + [drift.method], drift.score)
                metrics.set(MetricCatalog.featureDrifted, labels: labels, drift.drifted ? 1 : 0)
            } else {
                metrics.remove(MetricCatalog.featureDrifted, labelPrefix: labels)
            }
        }
        // Performance gauges follow the latest window that has labels: with delayed labels the
        // newest windows have none yet, and the gauges must not flicker away.
        if report.performance.labeled > 0 { publishPerformance(report.performance, model: model, to: &metrics) }
        if let anomaly = report.anomaly {
            setOrRemove(&metrics, MetricCatalog.anomalyRatio, [model], anomaly.ratio)
        }
        if let dataset = report.datasetDrift {
            setOrRemove(&metrics, MetricCatalog.datasetDriftShare, [model], dataset.share)
            metrics.set(MetricCatalog.datasetDrifted, labels: [model], dataset.drifted ? 1 : 0)
        }
        if let prediction = report.prediction {
            predictionDrift(prediction, model: model, &metrics)
            switch prediction.values {
            case .numeric(let numeric):
                let s = numeric.statistics
                setOrRemove(&metrics, MetricCatalog.predictionPSI, [model], numeric.psi)
                setOrRemove(&metrics, MetricCatalog.predictionKSStatistic, [model], numeric.ksStatistic)
                setOrRemove(&metrics, MetricCatalog.predictionMean, [model], s.mean)
                for (q, value) in zip(NumericStatistics.reportedQuantiles, s.quantiles) {
                    setOrRemove(&metrics, MetricCatalog.predictionQuantile, [model, quantileLabel(q)], value)
                }
            case .categorical(let categorical):
                setOrRemove(&metrics, MetricCatalog.predictionPSI, [model], categorical.psi)
                let total = Double(categorical.count)
                for (name, count) in categorical.categoryCounts where total > 0 {
                    metrics.set(MetricCatalog.predictionClassRatio, labels: [model, name], Double(count) / total)
                }
            }
        }
    }

    /// `vigil_model_*` gauges (also refreshed when delayed labels change the latest window).
    static func publishPerformance(_ p: PerformanceReport, model: String, to metrics: inout MetricsStore) {
        for (family, value) in [(MetricCatalog.modelAccuracy, p.accuracy), (MetricCatalog.modelPrecision, p.precision),
                                (MetricCatalog.modelRecall, p.recall), (MetricCatalog.modelF1, p.f1),
                                (MetricCatalog.modelROCAUC, p.rocAUC), (MetricCatalog.modelLogLoss, p.logLoss),
                                (MetricCatalog.modelMAE, p.mae), (MetricCatalog.modelRMSE, p.rmse)] {
            setOrRemove(&metrics, family, [model], value)
        }
    }

    private static func predictionDrift(_ prediction: FeatureReport, model: String, _ metrics: inout MetricsStore) {
        if let drift = prediction.drift {
            setOrRemove(&metrics, MetricCatalog.predictionDriftScore, [model], drift.score)
            metrics.set(MetricCatalog.predictionDrifted, labels: [model], drift.drifted ? 1 : 0)
        }
    }

    /// A gauge without a value (an empty window's mean) is removed rather than set to NaN.
    private static func setOrRemove(_ metrics: inout MetricsStore, _ family: MetricFamily, _ labels: [String], _ value: Double?) {
        if let value, value.isFinite {
            metrics.set(family, labels: labels, value)
        } else {
            metrics.remove(family, labelPrefix: labels)
        }
    }

    static func quantileLabel(_ q: Double) -> String { MetricNumber.labelValue(q) }
}
