/// The two-sample Kolmogorov–Smirnov test as `scipy.stats.ks_2samp(a, b, alternative="two-sided",
/// method="auto")` computes it in scipy 1.17.1 (SPEC §7 "KS").
///
/// `statistic` gives D, `pValue` its two-sided p-value: the exact null distribution when
/// max(n, m) ≤ 10000, otherwise `kstwo.sf(D, round(n·m/(n + m)))` (the finite-n one-sample
/// distribution, not the Kolmogorov limit).
package enum KolmogorovSmirnov {
    /// scipy's `MAX_AUTO_N`: `method="auto"` is exact up to this sample size.
    package static let maximumExactSampleSize = 10_000

    /// D = sup |F_a − F_b| of two ascending, NaN-free samples (both non-empty).
    ///
    /// Same doubles as scipy's `ks_2samp`: at every value v of a ∪ b it compares
    /// F_a(v) = #{a ≤ v}/n with F_b(v) = #{b ≤ v}/m (`searchsorted(side="right")`, so tied values
    /// count once, after all of them) and takes the largest |F_a − F_b|; here as one linear merge.
    /// Once either sample is used up the difference can only shrink, so the merge stops there.
    /// (On its exact path scipy then reports the lattice value h/lcm(n, m) as the statistic, which can
    /// differ from this D by an ulp; `pValue` performs that rounding itself.)
    /// Edge cases: equal samples give 0; disjoint ranges give 1; −0.0 equals 0.0; ±∞ are ordinary values.
    /// Precondition: both buffers non-empty (scipy raises for an empty sample).
    /// Window evaluation takes D from `EmpiricalDistance.ksAndWasserstein`, one walk for D and the
    /// Wasserstein distance; this walk is the definition the tests check that one against.
    /// - Complexity: O(n + m) time, no allocation.
    package static func statistic(sortedA: UnsafeBufferPointer<Double>, sortedB: UnsafeBufferPointer<Double>) -> Double {
        let n = sortedA.count, m = sortedB.count
        precondition(n > 0 && m > 0, "ks_2samp needs two non-empty samples")
        let dn = Double(n), dm = Double(m)
        var i = 0, j = 0
        var d = 0.0
        while i < n && j < m {
            let a = sortedA[i], b = sortedB[j]
            let v = a <= b ? a : b
            while i < n && sortedA[i] <= v { i += 1 }
            while j < m && sortedB[j] <= v { j += 1 }
            let difference = (Double(i) / dn - Double(j) / dm).magnitude
            if difference > d { d = difference }
        }
        return d
    }

    /// Two-sided p-value of `scipy.stats.ks_2samp(method="auto")` for statistic d and sizes
    /// n (= len a), m (= len b).
    ///
    /// max(n, m) ≤ 10000 (`_attempt_exact_2kssamp`): h = round_half_even(d·lcm(n, m)), d ← h/lcm;
    /// h = 0 → 1; n = m → `_compute_prob_outside_square(n, h)`; otherwise scipy's Pythran
    /// `_compute_outer_prob_inside_method(n, m, gcd, h)`. Should that fall outside [0, 1] (rounding),
    /// scipy abandons the exact path with a warning and so do we: the asymptotic branch then runs with
    /// the lattice-rounded d. Otherwise `kstwo.sf(d, round_half_even(n·m/(n + m)))`. Clipped to [0, 1].
    /// Edge cases: NaN d → NaN; d ≤ 0 → 1; d = 1 → 2/C(n+m, n) on the exact path (0 once that
    /// underflows, as in scipy), 0 on the asymptotic one; d > 1 (which `statistic` never returns) is
    /// treated as 1. Precondition: n, m ≥ 1.
    /// - Complexity: exact, n = m: O(n); exact, n ≠ m: O(max(n, m)·(2·d·min(n, m) + 1)) time and
    ///   O(min(n, m)) scratch, i.e. up to ~10⁸ sequential steps for d near 1 at n, m near 10⁴ (≈0.5 s
    ///   release, like scipy) but a few ms for the d of undrifted data; asymptotic: see `kstwoSurvival`.
    package static func pValue(statistic d: Double, n: Int, m: Int) -> Double {
        precondition(n > 0 && m > 0, "ks_2samp needs two non-empty samples")
        if d.isNaN { return .nan }
        if d <= 0 { return 1 }
        var d = Swift.min(d, 1)
        if Swift.max(n, m) <= maximumExactSampleSize {
            let g = greatestCommonDivisor(n, m)
            let lcm = (n / g) * m
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            d = Double(h) / Double(lcm)
            if h <= 0 { return 1 }
            let probability = n == m
                ? probabilityOutsideSquare(n: n, h: h)
                : outerProbabilityInsideMethod(m: n, n: m, g: g, h: h)
            if probability >= 0 && probability <= 1 { return probability }
            // scipy: "Exact calculation unsuccessful. Switching to method=asymp."
        }
        let larger = Double(Swift.max(n, m)), smaller = Double(Swift.min(n, m))
        let effective = (larger * smaller / (larger + smaller)).rounded(.toNearestOrEven)
        // ≥ 1 whenever max(n, m) > 10000; scipy's kstwo would return NaN for n = 0.
        guard effective >= 1 else { return .nan }
        let probability = kstwoSurvival(d, n: Int(effective))
        return probability.isNaN ? probability : Swift.min(Swift.max(probability, 0), 1)
    }

    /// `scipy.stats.kstwo.sf(d, n)`: Pr(Dₙ ≥ d) for the two-sided one-sample KS statistic with
    /// sample size n (scipy's `_kolmogn(n, d, cdf=False)`, Simard & L'Ecuyer 2011).
    ///
    /// Support [1/(2n), 1]: d ≤ 1/(2n) → 1, d ≥ 1 → 0. Inside, one of: Ruben–Gambino closed forms
    /// (n·d ≤ 1 or n·d ≥ n − 1), 2·`smirnov(n, d)` (d ≥ ½, or n·d² large), Durbin's matrix method
    /// (Marsaglia–Tsang–Wang), Pomeranz's recursion (n ≤ 140), or the Pelz–Good expansion; exactly
    /// scipy's thresholds. Results below ~1e-308 underflow to 0 as scipy's do. NaN d → NaN.
    /// Precondition: n ≥ 1.
    /// - Complexity: O(log n) to O(n·(n·d)²) for n ≤ 140; O(n) (smirnov sum) or O((n·d)³·log n)
    ///   (Durbin, n·d ≲ 54) beyond.
    package static func kstwoSurvival(_ d: Double, n: Int) -> Double {
        precondition(n > 0, "kstwo needs n ≥ 1")
        if d.isNaN { return .nan }
        if d >= 1 { return 0 }
        if d <= 0.5 / Double(n) { return 1 }
        return kolmogorovSurvival(n, d)
    }

    /// gcd by Euclid's algorithm (both positive).
    static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
