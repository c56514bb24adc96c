import Testing
import TestSupport
import VigilStats

@Suite struct QuantileTests {
    // Expected values: numpy 2.4.6 `np.quantile(x, q)` (default method "linear") for
    // x = [3.5, -1.25, 7.0, 2.0, 2.0, 10.5, 0.125, 4.75, 6.0, -3.0, 8.25].
    @Test(arguments: [(0.0, -3.0), (0.1, -1.25), (0.25, 1.0625), (0.5, 3.5), (0.9, 8.25), (0.99, 10.275), (1.0, 10.5)])
    func matchesNumpyLinear(q: Double, expected: Double) throws {
        let sorted = MomentsTests.values.sorted()
        #expect(isClose(Quantile.linear(sorted: sorted, q), expected, relative: 1e-15))
    }

    @Test func emptyIsNilAndSingleValueIsItself() {
        #expect(Quantile.linear(sorted: [], 0.5) == nil)
        #expect(Quantile.linear(sorted: [4.0], 0.99) == 4.0)
    }
}
