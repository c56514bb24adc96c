/// Area under the ROC curve, exactly as `sklearn.metrics.roc_auc_score` computes it for binary
/// labels: the Mann–Whitney statistic with tied scores counted as one half (equivalent to the
/// trapezoidal area under sklearn's ROC curve).

package enum ROCAUC {
    /// nil when only one class is present (scikit-learn raises then).
    /// - Complexity: O(n log n).
    package static func value(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "lengths differ")
        let nPositive = positives.reduce(0) { $0 + ($1 ? 1 : 0) }
        let nNegative = positives.count - nPositive
        guard nPositive > 0, nNegative > 0 else { return nil }
        // The scores of each class sorted directly (twice as fast as sorting indices through a
        // closure, issue 11), then merged: the same tied groups in the same order as one sort.
        var positive: [Double] = [], negative: [Double] = []
        positive.reserveCapacity(nPositive)
        negative.reserveCapacity(nNegative)
        for i in scores.indices {
            if positives[i] { positive.append(scores[i]) } else { negative.append(scores[i]) }
        }
        positive.sort()
        negative.sort()
        return value(sortedPositive: positive, sortedNegative: negative)
    }

    /// The same from each class's scores in ascending order; nil when a class is empty.
    /// - Complexity: O(n).
    package static func value(sortedPositive positive: [Double], sortedNegative negative: [Double]) -> Double? {
        guard !positive.isEmpty, !negative.isEmpty else { return nil }
        // Σ over positives of (negatives below + ½ · negatives tied), group by tied score.
        var negativesBelow = 0
        var total = 0.0
        var i = 0, j = 0
        while i < positive.count || j < negative.count {
            let value = j >= negative.count || (i < positive.count && positive[i] <= negative[j]) ? positive[i] : negative[j]
            var groupPositives = 0, groupNegatives = 0
            while i < positive.count && positive[i] == value { groupPositives += 1; i += 1 }
            while j < negative.count && negative[j] == value { groupNegatives += 1; j += 1 }
            total += Double(groupPositives) * (Double(negativesBelow) + 0.5 * Double(groupNegatives))
            negativesBelow += groupNegatives
        }
        return total / (Double(positive.count) * Double(negative.count))
    }
}
