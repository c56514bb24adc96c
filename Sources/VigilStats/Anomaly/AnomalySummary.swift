/// A pane's anomaly counts (mergeable): scores summed, anomalies, and per scored feature the
/// robust-z sum and count over the anomalous events (SPEC §7 `anomaly`, `top_features`).
package struct AnomalySummary: Sendable, Equatable {
    package private(set) var scored = 0
    package private(set) var scoreSum = 0.0
    package private(set) var anomalies = 0
    package private(set) var contributionSum: [Double]
    package private(set) var contributionCount: [Int]

    package init(features: Int) {
        contributionSum = Array(repeating: 0, count: features)
        contributionCount = Array(repeating: 0, count: features)
    }

    /// Adds scored events: row `i` of the batch (`numeric` its numeric columns) has score
    /// `scores[i - scoresStart]`.
    /// - Complexity: O(rows + anomalies·d).
    package mutating func add(scores: UnsafeBufferPointer<Double>, scoresStart: Int, rows: Range<Int>, numeric: [ContiguousArray<Double>], model: MahalanobisModel) {
        for row in rows {
            let score = scores[row - scoresStart]
            scored += 1
            scoreSum += score
            guard score > model.threshold else { continue }
            anomalies += 1
            for k in 0..<model.dimension {
                let x = numeric[model.columns[k]][row]
                guard !x.isNaN else { continue }
                contributionSum[k] += abs(x - model.median[k]) / model.scale[k]
                contributionCount[k] += 1
            }
        }
    }

    package mutating func merge(_ other: AnomalySummary) {
        scored += other.scored
        scoreSum += other.scoreSum
        anomalies += other.anomalies
        for k in contributionSum.indices {
            contributionSum[k] += other.contributionSum[k]
            contributionCount[k] += other.contributionCount[k]
        }
    }

    package mutating func reset() {
        scored = 0
        scoreSum = 0
        anomalies = 0
        for k in contributionSum.indices { contributionSum[k] = 0; contributionCount[k] = 0 }
    }

    /// The window's `anomaly` report: mean score over its events, anomalies / events, and up to 5
    /// features by mean robust z over the anomalous events (descending).
    package func report(model: MahalanobisModel, events: Int) -> AnomalyReport {
        var contributions: [(feature: String, contribution: Double)] = []
        for k in 0..<model.dimension where contributionCount[k] > 0 {
            contributions.append((model.features[k], contributionSum[k] / Double(contributionCount[k])))
        }
        contributions.sort { $0.contribution > $1.contribution || ($0.contribution == $1.contribution && $0.feature < $1.feature) }
        return AnomalyReport(
            method: "mahalanobis", threshold: model.threshold,
            meanScore: scored > 0 ? scoreSum / Double(scored) : nil,
            anomalies: anomalies, ratio: events > 0 ? Double(anomalies) / Double(events) : nil,
            topFeatures: Array(contributions.prefix(5)))
    }
}
