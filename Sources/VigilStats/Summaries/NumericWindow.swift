/// The statistics of one numeric column over a whole window, from its panes.
///
/// SPEC §7: `count` non-missing values, `missing_ratio` = missing / events,
/// `stddev` sample (n − 1), quantiles numpy-linear over the non-missing values.
package struct NumericStatistics: Sendable, Equatable {
    package var count: Int
    package var missingRatio: Double?
    package var nonFinite: Int
    package var mean: Double?
    package var standardDeviation: Double?
    package var min: Double?
    package var max: Double?
    /// Quantile → value, in `NumericStatistics.reportedQuantiles` order; nil values when empty.
    package var quantiles: [Double?]
    /// The window's non-missing values (or a uniform sample of them), sorted ascending.
    package var sorted: [Double]
    /// Values per reference PSI bin, exact (empty without a reference).
    package var binCounts: [Int]
    /// Values outside the reference's range, exact.
    package var outOfRange: Int
    /// Whether `sorted` holds every value of the window (false once the reservoir sampled).
    package var isComplete: Bool

    /// SPEC §7: the quantiles every window reports.
    package static let reportedQuantiles: [Double] = [0.5, 0.9, 0.99]

    /// Merges ascending runs into one ascending array (pairwise, O(n log k) for k runs).
    static func mergeSorted(_ runs: [ContiguousArray<Double>]) -> [Double] {
        var runs = runs.filter { !$0.isEmpty }.map { Array($0) }
        guard !runs.isEmpty else { return [] }
        while runs.count > 1 {
            var next: [[Double]] = []
            next.reserveCapacity((runs.count + 1) / 2)
            var i = 0
            while i + 1 < runs.count {
                next.append(merge(runs[i], runs[i + 1]))
                i += 2
            }
            if i < runs.count { next.append(runs[i]) }
            runs = next
        }
        return runs[0]
    }

    static func merge(_ a: [Double], _ b: [Double]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if b[j] < a[i] { out.append(b[j]); j += 1 } else { out.append(a[i]); i += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    /// Merges the panes of a window.
    ///
    /// Moments and counts are exact. When the panes together kept more values than
    /// `capacity`, each pane contributes a seeded uniform subsample in proportion to
    /// the values it saw, so the merged sample stays a uniform sample of the window.
    /// - Parameters:
    ///   - events: accepted events in the window (the denominator of `missing_ratio`).
    /// - Complexity: O(s log s) for s kept values.
    package init(panes: [NumericSummary], events: Int, capacity: Int, seed: UInt64) {
        var moments = Moments()
        var nonFinite = 0
        var kept = 0
        var binCounts: [Int] = []
        var outOfRange = 0
        for pane in panes {
            moments.merge(pane.moments)
            nonFinite += pane.nonFinite
            kept += pane.sample.count
            outOfRange += pane.outOfRange
            if binCounts.isEmpty { binCounts = Array(repeating: 0, count: pane.binCounts.count) }
            for i in pane.binCounts.indices { binCounts[i] += pane.binCounts[i] }
        }
        self.binCounts = binCounts
        self.outOfRange = outOfRange
        self.isComplete = kept == moments.count && kept <= capacity
        var values: [Double] = []
        values.reserveCapacity(Swift.min(kept, capacity))
        let presorted = panes.allSatisfy(\.isSampleSorted)
        if kept <= capacity {
            if presorted {
                values = Self.mergeSorted(panes.map(\.sample))
            } else {
                for pane in panes { values.append(contentsOf: pane.sample) }
            }
        } else {
            var random = SplitMix64(seed: seed)
            let total = Double(moments.count)
            for pane in panes where !pane.sample.isEmpty {
                let share = Int((Double(capacity) * Double(pane.moments.count) / total).rounded())
                var pool = Array(pane.sample)
                let take = Swift.min(share, pool.count)
                for i in 0..<take {                       // partial Fisher–Yates
                    let j = i + Int(random.next() % UInt64(pool.count - i))
                    pool.swapAt(i, j)
                }
                values.append(contentsOf: pool[0..<take])
            }
        }
        if !(presorted && kept <= capacity) { values.sort() }
        self.count = moments.count
        self.missingRatio = events > 0 ? Double(events - moments.count) / Double(events) : nil
        self.nonFinite = nonFinite
        self.mean = moments.mean
        self.standardDeviation = moments.standardDeviation
        self.min = moments.min
        self.max = moments.max
        self.sorted = values
        self.quantiles = NumericStatistics.reportedQuantiles.map { Quantile.linear(sorted: values, $0) }
    }
}
