import Testing
import TestSupport
import VigilStats

@Suite struct MahalanobisModelTests {
    static func columns(_ n: Int, _ d: Int, seed: UInt64) -> [[Double]] {
        var random = SplitMix64(seed: seed)
        func normal() -> Double {
            // Sum of 12 uniforms − 6: a cheap, seeded, roughly normal value.
            var s = 0.0
            for _ in 0..<12 { s += Double(random.next() >> 11) * 0x1.0p-53 }
            return s - 6
        }
        var cols = (0..<d).map { _ in (0..<n).map { _ in normal() } }
        if d > 1 { for i in 0..<n { cols[1][i] = 0.6 * cols[0][i] + 0.8 * cols[1][i] } }   // some correlation
        return cols
    }

    static func fit(_ columns: [[Double]], names: [String]? = nil) -> MahalanobisModel? {
        let d = columns.count
        return MahalanobisModel.fit(names: names ?? (0..<d).map { "f\($0)" }, columns: columns, thresholdQuantile: 0.99,
                                    medians: Array(repeating: 0, count: d), mads: Array(repeating: 1, count: d))
    }

    static func scores(_ model: MahalanobisModel, _ columns: [[Double]]) -> [Double] {
        let batch = columns.map { ContiguousArray($0) }
        var scratch: [Double] = []
        var out = Array(repeating: 0.0, count: columns[0].count)
        out.withUnsafeMutableBufferPointer { model.score(numeric: batch, rows: 0..<columns[0].count, scratch: &scratch, into: $0) }
        return out
    }

    @Test func theMeanScoresZeroAndMissingValuesTakeTheMean() throws {
        let cols = Self.columns(500, 4, seed: 1)
        let model = try #require(Self.fit(cols))
        let atMean = model.mean.map { [$0] }
        #expect(Self.scores(model, atMean) == [0])
        #expect(Self.scores(model, [[.nan], [.nan], [.nan], [.nan]]) == [0])
    }

    @Test(arguments: 0..<10 as Range<UInt64>)
    func featureOrderDoesNotMatter(seed: UInt64) throws {
        let cols = Self.columns(300, 5, seed: seed)
        var random = SplitMix64(seed: seed ^ 0xFF)
        let order = Array(0..<5).shuffled(using: &random)
        let a = try #require(Self.fit(cols)), b = try #require(Self.fit(order.map { cols[$0] }))
        #expect(isClose(a.shrinkage, b.shrinkage, relative: 1e-12))
        #expect(isClose(a.threshold, b.threshold, relative: 1e-10))
        for (x, y) in zip(Self.scores(a, cols), Self.scores(b, order.map { cols[$0] })) { #expect(isClose(x, y, relative: 1e-10)) }
    }

    /// Without shrinkage Mahalanobis distance is invariant under a full-rank linear map A:
    /// score(A z; A Σ Aᵀ) = score(z; Σ). Checked on a hand-made Σ and A.
    @Test func affineInvarianceWithoutShrinkage() {
        let sigma = [2.0, 0.3, 0.1, 0.3, 1.0, -0.2, 0.1, -0.2, 0.5]
        let a = [1.0, 2.0, 0.0, 0.0, 1.0, -1.0, 3.0, 0.0, 1.0]
        func mul(_ x: [Double], _ y: [Double]) -> [Double] {
            (0..<3).flatMap { i in (0..<3).map { j in (0..<3).reduce(0.0) { $0 + x[i * 3 + $1] * y[$1 * 3 + j] } } }
        }
        let aT = (0..<3).flatMap { i in (0..<3).map { j in a[j * 3 + i] } }
        let mapped = mul(mul(a, sigma), aT)
        func model(_ covariance: [Double]) -> MahalanobisModel {
            MahalanobisModel(features: ["a", "b", "c"], columns: [0, 1, 2], mean: [0, 0, 0], standardDeviation: [1, 1, 1], covariance: covariance,
                             shrinkage: 0, thresholdQuantile: 0.99, threshold: 1, referenceMeanScore: 1, median: [0, 0, 0], scale: [1, 1, 1], dropped: [], ridge: 0)
        }
        let z = [[0.7], [-1.2], [2.5]]
        let az = (0..<3).map { i in [(0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * z[$1][0] }] }
        #expect(isClose(Self.scores(model(sigma), z)[0], Self.scores(model(mapped), az)[0], relative: 1e-10))
    }

    @Test func constantFeaturesAreDropped() throws {
        var cols = Self.columns(200, 3, seed: 4)
        cols[2] = Array(repeating: 7, count: 200)
        let model = try #require(Self.fit(cols, names: ["a", "b", "constant"]))
        #expect(model.features == ["a", "b"] && model.dropped == ["constant"])
        #expect(Self.scores(model, cols).allSatisfy { $0.isFinite })
    }

    @Test func noUsableNumericFeatureDisablesScoring() {
        #expect(Self.fit([Array(repeating: 1, count: 10)]) == nil)
        #expect(Self.fit([[Double.nan, .nan]]) == nil)
    }

    @Test func collinearFeaturesAndFewerRowsThanFeaturesStayFinite() throws {
        var cols = Self.columns(50, 3, seed: 5)
        cols[2] = cols[0].map { 2 * $0 + 1 }                        // perfectly collinear
        let collinear = try #require(Self.fit(cols))
        #expect(Self.scores(collinear, cols).allSatisfy { $0.isFinite })
        #expect(collinear.threshold.isFinite && collinear.threshold > 0)
        let wide = Self.columns(4, 10, seed: 6)                      // 4 rows, 10 features
        let few = try #require(Self.fit(wide))
        #expect(few.shrinkage > 0 && few.shrinkage <= 1)
        #expect(Self.scores(few, wide).allSatisfy { $0.isFinite })
    }

    /// The blocked scorer (128 rows at a time, 8 events per SIMD group) against the definition
    /// computed here one event at a time, z = (x − μ)/σ (NaN → 0), score = ‖L⁻¹z‖, for row ranges
    /// that start inside the batch and end inside a group, a chunk or at its edges, with missing
    /// values. Same operations in the same order per event, so the scores are bit-identical.
    @Test(arguments: [0..<1000, 0..<1, 3..<997, 127..<129, 128..<256, 5..<136, 999..<1000])
    func blockedScoresEqualTheDefinition(rows: Range<Int>) throws {
        var cols = Self.columns(1000, 7, seed: 11)
        for i in stride(from: 0, to: 1000, by: 37) { cols[i % 7][i] = .nan }
        let model = try #require(Self.fit(Array(cols.prefix(400).map { Array($0.prefix(400)) })))
        let d = model.dimension
        let batch = cols.map { ContiguousArray($0) }
        var scratch: [Double] = []
        var out = Array(repeating: -1.0, count: rows.count)
        out.withUnsafeMutableBufferPointer { model.score(numeric: batch, rows: rows, scratch: &scratch, into: $0) }
        for (slot, row) in rows.enumerated() {
            let z = (0..<d).map { k in
                let x = cols[model.columns[k]][row]
                return x.isNaN ? 0 : (x - model.mean[k]) * (1 / model.standardDeviation[k])
            }
            var q = 0.0
            for a in 0..<d {
                var w = 0.0
                for b in 0...a { w += model.whitening[a * d + b] * z[b] }
                q += w * w
            }
            #expect(out[slot] == q.squareRoot(), "row \(row)")
        }
    }

    @Test func ledoitWolfMatchesScikitLearnOnASmallMatrix() {
        // scikit-learn 1.9.1: LedoitWolf().fit([[1,2],[2,1],[3,5],[4,3],[0,0.5]]) →
        // covariance_ [[2.1421607034566406, 0.7876531231049116], [0.7876531231049116, 2.4178392965433595]],
        // shrinkage_ 0.5077167980594303
        let result = LedoitWolf.fit(rows: [1, 2, 2, 1, 3, 5, 4, 3, 0, 0.5], n: 5, d: 2)
        let expected = [2.1421607034566406, 0.7876531231049116, 0.7876531231049116, 2.4178392965433595]
        #expect(zip(result.covariance, expected).allSatisfy { isClose($0, $1, relative: 1e-12) })
        #expect(isClose(result.shrinkage, 0.5077167980594303, relative: 1e-12))
    }
}

@Suite struct PageHinkleyTests {
    /// A level shift from 0 to 10 after 100 values: river's PageHinkley (defaults, mode both)
    /// detects it; a constant stream never triggers; after a detection the detector restarts.
    @Test func detectsALevelShiftAndResets() {
        var detector = PageHinkley()
        var detections: [Int] = []
        for i in 0..<400 where detector.update(i < 100 ? 0.0 : 10.0) { detections.append(i) }
        #expect(detections.first.map { $0 > 100 && $0 < 120 } == true)
        var quiet = PageHinkley()
        var quietDetections = 0
        for _ in 0..<10_000 where quiet.update(0.5) { quietDetections += 1 }
        #expect(quietDetections == 0)
    }

    @Test(arguments: [(PageHinkley.Mode.up, 10.0, true), (.up, -10.0, false), (.down, -10.0, true), (.down, 10.0, false)])
    func modeSelectsTheDirection(mode: PageHinkley.Mode, shift: Double, detects: Bool) {
        var detector = PageHinkley(mode: mode)
        var detected = false
        for i in 0..<400 where detector.update(i < 100 ? 0 : shift) { detected = true }
        #expect(detected == detects)
    }

    @Test func missingValuesAreSkipped() {
        var a = PageHinkley(), b = PageHinkley()
        for i in 0..<300 {
            let x = i < 150 ? 0.2 : 3.0
            _ = a.update(x)
            _ = b.update(.nan)
            _ = b.update(x)
        }
        #expect(a == b)
    }
}
