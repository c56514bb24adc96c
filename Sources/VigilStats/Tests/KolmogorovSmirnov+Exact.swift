// Exact two-sided null distribution of the two-sample KS statistic, ported from scipy 1.17.1
// (`scipy/stats/_stats_py.py` `_compute_prob_outside_square` and the Pythran kernel
// `scipy/stats/_stats_pythran.py` `_compute_outer_prob_inside_method`), operation for operation so
// that the doubles agree bit for bit.

extension KolmogorovSmirnov {
    /// Pr(D_{n,n} ≥ h/n) for two samples of equal size n (`_compute_prob_outside_square`).
    ///
    /// 2·Σ_k (−1)^(k+1)·C(2n, n − k·h)/C(2n, n), evaluated as scipy does in Horner form
    /// 2·A₀(1 − A₁(1 − A₂(1 − …))) where each A_k is a product of h ratios, so nothing cancels
    /// or overflows. Requires n > 0 and 0 < h ≤ n.
    /// - Complexity: O(n + h) time, O(1) space.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
                // Once zero, the remaining factors keep it ±0 and 1 − (±0) = 1 either way.
                if p1 == 0 { break }
            }
            p = p1 * (1.0 - p)
            k -= 1
        }
        return 2 * p
    }

    /// Pr(D_{m,n} ≥ h/lcm(m, n)) for unequal sizes (`_compute_outer_prob_inside_method`).
    ///
    /// Hodges' (1958) inside method over lattice paths from (0, 0) to (m, n), with Viehmann's (2021)
    /// recursion that carries 1 − p directly: one column of the path-count matrix, scaled so entries
    /// stay in [0, 1], restricted to a sliding window |n·x/g − m·y/g| < h. Returns 1 as soon as the
    /// window closes. `g` is gcd(m, n); 0 < h ≤ lcm(m, n).
    /// - Complexity: O(max(m, n)·(2h·g/max(m, n) + 1)) time ≤ O(m·n); O(min(m, n)) space.
    static func outerProbabilityInsideMethod(m: Int, n: Int, g: Int, h: Int) -> Double {
        let (m, n) = m < n ? (n, m) : (m, n)
        let mg = m / g, ng = n / g
        var minJ = 0
        var maxJ = Swift.min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var currentLength = maxJ - minJ
        let length = Swift.min(2 * maxJ + 2, n + 1)
        var column = [Double](repeating: 1, count: length)
        return column.withUnsafeMutableBufferPointer { a -> Double in
            for index in minJ..<maxJ { a[index] = 0 }
            for i in 1...m {
                let lastMinJ = minJ, lastLength = currentLength
                minJ = Swift.max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0)
                minJ = Swift.min(minJ, n)
                maxJ = Swift.min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
                if maxJ <= minJ { return 1.0 }
                let di = Double(i)
                var value = minJ == 0 ? 0.0 : 1.0
                let shift = minJ - lastMinJ
                for jj in 0..<(maxJ - minJ) {
                    let j = jj + minJ
                    value = (a[jj + shift] * di + value * Double(j)) / Double(i + j)
                    a[jj] = value
                }
                currentLength = maxJ - minJ
                if lastLength > currentLength {
                    // Carried-over entries beyond the shrunken window become 1 (numpy clips the slice).
                    let lower = Swift.min(maxJ - minJ, length)
                    let upper = Swift.min(maxJ - minJ + (lastLength - currentLength), length)
                    for index in lower..<upper { a[index] = 1 }
                }
            }
            return a[maxJ - minJ - 1]
        }
    }
}
