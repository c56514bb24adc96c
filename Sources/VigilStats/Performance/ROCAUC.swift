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
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Σ over positives of (negatives below + ½ · negatives tied), group by tied score.
        var negativesBelow = 0
        var total = 0.0
        var i = 0
        while i < order.count {
            var j = i
            var groupPositives = 0, groupNegatives = 0
            while j < order.count && scores[order[j]] == scores[order[i]] {
                if positives[order[j]] { groupPositives += 1 } else { groupNegatives += 1 }
                j += 1
            }
            total += Double(groupPositives) * (Double(negativesBelow) + 0.5 * Double(groupNegatives))
            negativesBelow += groupNegatives
            i = j
        }
        return total / (Double(nPositive) * Double(nNegative))
    }
}
