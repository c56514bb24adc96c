/// The model performance of a sliding window's panes, kept per pane (SPEC §7 `performance`, with
/// the delayed labels of SPEC §4): each labelled pair is stored once however many windows share
/// its pane, and any window's exact ROC AUC comes without merging or sorting the window's scores.
///
/// The Mann–Whitney statistic behind the AUC (`ROCAUC`: pairs of a positive and a negative score,
/// ties counting one half) is a sum over pairs, so it splits over pairs of panes:
/// U(window) = Σ U(positives of a, negatives of b) over the panes a, b of the window. A pane's scores
/// are sorted once, when it is closed (its first window is evaluated), and U of it with itself and
/// with each closed pane fewer than `span` panes away is one merge walk each; a pair added to a
/// closed pane later (a delayed label, or an event that is late for the pane's first windows but
/// not for the later ones) updates those sums by binary search. U is kept doubled, as an integer
/// (2 · scores below + ties), so the sums are exact and a window's AUC is bit for bit the value
/// `ROCAUC.value` computes from the window's scores.
///
/// Before this type (sixteenth session), each evaluated window kept a merged copy of its panes'
/// scores for `labels.max_delay`: five copies of every labelled score under a 5-minute window
/// sliding by a minute, for 24 hours by default, and a radix sort of the whole window for every
/// batch of delayed labels that touched it.
package struct PanedPerformance: Sendable {
    /// Panes per window: only panes fewer than `span` apart share a window.
    package let span: Int
    package let task: PerformanceSummary.Task

    private struct Entry: Sendable {
        /// Counts and sums; its score arrays are kept empty (the scores are below).
        var summary: PerformanceSummary
        var positive: SortedScores
        var negative: SortedScores
        /// At d + span − 1: 2·U(this pane's positives, the negatives of the pane d panes later), d in −(span−1)...(span−1).
        var doubledU: [Int64]

        mutating func flush() {
            positive.flush()
            negative.flush()
        }
    }

    private var entries: [Int64: Entry] = [:]

    package init(span: Int, task: PerformanceSummary.Task) {
        precondition(span >= 1, "a window holds at least one pane")
        self.span = span
        self.task = task
    }

    /// Whether pane `index` was closed (and not dropped).
    package func contains(_ index: Int64) -> Bool { entries[index] != nil }

    /// The lowest pane index kept, if any.
    package var firstPane: Int64? { entries.keys.min() }

    /// Panes kept (memory; tests).
    package var paneCount: Int { entries.count }

    /// Scores kept over all panes (memory; tests).
    package var scoreCount: Int { entries.values.reduce(0) { $0 + $1.positive.count + $1.negative.count } }

    /// Closes pane `index` with the pairs counted in `summary` while it was open: sorts its scores
    /// and computes U with itself and with every closed pane fewer than `span` panes away.
    /// - Complexity: O(n log n) for the pane's n scores, plus O(n + m) per neighbour of m scores.
    /// `summary`'s scores are moved out (sorted in place when nothing else holds them).
    package mutating func close(_ index: Int64, _ summary: inout PerformanceSummary) {
        precondition(entries[index] == nil, "pane \(index) closed twice")
        var (positive, negative) = summary.takeScores()
        RadixSort.sort(&positive)
        RadixSort.sort(&negative)
        var entry = Entry(summary: summary, positive: SortedScores(sorted: positive), negative: SortedScores(sorted: negative),
                          doubledU: Array(repeating: 0, count: 2 * span - 1))
        entry.doubledU[span - 1] = SortedScores.doubledU(entry.positive, entry.negative)
        for distance in 1..<Int64(span) {
            for neighbour in [index - distance, index + distance] where entries[neighbour] != nil {
                entries[neighbour]!.flush()
                let d = Int(neighbour - index)
                entry.doubledU[d + span - 1] = SortedScores.doubledU(entry.positive, entries[neighbour]!.negative)
                entries[neighbour]!.doubledU[-d + span - 1] = SortedScores.doubledU(entries[neighbour]!.positive, entry.negative)
            }
        }
        entries[index] = entry
    }

    /// Adds a labelled prediction to closed pane `index`; false (nothing counted) when the pane
    /// is not closed here. NaN on either side is skipped, as `PerformanceSummary.add` does.
    /// - Complexity: O(span · log n).
    @discardableResult
    package mutating func add(_ index: Int64, prediction: Double, label: Double) -> Bool {
        guard entries[index] != nil else { return false }
        guard let isPositive = entries[index]!.summary.add(prediction: prediction, label: label, keepScore: false) else { return true }
        for d in -(span - 1)...(span - 1) {
            let neighbour = index + Int64(d)
            guard entries[neighbour] != nil else { continue }
            if isPositive {
                // The new positive against the neighbour's negatives.
                let (below, equal) = entries[neighbour]!.negative.rank(of: prediction)
                entries[index]!.doubledU[d + span - 1] += Int64(2 * below + equal)
            } else {
                // The neighbour's positives against the new negative.
                let scores = entries[neighbour]!.positive
                let (below, equal) = scores.rank(of: prediction)
                entries[neighbour]!.doubledU[-d + span - 1] += Int64(2 * (scores.count - below - equal) + equal)
            }
        }
        if isPositive { entries[index]!.positive.insert(prediction) } else { entries[index]!.negative.insert(prediction) }
        return true
    }

    /// The performance of the window made of the closed panes in `panes` (at most `span` of them):
    /// the panes' counts merged in index order, and the exact ROC AUC.
    package func report(panes: Range<Int64>) -> PerformanceReport {
        precondition(panes.count <= span, "a window holds at most \(span) panes")
        var summary = PerformanceSummary(task: task)
        var positives = 0, negatives = 0
        var doubledU: Int64 = 0
        for a in panes {
            guard let entry = entries[a] else { continue }
            summary.merge(entry.summary)
            positives += entry.positive.count
            negatives += entry.negative.count
            for b in panes where entries[b] != nil {
                doubledU += entry.doubledU[Int(b - a) + span - 1]
            }
        }
        // U is an integer or a half-integer below 2^53: exact as a double, as `ROCAUC` sums it.
        let auc = positives > 0 && negatives > 0 ? Double(doubledU) * 0.5 / (Double(positives) * Double(negatives)) : nil
        return summary.report(rocAUC: auc)
    }

    /// Adds labelled multiclass rows (codes) to closed pane `index`; false when it is not closed here.
    @discardableResult
    package mutating func addCodes(_ index: Int64, predictionCodes: UnsafeBufferPointer<UInt32>, labelCodes: UnsafeBufferPointer<UInt32>,
                                   rows: Range<Int>) -> Bool {
        guard entries[index] != nil else { return false }
        entries[index]!.summary.add(predictionCodes: predictionCodes, labelCodes: labelCodes, rows: rows)
        return true
    }

    /// Forgets the panes before `index`.
    package mutating func drop(before index: Int64) {
        for key in entries.keys where key < index { entries[key] = nil }
    }
}

/// One class's scores of a closed pane, ascending: a sorted base and a small sorted buffer of
/// later insertions, merged into the base when it fills.
package struct SortedScores: Sendable {
    private var base: [Double]
    private var recent: [Double] = []
    /// Insertions kept apart from the base (an insertion moves at most this many values).
    static let recentLimit = 4096

    /// - Parameter sorted: ascending, without NaN.
    package init(sorted: [Double]) {
        // A pane's scores grew by appending: drop the spare capacity before keeping them.
        base = sorted.capacity > sorted.count + sorted.count / 4 ? Array(unsafeUninitializedCapacity: sorted.count) { buffer, count in
            _ = buffer.initialize(from: sorted)
            count = sorted.count
        } : sorted
    }

    package var count: Int { base.count + recent.count }

    /// The number of scores below `value` and equal to it (−0 equals +0).
    package func rank(of value: Double) -> (below: Int, equal: Int) {
        let (b1, e1) = Self.rank(of: value, in: base), (b2, e2) = Self.rank(of: value, in: recent)
        return (b1 + b2, e1 + e2)
    }

    package mutating func insert(_ value: Double) {
        let (below, equal) = Self.rank(of: value, in: recent)
        recent.insert(value, at: below + equal)
        if recent.count >= Self.recentLimit { flush() }
    }

    /// Merges the recent insertions into the base.
    package mutating func flush() {
        guard !recent.isEmpty else { return }
        var merged: [Double] = []
        merged.reserveCapacity(base.count + recent.count)
        var i = 0, j = 0
        while i < base.count || j < recent.count {
            if j >= recent.count || (i < base.count && base[i] <= recent[j]) {
                merged.append(base[i]); i += 1
            } else {
                merged.append(recent[j]); j += 1
            }
        }
        base = merged
        recent = []
    }

    /// 2·U(positives, negatives): for each positive score, twice the negatives below it plus the
    /// negatives equal to it. Both flushed.
    /// - Complexity: O(n + m).
    static func doubledU(_ positive: SortedScores, _ negative: SortedScores) -> Int64 {
        precondition(positive.recent.isEmpty && negative.recent.isEmpty, "flush first")
        return positive.base.withUnsafeBufferPointer { p in
            negative.base.withUnsafeBufferPointer { n in
                var total: Int64 = 0
                var i = 0, below = 0
                while i < p.count {
                    let value = p[i]
                    var group = 1
                    i += 1
                    while i < p.count && p[i] == value { group += 1; i += 1 }
                    while below < n.count && n[below] < value { below += 1 }
                    var through = below
                    while through < n.count && n[through] == value { through += 1 }
                    total += Int64(group) * Int64(2 * below + (through - below))
                }
                return total
            }
        }
    }

    /// (values below `value`, values equal to it) in ascending `values`, by two binary searches.
    private static func rank(of value: Double, in values: [Double]) -> (below: Int, equal: Int) {
        values.withUnsafeBufferPointer { v in
            var low = 0, high = v.count
            while low < high {
                let mid = (low + high) / 2
                if v[mid] < value { low = mid + 1 } else { high = mid }
            }
            let below = low
            high = v.count
            while low < high {
                let mid = (low + high) / 2
                if v[mid] <= value { low = mid + 1 } else { high = mid }
            }
            return (below, low - below)
        }
    }
}
