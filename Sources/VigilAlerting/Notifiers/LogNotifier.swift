import VigilStats
import Logging

/// The `log` notifier (SPEC §4 `notify.log`): one info line per alert transition, labels in
/// metadata. No secrets can reach it: it sees alerts only, never notifier settings.
struct LogNotifier: Sendable {
    let name = "log"
    let logger: Logger

    func log(_ alert: Alert, fingerprint: String) {
        var metadata: Logger.Metadata = [
            "alert.name": "\(alert.labels["alertname"] ?? "")",
            "alert.fingerprint": "\(fingerprint)",
            "alert.value": "\(alert.value)",
            "alert.starts_at": "\(RFC3339.string(millis: alert.startsAtMillis))",
        ]
        for (name, value) in alert.labels where name != "alertname" { metadata["alert.label.\(name)"] = "\(value)" }
        switch alert.state {
        case .firing:
            logger.info("Alert firing.", metadata: metadata)
        case .resolved:
            if let endsAt = alert.endsAtMillis { metadata["alert.ends_at"] = "\(RFC3339.string(millis: endsAt))" }
            logger.info("Alert resolved.", metadata: metadata)
        case .pending:
            break
        }
    }
}
