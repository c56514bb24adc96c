/// One evaluated window of one model: the content of a `models[].windows[]` entry of
/// the replay report (SPEC §7), the source of the window gauges and of alert rules.
///
/// Values that do not apply, or that later stages have not computed, are nil and are
/// written as JSON `null`.
package struct WindowReport: Sendable {
    package var model: String
    /// Window start and (exclusive) end, Unix epoch milliseconds.
    package var startMillis: Int64
    package var endMillis: Int64
    /// Accepted events in the window.
    package var events: Int
    /// Features in configuration order.
    package var features: [FeatureReport]
    package var datasetDrift: DatasetDriftReport?
    package var prediction: FeatureReport?
    package var anomaly: AnomalyReport?
    package var changeDetection: [ChangeDetectionReport]
    package var performance = PerformanceReport()
    /// Events of this model rejected since its previous window (for the `rejected_ratio` alert
    /// metric); nil when not tracked. Not part of the JSON report.
    package var rejected: Int?

    package init(model: String, startMillis: Int64, endMillis: Int64, events: Int, features: [FeatureReport]) {
        self.model = model
        self.startMillis = startMillis
        self.endMillis = endMillis
        self.events = events
        self.features = features
        changeDetection = []
    }
}

/// A feature's (or the prediction's) statistics in one window.
package struct FeatureReport: Sendable {
    package enum Values: Sendable {
        case numeric(NumericFeatureReport)
        case categorical(CategoricalFeatureReport)
    }
    package var name: String
    package var values: Values
    /// The drift verdict; nil without a reference.
    package var drift: DriftVerdict?

    package init(name: String, values: Values, drift: DriftVerdict? = nil) {
        self.name = name
        self.values = values
        self.drift = drift
    }
}

package struct NumericFeatureReport: Sendable {
    package var statistics: NumericStatistics
    package var outOfRangeRatio: Double?
    package var psi: Double?
    package var ksStatistic: Double?
    package var ksPValue: Double?
    package var wassersteinNormed: Double?
    package var jensenShannon: Double?

    package init(statistics: NumericStatistics) { self.statistics = statistics }
}

package struct CategoricalFeatureReport: Sendable {
    /// Non-missing values.
    package var count: Int
    package var missingRatio: Double?
    /// Category name → events, over the window's non-missing values, sorted by name.
    package var categoryCounts: [(name: String, count: Int)]
    package var newCategoryRatio: Double?
    package var psi: Double?
    package var chi2PValue: Double?
    package var jensenShannon: Double?
    /// Only for binary categoricals (SPEC §7); nil otherwise, and then not written.
    package var zTestPValue: Double?
    package var isBinary = false

    package init(count: Int, missingRatio: Double?, categoryCounts: [(name: String, count: Int)]) {
        self.count = count
        self.missingRatio = missingRatio
        self.categoryCounts = categoryCounts
    }
}

package struct DriftVerdict: Sendable, Equatable {
    /// The method's configuration name (`ks`, `wasserstein`, …).
    package var method: String
    package var score: Double?
    package var threshold: Double
    package var drifted: Bool

    package init(method: String, score: Double?, threshold: Double, drifted: Bool) {
        self.method = method
        self.score = score
        self.threshold = threshold
        self.drifted = drifted
    }
}

package struct DatasetDriftReport: Sendable, Equatable {
    package var features: Int
    package var driftedFeatures: Int
    package var share: Double?
    package var drifted: Bool

    package init(features: Int, driftedFeatures: Int, share: Double?, drifted: Bool) {
        self.features = features
        self.driftedFeatures = driftedFeatures
        self.share = share
        self.drifted = drifted
    }
}

package struct AnomalyReport: Sendable {
    package var method: String
    package var threshold: Double?
    package var meanScore: Double?
    package var anomalies: Int
    package var ratio: Double?
    package var topFeatures: [(feature: String, contribution: Double)]

    package init(method: String, threshold: Double?, meanScore: Double?, anomalies: Int, ratio: Double?, topFeatures: [(feature: String, contribution: Double)]) {
        self.method = method
        self.threshold = threshold
        self.meanScore = meanScore
        self.anomalies = anomalies
        self.ratio = ratio
        self.topFeatures = topFeatures
    }
}

package struct ChangeDetectionReport: Sendable, Equatable {
    package var target: String
    package var method: String
    package var detected: Bool
    package var detections: Int

    package init(target: String, method: String, detected: Bool, detections: Int) {
        self.target = target
        self.method = method
        self.detected = detected
        self.detections = detections
    }
}

/// SPEC §7 `performance`: every value nil until labels arrive.
package struct PerformanceReport: Sendable, Equatable {
    package var labeled = 0
    package var accuracy: Double?
    package var precision: Double?
    package var recall: Double?
    package var f1: Double?
    package var rocAUC: Double?
    package var logLoss: Double?
    package var brier: Double?
    package var macroF1: Double?
    package var mae: Double?
    package var rmse: Double?
    package var mape: Double?

    package init() {}
}
