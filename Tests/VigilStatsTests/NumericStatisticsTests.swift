import Testing
import TestSupport
import VigilStats

@Suite struct NumericStatisticsTests {
    @Test func panesMergeIntoExactWindowStatistics() throws {
        // Two panes; values and expectations by hand: non-missing [1, 2, 3, 4, 10], 2 missing of 7 events.
        var a = NumericSummary(capacity: 100, seed: 1), b = NumericSummary(capacity: 100, seed: 2)
        [1.0, .nan, 3.0].withUnsafeBufferPointer { a.add($0, rows: 0..<3) }
        [10.0, 2.0, .nan, 4.0].withUnsafeBufferPointer { b.add($0, rows: 0..<4) }
        b.recordNonFinite(1)
        let s = NumericStatistics(panes: [a, b], events: 7, capacity: 100, seed: 0)
        #expect(s.count == 5)
        #expect(s.missingRatio == 2.0 / 7.0)
        #expect(s.nonFinite == 1)
        #expect(s.mean == 4)
        #expect(isClose(s.standardDeviation, (50.0 / 4).squareRoot(), relative: 1e-15))  // Σ(x-4)² = 9+4+1+0+36 = 50, n-1 = 4
        #expect(s.min == 1 && s.max == 10)
        #expect(s.sorted == [1, 2, 3, 4, 10])
        #expect(s.quantiles[0] == 3)            // median of 5 values
    }

    @Test(arguments: [1 as UInt64, 7, 99])
    func reservoirKeepsCapacityAndExactMoments(seed: UInt64) throws {
        var summary = NumericSummary(capacity: 1000, seed: seed)
        let column = (0..<10_000).map(Double.init)
        column.withUnsafeBufferPointer { summary.add($0, rows: 0..<10_000) }
        #expect(summary.sample.count == 1000)
        #expect(summary.moments.count == 10_000)
        #expect(summary.moments.mean == 4999.5)
        let s = NumericStatistics(panes: [summary, summary], events: 20_000, capacity: 1000, seed: seed)
        #expect(s.sorted.count == 1000)
        // A uniform sample of 0..<10000 has a median near 5000 (sd of the sample median ≈ 160).
        let median = try #require(s.quantiles[0])
        #expect(abs(median - 5000) < 800)
    }
}

@Suite struct PaneMergeTests {
    @Test(arguments: 0..<40 as Range<UInt64>)
    func paneOrderAndSortingDoNotMatter(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let bins = ReferenceBins(edges: [10, 20, 30, 40], min: 0, max: 45)
        var panes: [NumericSummary] = []
        for p in 0..<(1 + Int(random.next() % 6)) {
            var pane = NumericSummary(capacity: 10_000, seed: UInt64(p), bins: bins)
            let column = (0..<Int(random.next() % 400)).map { _ in random.next() % 9 == 0 ? .nan : Double(random.next() % 5000) / 100 }
            column.withUnsafeBufferPointer { pane.add($0, rows: 0..<column.count) }
            if random.next() % 2 == 0 { pane.sortSample() }
            panes.append(pane)
        }
        let events = panes.reduce(0) { $0 + $1.events }
        let a = NumericStatistics(panes: panes, events: events, capacity: 10_000, seed: 1)
        var sortedPanes = panes
        for i in sortedPanes.indices { sortedPanes[i].sortSample() }
        let b = NumericStatistics(panes: sortedPanes.reversed(), events: events, capacity: 10_000, seed: 1)
        #expect(a.sorted == b.sorted)
        #expect(a.sorted == a.sorted.sorted())
        #expect(a.binCounts == b.binCounts && a.outOfRange == b.outOfRange && a.count == b.count)
        #expect(isClose(a.mean, b.mean, relative: 1e-12, absolute: 1e-12))
        #expect(isClose(a.standardDeviation, b.standardDeviation, relative: 1e-10))
        #expect(a.quantiles == b.quantiles)
        // Bin counts agree with binning the values one by one (the SIMD path against the scalar search).
        var scalar = [0, 0, 0, 0, 0]
        bins.edges.withUnsafeBufferPointer { e in for v in a.sorted { scalar[Binning.bin(v, edges: e)] += 1 } }
        #expect(a.binCounts == scalar)
        #expect(a.outOfRange == a.sorted.filter { $0 < 0 || $0 > 45 }.count)
    }
}
