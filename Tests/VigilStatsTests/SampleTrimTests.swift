import Testing
import TestSupport
import VigilStats

/// `NumericSummary.trim(toAtMost:)` and the window merge of trimmed panes (`NumericStatistics`).
/// Expected counts are worked out by hand in each test from the merge's rule
/// share = round(capacity · n_pane / n_window).
@Suite struct SampleTrimTests {
    /// Values `offset ..< offset + count`, added in one call.
    static func add(_ summary: inout NumericSummary, _ offset: Int, _ count: Int) {
        let column = (offset..<(offset + count)).map(Double.init)
        column.withUnsafeBufferPointer { summary.add($0, rows: 0..<count) }
    }

    @Test func trimKeepsASortedUniformSubsetAndContinuesTheReservoirAtTheSmallerSize() {
        var fromSecondHalf = 0
        for seed in 0..<50 as Range<UInt64> {
            var summary = NumericSummary(capacity: 1000, seed: seed)
            Self.add(&summary, 0, 10_000)
            summary.sortSample()
            summary.trim(toAtMost: 100)
            #expect(summary.sample.count == 100 && summary.limit == 100)
            #expect(Array(summary.sample) == summary.sample.sorted())            // order kept
            #expect(Set(summary.sample).count == 100)                           // a subset: no value twice
            #expect(summary.sample.allSatisfy { $0 >= 0 && $0 < 10_000 })
            Self.add(&summary, 10_000, 10_000)                                  // as many again
            #expect(summary.sample.count == 100 && summary.moments.count == 20_000)
            fromSecondHalf += summary.sample.filter { $0 >= 10_000 }.count
        }
        // Uniform over all 20,000 values: half of each 100-value sample from the second half, so
        // 2,500 of 5,000 in all (binomial sd ≈ 35; 5 sd allowed).
        #expect(abs(fromSecondHalf - 2_500) < 180, "\(fromSecondHalf)")
    }

    @Test func trimmingBelowTheSampleSizeOnlyIsANoOp() {
        var summary = NumericSummary(capacity: 1000, seed: 3)
        Self.add(&summary, 0, 50)
        summary.trim(toAtMost: 100)
        #expect(summary.sample.count == 50 && summary.limit == 1000)
    }

    /// Panes of 3,000, 1,000 and 6,000 values (oldest first), capacity 1,000, trimmed as
    /// `ModelPipeline.trimSamples` does, newest first, to ⌈capacity · n / (values from it to the newest)⌉:
    /// 6,000 → ⌈1000·6000/6000⌉ = 1000 (unchanged); 1,000 → ⌈1000·1000/7000⌉ = 143;
    /// 3,000 → ⌈1000·3000/10000⌉ = 300. The merge then takes round(1000·n/10000) = 300, 100 and
    /// 600 values, which each trimmed pane still has.
    @Test func trimmedPanesStillGiveEachPaneItsProportionalShare() {
        var panes = Self.panes()
        panes[1].trim(toAtMost: 143)
        panes[0].trim(toAtMost: 300)
        #expect(panes.map(\.sample.count) == [300, 143, 1000])
        let window = NumericStatistics(panes: panes, events: 10_000, capacity: 1000, seed: 9)
        #expect(!window.isComplete)
        #expect(window.count == 10_000)
        #expect(isClose(window.mean, Self.mean(of: [(0, 3_000), (100_000, 1_000), (200_000, 6_000)]), relative: 1e-12))
        let perPane = Self.perPane(window)
        #expect(perPane == [300, 100, 600])
        #expect(window.sorted == window.sorted.sorted())
    }

    /// As above, then 3,000 late values reach the oldest pane after it was trimmed to 300: n =
    /// 6,000 + 1,000 + 6,000 = 13,000, shares round(1000·6000/13000) = 462, 77 and 462. The oldest
    /// pane has only 300, so every pane gives up the same fraction 300/462: about 300, 50 and 300
    /// values, 5 % of each pane's 6,000, 1,000 and 6,000 (equal inclusion probabilities).
    @Test func lateValuesIntoATrimmedPaneScaleEveryPaneAlike() {
        var panes = Self.panes()
        panes[1].trim(toAtMost: 143)
        panes[0].trim(toAtMost: 300)
        Self.add(&panes[0], 3_000, 3_000)
        #expect(panes[0].sample.count == 300 && panes[0].moments.count == 6_000)
        let window = NumericStatistics(panes: panes, events: 13_000, capacity: 1000, seed: 9)
        let perPane = Self.perPane(window)
        #expect((299...300).contains(perPane[0]) && (49...50).contains(perPane[1]) && (299...300).contains(perPane[2]), "\(perPane)")
    }

    @Test func aWindowWithinCapacityIsExactWhateverItsPanes() {
        var a = NumericSummary(capacity: 100, seed: 1), b = NumericSummary(capacity: 100, seed: 2)
        Self.add(&a, 0, 60)
        Self.add(&b, 1_000, 40)
        let window = NumericStatistics(panes: [a, b], events: 100, capacity: 100, seed: 0)
        #expect(window.isComplete)
        #expect(window.sorted == (0..<60).map(Double.init) + (1_000..<1_040).map(Double.init))
    }

    /// Panes of 3,000, 1,000 and 6,000 values; pane p holds p·100,000 + 0, 1, 2, ….
    static func panes() -> [NumericSummary] {
        let sizes = [3_000, 1_000, 6_000]
        var panes: [NumericSummary] = []
        for p in 0..<3 {
            var summary = NumericSummary(capacity: 1000, seed: UInt64(p))
            add(&summary, p * 100_000, sizes[p])
            panes.append(summary)
        }
        return panes
    }

    static func perPane(_ window: NumericStatistics) -> [Int] {
        (0..<3).map { p -> Int in
            let low = Double(p * 100_000), high = Double((p + 1) * 100_000)
            return window.sorted.filter { $0 >= low && $0 < high }.count
        }
    }

    static func mean(of ranges: [(Int, Int)]) -> Double {
        // Σ over ranges of (offset·count + count·(count−1)/2), over the total count: exact in Double here.
        let sum = ranges.reduce(0.0) { $0 + Double($1.0 * $1.1 + $1.1 * ($1.1 - 1) / 2) }
        return sum / Double(ranges.reduce(0) { $0 + $1.1 })
    }
}
