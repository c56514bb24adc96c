/// Survival functions of the reference distributions behind the chi-square and z drift tests
/// (SPEC §7 "Chi-square", "z-test"), computed as scipy 1.17.1 does (Cephes routines via xsf).
package enum Distributions {
    /// `scipy.stats.chi2.sf(x, df)` = Q(df/2, x/2), the regularized upper incomplete gamma function
    /// (`scipy.special.chdtrc`, Cephes `igamc`).
    ///
    /// Accurate in the far tail: relative error ~1e-14 also where the result is ~1e-300 (continued
    /// fraction with the Lanczos prefactor, no 1 − P cancellation). SPEC §7 tolerance 1e-6.
    /// Edge cases (scipy's): NaN x or df → NaN; df ≤ 0 → NaN; x ≤ 0 → 1; x = +∞ → 0;
    /// values below ~1e-308 underflow to 0.
    /// - Complexity: O(√df + 1) iterations (series or continued fraction); no allocation.
    package static func chiSquaredSurvival(_ x: Double, degreesOfFreedom: Double) -> Double {
        if x.isNaN || degreesOfFreedom.isNaN { return .nan }
        if !(degreesOfFreedom > 0) { return .nan }
        if x <= 0 { return 1 }
        if x == .infinity { return 0 }
        return SpecialFunctions.regularizedUpperGamma(degreesOfFreedom / 2.0, x / 2.0)
    }

    /// `scipy.stats.norm.sf(z)` = Φ(−z) = ½·erfc(z/√2) (`scipy.special.ndtr(-z)`, Cephes `ndtr`/`erfc`).
    ///
    /// Accurate in the far upper tail (relative error ≲ 1e-13; e.g. z = 9 → 1.1286e-19,
    /// z = 37 → 5.7e-300) and underflows to 0 beyond z ≈ 37.5; the lower tail tends to 1.
    /// Used for the pooled two-proportion z-test (two-sided p = 2·sf(|z|)). NaN → NaN; ±∞ → 0 / 1.
    /// - Complexity: O(1).
    package static func normalSurvival(_ z: Double) -> Double {
        SpecialFunctions.normalCDF(-z)
    }
}
