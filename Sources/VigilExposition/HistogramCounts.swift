/// Observations of one histogram series: per-bucket counts (not cumulative), sum and count.
///
/// Callers fill one locally over a batch and hand it to `MetricsRegistry.observe(_:labels:_:)`,
/// so the registry's lock is taken once per batch, not per event. `add` is inlinable: it is what
/// other modules call per value.
package struct HistogramCounts: Sendable, Equatable {
    /// Upper bounds (finite, increasing); the implicit last bucket is `+Inf`.
    package let upperBounds: [Double]
    @usableFromInline var _bucketCounts: [UInt64]
    @usableFromInline var _sum: Double = 0
    @usableFromInline var _count: UInt64 = 0

    package init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        _bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    /// - Precondition: `family` is a histogram.
    package init(_ family: MetricFamily) {
        guard let buckets = family.buckets else { preconditionFailure("\(family.name) is not a histogram") }
        self.init(upperBounds: buckets)
    }

    /// Non-cumulative counts, `upperBounds.count + 1` entries (the last one is the `+Inf` bucket).
    package var bucketCounts: [UInt64] { _bucketCounts }
    /// Sum of the observed values.
    package var sum: Double { _sum }
    /// Number of observed values.
    package var count: UInt64 { _count }

    /// Cumulative counts per bucket, as exposed (`le` bounds then `+Inf`).
    package var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return _bucketCounts.map { running &+= $0; return running }
    }

    /// Adds one observation; NaN is ignored (a missing value, not an observation).
    /// - Complexity: O(log buckets).
    @inlinable
    package mutating func add(_ value: Double) {
        guard !value.isNaN else { return }
        // First bound ≥ value (`le` is inclusive), by binary search.
        var low = 0, high = upperBounds.count
        while low < high {
            let mid = (low + high) / 2
            if upperBounds[mid] < value { low = mid + 1 } else { high = mid }
        }
        _bucketCounts[low] &+= 1
        _sum += value
        _count &+= 1
    }

    @inlinable
    package mutating func add(contentsOf values: UnsafeBufferPointer<Double>) {
        for value in values { add(value) }
    }

    @inlinable
    package mutating func add(contentsOf values: some Sequence<Double>) {
        for value in values { add(value) }
    }

    /// - Precondition: same bounds.
    package mutating func merge(_ other: HistogramCounts) {
        precondition(other.upperBounds == upperBounds, "histogram bounds differ")
        for i in _bucketCounts.indices { _bucketCounts[i] &+= other._bucketCounts[i] }
        _sum += other._sum
        _count &+= other._count
    }
}
