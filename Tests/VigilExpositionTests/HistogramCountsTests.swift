import Testing
@testable import VigilExposition

@Suite struct HistogramCountsTests {
    @Test(arguments: [
        (0.0, 0), (1.0, 0), (1.0000001, 1), (2.0, 1), (-5.0, 0), (3.0, 2), (.infinity, 2),
    ] as [(Double, Int)])
    func valueLandsInFirstBucketWhoseBoundIsNotBelowIt(value: Double, bucket: Int) {
        var counts = HistogramCounts(upperBounds: [1, 2])
        counts.add(value)
        #expect(counts.bucketCounts.firstIndex(of: 1) == bucket)
        #expect(counts.count == 1)
    }

    @Test func nanIsIgnored() {
        var counts = HistogramCounts(upperBounds: [1])
        counts.add(.nan)
        #expect(counts.count == 0)
        #expect(counts.sum == 0)
    }

    @Test func mergeEqualsAddingEverything() {
        let a: [Double] = [0.1, 0.7, 3, 9], b: [Double] = [1, 1, 100]
        var left = HistogramCounts(upperBounds: [0.5, 1, 10]), right = left, whole = left
        left.add(contentsOf: a)
        right.add(contentsOf: b)
        whole.add(contentsOf: a + b)
        left.merge(right)
        #expect(left == whole)
        #expect(whole.cumulativeCounts == [1, 4, 6, 7])
    }
}
