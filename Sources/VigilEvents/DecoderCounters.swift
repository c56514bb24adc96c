/// What an `EventDecoder` counted since its counters were last taken. Only non-zero counts are present
/// in the dictionaries.
package struct DecoderCounters: Sendable, Equatable {
    /// Rejections by (model index, or nil when unknown, and reason).
    package var rejected: [RejectionKey: Int]
    /// Invalid feature values by (model index, feature index in `ModelSchema.features` order, reason).
    package var invalidValues: [InvalidValueKey: Int]
    /// Accepted events per model index.
    package var accepted: [Int]

    package init(rejected: [RejectionKey: Int] = [:], invalidValues: [InvalidValueKey: Int] = [:], accepted: [Int] = []) {
        self.rejected = rejected
        self.invalidValues = invalidValues
        self.accepted = accepted
    }
}

package struct RejectionKey: Hashable, Sendable {
    package var model: Int?
    package var reason: RejectionReason

    package init(model: Int?, reason: RejectionReason) {
        self.model = model
        self.reason = reason
    }
}

package struct InvalidValueKey: Hashable, Sendable {
    package var model: Int
    package var feature: Int
    package var reason: InvalidValueReason

    package init(model: Int, feature: Int, reason: InvalidValueReason) {
        self.model = model
        self.feature = feature
        self.reason = reason
    }
}
