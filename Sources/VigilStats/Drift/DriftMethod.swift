/// Drift tests and distances (SPEC §4 `drift.method`, §7). Raw values are the configuration names.
package enum DriftMethod: String, Sendable, CaseIterable {
    case auto, psi, ks, wasserstein
    case jensenShannon = "jensen_shannon"
    case chiSquare = "chi_square"
    case zTest = "z_test"

    /// Test methods report a p-value (drift when p < threshold); the others a distance
    /// (drift when score ≥ threshold).
    package var isTest: Bool { self == .ks || self == .chiSquare || self == .zTest }

    /// Default thresholds: 0.05 for tests, 0.1 for distances (Evidently's defaults).
    package var defaultThreshold: Double { isTest ? 0.05 : 0.1 }

    /// SPEC §7 `auto`: n distinct non-missing values in reference ∪ current, r the reference's
    /// non-missing count. Numeric with n > 5: KS when r ≤ 1000, else normed Wasserstein.
    /// Categorical, or numeric with n ≤ 5: when r ≤ 1000 chi-square if n > 2 else z-test;
    /// when r > 1000 Jensen-Shannon.
    package static func automatic(numeric: Bool, distinct n: Int, referenceCount r: Int) -> DriftMethod {
        if numeric && n > 5 { return r <= 1000 ? .ks : .wasserstein }
        if r <= 1000 { return n > 2 ? .chiSquare : .zTest }
        return .jensenShannon
    }
}

/// A feature's drift settings: the configured method (or `auto`) and threshold override.
package struct DriftOptions: Sendable, Equatable {
    package var method: DriftMethod
    package var threshold: Double?

    package init(method: DriftMethod = .auto, threshold: Double? = nil) {
        self.method = method
        self.threshold = threshold
    }
}
