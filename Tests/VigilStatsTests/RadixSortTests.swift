import Testing
import VigilStats

/// `RadixSort` against the standard library's comparison sort (an independent implementation):
/// the same values in the same order, for the shapes window samples take.
@Suite struct RadixSortTests {
    /// Equal as numbers, element by element (-0.0 and +0.0 may swap places), and the same multiset
    /// of bit patterns (nothing lost, duplicated or altered).
    static func check(_ input: [Double]) {
        var radix = input
        RadixSort.sort(&radix)
        let expected = input.sorted()
        #expect(radix.count == expected.count)
        #expect(zip(radix, expected).allSatisfy { $0 == $1 }, "\(input.count) values")
        #expect(radix.map(\.bitPattern).sorted() == input.map(\.bitPattern).sorted())
        // Ascending as keys too: -0.0 before +0.0.
        #expect(zip(radix, radix.dropFirst()).allSatisfy { $0 < $1 || ($0 == $1 && !($0.sign == .plus && $1.sign == .minus)) })
    }

    static func values(_ count: Int, seed: UInt64, _ make: (inout SplitMix64) -> Double) -> [Double] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in make(&random) }
    }

    @Test(arguments: [0, 1, 2, 511, 512, 513, 1000, 4096, 100_000])
    func mixedSignsAndMagnitudes(count: Int) {
        Self.check(Self.values(count, seed: UInt64(count)) { random in
            let magnitude = Double.random(in: 0..<1, using: &random) * Double(sign: .plus, exponent: Int.random(in: -1074...1023, using: &random), significand: 1)
            return Bool.random(using: &random) ? -magnitude : magnitude
        })
    }

    @Test func oneFeaturesValuesShareTheirHighBits() {
        // The usual sample: positive values in one or two binades (the high passes are skipped).
        Self.check(Self.values(100_000, seed: 7) { 100 + Double.random(in: 0..<28, using: &$0) })
        Self.check(Self.values(100_000, seed: 8) { Double(Int.random(in: 0..<5, using: &$0)) })
        Self.check(Array(repeating: 3.25, count: 2000))
    }

    @Test func valuesThatDifferOnlyInTheirLowBits() {
        // Equal in the high 33 bits the passes sort by: the runs are sorted by the whole key.
        // One run of 100,000 keys (values within 1000 ulps of 1), runs of about 8 (12,500 groups),
        // and runs of about 50 (2,000 groups), in random order, with negatives.
        Self.check(Self.values(100_000, seed: 12) { 1.0 + Double(Int.random(in: 0..<1000, using: &$0)) * Double.ulpOfOne })
        Self.check(Self.values(100_000, seed: 13) { random in
            let group = Double(Int.random(in: 0..<12_500, using: &random))
            return (1000 + group).nextUp.nextUp * (1 + Double(Int.random(in: 0..<64, using: &random)) * Double.ulpOfOne)
        })
        Self.check(Self.values(100_000, seed: 14) { random in
            let group = Double(Int.random(in: -1000..<1000, using: &random))
            return group + Double(Int.random(in: 1..<4096, using: &random)) * 1e-12
        })
    }

    @Test func specialValues() {
        let specials: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                  .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, -1]
        Self.check(Self.values(5000, seed: 9) { specials[Int.random(in: 0..<specials.count, using: &$0)] })
        var descending = (0..<3000).map { Double(3000 - $0) - 1500.5 }
        Self.check(descending)
        descending.reverse()
        Self.check(descending)
    }

    @Test func contiguousArrayAndBuffer() {
        let input = Self.values(1500, seed: 11) { Double.random(in: -1e6...1e6, using: &$0) }
        var contiguous = ContiguousArray(input)
        RadixSort.sort(&contiguous)
        #expect(Array(contiguous) == input.sorted())
    }
}
