import DequeModule

/// SPEC §4 `labels`: ground truth arriving on its own stream, joined to predictions by event id
/// (the 64-bit hash of the id) within `max_delay` of event time, in either order.
///
/// Bounded: a prediction waiting for its label keeps only (id hash, event time, score); labels
/// waiting for their prediction keep (id hash, value, event time). Entries older than `max_delay`
/// behind the newest event time seen expire (expired labels count as unmatched), and each side is
/// capped at `capacity` entries, the oldest going first.
package struct LabelJoin: Sendable {
    package struct Prediction: Sendable, Equatable { package var model: Int; package var timestamp: Int64; package var score: Double }
    package struct Label: Sendable, Equatable { package var timestamp: Int64; package var value: Double }

    package let maxDelayMillis: Int64
    package let capacity: Int
    package private(set) var predictions: [UInt64: Prediction] = [:]
    private var predictionOrder = Deque<(hash: UInt64, timestamp: Int64)>()
    package private(set) var labels: [UInt64: Label] = [:]
    private var labelOrder = Deque<(hash: UInt64, timestamp: Int64)>()
    private var newestPrediction = Int64.min
    private var newestLabel = Int64.min
    /// Labels that expired or were pushed out without a prediction since the last `takeUnmatched()`.
    private var unmatched = 0

    package init(maxDelayMillis: Int64, capacity: Int = 1_000_000) {
        self.maxDelayMillis = maxDelayMillis
        self.capacity = capacity
    }

    /// A prediction without a label in its event: returns a label that arrived earlier, if any
    /// (the pair is then complete), else remembers the prediction.
    package mutating func prediction(id: UInt64, model: Int, timestamp: Int64, score: Double) -> Double? {
        if let label = labels.removeValue(forKey: id) { return label.value }
        newestPrediction = max(newestPrediction, timestamp)
        predictions[id] = Prediction(model: model, timestamp: timestamp, score: score)
        predictionOrder.append((id, timestamp))
        expirePredictions()
        return nil
    }

    /// A label from the labels stream: returns its prediction when one is waiting, else keeps the
    /// label for a prediction still to come.
    package mutating func label(id: UInt64, timestamp: Int64, value: Double) -> Prediction? {
        newestLabel = max(newestLabel, timestamp)
        if let prediction = predictions.removeValue(forKey: id) {
            expireLabels()
            return prediction
        }
        if labels[id] == nil { labelOrder.append((id, timestamp)) }
        labels[id] = Label(timestamp: timestamp, value: value)
        expireLabels()
        return nil
    }

    /// The event time of model `model`'s oldest prediction still waiting for its label; nil when
    /// none waits. Windows that hold only older events can no longer change.
    /// - Complexity: O(waiting predictions), once per evaluated window.
    package func oldestPrediction(model: Int) -> Int64? {
        var oldest: Int64?
        for prediction in predictions.values where prediction.model == model {
            if oldest == nil || prediction.timestamp < oldest! { oldest = prediction.timestamp }
        }
        return oldest
    }

    package mutating func takeUnmatched() -> Int {
        defer { unmatched = 0 }
        return unmatched
    }

    private mutating func expirePredictions() {
        while let first = predictionOrder.first,
              first.timestamp < newestPrediction &- maxDelayMillis || predictionOrder.count > capacity {
            predictionOrder.removeFirst()
            if predictions[first.hash]?.timestamp == first.timestamp { predictions[first.hash] = nil }
        }
    }

    private mutating func expireLabels() {
        while let first = labelOrder.first,
              first.timestamp < newestLabel &- maxDelayMillis || labelOrder.count > capacity {
            labelOrder.removeFirst()
            if labels.removeValue(forKey: first.hash) != nil { unmatched += 1 }
        }
    }

    /// Expires labels that can no longer meet a prediction at the end of input (replay).
    package mutating func finish() -> Int {
        unmatched += labels.count
        labels.removeAll()
        labelOrder.removeAll()
        return takeUnmatched()
    }
}
