/// Compares one window's column with its reference profile: every drift and quality statistic
/// of SPEC §7 plus the verdict of the selected method.
///
/// Edge cases (documented in the README): an empty or all-missing window, or a reference without
/// values, gives null statistics and no verdict (the feature is left out of the dataset share);
/// a constant reference has σ = 0 and the Wasserstein distance is divided by 0.001 (SPEC §7);
/// a single distinct value in reference ∪ current makes chi-square p = 1 (no degrees of freedom)
/// and z-test p = 1.
package enum DriftEvaluator {
    /// Statistics and verdict of a numeric column. Sets the drift fields of `report`.
    /// - Complexity: O(n + m) merges over the sorted window values and the reference sample.
    package static func numeric(_ report: inout NumericFeatureReport, reference column: ColumnProfile, options: DriftOptions) -> DriftVerdict? {
        guard let ref = column.numeric else { return nil }
        let current = report.statistics
        guard current.count > 0, column.count > 0, !ref.sample.isEmpty, !current.sorted.isEmpty else { return nil }
        report.outOfRangeRatio = Double(current.outOfRange) / Double(current.count)
        if current.binCounts.count == ref.psiCounts.count {
            report.psi = PSI.value(reference: ref.psiCounts, current: current.binCounts)
            report.jensenShannon = JensenShannon.distance(ref.psiCounts, current.binCounts)
        }
        ref.sample.withUnsafeBufferPointer { a in
            current.sorted.withUnsafeBufferPointer { b in
                let (d, wasserstein) = EmpiricalDistance.ksAndWasserstein(sortedA: a, sortedB: b)
                report.ksStatistic = d
                report.ksPValue = KolmogorovSmirnov.pValue(statistic: d, n: a.count, m: b.count)
                let sigma = ref.populationStandardDeviation ?? 0
                report.wassersteinNormed = wasserstein / Swift.max(sigma, 0.001)
            }
        }
        // Low-cardinality numeric features are categorical over their values for the drift test.
        let values = valueCounts(reference: ref, current: current.sorted)
        let distinct = values?.categories ?? Int.max
        var method = options.method
        if method == .auto { method = DriftMethod.automatic(numeric: true, distinct: distinct, referenceCount: column.count) }
        let score: Double?
        switch method {
        case .ks: score = report.ksPValue
        case .wasserstein: score = report.wassersteinNormed
        case .psi: score = report.psi
        case .jensenShannon: score = values.map { JensenShannon.distance($0.reference, $0.current) } ?? report.jensenShannon
        case .chiSquare: score = values.flatMap { ChiSquare.homogeneity(reference: $0.reference, current: $0.current)?.pValue }
        case .zTest:
            score = values.flatMap { v in v.categories <= 2 ? ZTest.pValue(successes: v.reference[0], of: v.reference.reduce(0, +), successes: v.current[0], of: v.current.reduce(0, +)) : nil }
        case .auto: score = nil
        }
        return verdict(method: method, score: score, threshold: options.threshold)
    }

    /// Statistics and verdict of a categorical column whose window counts are `current`
    /// (category name → events, non-missing only).
    /// - Complexity: O(categories).
    package static func categorical(_ report: inout CategoricalFeatureReport, current: [(name: String, count: Int)], reference column: ColumnProfile, options: DriftOptions) -> DriftVerdict? {
        guard let ref = column.categorical else { return nil }
        let m = current.reduce(0) { $0 + $1.count }
        guard m > 0, column.count > 0 else { return nil }
        var union = Set(ref.counts.map(\.category))
        for c in current where c.count > 0 { union.insert(c.name) }
        let categories = union.sorted()
        let refCounts = categories.map { ref.count(of: $0) ?? 0 }
        var currentByName: [String: Int] = [:]
        for c in current { currentByName[c.name, default: 0] += c.count }
        let curCounts = categories.map { currentByName[$0] ?? 0 }
        var unseen = 0
        for i in categories.indices where refCounts[i] == 0 { unseen += curCounts[i] }
        report.newCategoryRatio = Double(unseen) / Double(m)
        // PSI bins: the reference's categories plus one bin for every unseen category.
        var psiRef: [Int] = [], psiCur: [Int] = []
        for i in categories.indices where refCounts[i] > 0 {
            psiRef.append(refCounts[i])
            psiCur.append(curCounts[i])
        }
        psiRef.append(0)
        psiCur.append(unseen)
        report.psi = PSI.value(reference: psiRef, current: psiCur)
        report.chi2PValue = ChiSquare.homogeneity(reference: refCounts, current: curCounts)?.pValue
        report.jensenShannon = JensenShannon.distance(refCounts, curCounts)
        report.isBinary = categories.count <= 2
        if report.isBinary {
            report.zTestPValue = ZTest.pValue(successes: refCounts[0], of: column.count, successes: curCounts[0], of: m)
        }
        var method = options.method
        if method == .auto { method = DriftMethod.automatic(numeric: false, distinct: categories.count, referenceCount: column.count) }
        let score: Double?
        switch method {
        case .psi: score = report.psi
        case .jensenShannon: score = report.jensenShannon
        case .chiSquare: score = report.chi2PValue
        case .zTest: score = report.zTestPValue
        case .ks, .wasserstein, .auto: score = nil   // not defined for categories
        }
        return verdict(method: method, score: score, threshold: options.threshold)
    }

    static func verdict(method: DriftMethod, score: Double?, threshold: Double?) -> DriftVerdict {
        let threshold = threshold ?? method.defaultThreshold
        let drifted: Bool
        if let score { drifted = method.isTest ? score < threshold : score >= threshold } else { drifted = false }
        return DriftVerdict(method: method.rawValue, score: score, threshold: threshold, drifted: drifted)
    }

    /// Counts per distinct value over reference ∪ current when the reference has exact value
    /// counts and the union has at most 5 values (SPEC §7); nil otherwise.
    static func valueCounts(reference: NumericProfile, current sorted: [Double]) -> (categories: Int, reference: [Int], current: [Int])? {
        guard let refValues = reference.valueCounts, reference.distinctValues <= 5 else { return nil }
        var values = refValues.map(\.value)
        var currentRuns: [(value: Double, count: Int)] = []
        for v in sorted {
            if let last = currentRuns.last, last.value == v { currentRuns[currentRuns.count - 1].count += 1 } else {
                currentRuns.append((v, 1))
                if !values.contains(v) {
                    values.append(v)
                    if values.count > 5 { return nil }
                }
            }
        }
        values.sort()
        let ref = values.map { v in refValues.first { $0.value == v }?.count ?? 0 }
        let cur = values.map { v in currentRuns.first { $0.value == v }?.count ?? 0 }
        return (values.count, ref, cur)
    }
}

/// SPEC §7 dataset drift: the share of features (not the prediction) with a drifted verdict.
package enum DatasetDrift {
    package static func evaluate(_ verdicts: [DriftVerdict?], share threshold: Double) -> DatasetDriftReport {
        let evaluated = verdicts.compactMap { $0 }
        let drifted = evaluated.filter(\.drifted).count
        let share = evaluated.isEmpty ? nil : Double(drifted) / Double(evaluated.count)
        return DatasetDriftReport(features: evaluated.count, driftedFeatures: drifted, share: share, drifted: share.map { $0 >= threshold } ?? false)
    }
}
