/// A mergeable summary of one numeric column over a stretch of events (a window pane).
///
/// Exact moments, missing and non-finite counts, plus a uniform reservoir sample
/// of the values (Vitter's Algorithm R, seeded) that holds every value until
/// `capacity` is reached. Values are kept for exact quantiles and, later, for
/// KS and Wasserstein against the reference.
package struct NumericSummary: Sendable {
    package private(set) var moments = Moments()
    /// Events whose value was missing (null, absent, type error or non-finite).
    package private(set) var missing = 0
    /// Of `missing`, those whose value was non-finite (NaN/Infinity literals, overflow).
    package private(set) var nonFinite = 0
    /// The sample; all non-missing values while `moments.count <= capacity`.
    package private(set) var sample: ContiguousArray<Double> = []
    package let capacity: Int
    /// The reservoir's size now: `capacity`, or less once `trim(toAtMost:)` shrank it.
    package private(set) var limit: Int
    private var random: SplitMix64
    /// The reference's PSI bins and range, when the model has a reference.
    package let bins: ReferenceBins?
    /// Values per PSI bin (exact, not sampled); empty without a reference.
    package private(set) var binCounts: ContiguousArray<Int> = []
    /// Values outside the reference's [min, max] (exact).
    package private(set) var outOfRange = 0
    /// Whether `sample` is in ascending order (see `sortSample()`).
    package private(set) var isSampleSorted = true

    /// - Parameters:
    ///   - capacity: the most values kept (SPEC §4 `max_window_samples`).
    ///   - seed: seeds the reservoir, so replays are reproducible.
    ///   - bins: the reference's PSI edges and range, counted exactly as values arrive.
    package init(capacity: Int, seed: UInt64, bins: ReferenceBins? = nil) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        limit = capacity
        random = SplitMix64(seed: seed)
        self.bins = bins
        if let bins { binCounts = ContiguousArray(repeating: 0, count: bins.edges.count + 1) }
    }

    /// Adds rows `rows` of `column` (NaN = missing). Allocation-free once the sample
    /// has reached capacity.
    /// - Complexity: O(rows.count).
    package mutating func add(_ column: UnsafeBufferPointer<Double>, rows: Range<Int>) {
        let slice = UnsafeBufferPointer(rebasing: column[rows])
        let before = moments.count
        moments.add(slice)
        missing += slice.count - (moments.count - before)
        if let bins {
            outOfRange &+= binCounts.withUnsafeMutableBufferPointer { counts in
                Binning.count(slice, bins: bins, into: counts)
            }
        }
        let added = moments.count - before
        guard added > 0 else { return }
        isSampleSorted = false
        var seen = before
        let limit = limit
        var index = 0
        if seen < limit {
            if sample.capacity < seen + added {
                // Grow geometrically (never past `limit`), and once per call rather than per value.
                sample.reserveCapacity(Swift.min(limit, Swift.max(seen + added, 2 * sample.capacity)))
            }
            // Filling: runs of present values are copied whole.
            var run = 0
            while index < slice.count, seen < limit {
                if slice[index].isNaN {
                    if run < index { sample.append(contentsOf: UnsafeBufferPointer(rebasing: slice[run..<index])) }
                    run = index + 1
                } else {
                    seen += 1
                }
                index += 1
            }
            if run < index { sample.append(contentsOf: UnsafeBufferPointer(rebasing: slice[run..<index])) }
        }
        guard index < slice.count else { return }
        // Replacing: one draw per present value, in the same order as one value at a time. Through
        // the buffer, hoisted: `sample[j] = value` checked uniqueness on every store (issue 11).
        // Past filling the sample holds exactly `limit` values (`trim` keeps it so), so every slot
        // j < limit below is in the buffer.
        precondition(sample.count == limit, "reservoir past filling holds \(sample.count) values, limit \(limit)")
        var generator = random
        sample.withUnsafeMutableBufferPointer { reservoir in
            for value in UnsafeBufferPointer(rebasing: slice[index...]) where !value.isNaN {
                // Lemire's multiply-shift: a uniform index in 0...seen without a division.
                let j = Int(truncatingIfNeeded: generator.next().multipliedFullWidth(by: UInt64(seen + 1)).high)
                if j < limit { reservoir[j] = value }
                seen += 1
            }
        }
        random = generator
    }

    /// Sorts the sample in place, once: a pane whose time has passed is sorted when its first
    /// window is evaluated, and every later window containing it merges sorted panes instead of
    /// sorting their union again. Sorting does not affect the reservoir's uniformity.
    /// - Complexity: O(s) the first time (radix sort), O(1) after.
    package mutating func sortSample() {
        guard !isSampleSorted else { return }
        RadixSort.sort(&sample)
        isSampleSorted = true
    }

    /// Shrinks the sample to a uniform subsample of at most `count` values, keeping their order (a
    /// sorted sample stays sorted), and frees the rest; later values continue the reservoir at that
    /// size, so the sample stays a uniform sample of every value seen. A window's merge never takes
    /// more than `capacity · n_pane / n_window` values from a pane, so once later panes have
    /// arrived a pane's sample can be trimmed to that bound (`ModelPipeline` does, for memory).
    /// - Complexity: O(sample.count) random draws (selection sampling, Knuth's Algorithm S).
    package mutating func trim(toAtMost count: Int) {
        precondition(count > 0, "a trimmed sample keeps at least one value")
        guard sample.count > count else { return }
        var kept = ContiguousArray<Double>()
        kept.reserveCapacity(count)
        Self.selectInOrder(count, from: sample, random: &random) { kept.append($0) }
        sample = kept
        limit = count
    }

    /// Calls `body` with a uniform random subset of `count` of `values`, in their order
    /// (Knuth's Algorithm S: each value is taken with probability needed / remaining).
    /// - Precondition: `count <= values.count`.
    @inline(__always)
    static func selectInOrder(_ count: Int, from values: ContiguousArray<Double>, random: inout SplitMix64, _ body: (Double) -> Void) {
        var needed = count
        var remaining = values.count
        for value in values where needed > 0 {
            if Int(truncatingIfNeeded: random.next().multipliedFullWidth(by: UInt64(remaining)).high) < needed {
                body(value)
                needed -= 1
            }
            remaining -= 1
        }
    }

    /// Empties the summary for reuse, keeping its buffers' capacity (a new pane of the same
    /// feature; STYLE §4: reuse, do not reallocate).
    package mutating func reset(seed: UInt64) {
        moments = Moments()
        missing = 0
        nonFinite = 0
        sample.removeAll(keepingCapacity: true)
        limit = capacity
        random = SplitMix64(seed: seed)
        for i in binCounts.indices { binCounts[i] = 0 }
        outOfRange = 0
        isSampleSorted = true
    }

    /// Records `count` events whose value was non-finite (already counted missing by `add`).
    package mutating func recordNonFinite(_ count: Int) {
        nonFinite += count
    }

    /// Events seen (missing or not).
    package var events: Int { moments.count + missing }
}

/// The reference's PSI bin edges and value range, shared by every pane of a feature.
package struct ReferenceBins: Sendable, Equatable {
    package var edges: [Double]
    package var min: Double
    package var max: Double

    package init(edges: [Double], min: Double, max: Double) {
        self.edges = edges
        self.min = min
        self.max = max
    }
}

/// A mergeable summary of one categorical column: event counts per dictionary code.
///
/// Code 0 is "missing"; codes are those of the model's category dictionary.
package struct CategoricalSummary: Sendable, Equatable {
    /// `counts[c]` = events with code `c`; index 0 counts missing values.
    package private(set) var counts: ContiguousArray<Int> = [0]

    package init() {}

    /// Adds rows `rows` of a code column.
    /// - Complexity: O(rows.count); allocates only when a code larger than any seen appears.
    package mutating func add(_ codes: UnsafeBufferPointer<UInt32>, rows: Range<Int>) {
        for i in rows {
            let c = Int(codes[i])
            if c >= counts.count { counts.append(contentsOf: repeatElement(0, count: c - counts.count + 1)) }
            counts[c] &+= 1
        }
    }

    package mutating func merge(_ other: CategoricalSummary) {
        if other.counts.count > counts.count {
            counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count))
        }
        for c in other.counts.indices { counts[c] &+= other.counts[c] }
    }

    package var missing: Int { counts[0] }
    /// Non-missing events.
    package var present: Int { counts.reduce(0, &+) - counts[0] }
}
