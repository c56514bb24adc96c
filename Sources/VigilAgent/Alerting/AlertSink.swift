import VigilSync
import VigilAlerting
import VigilExposition
import VigilStats

/// Wires alert evaluation to evaluated windows: runs the engine on the consuming thread, keeps
/// `vigil_alerts{alertname,state}` and the `/api/v1/alerts` answer current, and hands
/// transitions to the notifiers (when there are any).
final class AlertSink: Sendable {
    private let engine: Locked<AlertEngine>
    private let metrics: MetricsRegistry
    private let delivery: AlertDelivery?
    private let alertNames: [String]

    init(rules: [AlertRule], metrics: MetricsRegistry, delivery: AlertDelivery?, agentURL: String) {
        engine = Locked(AlertEngine(rules: rules, agentURL: agentURL))
        self.metrics = metrics
        self.delivery = delivery
        alertNames = Array(Set(rules.map(\.name))).sorted()
        for name in alertNames {
            for state in ["pending", "firing"] { metrics.initialize(MetricCatalog.alerts, labels: [name, state]) }
        }
        if let delivery {
            for notifier in delivery.notifierNames {
                for result in NotificationResult.allCases { metrics.initialize(MetricCatalog.alertNotificationsTotal, labels: [notifier, result.rawValue]) }
            }
        }
    }

    /// Evaluates the rules on a window (consuming thread) and delivers the transitions.
    func handle(_ window: WindowReport) {
        let (transitions, active) = engine.withLock { engine -> ([Alert], [Alert]) in
            let transitions = engine.evaluate(window, rejected: window.rejected)
            return (transitions, engine.active)
        }
        var counts: [String: (pending: Int, firing: Int)] = [:]
        for alert in active {
            let name = alert.labels["alertname"] ?? ""
            var c = counts[name] ?? (0, 0)
            if alert.state == .pending { c.pending += 1 } else if alert.state == .firing { c.firing += 1 }
            counts[name] = c
        }
        metrics.update { store in
            for name in alertNames {
                store.set(MetricCatalog.alerts, labels: [name, "pending"], Double(counts[name]?.pending ?? 0))
                store.set(MetricCatalog.alerts, labels: [name, "firing"], Double(counts[name]?.firing ?? 0))
            }
        }
        if !transitions.isEmpty { delivery?.submit(transitions) }
    }

    /// Pending and firing alerts, then (with `includeResolved`) those that fired and resolved.
    func alerts(includeResolved: Bool) -> [Alert] {
        engine.withLock { includeResolved ? $0.resolved + $0.active : $0.active }
    }

    /// SPEC §7 `alerts` / §8 `/api/v1/alerts`: `[{name, state, labels, annotations, value, starts_at, ends_at}]`.
    static func json(_ alerts: [Alert], to w: inout JSONWriter) {
        w.beginArray()
        for alert in alerts {
            w.beginObject()
            w.field("name", alert.labels["alertname"])
            w.field("state", alert.state.rawValue)
            w.key("labels")
            w.beginObject()
            for (k, v) in alert.labels.sorted(by: { $0.key < $1.key }) { w.field(k, v) }
            w.endObject()
            w.key("annotations")
            w.beginObject()
            for (k, v) in alert.annotations.sorted(by: { $0.key < $1.key }) { w.field(k, v) }
            w.endObject()
            w.field("value", alert.value)
            w.field("starts_at", RFC3339.format(millis: alert.startsAtMillis))
            w.field("ends_at", alert.endsAtMillis.map { RFC3339.format(millis: $0) })
            w.field("fingerprint", alert.fingerprint)
            w.endObject()
        }
        w.endArray()
    }

    func json() -> [UInt8] {
        var w = JSONWriter(pretty: false)
        Self.json(alerts(includeResolved: false), to: &w)
        return w.bytes
    }

    /// Metric callback for the delivery service.
    static func resultCounter(_ metrics: MetricsRegistry) -> @Sendable (String, NotificationResult, Int) -> Void {
        { notifier, result, count in
            metrics.increment(MetricCatalog.alertNotificationsTotal, labels: [notifier, result.rawValue], by: Double(count))
        }
    }
}
