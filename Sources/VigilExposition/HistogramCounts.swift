/// Observations of one histogram series: per-bucket counts (not cumulative), sum and count.
///
/// Callers fill one locally over a batch and hand it to `MetricsRegistry.observe(_:labels:_:)`,
/// so the registry's lock is taken once per batch, not per event.
package struct HistogramCounts: Sendable, Equatable {
    /// Upper bounds (finite, increasing); the implicit last bucket is `+Inf`.
    package let upperBounds: [Double]
    /// Non-cumulative counts, `upperBounds.count + 1` entries (the last one is the `+Inf` bucket).
    package private(set) var bucketCounts: [UInt64]
    package private(set) var sum: Double = 0
    package private(set) var count: UInt64 = 0

    package init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    /// - Precondition: `family` is a histogram.
    package init(_ family: MetricFamily) {
        guard let buckets = family.buckets else { preconditionFailure("\(family.name) is not a histogram") }
        self.init(upperBounds: buckets)
    }

    /// Adds one observation; NaN is ignored (a missing value, not an observation).
    package mutating func add(_ value: Double) {
        guard !value.isNaN else { return }
        // First bound ≥ value (`le` is inclusive); binary search.
        var low = 0, high = upperBounds.count
        while low < high {
            let mid = (low + high) / 2
            if upperBounds[mid] < value { low = mid + 1 } else { high = mid }
        }
        bucketCounts[low] &+= 1
        sum += value
        count &+= 1
    }

    package mutating func add(contentsOf values: some Sequence<Double>) {
        for value in values { add(value) }
    }

    /// - Precondition: same bounds.
    package mutating func merge(_ other: HistogramCounts) {
        precondition(other.upperBounds == upperBounds, "histogram bounds differ")
        for i in bucketCounts.indices { bucketCounts[i] &+= other.bucketCounts[i] }
        sum += other.sum
        count &+= other.count
    }

    /// Cumulative counts per bucket, as exposed (`le` bounds then `+Inf`).
    package var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return bucketCounts.map { running &+= $0; return running }
    }
}
