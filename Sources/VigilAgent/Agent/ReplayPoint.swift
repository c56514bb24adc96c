import Foundation

/// What Vigil commits with each Kafka offset under `kafka.start_from: window` (the offset commit's
/// metadata string), so that the next owner of the partition — this agent after a restart, or
/// another after a rebalance — rebuilds the same window state by replaying (README "Kafka: delivery guarantees").
///
/// - `replayFrom` (`r`): the smallest offset of the partition still in a window pane the models need:
///   open windows, plus the evaluated ones the alert rules' hold times look back on.
/// - `through` (`t`): per model, the window end through which windows were evaluated and need not
///   be re-evaluated; the replay re-evaluates the later ones, from complete panes.
///
/// Offsets below the committed one are *replayed*: they rebuild window state and re-evaluate
/// windows, but are not counted again (events, rejections, dead letters).
struct ReplayPoint: Codable, Equatable {
    var version = 1
    var replayFrom: Int64
    var through: [String: Int64]

    private enum CodingKeys: String, CodingKey {
        case version = "v", replayFrom = "r", through = "t"
    }

    /// Brokers keep at most `offset.metadata.max.bytes` (default 4096) per offset.
    static let maxBytes = 4000

    /// The compact JSON committed as metadata; the per-model evaluation points are left out if the
    /// text would be too long (the replay then re-evaluates every window it rebuilds).
    var metadata: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(self) else { return "" }
        if data.count <= Self.maxBytes { return String(decoding: data, as: UTF8.self) }
        var shorter = self
        shorter.through = [:]
        return shorter.metadata
    }

    /// Parses committed metadata; nil for anything Vigil did not write (another tool's commit,
    /// an empty string, a future version).
    init?(metadata: String) {
        guard metadata.hasPrefix("{"),
              let point = try? JSONDecoder().decode(ReplayPoint.self, from: Data(metadata.utf8)),
              point.version == 1, point.replayFrom >= 0 else { return nil }
        self = point
    }

    init(replayFrom: Int64, through: [String: Int64]) {
        self.replayFrom = replayFrom
        self.through = through
    }
}
