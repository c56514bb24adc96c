import Testing
import TestSupport
import VigilStats

/// Expected values: scipy 1.17.1 / numpy 2.4.6, computed with
///   jensenshannon([120,300,80,0,500], [100,310,60,30,400])              = 0.11630026081805045
///   PSI with max(p, 1e-4) on the same counts (numpy)                     = 0.20885575463662323
///   wasserstein_distance([0.5,1.5,1.5,2,7.25,-3], [1,1.5,4,4])           = 2.083333333333333
///   chi2_contingency([[120,300,80,500],[100,310,60,400]], correction=False) → 6.946508504790012, dof 3, p 0.07362241306514904
///   pooled z-test 40/500 vs 70/600, 2·norm.sf(|z|)                       = 0.04354612618826499
@Suite struct DriftKernelsTests {
    @Test func psiMatchesNumpyWithTheFloor() {
        #expect(isClose(PSI.value(reference: [120, 300, 80, 0, 500], current: [100, 310, 60, 30, 400]), 0.20885575463662323, relative: 1e-12))
    }

    @Test func jensenShannonMatchesScipy() {
        #expect(isClose(JensenShannon.distance([120, 300, 80, 0, 500], [100, 310, 60, 30, 400]), 0.11630026081805045, relative: 1e-12))
    }

    @Test func wassersteinMatchesScipy() {
        let a = [0.5, 1.5, 1.5, 2.0, 7.25, -3.0].sorted(), b = [1.0, 1.5, 4.0, 4.0]
        let d = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { Wasserstein.distance(sortedA: pa, sortedB: $0) } }
        #expect(isClose(d, 2.083333333333333, relative: 1e-12))
    }

    /// The one-walk KS statistic and Wasserstein distance window evaluation uses, on the case above:
    /// scipy 1.17.1 `ks_2samp(a, b).statistic` = 0.3333333333333333 (after 2.0: 5/6 of a, 1/2 of b).
    @Test func ksAndWassersteinMatchScipy() {
        let a = [0.5, 1.5, 1.5, 2.0, 7.25, -3.0].sorted(), b = [1.0, 1.5, 4.0, 4.0]
        let (ks, w) = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { EmpiricalDistance.ksAndWasserstein(sortedA: pa, sortedB: $0) } }
        #expect(isClose(w, 2.083333333333333, relative: 1e-12))
        #expect(isClose(ks, 0.3333333333333333, relative: 1e-12))
    }

    /// One walk gives exactly what the two separate walks give (same steps, same arithmetic), on
    /// samples with many ties (small integers), continuous ones, disjoint ones, ties of -0 and +0, and
    /// samples of one.
    @Test(arguments: 0..<40 as Range<UInt64>)
    func ksAndWassersteinEqualTheSeparateWalksBitForBit(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func sample(_ kind: UInt64) -> [Double] {
            let count = 1 + Int(random.next() % (seed % 5 == 0 ? 3 : 2000))
            return (0..<count).map { _ in
                switch kind {
                case 0: Double(random.next() % 12)                                   // ties
                case 1: Double(random.next() >> 11) / 9_007_199_254_740_992 * 6 - 3  // continuous
                case 2: Double(random.next() % 1000) + 5000                          // disjoint from case 1
                default: [-0.0, 0.0, 1.0, -1.0][Int(random.next() % 4)]              // signed zeros tie
                }
            }.sorted()
        }
        let a = sample(seed % 4), b = sample((seed / 4) % 4)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let (ks, w) = EmpiricalDistance.ksAndWasserstein(sortedA: pa, sortedB: pb)
                #expect(ks.bitPattern == KolmogorovSmirnov.statistic(sortedA: pa, sortedB: pb).bitPattern)
                #expect(w.bitPattern == Wasserstein.distance(sortedA: pa, sortedB: pb).bitPattern)
            }
        }
    }

    /// Samples with infinities (window samples never hold any) also equal the separate walks.
    @Test func ksAndWassersteinWithInfinitiesEqualTheSeparateWalks() {
        for (a, b) in [([1.0, 2.0, .infinity], [1.5, 3.0]), ([-.infinity, 0.5], [0.25, 0.75, 1.0])] as [([Double], [Double])] {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let (ks, w) = EmpiricalDistance.ksAndWasserstein(sortedA: pa, sortedB: pb)
                    #expect(ks.bitPattern == KolmogorovSmirnov.statistic(sortedA: pa, sortedB: pb).bitPattern)
                    #expect(w.bitPattern == Wasserstein.distance(sortedA: pa, sortedB: pb).bitPattern)
                }
            }
        }
    }

    @Test func chiSquareHomogeneityMatchesScipy() throws {
        let r = try #require(ChiSquare.homogeneity(reference: [120, 300, 80, 0, 500], current: [100, 310, 60, 0, 400]))
        #expect(r.degreesOfFreedom == 3)   // the all-zero category is left out
        #expect(isClose(r.statistic, 6.946508504790012, relative: 1e-12))
        #expect(isClose(r.pValue, 0.07362241306514904, relative: 1e-9))
    }

    @Test func zTestMatchesScipy() {
        #expect(isClose(ZTest.pValue(successes: 40, of: 500, successes: 70, of: 600), 0.04354612618826499, relative: 1e-9))
    }

    @Test(arguments: 0..<30 as Range<UInt64>)
    func identicalSamplesShowNoDrift(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let counts = (0..<(2 + Int(random.next() % 10))).map { _ in Int(random.next() % 1000) + 1 }
        #expect(PSI.value(reference: counts, current: counts) == 0)
        #expect(isClose(JensenShannon.distance(counts, counts), 0, relative: 0, absolute: 1e-12))
        #expect(isClose(ChiSquare.homogeneity(reference: counts, current: counts)?.pValue, 1, relative: 1e-12))
        let sample = (0..<(1 + Int(random.next() % 500))).map { _ in Double(random.next() % 100) }.sorted()
        let w = sample.withUnsafeBufferPointer { Wasserstein.distance(sortedA: $0, sortedB: $0) }
        #expect(w == 0)
    }

    @Test(arguments: 0..<30 as Range<UInt64>)
    func psiIsNonNegativeAndSymmetricInNothing(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let bins = 2 + Int(random.next() % 10)
        let a = (0..<bins).map { _ in Int(random.next() % 100) }, b = (0..<bins).map { _ in Int(random.next() % 100) }
        if let psi = PSI.value(reference: a, current: b) { #expect(psi >= 0) }
        if let js = JensenShannon.distance(a, b) { #expect(js >= 0 && js <= 0.8326) }   // ≤ √ln 2
    }

    @Test func degenerateInputs() {
        #expect(PSI.value(reference: [0, 0], current: [1, 2]) == nil)
        #expect(ChiSquare.homogeneity(reference: [5, 0], current: [7, 0]) == .init(statistic: 0, degreesOfFreedom: 0, pValue: 1))
        #expect(ZTest.pValue(successes: 5, of: 5, successes: 9, of: 9) == 1)   // pooled share 1: nothing to test
        #expect(ZTest.pValue(successes: 0, of: 0, successes: 1, of: 2) == nil)
    }

    @Test func autoSelectionFollowsSpec() {
        #expect(DriftMethod.automatic(numeric: true, distinct: 6, referenceCount: 1000) == .ks)
        #expect(DriftMethod.automatic(numeric: true, distinct: 6, referenceCount: 1001) == .wasserstein)
        #expect(DriftMethod.automatic(numeric: true, distinct: 5, referenceCount: 1000) == .chiSquare)
        #expect(DriftMethod.automatic(numeric: false, distinct: 2, referenceCount: 800) == .zTest)
        #expect(DriftMethod.automatic(numeric: false, distinct: 3, referenceCount: 800) == .chiSquare)
        #expect(DriftMethod.automatic(numeric: false, distinct: 12, referenceCount: 3000) == .jensenShannon)
    }

    @Test func binningCountsEdgesStrictlyBelow() {
        let edges = [1.0, 2.0, 2.5]
        edges.withUnsafeBufferPointer { e in
            #expect([0.5, 1.0, 1.5, 2.0, 2.2, 2.5, 3.0, -.infinity, .infinity].map { Binning.bin($0, edges: e) } == [0, 0, 1, 1, 2, 2, 3, 0, 3])
        }
    }
}
