import RealModule

/// Population stability index (SPEC §7).
package enum PSI {
    /// SPEC §7: proportions floored at 1e-4 (not renormalised); PSI = Σ (q − p)·ln(q/p).
    package static let floor = 1e-4

    /// PSI of current counts against reference counts over the same bins.
    /// `nil` when either side has no values.
    /// - Complexity: O(bins).
    package static func value(reference: [Int], current: [Int]) -> Double? {
        precondition(reference.count == current.count, "bins differ")
        let n = reference.reduce(0, +), m = current.reduce(0, +)
        guard n > 0, m > 0 else { return nil }
        var sum = 0.0
        for i in reference.indices {
            let p = Swift.max(Double(reference[i]) / Double(n), floor)
            let q = Swift.max(Double(current[i]) / Double(m), floor)
            sum += (q - p) * Double.log(q / p)
        }
        return sum
    }
}

/// `scipy.spatial.distance.jensenshannon(p, q)` with the natural logarithm (SPEC §7): the
/// distance (square root of the divergence) between two count vectors after normalising each.
package enum JensenShannon {
    /// `nil` when either side sums to zero.
    /// - Complexity: O(bins).
    package static func distance(_ p: [Int], _ q: [Int]) -> Double? {
        precondition(p.count == q.count, "bins differ")
        let sp = Double(p.reduce(0, +)), sq = Double(q.reduce(0, +))
        guard sp > 0, sq > 0 else { return nil }
        var left = 0.0, right = 0.0
        for i in p.indices {
            let a = Double(p[i]) / sp, b = Double(q[i]) / sq
            let m = (a + b) / 2
            if a > 0 { left += a * Double.log(a / m) }     // scipy.special.rel_entr
            if b > 0 { right += b * Double.log(b / m) }
        }
        return Swift.max((left + right) / 2, 0).squareRoot()
    }
}

/// First Wasserstein distance between two empirical distributions
/// (`scipy.stats.wasserstein_distance(u, v)`): ∫ |U(x) − V(x)| dx.
///
/// Window evaluation computes it together with the KS statistic (`EmpiricalDistance`); this walk
/// stays as the definition on its own, which tests check the shared walk against bit for bit.
package enum Wasserstein {
    /// Both samples ascending, NaN-free, non-empty.
    /// - Complexity: O(n + m), one merge, no allocation.
    package static func distance(sortedA a: UnsafeBufferPointer<Double>, sortedB b: UnsafeBufferPointer<Double>) -> Double {
        precondition(!a.isEmpty && !b.isEmpty, "empty sample")
        let n = Double(a.count), m = Double(b.count)
        var i = 0, j = 0
        var total = 0.0
        // Walk the merged values; between consecutive merged values x_k < x_{k+1} the CDFs are
        // (#a ≤ x_k)/n and (#b ≤ x_k)/m.
        var current = Swift.min(a[0], b[0])
        while i < a.count || j < b.count {
            while i < a.count && a[i] <= current { i += 1 }
            while j < b.count && b[j] <= current { j += 1 }
            let next: Double
            if i < a.count && j < b.count { next = Swift.min(a[i], b[j]) }
            else if i < a.count { next = a[i] }
            else if j < b.count { next = b[j] }
            else { break }
            total += abs(Double(i) / n - Double(j) / m) * (next - current)
            current = next
        }
        return total
    }
}

/// The KS statistic and the Wasserstein distance of two samples in one merge walk (window
/// evaluation needs both for every numeric feature: two walks of ~200,000 values each before).
package enum EmpiricalDistance {
    /// `(KolmogorovSmirnov.statistic, Wasserstein.distance)` of the same samples, bit for bit: both
    /// read |F_a − F_b| after each distinct merged value, which this walk computes once. The KS walk
    /// stops when a sample runs out; the differences after that only fall (one CDF is already 1), so
    /// their maximum is the same.
    /// Both samples ascending, NaN-free, non-empty.
    /// - Complexity: O(n + m), one merge, no allocation.
    package static func ksAndWasserstein(sortedA a: UnsafeBufferPointer<Double>,
                                         sortedB b: UnsafeBufferPointer<Double>) -> (ks: Double, wasserstein: Double) {
        precondition(!a.isEmpty && !b.isEmpty, "empty sample")
        let n = Double(a.count), m = Double(b.count)
        var i = 0, j = 0
        var d = 0.0, total = 0.0
        var current = Swift.min(a[0], b[0])
        while i < a.count || j < b.count {
            while i < a.count && a[i] <= current { i += 1 }
            while j < b.count && b[j] <= current { j += 1 }
            let difference = abs(Double(i) / n - Double(j) / m)
            if difference > d { d = difference }
            let next: Double
            if i < a.count && j < b.count { next = Swift.min(a[i], b[j]) }
            else if i < a.count { next = a[i] }
            else if j < b.count { next = b[j] }
            else { break }
            total += difference * (next - current)
            current = next
        }
        return (d, total)
    }
}

/// Chi-square test of homogeneity (SPEC §7: `scipy.stats.chi2_contingency([ref, cur], correction=False)`).
package enum ChiSquare {
    package struct Result: Sendable, Equatable {
        package var statistic: Double
        package var degreesOfFreedom: Int
        package var pValue: Double

        package init(statistic: Double, degreesOfFreedom: Int, pValue: Double) {
            self.statistic = statistic
            self.degreesOfFreedom = degreesOfFreedom
            self.pValue = pValue
        }
    }

    /// Over the categories where either count is non-zero. With one category (no degrees of
    /// freedom) the statistic is 0 and the p-value 1, as scipy returns. `nil` when a side is empty.
    /// - Complexity: O(categories).
    package static func homogeneity(reference: [Int], current: [Int]) -> Result? {
        precondition(reference.count == current.count, "categories differ")
        let n = reference.reduce(0, +), m = current.reduce(0, +)
        guard n > 0, m > 0 else { return nil }
        let total = Double(n + m)
        var statistic = 0.0
        var categories = 0
        for i in reference.indices where reference[i] + current[i] > 0 {
            categories += 1
            let column = Double(reference[i] + current[i])
            let expectedRef = Double(n) * column / total, expectedCur = Double(m) * column / total
            let dr = Double(reference[i]) - expectedRef, dc = Double(current[i]) - expectedCur
            statistic += dr * dr / expectedRef + dc * dc / expectedCur
        }
        let dof = categories - 1
        guard dof > 0 else { return Result(statistic: 0, degreesOfFreedom: 0, pValue: 1) }
        return Result(statistic: statistic, degreesOfFreedom: dof, pValue: Distributions.chiSquaredSurvival(statistic, degreesOfFreedom: Double(dof)))
    }
}

/// Pooled two-proportion z-test, two-sided (SPEC §7).
package enum ZTest {
    /// p-value for x1 successes of n1 against x2 of n2: z = (p1 − p2)/√(P(1−P)(1/n1 + 1/n2)),
    /// p = 2·norm.sf(|z|). When the pooled share is 0 or 1 both samples are identical in the
    /// tested category and the p-value is 1. `nil` when a sample is empty.
    package static func pValue(successes x1: Int, of n1: Int, successes x2: Int, of n2: Int) -> Double? {
        guard n1 > 0, n2 > 0 else { return nil }
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2)
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))
        guard variance > 0 else { return 1 }
        let z = (p1 - p2) / variance.squareRoot()
        return Swift.min(1, 2 * Distributions.normalSurvival(abs(z)))
    }
}
