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
    /// Moments and counts are exact. When the window saw more values than `capacity`,
    /// each pane contributes a seeded uniform subsample in proportion to the values it saw
    /// (`round(capacity · n_pane / n_window)`), so every value of the window is kept with the same
    /// probability. A pane's sample may have been trimmed to about that share
    /// (`NumericSummary.trim`); if late events made a trimmed pane's share exceed what it kept,
    /// every pane gives up the same fraction, keeping the probabilities equal.
    /// - Parameters:
    ///   - events: accepted events in the window (the denominator of `missing_ratio`).
    /// - Complexity: O(s log s) for s kept values (O(s log k) when the k panes are sorted).
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
        let total = moments.count
        self.isComplete = kept == total && total <= capacity
        var values: [Double] = []
        if isComplete {
            if panes.allSatisfy(\.isSampleSorted) {
                values = Self.mergeSorted(panes.map(\.sample))
            } else {
                values.reserveCapacity(kept)
                for pane in panes { values.append(contentsOf: pane.sample) }
                RadixSort.sort(&values)
            }
        } else {
            let shares = panes.map { Int((Double(capacity) * Double($0.moments.count) / Double(total)).rounded()) }
            var scale = 1.0
            for (pane, share) in zip(panes, shares) where share > pane.sample.count {
                scale = Swift.min(scale, Double(pane.sample.count) / Double(share))
            }
            var random = SplitMix64(seed: seed)
            var runs: [ContiguousArray<Double>] = []
            runs.reserveCapacity(panes.count)
            for (pane, share) in zip(panes, shares) {
                let take = Swift.min(pane.sample.count, scale < 1 ? Int(Double(share) * scale) : share)
                guard take > 0 else { continue }
                var run = ContiguousArray<Double>()
                run.reserveCapacity(take)
                NumericSummary.selectInOrder(take, from: pane.sample, random: &random) { run.append($0) }
                if !pane.isSampleSorted { RadixSort.sort(&run) }
                runs.append(run)
            }
            values = Self.mergeSorted(runs)
        }
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
