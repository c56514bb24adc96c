/// A model's reference profile (SPEC §6): what the windows are compared with.
///
/// Built once by `vigil baseline` (or from warm-up events) with `ProfileBuilder`; every
/// statistic uses every reference value except the kept `sample`, which is a seeded uniform
/// sample when there were more values than the configured sample size.
package struct ReferenceProfile: Sendable, Equatable {
    /// The profile file format this code reads and writes.
    package static let currentFormat = 1

    package var format = ReferenceProfile.currentFormat
    package var model: String
    /// Reference events the profile was built from.
    package var events: Int
    /// Number of PSI bins the edges were computed for (SPEC §4 `drift.psi_bins`).
    package var psiBins: Int
    /// Features in configuration order.
    package var features: [ColumnProfile]
    /// The prediction, profiled like a feature; nil when the reference had no predictions.
    package var prediction: ColumnProfile?
    /// The anomaly scorer (SPEC §6, §7); nil with `anomaly.method: none` or no usable numeric feature.
    package var anomaly: MahalanobisModel?

    package init(model: String, events: Int, psiBins: Int, features: [ColumnProfile], prediction: ColumnProfile?, anomaly: MahalanobisModel? = nil) {
        self.anomaly = anomaly
        self.model = model
        self.events = events
        self.psiBins = psiBins
        self.features = features
        self.prediction = prediction
    }

    package func feature(named name: String) -> ColumnProfile? { features.first { $0.name == name } }
}

/// The reference statistics of one column.
package struct ColumnProfile: Sendable, Equatable {
    package var name: String
    package var kind: Kind
    /// Non-missing values.
    package var count: Int
    package var missing: Int

    package enum Kind: Sendable, Equatable {
        case numeric(NumericProfile)
        case categorical(CategoricalProfile)
    }

    package init(name: String, kind: Kind, count: Int, missing: Int) {
        self.name = name
        self.kind = kind
        self.count = count
        self.missing = missing
    }

    package var numeric: NumericProfile? { if case .numeric(let p) = kind { p } else { nil } }
    package var categorical: CategoricalProfile? { if case .categorical(let p) = kind { p } else { nil } }
}

package struct NumericProfile: Sendable, Equatable {
    package var mean: Double?
    /// Sample standard deviation (n − 1).
    package var standardDeviation: Double?
    /// Population standard deviation (n), the Wasserstein divisor (SPEC §7).
    package var populationStandardDeviation: Double?
    package var min: Double?
    package var max: Double?
    package var median: Double?
    /// Median absolute deviation from the median, unscaled.
    package var mad: Double?
    /// Distinct non-missing values.
    package var distinctValues: Int
    /// PSI bin edges: reference quantiles at i/bins (numpy linear), duplicates removed.
    package var psiEdges: [Double]
    /// Reference values per PSI bin (edges.count + 1 bins).
    package var psiCounts: [Int]
    /// Value → count when the reference has few distinct values (at most `ProfileBuilder.valueCountLimit`),
    /// for the categorical treatment of low-cardinality numeric features (SPEC §7); sorted by value.
    package var valueCounts: [(value: Double, count: Int)]?
    /// Sorted sample of the reference values for KS and Wasserstein (all values when there are
    /// at most `reference.sample`).
    package var sample: [Double]

    package init(mean: Double?, standardDeviation: Double?, populationStandardDeviation: Double?, min: Double?, max: Double?,
                 median: Double?, mad: Double?, distinctValues: Int, psiEdges: [Double], psiCounts: [Int],
                 valueCounts: [(value: Double, count: Int)]?, sample: [Double]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.populationStandardDeviation = populationStandardDeviation
        self.min = min
        self.max = max
        self.median = median
        self.mad = mad
        self.distinctValues = distinctValues
        self.psiEdges = psiEdges
        self.psiCounts = psiCounts
        self.valueCounts = valueCounts
        self.sample = sample
    }

    package static func == (a: NumericProfile, b: NumericProfile) -> Bool {
        a.mean == b.mean && a.standardDeviation == b.standardDeviation && a.populationStandardDeviation == b.populationStandardDeviation
            && a.min == b.min && a.max == b.max && a.median == b.median && a.mad == b.mad && a.distinctValues == b.distinctValues
            && a.psiEdges == b.psiEdges && a.psiCounts == b.psiCounts && a.sample == b.sample
            && a.valueCounts?.map(\.value) == b.valueCounts?.map(\.value) && a.valueCounts?.map(\.count) == b.valueCounts?.map(\.count)
    }
}

package struct CategoricalProfile: Sendable, Equatable {
    /// Category → count, sorted by category name (booleans are "true"/"false").
    package var counts: [(category: String, count: Int)]

    package init(counts: [(category: String, count: Int)]) {
        self.counts = counts.sorted { $0.category < $1.category }
    }

    package func count(of category: String) -> Int? { counts.first { $0.category == category }?.count }

    package static func == (a: CategoricalProfile, b: CategoricalProfile) -> Bool {
        a.counts.map(\.category) == b.counts.map(\.category) && a.counts.map(\.count) == b.counts.map(\.count)
    }
}
