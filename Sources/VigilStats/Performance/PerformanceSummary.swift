import RealModule

/// A pane's model-performance counts from labelled events (SPEC §7 `performance`), mergeable.
///
/// Binary: the confusion matrix at the decision threshold, Σ log loss, Σ Brier, and the
/// (score, label) pairs for the exact ROC AUC. Regression: Σ|e|, Σe², Σ|e|/max(|y|, ε).
/// Multiclass: counts per (true class, predicted class).
package struct PerformanceSummary: Sendable, Equatable {
    package enum Task: Sendable, Equatable { case binary(threshold: Double, positive: Double), regression, multiclass }

    package let task: Task
    package private(set) var labeled = 0
    // Binary.
    package private(set) var truePositives = 0, falsePositives = 0, trueNegatives = 0, falseNegatives = 0
    package private(set) var logLossSum = 0.0
    package private(set) var brierSum = 0.0
    /// The scores of labelled positives and of labelled negatives, for the exact ROC AUC (kept by
    /// class: 8 bytes a pair, and no split at evaluation).
    package private(set) var positiveScores: [Double] = []
    package private(set) var negativeScores: [Double] = []
    /// Whether both score arrays are in ascending order (`sortScores()`).
    package private(set) var scoresSorted = true
    // Regression.
    package private(set) var absoluteErrorSum = 0.0, squaredErrorSum = 0.0, percentageErrorSum = 0.0
    // Multiclass: (true code, predicted code) → count.
    package private(set) var confusion: [UInt64: Int] = [:]

    package init(task: Task) { self.task = task }

    /// Adds labelled rows (NaN label or prediction: not labelled, skipped).
    /// - Complexity: O(rows).
    package mutating func add(predictions: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Double>, rows: Range<Int>) {
        for i in rows { add(prediction: predictions[i], label: labels[i]) }
    }

    /// Adds one labelled prediction (a delayed label joined later); NaN on either side is skipped.
    /// - Parameter keepScore: false when the caller keeps the binary score itself for the ROC AUC
    ///   (`PanedPerformance`); the counts and sums are updated either way.
    /// - Returns: for a binary task, whether the pair was counted as a positive; nil when the pair
    ///   was skipped or the task is not binary.
    @discardableResult
    package mutating func add(prediction p: Double, label y: Double, keepScore: Bool = true) -> Bool? {
        guard !p.isNaN, !y.isNaN else { return nil }
        labeled += 1
        switch task {
        case .binary(let threshold, let positive):
            let isPositive = y == positive
            let predictedPositive = p >= threshold
            switch (isPositive, predictedPositive) {
            case (true, true): truePositives += 1
            case (false, true): falsePositives += 1
            case (false, false): trueNegatives += 1
            case (true, false): falseNegatives += 1
            }
            // scikit-learn log_loss clips to [ε, 1 − ε], ε = float64 machine epsilon.
            let clipped = Swift.min(Swift.max(p, Double.ulpOfOne), 1 - Double.ulpOfOne)
            logLossSum -= isPositive ? Double.log(clipped) : Double.log(1 - clipped)
            let target = isPositive ? 1.0 : 0.0
            brierSum += (p - target) * (p - target)
            if keepScore {
                if isPositive { positiveScores.append(p) } else { negativeScores.append(p) }
                scoresSorted = false
            }
            return isPositive
        case .regression:
            let e = p - y
            absoluteErrorSum += abs(e)
            squaredErrorSum += e * e
            percentageErrorSum += abs(e) / Swift.max(abs(y), Double.ulpOfOne)
        case .multiclass:
            break
        }
        return nil
    }

    /// Moves the ROC AUC scores out (each class's, in the order they came), leaving the counts.
    package mutating func takeScores() -> (positive: [Double], negative: [Double]) {
        defer {
            positiveScores = []
            negativeScores = []
            scoresSorted = true
        }
        return (positiveScores, negativeScores)
    }

    /// Adds labelled multiclass rows (code 0 = missing, skipped).
    package mutating func add(predictionCodes: UnsafeBufferPointer<UInt32>, labelCodes: UnsafeBufferPointer<UInt32>, rows: Range<Int>) {
        for i in rows {
            let p = predictionCodes[i], y = labelCodes[i]
            guard p != 0, y != 0 else { continue }
            labeled += 1
            confusion[UInt64(y) << 32 | UInt64(p), default: 0] += 1
        }
    }

    package mutating func merge(_ other: PerformanceSummary) {
        labeled += other.labeled
        truePositives += other.truePositives
        falsePositives += other.falsePositives
        trueNegatives += other.trueNegatives
        falseNegatives += other.falseNegatives
        logLossSum += other.logLossSum
        brierSum += other.brierSum
        if !other.positiveScores.isEmpty || !other.negativeScores.isEmpty {
            positiveScores += other.positiveScores
            negativeScores += other.negativeScores
            scoresSorted = false
        }
        absoluteErrorSum += other.absoluteErrorSum
        squaredErrorSum += other.squaredErrorSum
        percentageErrorSum += other.percentageErrorSum
        for (key, count) in other.confusion { confusion[key, default: 0] += count }
    }

    package mutating func reset() { self = PerformanceSummary(task: task) }

    /// Sorts the ROC AUC scores in place, so that `report()` need not sort copies of them (a
    /// window of 20,000 events/s over 5 minutes holds 6 M scores: 48 MB a copy).
    package mutating func sortScores() {
        guard !scoresSorted else { return }
        // Radix sort: scores hold no NaN (`add` skips it), and ±0 sort next to each other, which is
        // all `ROCAUC.value(sortedPositive:sortedNegative:)` needs of tied scores.
        RadixSort.sort(&positiveScores)
        RadixSort.sort(&negativeScores)
        scoresSorted = true
    }

    /// SPEC §7 `performance`: values that do not apply to the task, or have no labels, are nil.
    package func report() -> PerformanceReport {
        guard case .binary = task, labeled > 0 else { return report(rocAUC: nil) }
        return report(rocAUC: scoresSorted
            ? ROCAUC.value(sortedPositive: positiveScores, sortedNegative: negativeScores)
            : ROCAUC.value(sortedPositive: positiveScores.sorted(), sortedNegative: negativeScores.sorted()))
    }

    /// The same with the ROC AUC computed elsewhere (`PanedPerformance`); ignored unless binary.
    package func report(rocAUC: Double?) -> PerformanceReport {
        var r = PerformanceReport()
        r.labeled = labeled
        guard labeled > 0 else { return r }
        let n = Double(labeled)
        switch task {
        case .binary:
            let tp = Double(truePositives), fp = Double(falsePositives), fn = Double(falseNegatives)
            r.accuracy = Double(truePositives + trueNegatives) / n
            // scikit-learn's zero_division default: 0 when undefined.
            let precision = tp + fp > 0 ? tp / (tp + fp) : 0
            let recall = tp + fn > 0 ? tp / (tp + fn) : 0
            r.precision = precision
            r.recall = recall
            r.f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            r.rocAUC = rocAUC
            r.logLoss = logLossSum / n
            r.brier = brierSum / n
        case .regression:
            r.mae = absoluteErrorSum / n
            r.rmse = (squaredErrorSum / n).squareRoot()
            r.mape = percentageErrorSum / n
        case .multiclass:
            var correct = 0
            var classes = Set<UInt32>()
            var truePositive: [UInt32: Int] = [:], predicted: [UInt32: Int] = [:], actual: [UInt32: Int] = [:]
            for (key, count) in confusion {
                let y = UInt32(key >> 32), p = UInt32(key & 0xFFFF_FFFF)
                classes.insert(y); classes.insert(p)
                if y == p { correct += count; truePositive[y, default: 0] += count }
                predicted[p, default: 0] += count
                actual[y, default: 0] += count
            }
            r.accuracy = Double(correct) / n
            // scikit-learn f1_score(average="macro") over the classes in y_true ∪ y_pred.
            var sum = 0.0
            for c in classes {
                let tp = Double(truePositive[c] ?? 0), pp = Double(predicted[c] ?? 0), ap = Double(actual[c] ?? 0)
                sum += pp + ap > 0 ? 2 * tp / (pp + ap) : 0
            }
            r.macroF1 = sum / Double(classes.count)
        }
        return r
    }
}
