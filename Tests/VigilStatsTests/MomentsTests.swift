import Testing
import TestSupport
import VigilStats

@Suite struct MomentsTests {
    // numpy 2.4.6: x.mean() = 3.625, x.std(ddof=1) = 4.149171604067491, x.var(ddof=0) = 15.650568181818182
    static let values: [Double] = [3.5, -1.25, 7.0, 2.0, 2.0, 10.5, 0.125, 4.75, 6.0, -3.0, 8.25]

    @Test func matchesNumpyOnAColumn() throws {
        var moments = Moments()
        Self.values.withUnsafeBufferPointer { moments.add($0) }
        #expect(moments.count == 11)
        #expect(isClose(moments.mean, 3.625, relative: 1e-15))
        #expect(isClose(moments.standardDeviation, 4.149171604067491, relative: 1e-14))
        #expect(isClose(moments.populationVariance, 15.650568181818182, relative: 1e-14))
        #expect(moments.min == -3.0)
        #expect(moments.max == 10.5)
    }

    @Test func skipsMissingValues() {
        var moments = Moments()
        [1.0, .nan, 3.0, .nan].withUnsafeBufferPointer { moments.add($0) }
        #expect(moments.count == 2)
        #expect(moments.mean == 2)
        #expect(moments.variance == 2)   // (1-2)² + (3-2)² over n-1 = 1
    }

    @Test func emptyAndSingleValue() {
        var moments = Moments()
        #expect(moments.mean == nil && moments.variance == nil && moments.min == nil)
        moments.add(5)
        #expect(moments.mean == 5 && moments.variance == nil && moments.populationVariance == 0)
    }

    @Test(arguments: 0..<50 as Range<UInt64>)
    func mergeEqualsConcatenation(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        func column() -> [Double] {
            (0..<Int(random.next() % 300)).map { _ in random.next() % 10 == 0 ? .nan : Double(Int64(random.next() % 20_000) - 10_000) / 7 }
        }
        let a = column(), b = column()
        var left = Moments(), right = Moments(), whole = Moments(), oneByOne = Moments()
        a.withUnsafeBufferPointer { left.add($0) }
        b.withUnsafeBufferPointer { right.add($0) }
        (a + b).withUnsafeBufferPointer { whole.add($0) }
        for v in a + b { oneByOne.add(v) }
        left.merge(right)
        #expect(left.count == whole.count)
        #expect(isClose(left.mean, whole.mean, relative: 1e-12, absolute: 1e-12))
        #expect(isClose(left.variance, whole.variance, relative: 1e-10))
        #expect(isClose(oneByOne.variance, whole.variance, relative: 1e-10))
        #expect(left.min == whole.min && left.max == whole.max)
    }
}
