/// The multivariate anomaly scorer of SPEC §7 (`anomaly.method: mahalanobis`), fitted on the
/// reference and stored in its profile.
///
/// z = (x − μ)/σ per numeric feature (reference mean and population σ; missing → 0);
/// score = √(zᵀ Σ⁻¹ z) with Σ the Ledoit-Wolf shrunk covariance of the standardised reference;
/// an event is anomalous when score > threshold, the `threshold_quantile` of the reference's
/// own scores. Features with σ = 0 (constant, or without values) are left out.
package struct MahalanobisModel: Sendable, Equatable {
    /// Names of the features scored, in configuration order.
    package var features: [String]
    /// For each scored feature, its index among the model's numeric features.
    package var columns: [Int]
    package var mean: [Double]
    package var standardDeviation: [Double]
    /// Σ, d × d row-major (kept in the profile; the scoring factor is derived from it).
    package var covariance: [Double]
    package var shrinkage: Double
    package var thresholdQuantile: Double
    package var threshold: Double
    /// Mean score over the reference.
    package var referenceMeanScore: Double
    /// Robust z (SPEC §7 `top_features`): reference median and scale (1.4826·MAD, or σ when MAD = 0).
    package var median: [Double]
    package var scale: [Double]
    /// Numeric features left out because their reference σ is 0 (or they had no values).
    package var dropped: [String]
    /// A multiple of tr(Σ)/d added to the diagonal when Σ was not positive definite (0 normally).
    package var ridge: Double
    /// L⁻¹ for Σ = L·Lᵀ, row-major lower-triangular: score² = ‖L⁻¹ z‖².
    package private(set) var whitening: [Double]

    package var dimension: Int { features.count }

    package init(features: [String], columns: [Int], mean: [Double], standardDeviation: [Double], covariance: [Double], shrinkage: Double,
                 thresholdQuantile: Double, threshold: Double, referenceMeanScore: Double, median: [Double], scale: [Double],
                 dropped: [String], ridge: Double) {
        self.features = features
        self.columns = columns
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.covariance = covariance
        self.shrinkage = shrinkage
        self.thresholdQuantile = thresholdQuantile
        self.threshold = threshold
        self.referenceMeanScore = referenceMeanScore
        self.median = median
        self.scale = scale
        self.dropped = dropped
        self.ridge = ridge
        let (whitening, _) = Self.whiteningFactor(covariance, d: features.count, ridge: ridge)
        self.whitening = whitening
    }

    /// L⁻¹ of Σ (+ ridge·tr(Σ)/d·I); when Σ is not positive definite (perfectly collinear
    /// features with no shrinkage), the smallest ridge 1e-12, 1e-10, … that makes it so.
    static func whiteningFactor(_ covariance: [Double], d: Int, ridge: Double) -> ([Double], Double) {
        guard d > 0 else { return ([], 0) }
        var trace = 0.0
        for i in 0..<d { trace += covariance[i * d + i] }
        let unit = trace > 0 ? trace / Double(d) : 1
        var r = ridge
        while true {
            var a = covariance
            for i in 0..<d { a[i * d + i] += r * unit }
            if let l = Cholesky.lower(a, d: d) { return (Cholesky.invertLower(l, d: d), r) }
            r = r == 0 ? 1e-12 : r * 100
            if r > 1 { return (Array(repeating: 0, count: d * d), r) }   // unreachable for finite input
        }
    }

    /// Fits the model on reference columns (one per numeric feature, NaN = missing).
    /// - Returns: nil when no numeric feature has a non-zero σ (scoring is then disabled).
    /// - Complexity: O(n·d²).
    package static func fit(names: [String], columns: [[Double]], thresholdQuantile: Double,
                            medians: [Double?], mads: [Double?]) -> MahalanobisModel? {
        var kept: [Int] = [], dropped: [String] = []
        var means: [Double] = [], sigmas: [Double] = []
        for (f, column) in columns.enumerated() {
            var moments = Moments()
            column.withUnsafeBufferPointer { moments.add($0) }
            if let variance = moments.populationVariance, variance > 0, let mean = moments.mean {
                kept.append(f)
                means.append(mean)
                sigmas.append(variance.squareRoot())
            } else {
                dropped.append(names[f])
            }
        }
        guard !kept.isEmpty, let n = columns.first?.count, n > 0 else { return nil }
        let d = kept.count
        var rows = Array(repeating: 0.0, count: n * d)
        for (k, f) in kept.enumerated() {
            for i in 0..<n {
                let v = columns[f][i]
                rows[i * d + k] = v.isNaN ? 0 : (v - means[k]) / sigmas[k]
            }
        }
        let lw = LedoitWolf.fit(rows: rows, n: n, d: d)
        let (_, ridge) = whiteningFactor(lw.covariance, d: d, ridge: 0)
        var model = MahalanobisModel(
            features: kept.map { names[$0] }, columns: kept, mean: means, standardDeviation: sigmas, covariance: lw.covariance,
            shrinkage: lw.shrinkage, thresholdQuantile: thresholdQuantile, threshold: 0, referenceMeanScore: 0,
            median: kept.map { medians[$0] ?? 0 },
            scale: kept.enumerated().map { k, f in
                let mad = mads[f] ?? 0
                return mad > 0 ? 1.4826 * mad : sigmas[k]
            },
            dropped: dropped, ridge: ridge)
        var scores = Array(repeating: 0.0, count: n)
        rows.withUnsafeBufferPointer { z in
            scores.withUnsafeMutableBufferPointer { out in model.scoreStandardised(z, count: n, into: out) }
        }
        model.referenceMeanScore = scores.reduce(0, +) / Double(n)
        scores.sort()
        model.threshold = Quantile.linear(sorted: scores, thresholdQuantile) ?? 0
        return model
    }

    /// Scores standardised rows (row-major n × d, missing already 0).
    func scoreStandardised(_ z: UnsafeBufferPointer<Double>, count n: Int, into scores: UnsafeMutableBufferPointer<Double>) {
        let d = dimension
        whitening.withUnsafeBufferPointer { m in
            for i in 0..<n {
                var q = 0.0
                for a in 0..<d {
                    var w = 0.0
                    for b in 0...a { w += m[a * d + b] * z[i * d + b] }
                    q += w * w
                }
                scores[i] = q.squareRoot()
            }
        }
    }

    /// Scores rows `rows` of a batch (`numeric` = the batch's numeric columns, NaN = missing →
    /// the mean) into `scores` (`rows.count` slots). `scratch` is the caller's reusable buffer.
    ///
    /// Works through the rows 128 at a time: standardises each scored feature into `scratch`,
    /// group-major (the d values of each 8 events form one block of d × 8), then, eight events at a
    /// time in SIMD lanes, computes w = L⁻¹z by the lower-triangular product and score = √Σw²:
    /// d(d+1)/2 multiply-adds per event, reading one contiguous block of d × 64 bytes that stays
    /// in L1. (Feature-major rows a whole batch long put the d lines of a group 32 KiB apart, in one
    /// L1 set: issue 11.) Allocation-free once `scratch` has grown.
    /// - Complexity: O(rows·d²).
    package func score(numeric: [ContiguousArray<Double>], rows: Range<Int>, scratch: inout [Double], into scores: UnsafeMutableBufferPointer<Double>) {
        let d = dimension
        let n = rows.count
        guard d > 0, n > 0 else { return }
        let lanes = 8, chunk = 128
        if scratch.count < d * chunk { scratch = Array(repeating: 0, count: d * chunk) }
        scratch.withUnsafeMutableBufferPointer { z in
            let raw = UnsafeRawPointer(z.baseAddress!)
            whitening.withUnsafeBufferPointer { m in
                var start = 0
                while start < n {
                    let count = Swift.min(chunk, n - start)
                    let groups = (count + lanes - 1) / lanes
                    for k in 0..<d {
                        let mu = mean[k], inverseSigma = 1 / standardDeviation[k]
                        numeric[columns[k]].withUnsafeBufferPointer { column in
                            let offset = rows.lowerBound + start
                            for i in 0..<count {
                                let x = column[offset + i]
                                z[((i &>> 3) &* d &+ k) &* lanes &+ (i & 7)] = x.isNaN ? 0 : (x - mu) * inverseSigma
                            }
                            for i in count..<groups * lanes { z[((i &>> 3) &* d &+ k) &* lanes &+ (i & 7)] = 0 }
                        }
                    }
                    for group in 0..<groups {
                        let block = group &* d &* lanes &* 8
                        var q = SIMD8<Double>.zero
                        for a in 0..<d {
                            var w = SIMD8<Double>.zero
                            for b in 0...a {
                                let zb = raw.loadUnaligned(fromByteOffset: block &+ b &* 64, as: SIMD8<Double>.self)
                                w += SIMD8<Double>(repeating: m[a &* d &+ b]) * zb
                            }
                            q += w * w
                        }
                        let first = start + group * lanes
                        for lane in 0..<Swift.min(lanes, n - first) { scores[first + lane] = q[lane].squareRoot() }
                    }
                    start += count
                }
            }
        }
    }
}
