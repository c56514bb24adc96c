import Testing
import TestSupport
import VigilStats

/// `PanedPerformance` against the definitions: every window's ROC AUC is compared with a
/// brute-force count over all (positive, negative) pairs of the window's scores (a pair counts 1
/// when the positive scores higher, ½ when tied: the Mann–Whitney form of scikit-learn's
/// `roc_auc_score`, see `PerformanceSummaryTests` for scikit-learn's own values) and, bit for bit,
/// with `ROCAUC.value` on the same scores; counts, log loss and Brier with one `PerformanceSummary`
/// fed the window's pairs directly.
@Suite struct PanedPerformanceTests {
    private static let task = PerformanceSummary.Task.binary(threshold: 0.5, positive: 1)

    /// (score, label) pairs per pane, as the reference the paned sums must agree with.
    private struct Oracle {
        var pairs: [Int64: [(score: Double, label: Double)]] = [:]

        func window(_ panes: Range<Int64>) -> [(score: Double, label: Double)] {
            panes.flatMap { pairs[$0] ?? [] }
        }

        /// Σ over (positive, negative) pairs of 1 (positive higher) or ½ (tied), / (P·N), by brute force.
        static func bruteForceAUC(_ pairs: [(score: Double, label: Double)]) -> Double? {
            let positive = pairs.filter { $0.label == 1 }.map(\.score), negative = pairs.filter { $0.label != 1 }.map(\.score)
            guard !positive.isEmpty, !negative.isEmpty else { return nil }
            var u = 0.0
            for p in positive { for n in negative { u += p > n ? 1 : (p == n ? 0.5 : 0) } }
            return u / (Double(positive.count) * Double(negative.count))
        }
    }

    /// Scores with many ties (two decimals), both zeros and the extremes.
    private static func score(_ random: inout SplitMix64) -> Double {
        switch random.next() % 20 {
        case 0: return -0.0
        case 1: return 0.0
        case 2: return 1.0
        default: return Double(random.next() % 101) / 100
        }
    }

    private static func label(_ random: inout SplitMix64, score: Double) -> Double {
        Double(random.next() % 1000) / 1000 < score * 0.8 + 0.1 ? 1 : 0
    }

    private static func check(_ paned: PanedPerformance, _ oracle: Oracle, window: Range<Int64>) {
        let pairs = oracle.window(window)
        let report = paned.report(panes: window)
        var direct = PerformanceSummary(task: task)
        for pair in pairs { direct.add(prediction: pair.score, label: pair.label) }
        direct.sortScores()
        let expected = direct.report()
        #expect(report.labeled == pairs.count, "window \(window)")
        #expect(report.rocAUC == expected.rocAUC, "window \(window): \(String(describing: report.rocAUC)) vs ROCAUC \(String(describing: expected.rocAUC))")
        let brute = Oracle.bruteForceAUC(pairs)
        #expect((report.rocAUC == nil) == (brute == nil))
        if let auc = report.rocAUC, let brute { #expect(isClose(auc, brute, relative: 1e-12), "window \(window)") }
        #expect(report.accuracy == expected.accuracy && report.precision == expected.precision && report.recall == expected.recall)
        #expect(isClose(report.logLoss, expected.logLoss, relative: 1e-12) && isClose(report.brier, expected.brier, relative: 1e-12))
    }

    /// Panes closed in order as windows (3 panes each) are evaluated, pairs arriving for open and
    /// closed panes in random order, panes dropped behind the windows: every window's report
    /// equals the definitions after every step.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func slidingWindowsMatchTheDefinitions(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let span = 3
        var paned = PanedPerformance(span: span, task: Self.task)
        var oracle = Oracle()
        var open: [Int64: PerformanceSummary] = [:]
        for pane in Int64(0)..<12 {
            // Pairs for the newest open pane, and delayed ones for earlier (closed) panes.
            for _ in 0..<Int(random.next() % 60) {
                let target = pane - Int64(random.next() % 4)
                guard target >= 0, target >= pane - Int64(span) else { continue }
                let s = Self.score(&random), y = Self.label(&random, score: s)
                if paned.contains(target) {
                    let counted = paned.add(target, prediction: s, label: y)
                    #expect(counted)
                } else {
                    open[target, default: PerformanceSummary(task: Self.task)].add(prediction: s, label: y)
                }
                oracle.pairs[target, default: []].append((s, y))
            }
            // The window ending with this pane is evaluated: its open panes close.
            let window = max(0, pane + 1 - Int64(span))..<(pane + 1)
            for member in window where !paned.contains(member) {
                var summary = open.removeValue(forKey: member) ?? PerformanceSummary(task: Self.task)
                paned.close(member, &summary)
            }
            Self.check(paned, oracle, window: window)
            // Earlier windows still held (re-reports after delayed labels).
            for end in max(1, pane + 1 - Int64(span))..<(pane + 1) {
                Self.check(paned, oracle, window: max(0, end - Int64(span))..<end)
            }
            paned.drop(before: pane + 2 - 2 * Int64(span))
        }
        #expect(paned.paneCount <= 2 * span)
    }

    /// A pane closed before an older neighbour (events late for the older pane's first windows
    /// create it later): the pairs between them are counted once, whichever closes first.
    @Test func panesClosedOutOfOrder() {
        var random = SplitMix64(seed: 9)
        var paned = PanedPerformance(span: 4, task: Self.task)
        var oracle = Oracle()
        for pane in [Int64(5), 3, 6, 4, 2] {
            var summary = PerformanceSummary(task: Self.task)
            for _ in 0..<40 {
                let s = Self.score(&random), y = Self.label(&random, score: s)
                summary.add(prediction: s, label: y)
                oracle.pairs[pane, default: []].append((s, y))
            }
            paned.close(pane, &summary)
        }
        for start in Int64(2)...4 { Self.check(paned, oracle, window: start..<(start + 4)) }
        Self.check(paned, oracle, window: 3..<6)
    }

    /// Thousands of delayed pairs into closed panes go through the insertion buffer and its merges
    /// into the sorted base (`SortedScores.recentLimit` is 4,096).
    @Test func manyDelayedPairsMergeIntoTheSortedScores() {
        var random = SplitMix64(seed: 4)
        var paned = PanedPerformance(span: 2, task: Self.task)
        var oracle = Oracle()
        for pane in Int64(0)..<2 {
            var summary = PerformanceSummary(task: Self.task)
            for _ in 0..<1000 {
                let s = Double(random.next() % 10_000) / 10_000, y = Self.label(&random, score: s)
                summary.add(prediction: s, label: y)
                oracle.pairs[pane, default: []].append((s, y))
            }
            paned.close(pane, &summary)
        }
        for i in 0..<20_000 {
            let pane = Int64(i % 2), s = Double(random.next() % 10_000) / 10_000, y = Self.label(&random, score: s)
            let counted = paned.add(pane, prediction: s, label: y)
            #expect(counted)
            oracle.pairs[pane, default: []].append((s, y))
        }
        // A third pane closing after the merges walks the neighbours' merged scores.
        var summary = PerformanceSummary(task: Self.task)
        for _ in 0..<500 {
            let s = Double(random.next() % 10_000) / 10_000, y = Self.label(&random, score: s)
            summary.add(prediction: s, label: y)
            oracle.pairs[2, default: []].append((s, y))
        }
        paned.close(2, &summary)
        #expect(paned.scoreCount == 22_500)
        // The brute force over 21,000 pairs' classes is ~10^8 comparisons: compare with ROCAUC only.
        for window in [Int64(0)..<2, 1..<3] {
            let pairs = oracle.window(window)
            var direct = PerformanceSummary(task: Self.task)
            for pair in pairs { direct.add(prediction: pair.score, label: pair.label) }
            #expect(paned.report(panes: window).rocAUC == direct.report().rocAUC)
            #expect(paned.report(panes: window).labeled == pairs.count)
        }
    }

    /// The compact sorted scores against a plain sorted array: every rank (below, equal) of values
    /// in, between and outside the scores, before and after insertions and their merges, for
    /// negative, ±0, tied, infinite and widely spread scores; and the reading order.
    @Test func compactScoresRankLikeASortedArray() {
        var random = SplitMix64(seed: 21)
        var values: [Double] = []
        for i in 0..<3_000 {
            switch i % 6 {
            case 0: values.append(Double(random.next() % 1_000_001) / 1_000_000)       // six decimals
            case 1: values.append(Double(bitPattern: random.next() >> 2))              // any positive magnitude
            case 2: values.append(-Double(random.next() % 50) / 7)                     // negatives, ties
            case 3: values.append(i % 12 == 3 ? -0.0 : 0.0)
            case 4: values.append(i % 24 == 4 ? .infinity : -.infinity)
            default: values.append(Double(random.next() % 10))
            }
        }
        var sorted = values
        RadixSort.sort(&sorted)
        var scores = SortedScores(sorted: sorted)
        var plain = sorted.sorted()
        func check(_ probe: Double) {
            let below = plain.filter { $0 < probe }.count, equal = plain.filter { $0 == probe }.count
            let rank = scores.rank(of: probe)
            #expect(rank.below == below && rank.equal == equal, "\(probe): \(rank) vs (\(below), \(equal))")
        }
        for probe in values.prefix(400) + [-1e300, 1e300, 0.5, -0.0, 0.0, .infinity, -.infinity, 3.5, 1e-320] { check(probe) }
        for i in 0..<9_000 {   // two merges into the base (4,096 each) and some left in the buffer
            let value = i % 3 == 0 ? -0.0 : Double(random.next() % 2_000) / 1_000 - 0.5
            scores.insert(value)
            plain.append(value)
        }
        plain.sort()
        #expect(scores.count == plain.count)
        for probe in values.prefix(200) + [-0.5, 0.0, 1.499, 1.5, 7] { check(probe) }
        scores.flush()
        var reader = SortedScores.Reader(scores)
        var read: [Double] = []
        while !reader.atEnd { read.append(reader.current); reader.advance() }
        #expect(read.count == plain.count && zip(read, plain).allSatisfy { $0 == $1 })
    }

    /// Six-decimal scores (the benchmark event's), uniform on [0, 1]: under 5 bytes each, not 8
    /// (4.4 measured: neighbouring keys are ~2^34 apart above 0.25, and 45 % of the 600,000 values
    /// repeat one before them, a one-byte zero).
    @Test func sixDecimalScoresAreStoredCompactly() {
        var random = SplitMix64(seed: 5)
        var values = (0..<600_000).map { _ in Double(random.next() % 1_000_001) / 1_000_000 }
        RadixSort.sort(&values)
        let scores = SortedScores(sorted: values)
        #expect(scores.storedBytes < 5 * values.count, "\(scores.storedBytes) bytes for \(values.count) scores")
    }

    /// Hand-computed: positives {0.3, 0.8}, negatives {0.3, 0.1} in two panes →
    /// pairs (0.3 vs 0.3) ½, (0.3 vs 0.1) 1, (0.8 vs 0.3) 1, (0.8 vs 0.1) 1 → 3.5 / 4.
    @Test func handComputedWindow() {
        var paned = PanedPerformance(span: 2, task: Self.task)
        var first = PerformanceSummary(task: Self.task), second = PerformanceSummary(task: Self.task)
        first.add(prediction: 0.3, label: 1)
        first.add(prediction: 0.1, label: 0)
        second.add(prediction: 0.3, label: 0)
        paned.close(0, &first)
        paned.close(1, &second)
        #expect(paned.report(panes: 0..<2).rocAUC == 1.5 / 2)   // 0.3 vs {0.1, 0.3}: 1 + ½
        let counted = paned.add(1, prediction: 0.8, label: 1)
        #expect(counted)
        #expect(paned.report(panes: 0..<2).rocAUC == 3.5 / 4)
        #expect(paned.report(panes: 1..<2).rocAUC == 1.0)        // 0.8 vs 0.3
        let neverClosed = paned.add(7, prediction: 0.5, label: 1)
        #expect(!neverClosed)   // never closed: not counted
        paned.drop(before: 1)
        #expect(!paned.contains(0) && paned.report(panes: 0..<2).labeled == 2)
    }
}
