import Crypto

/// One alert instance as notifiers see it (SPEC §10): a rule applied to a model (and feature),
/// identified by its label set.
package struct Alert: Sendable, Equatable {
    package enum State: String, Sendable { case pending, firing, resolved }

    /// `alertname`, `model`, `feature` (feature rules), `severity`, then the rule's own labels.
    package var labels: [String: String]
    /// `summary`, `description`, `value`, then the rule's own annotations (templates expanded).
    package var annotations: [String: String]
    package var state: State
    /// The value that was compared with the threshold at the last evaluation.
    package var value: Double
    /// When the condition first held (the pending start), Unix epoch milliseconds, event time.
    package var startsAtMillis: Int64
    /// When it resolved (event time); nil while pending or firing.
    package var endsAtMillis: Int64?
    /// Where to look: the agent's `/api/v1/windows/{model}` URL (may be empty).
    package var generatorURL: String

    package init(labels: [String: String], annotations: [String: String], state: State, value: Double,
                 startsAtMillis: Int64, endsAtMillis: Int64? = nil, generatorURL: String = "") {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.startsAtMillis = startsAtMillis
        self.endsAtMillis = endsAtMillis
        self.generatorURL = generatorURL
    }

    /// Stable identity: hex SHA-256 of the sorted `name=value` label pairs, each followed by a
    /// newline. Restarts produce the same key, so PagerDuty and Alertmanager de-duplicate.
    package var fingerprint: String { Self.fingerprint(labels) }

    package static func fingerprint(_ labels: [String: String]) -> String {
        var text = ""
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) { text += "\(name)=\(value)\n" }
        return SHA256.hash(data: Array(text.utf8)).map { hex($0) }.joined()
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
