import Testing
import VigilStats

/// `NumericSummary.add` in blocks against the one-value-at-a-time definitions it implements:
/// Vitter's Algorithm R with Lemire's multiply-shift index for the reservoir, and SPEC §7's PSI
/// bins (the bin of x is the number of edges strictly below x). The references below are written
/// from those definitions, not from the summary's code.
@Suite struct ReservoirAndBinningTests {
    /// Algorithm R, one value at a time: the first `limit` present values, then value number
    /// `seen` (0-based) replaces slot j = ⌊draw · (seen + 1) / 2⁶⁴⌋ when j < limit.
    struct ReferenceReservoir {
        var sample: [Double] = []
        var limit: Int
        var seen = 0
        var random: SplitMix64

        mutating func add(_ value: Double) {
            guard !value.isNaN else { return }
            if seen < limit {
                sample.append(value)
            } else {
                let j = Int(truncatingIfNeeded: random.next().multipliedFullWidth(by: UInt64(seen + 1)).high)
                if j < limit { sample[j] = value }
            }
            seen += 1
        }

        /// Knuth's Algorithm S: keep each value with probability needed / remaining, in order.
        mutating func trim(toAtMost count: Int) {
            guard sample.count > count else { return }
            var kept: [Double] = []
            var needed = count, remaining = sample.count
            for value in sample where needed > 0 {
                if Int(truncatingIfNeeded: random.next().multipliedFullWidth(by: UInt64(remaining)).high) < needed {
                    kept.append(value)
                    needed -= 1
                }
                remaining -= 1
            }
            sample = kept
            limit = count
        }
    }

    @Test(arguments: [0 as UInt64, 1, 42, 2024])
    func blockAddsKeepTheSameReservoirAsOneValueAtATime(seed: UInt64) {
        var summary = NumericSummary(capacity: 1_000, seed: seed)
        var reference = ReferenceReservoir(limit: 1_000, random: SplitMix64(seed: seed))
        var values = SplitMix64(seed: seed &+ 99)
        // Blocks that end before, at and across the capacity, with missing values (NaN) between.
        for (round, size) in [1, 7, 500, 491, 1, 1_500, 3_000, 0, 4_096, 2].enumerated() {
            var column: [Double] = []
            for i in 0..<size {
                let draw = values.next()
                column.append(draw % 11 == 0 || i % 97 == 3 ? .nan : Double(draw >> 11) / Double(1 << 53))
            }
            column.withUnsafeBufferPointer { summary.add($0, rows: 0..<size) }
            column.forEach { reference.add($0) }
            if round == 7 {
                summary.trim(toAtMost: 600)
                reference.trim(toAtMost: 600)
            }
            #expect(Array(summary.sample) == reference.sample, "after block \(round)")
            #expect(summary.moments.count == reference.seen)
        }
        #expect(summary.sample.count == 600)
    }

    @Test func aColumnWithOnlyMissingValuesAddsNothing() {
        var summary = NumericSummary(capacity: 4, seed: 1, bins: ReferenceBins(edges: [0], min: -1, max: 1))
        let column: [Double] = [.nan, .nan, .nan]
        column.withUnsafeBufferPointer { summary.add($0, rows: 0..<3) }
        #expect(summary.sample.isEmpty && summary.missing == 3)
        #expect(Array(summary.binCounts) == [0, 0] && summary.outOfRange == 0)
    }

    /// By hand: edges [0, 1], range [−1, 1.5]. Bins (−∞, 0]: −1, 0; (0, 1]: 0.5, 1; (1, ∞): 2.
    /// Outside the range: 2. NaN is missing.
    @Test func binCountsByHand() {
        var summary = NumericSummary(capacity: 10, seed: 1, bins: ReferenceBins(edges: [0, 1], min: -1, max: 1.5))
        let column: [Double] = [-1, 0, 0.5, 1, 2, .nan]
        column.withUnsafeBufferPointer { summary.add($0, rows: 0..<6) }
        #expect(Array(summary.binCounts) == [2, 2, 1])
        #expect(summary.outOfRange == 1)
    }

    /// Every edge count from 0 to 16 (the vector path takes up to 14, binary search the rest),
    /// equal edges, values on the edges and on the range's ends, next to them, ±∞ and NaN.
    @Test(arguments: 0...16)
    func binCountsAreEdgesStrictlyBelowEachValue(edgeCount: Int) {
        var random = SplitMix64(seed: UInt64(edgeCount))
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) * 8 - 4 }
        var edges = (0..<edgeCount).map { _ in (uniform() * 4).rounded() / 4 }.sorted()
        if edgeCount >= 3 { edges[1] = edges[2] }   // equal edges: an empty bin between them
        let low = -3.0, high = 2.75
        var column: [Double] = [low, high, low.nextDown, low.nextUp, high.nextDown, high.nextUp, .infinity, -.infinity, .nan, 0]
        for edge in edges { column += [edge, edge.nextDown, edge.nextUp] }
        for _ in 0..<5_000 { column.append(uniform()) }
        column += column.map { _ in Double.nan }.prefix(40)

        var expected = [Int](repeating: 0, count: edgeCount + 1)
        var outside = 0
        for x in column where !x.isNaN {
            expected[edges.filter { $0 < x }.count] += 1
            if x < low || x > high { outside += 1 }
        }
        var summary = NumericSummary(capacity: 100, seed: 5, bins: ReferenceBins(edges: edges, min: low, max: high))
        // In two blocks, so counts accumulate across calls.
        column.withUnsafeBufferPointer { all in
            summary.add(all, rows: 0..<1_000)
            summary.add(all, rows: 1_000..<all.count)
        }
        #expect(Array(summary.binCounts) == expected)
        #expect(summary.outOfRange == outside)
    }
}
