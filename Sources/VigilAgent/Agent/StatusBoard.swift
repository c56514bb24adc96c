import Foundation
import VigilSync
import VigilStats

/// What the HTTP endpoints show besides metrics (SPEC §8): readiness, the last evaluated
/// window per model, consumer positions. Written by the consumer thread, read by HTTP
/// handlers; every access is a short critical section.
final class StatusBoard: Sendable {
    struct PartitionStatus: Sendable {
        var topic: String
        var partition: Int32
        var offset: Int64?
        var lag: Int64?
    }

    private struct State {
        var assigned: [PartitionStatus] = []
        var lastWindows: [String: [UInt8]] = [:]
        var lastEvaluation: [String: Int64] = [:]
        var currentWindowEnd: [String: Int64] = [:]
        var events: [String: Int] = [:]
        var consumerRunning = false
        var brokersDown = false
        var fatal: String?
        var anomalyStatus: [String: String] = [:]
    }

    private let state = Locked(State())
    private let startedAt = Date()
    let models: [String]
    init(models: [String], anomalyStatus: [String: String] = [:]) {
        self.models = models
        state.withLock { $0.anomalyStatus = anomalyStatus }
    }

    /// Per model, whether and how events are scored for anomalies (SPEC §8 status).
    func setAnomalyStatus(model: String, _ text: String) { state.withLock { $0.anomalyStatus[model] = text } }

    func setConsumerRunning(_ running: Bool) { state.withLock { $0.consumerRunning = running } }
    func setBrokersDown(_ down: Bool) { state.withLock { $0.brokersDown = down } }
    func setFatal(_ message: String) { state.withLock { $0.fatal = message } }
    func setAssignment(_ partitions: [PartitionStatus]) { state.withLock { $0.assigned = partitions } }

    func recordWindow(_ report: WindowReport) {
        var w = JSONWriter(pretty: false)
        ReplayReport.write(report, to: &w)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        state.withLock {
            $0.lastWindows[report.model] = w.bytes
            $0.lastEvaluation[report.model] = now
            $0.currentWindowEnd[report.model] = report.endMillis
        }
    }

    func addEvents(model: String, _ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.events[model, default: 0] += count }
    }

    /// SPEC §8 `/readyz`: ready once the consumer has an assignment (references come with issue 3).
    func readiness() -> (ready: Bool, reason: String) {
        state.withLock { s in
            if let fatal = s.fatal { return (false, "consumer failed: \(fatal)") }
            if !s.consumerRunning { return (false, "Kafka consumer not running") }
            if s.brokersDown { return (false, "Kafka brokers unreachable") }
            if s.assigned.isEmpty { return (false, "no Kafka partitions assigned yet") }
            return (true, "ready")
        }
    }

    func window(_ model: String) -> [UInt8]? {
        state.withLock { $0.lastWindows[model] }
    }

    func statusJSON() -> [UInt8] {
        let snapshot = state.withLock { $0 }
        var w = JSONWriter(pretty: false)
        w.beginObject()
        w.field("version", VigilVersion.current)
        w.field("uptime_seconds", Date().timeIntervalSince(startedAt))
        w.key("models")
        w.beginArray()
        for model in models {
            w.beginObject()
            w.field("model", model)
            w.field("events", snapshot.events[model] ?? 0)
            w.field("current_window_end", snapshot.currentWindowEnd[model].map { RFC3339.format(millis: $0) })
            w.field("last_evaluation", snapshot.lastEvaluation[model].map { RFC3339.format(millis: $0) })
            w.field("anomaly_scoring", snapshot.anomalyStatus[model])
            w.endObject()
        }
        w.endArray()
        w.key("partitions")
        w.beginArray()
        for p in snapshot.assigned {
            w.beginObject()
            w.field("topic", p.topic)
            w.field("partition", Int(p.partition))
            w.field("offset", p.offset.map { Double($0) })
            w.field("lag", p.lag.map { Double($0) })
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }
}
