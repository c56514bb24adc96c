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
                setOrRemove(&metrics, MetricCatalog.featureMissingRatio, labels, s.missingRatio)
                setOrRemove(&metrics, MetricCatalog.featureMean, labels, s.mean)
                setOrRemove(&metrics, MetricCatalog.featureStddev, labels, s.standardDeviation)
                for (q, value) in zip(NumericStatistics.reportedQuantiles, s.quantiles) {
                    setOrRemove(&metrics, MetricCatalog.featureQuantile, labels + [quantileLabel(q)], value)
                }
            case .categorical(let categorical):
                setOrRemove(&metrics, MetricCatalog.featureMissingRatio, labels, categorical.missingRatio)
            }
        }
        if let prediction = report.prediction {
            switch prediction.values {
            case .numeric(let numeric):
                let s = numeric.statistics
                setOrRemove(&metrics, MetricCatalog.predictionMean, [model], s.mean)
                for (q, value) in zip(NumericStatistics.reportedQuantiles, s.quantiles) {
                    setOrRemove(&metrics, MetricCatalog.predictionQuantile, [model, quantileLabel(q)], value)
                }
            case .categorical(let categorical):
                let total = Double(categorical.count)
                for (name, count) in categorical.categoryCounts where total > 0 {
                    metrics.set(MetricCatalog.predictionClassRatio, labels: [model, name], Double(count) / total)
                }
            }
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
