import RealModule

// Port of scipy 1.17.1 `scipy/stats/_ksstats.py` (`_kolmogn` with cdf=False and the routines it
// calls): the distribution of the two-sided one-sample Kolmogorov–Smirnov statistic Dₙ, selected as
// Simard & L'Ecuyer (2011) do. scipy keeps a few scalars in `np.longdouble` after rescaling and
// multiplies matrices with BLAS; we stay in Double with plain loops. Against scipy that costs at most
// ~2e-15 absolute (~4e-12 relative where the survival function is 1 − CDF ≈ 5e-4), far inside
// SPEC §7's 1e-6.

extension KolmogorovSmirnov {
    /// 2¹²⁸ and 2⁻¹²⁸, scipy's `_EP128` / `_EM128` rescaling steps.
    private static let ep128 = 3.402823669209385e+38
    private static let em128 = 1 / 3.402823669209385e+38
    private static let sqrtTwoPi = 2.5066282746310002     // np.sqrt(2π)
    private static let logTwoPi = 1.8378770664093453      // np.log(2π)
    private static let sqrt3 = 1.7320508075688772
    private static let piSquared = 9.869604401089358      // π**2
    private static let piFour = 97.40909103400242         // π**4
    private static let piSix = 961.3891935753043          // π**6
    /// Bernoulli-number Stirling coefficients B₂ⱼ/(2j)/(2j−1), j = 8…1 (scipy `_STIRLING_COEFFS`).
    private static let stirlingCoefficients: [Double] = [
        -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
        8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
        -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ]

    @inline(__always) private static func clip(_ p: Double) -> Double {
        p.isNaN ? p : Swift.min(Swift.max(p, 0), 1)
    }

    /// `_kolmogn(n, x, cdf=False)`: Pr(Dₙ ≥ x) for integer n ≥ 1.
    ///
    /// Dispatch (scipy's): x ≥ 1 → 0; n·x ≤ ½ → 1; n·x ≤ 1 Ruben–Gambino closed form;
    /// n·x ≥ n − 1 → 2(1 − x)ⁿ; x ≥ ½ → 2·smirnov(n, x); for n ≤ 140: Durbin matrix (n·x² ≤ 0.754693),
    /// Pomeranz (n·x² ≤ 4), else 2·smirnov; for n > 140: 0 when n·x² ≥ 370, 2·smirnov when n·x² ≥ 2.2,
    /// else 1 − CDF by the Durbin matrix (n ≤ 100000 and n·x^1.5 ≤ 1.4) or Pelz–Good.
    static func kolmogorovSurvival(_ n: Int, _ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nf = Double(n)
        let t = nf * x
        if t <= 1 {
            if t <= 0.5 { return 1 }
            let probability: Double
            if n <= 140 {
                let base = 2 * t - 1, reciprocal = 1.0 / nf
                var product = 1.0
                for i in 1...n { product *= Double(i) * reciprocal * base }
                probability = product
            } else {
                probability = Double.exp(logFactorialOverPower(n) + nf * Double.log(2 * t - 1))
            }
            return clip(1 - probability)
        }
        if t >= nf - 1 { return clip(2 * Double.pow(1 - x, nf)) }
        if x >= 0.5 { return clip(2 * SpecialFunctions.smirnovSurvival(n, x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinMatrixCDF(n, x)) }
            if nxSquared <= 4 { return clip(1 - pomeranzCDF(n, x)) }
            return clip(2 * SpecialFunctions.smirnovSurvival(n, x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * SpecialFunctions.smirnovSurvival(n, x)) }
        let cdf: Double
        if nxSquared >= 18 {
            cdf = 1
        } else if n <= 100_000 && nf * Double.pow(x, 1.5) <= 1.4 {
            cdf = durbinMatrixCDF(n, x)
        } else {
            cdf = pelzGoodCDF(n, x)
        }
        return clip(1 - cdf)
    }

    /// log(n!/nⁿ) by Stirling's series with n·log n removed up front (`_log_nfactorial_div_n_pow_n`).
    private static func logFactorialOverPower(_ n: Int) -> Double {
        let nf = Double(n)
        let rn = 1.0 / nf
        let x = rn / nf
        var poly = 0.0
        for c in stirlingCoefficients { poly = poly * x + c }
        return Double.log(nf) / 2 - nf + logTwoPi / 2 + rn * poly
    }

    /// Pr(Dₙ < d) by Durbin's matrix method as Marsaglia, Tsang & Wang (2003) evaluate it
    /// (`_kolmogn_DMTW`): the k-th diagonal entry of Hⁿ·n!/nⁿ, H of order 2k − 1 with k = ⌈n·d⌉,
    /// powers by squaring with 2¹²⁸ rescaling.
    /// - Complexity: O(m³·log n) time, O(m²) space, m = 2⌈n·d⌉ − 1.
    static func durbinMatrixCDF(_ n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1

        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        for j in 1...m { v[j - 1] = 1 - Double.pow(h, Double(j)) }
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] *= factorial
        }
        let tt = Double.pow(Swift.max(2 * h - 1, 0), Double(m)) - 2 * Double.pow(h, Double(m))
        v[m - 1] = (1 + tt) * factorial

        var matrix = [Double](repeating: 0, count: m * m)   // row-major H
        for i in 1..<m {
            for row in (i - 1)..<m { matrix[row * m + i] = w[row - (i - 1)] }
        }
        for row in 0..<m { matrix[row * m] = v[row] }
        for column in 0..<m { matrix[(m - 1) * m + column] = v[m - 1 - column] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var scratch = [Double](repeating: 0, count: m * m)
        var remaining = n, exponent = 0, matrixExponent = 0
        while remaining > 0 {
            if remaining % 2 == 1 {
                multiply(power, matrix, into: &scratch, m)
                swap(&power, &scratch)
                exponent += matrixExponent
            }
            multiply(matrix, matrix, into: &scratch, m)
            swap(&matrix, &scratch)
            matrixExponent *= 2
            if matrix[(k - 1) * m + (k - 1)].magnitude > ep128 {
                for i in matrix.indices { matrix[i] /= ep128 }
                matrixExponent += 128
            }
            remaining /= 2
        }

        var p = power[(k - 1) * m + (k - 1)]
        let nf = Double(n)
        for i in 1...n {
            p = Double(i) * p / nf
            if p.magnitude < em128 {
                p *= ep128
                exponent -= 128
            }
        }
        if exponent != 0 { p = SpecialFunctions.ldexp(p, exponent) }
        return clip(p)
    }

    /// c = a·b for m×m row-major matrices.
    private static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], _ m: Int) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for i in 0..<m {
                        for j in 0..<m { c[i * m + j] = 0 }
                        for l in 0..<m {
                            let ail = a[i * m + l]
                            if ail == 0 { continue }
                            for j in 0..<m { c[i * m + j] += ail * b[l * m + j] }
                        }
                    }
                }
            }
        }
    }

    /// Row bounds of the Pomeranz recursion (`_pomeranz_compute_j1j2`).
    private static func pomeranzBounds(_ i: Int, _ n: Int, _ ll: Int, _ ceilF: Int, _ roundF: Int) -> (Int, Int) {
        var j1: Int, j2: Int
        if i == 0 {
            j1 = -ll - ceilF - 1
            j2 = ll + ceilF - 1
        } else {
            let half = (i + 1) / 2, odd = (i + 1) % 2
            if odd == 0 {
                if half == n + 1 {
                    j1 = n - ll - ceilF - 1
                    j2 = n + ll + ceilF - 1
                } else {
                    j1 = half - 1 - ll - roundF - 1
                    j2 = half + ll - 1 + ceilF - 1
                }
            } else {
                j1 = half - 1 - ll - 1
                j2 = half + ll + roundF - 1
            }
        }
        return (Swift.max(j1 + 2, 0), Swift.min(j2, n))
    }

    /// Pr(Dₙ < x) by Pomeranz's recursion (1974), `_kolmogn_Pomeranz`: two rows of the n×(2n+2)
    /// matrix, each a truncated convolution with scaled Poisson weights, rescaled by 2¹²⁸ on underflow.
    /// - Complexity: O(n·(n·x)²) time, O(n·x) space.
    static func pomeranzCDF(_ n: Int, _ x: Double) -> Double {
        let nf = Double(n)
        let t = nf * x
        let ll = Int(t.rounded(.down))
        let f = 1.0 * (t - Double(ll))
        let g = Swift.min(f, 1.0 - f)
        let ceilF = f > 0 ? 1 : 0
        let roundF = f > 0.5 ? 1 : 0
        let powerCount = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powerCount)
        var twoGPower = [Double](repeating: 1, count: powerCount)
        var oneMinusTwoGPower = [Double](repeating: 1, count: powerCount)
        let gOverN = g / nf, twoGOverN = 2 * g / nf, oneMinusTwoGOverN = (1 - 2 * g) / nf
        for m in 1..<powerCount {
            gPower[m] = gPower[m - 1] * gOverN / Double(m)
            twoGPower[m] = twoGPower[m - 1] * twoGOverN / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * oneMinusTwoGOverN / Double(m)
        }

        var v0 = [Double](repeating: 0, count: powerCount)
        var v1 = [Double](repeating: 0, count: powerCount)
        v1[0] = 1
        var v0Start = 0, v1Start = 0
        var exponent = 0
        var (j1, j2) = pomeranzBounds(0, n, ll, ceilF, roundF)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0Start, &v1Start)
            for index in v1.indices { v1[index] = 0 }
            (j1, j2) = pomeranzBounds(i, n, ll, ceilF, roundF)
            let weights = (i == 1 || i == 2 * n + 1) ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let length = j2 - k1 + 1
            if length > 0 {
                // conv = np.convolve(V0[k1 − V0s ..< k1 − V0s + length], pwrs[..< length]);
                // V1[0 ..< j2 − j1 + 1] = conv[j1 − k1 ..< j2 − k1 + 1]
                // (numpy truncates the V0 slice at the end of the row).
                let offset = k1 - v0Start
                let sliceLength = Swift.min(length, v0.count - offset)
                let convStart = j1 - k1, convLength = j2 - j1 + 1
                var maximum = -Double.infinity
                for r in 0..<convLength {
                    let c = convStart + r
                    var s = 0.0
                    let lower = Swift.max(0, c - length + 1), upper = Swift.min(c, sliceLength - 1)
                    if lower <= upper {
                        for a in lower...upper { s += v0[offset + a] * weights[c - a] }
                    }
                    v1[r] = s
                    maximum = Swift.max(maximum, s)
                }
                for r in convLength..<Swift.max(convLength, v1.count) { maximum = Swift.max(maximum, v1[r]) }
                if 0 < maximum && maximum < em128 {
                    for index in v1.indices { v1[index] *= ep128 }
                    exponent -= 128
                }
                v1Start = v0Start + j1 - k1
            }
        }

        var answer = v1[n - v1Start]
        for m in 1...n {
            if answer.magnitude > ep128 {
                answer *= em128
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = SpecialFunctions.ldexp(answer, exponent) }
        return clip(answer)
    }

    /// Pelz–Good (1976) approximation to Pr(Dₙ ≤ x) (`_kolmogn_PelzGood`): Li-Chien/Korolyuk's
    /// K₀ + K₁/√n + K₂/n + K₃/n^1.5, each transformed with Jacobi theta functions for small z = x√n.
    static func pelzGoodCDF(_ n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let nf = Double(n)
        let z = nf.squareRoot() * x
        let zSquared = Double.pow(z, 2.0), zThree = Double.pow(z, 3.0)
        let zFour = Double.pow(z, 4.0), zSix = Double.pow(z, 6.0)
        let qLog = -piSquared / 8 / zSquared
        if qLog < -708 { return 0 }
        var q = Double.exp(qLog)

        let k1a = -zSquared
        let k1b = piSquared / 4
        let k2a = 6 * zSix + 2 * zFour
        let k2b = (2 * zFour - 5 * zSquared) * piSquared / 4
        let k2c = piFour * (1 - 2 * zSquared) / 16
        let k3d = piSix * (5 - 30 * zSquared) / 64
        let k3c = piFour * (-60 * zSquared + 212 * zFour) / 16
        let k3b = piSquared * (135 * zFour - 96 * zSix) / 4
        let k3a = -30 * zSix - 90 * Double.pow(z, 8.0)

        var k0 = 0.0, kOne = 0.0, kTwo = 0.0, kThree = 0.0
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        var k = maxK
        while k > 0 {
            let m = Double(2 * k - 1)
            let mSquared = m * m, mFour = mSquared * mSquared, mSix = mFour * mSquared
            let qPower = Double.pow(q, Double(8 * k))
            k0 = k0 * qPower + 1.0
            kOne = kOne * qPower + (k1a + k1b * mSquared)
            kTwo = kTwo * qPower + (k2a + k2b * mSquared + k2c * mFour)
            kThree = kThree * qPower + (k3a + k3b * mSquared + k3c * mFour + k3d * mSix)
            k -= 1
        }
        k0 *= q; kOne *= q; kTwo *= q; kThree *= q
        k0 *= sqrtTwoPi; kOne *= sqrtTwoPi; kTwo *= sqrtTwoPi; kThree *= sqrtTwoPi
        k0 /= z
        kOne /= 6 * zFour
        kTwo /= 72 * Double.pow(z, 7.0)
        kThree /= 6480 * Double.pow(z, 10.0)

        q = Double.exp(-piSquared / 2 / zSquared)
        let sqrt3z = sqrt3 * z
        // np.sum over ks = maxK…1 (numpy pairwise summation; ≤ 8 terms here is one 8-way block)
        var k2Terms = [Double](), k3Terms = [Double]()
        k2Terms.reserveCapacity(maxK)
        k3Terms.reserveCapacity(maxK)
        for kk in stride(from: maxK, through: 1, by: -1) {
            let kSquared = Double(kk * kk)
            let kPi = Double.pi * Double(kk)
            let qPower = Double.pow(q, kSquared)
            k2Terms.append(kSquared * qPower)
            k3Terms.append((sqrt3z + kPi) * (sqrt3z - kPi) * kSquared * qPower)
        }
        var k2Extra = numpySum(k2Terms)
        k2Extra *= piSquared * sqrtTwoPi / (-36 * zThree)
        kTwo += k2Extra
        var k3Extra = numpySum(k3Terms)
        k3Extra *= piSquared * sqrtTwoPi / (216 * zSix)
        kThree += k3Extra
        kOne /= Double.pow(nf, 0.5)
        kTwo /= Double.pow(nf, 1.0)
        kThree /= Double.pow(nf, 1.5)
        return 0 + k0 + kOne + kTwo + kThree
    }

    /// `np.sum` of a float64 vector: numpy's pairwise summation (8 accumulators per block of ≤ 128).
    private static func numpySum(_ values: [Double]) -> Double {
        func pairwise(_ start: Int, _ count: Int) -> Double {
            if count < 8 {
                var result = -0.0
                for i in start..<(start + count) { result += values[i] }
                return result
            }
            if count <= 128 {
                var r = (0..<8).map { values[start + $0] }
                var i = 8
                while i < count - count % 8 {
                    for lane in 0..<8 { r[lane] += values[start + i + lane] }
                    i += 8
                }
                var result = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
                while i < count {
                    result += values[start + i]
                    i += 1
                }
                return result
            }
            var half = count / 2
            half -= half % 8
            return pairwise(start, half) + pairwise(start + half, count - half)
        }
        return pairwise(0, values.count)
    }
}
