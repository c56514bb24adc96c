import Testing
import TestSupport
import VigilStats
import RealModule

/// Edge cases of the drift evaluation (documented in DriftEvaluator and the README).
@Suite struct DriftEvaluatorTests {
    static func window(_ values: [Double], events: Int? = nil, bins: ReferenceBins?) -> NumericStatistics {
        var summary = NumericSummary(capacity: 10_000, seed: 1, bins: bins)
        values.withUnsafeBufferPointer { summary.add($0, rows: 0..<values.count) }
        return NumericStatistics(panes: [summary], events: events ?? values.count, capacity: 10_000, seed: 2)
    }

    static func reference(_ values: [Double]) -> (ColumnProfile, ReferenceBins?) {
        let column = ProfileBuilder.numeric(name: "x", values: values, psiBins: 10, sampleSize: 100_000, seed: 3)
        let p = column.numeric!
        return (column, p.min.map { ReferenceBins(edges: p.psiEdges, min: $0, max: p.max!) })
    }

    @Test func identicalSamplesGiveZeroDistancesAndPValueOne() throws {
        let values = (0..<2000).map { Double($0 % 97) * 1.5 }
        let (column, bins) = Self.reference(values)
        var report = NumericFeatureReport(statistics: Self.window(values, bins: bins))
        let verdict = try #require(DriftEvaluator.numeric(&report, reference: column, options: .init()))
        #expect(report.psi == 0 && report.ksStatistic == 0 && report.wassersteinNormed == 0)
        #expect(isClose(report.jensenShannon, 0, relative: 0, absolute: 1e-12))
        #expect(report.ksPValue == 1)
        #expect(report.outOfRangeRatio == 0)
        #expect(verdict.method == "wasserstein" && !verdict.drifted)
    }

    @Test func permutationDoesNotChangeAnything() throws {
        var random = SplitMix64(seed: 9)
        let ref = (0..<3000).map { _ in Double(random.next() % 10_000) / 100 }
        let cur = (0..<1500).map { _ in Double(random.next() % 12_000) / 100 }
        var shuffled = cur
        shuffled.shuffle(using: &random)
        let (column, bins) = Self.reference(ref)
        var a = NumericFeatureReport(statistics: Self.window(cur, bins: bins))
        var b = NumericFeatureReport(statistics: Self.window(shuffled, bins: bins))
        #expect(DriftEvaluator.numeric(&a, reference: column, options: .init()) == DriftEvaluator.numeric(&b, reference: column, options: .init()))
        #expect(a.psi == b.psi && a.ksPValue == b.ksPValue && a.wassersteinNormed == b.wassersteinNormed)
    }

    @Test func emptyOrAllMissingWindowHasNoVerdict() {
        let (column, bins) = Self.reference((0..<100).map(Double.init))
        var empty = NumericFeatureReport(statistics: Self.window([], bins: bins))
        #expect(DriftEvaluator.numeric(&empty, reference: column, options: .init()) == nil)
        var missing = NumericFeatureReport(statistics: Self.window([.nan, .nan], bins: bins))
        #expect(DriftEvaluator.numeric(&missing, reference: column, options: .init()) == nil)
        #expect(missing.psi == nil && missing.ksPValue == nil)
    }

    @Test func constantReferenceDividesWassersteinByTheFloor() throws {
        // σ_ref = 0 → divisor 0.001 (SPEC §7); W1 between {5,5,5,5} and {5,5,6,6} is 0.5 → 500.
        let (column, bins) = Self.reference([5, 5, 5, 5])
        var report = NumericFeatureReport(statistics: Self.window([5, 5, 6, 6], bins: bins))
        let verdict = try #require(DriftEvaluator.numeric(&report, reference: column, options: .init(method: .wasserstein)))
        #expect(isClose(report.wassersteinNormed, 500, relative: 1e-12))
        #expect(report.outOfRangeRatio == 0.5)
        #expect(verdict.drifted)
        // Two distinct values in reference ∪ current, r = 4 ≤ 1000 → auto is the z-test on the values.
        var auto = NumericFeatureReport(statistics: Self.window([5, 5, 6, 6], bins: bins))
        #expect(DriftEvaluator.numeric(&auto, reference: column, options: .init())?.method == "z_test")
    }

    @Test func singleDistinctValueEverywhereIsNoDrift() throws {
        let (column, bins) = Self.reference([3, 3, 3])
        var report = NumericFeatureReport(statistics: Self.window([3, 3], bins: bins))
        let verdict = try #require(DriftEvaluator.numeric(&report, reference: column, options: .init(method: .chiSquare)))
        #expect(verdict.score == 1 && !verdict.drifted)
    }

    @Test func allCategoriesUnseen() throws {
        let column = ProfileBuilder.categorical(name: "c", counts: ["a": 50, "b": 50], missing: 0)
        var report = CategoricalFeatureReport(count: 10, missingRatio: 0, categoryCounts: [("x", 4), ("y", 6)])
        let verdict = try #require(DriftEvaluator.categorical(&report, current: report.categoryCounts, reference: column, options: .init()))
        #expect(report.newCategoryRatio == 1)
        #expect(report.isBinary == false)
        // PSI bins a, b, unseen: p = (0.5, 0.5, 1e-4), q = (1e-4, 1e-4, 1) (by hand)
        let expected = 2 * (1e-4 - 0.5) * Double.log(1e-4 / 0.5) + (1 - 1e-4) * Double.log(1 / 1e-4)
        #expect(isClose(report.psi, expected, relative: 1e-12))
        #expect(verdict.method == "chi_square" && verdict.drifted)
    }
}

