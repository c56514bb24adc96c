import VigilStats

/// PagerDuty Events API v2 (SPEC §10): one event per request, `trigger` for a firing alert and
/// `resolve` for a resolved one, `dedup_key` = `Alert.fingerprint` so re-triggers after a restart
/// land on the same incident.
struct PagerDutyNotifier: Notifier {
    let name = "pagerduty"
    let url: String
    let endpoint: String
    /// A secret: only ever in request bodies.
    let routingKey: String
    /// `payload.source`: the agent URL when configured, otherwise the host name.
    let source: String
    let timeout: Duration
    let maxAlertsPerRequest = 1

    init(settings: NotifierSettings.PagerDuty, source: String, timeout: Duration) {
        self.url = settings.url
        self.endpoint = redactedEndpoint(settings.url)
        self.routingKey = settings.routingKey
        self.source = source
        self.timeout = timeout
    }

    struct Event: Encodable {
        var routingKey: String
        var eventAction: String
        var dedupKey: String
        /// Omitted for `resolve` (PagerDuty ignores it there).
        var payload: Payload?

        enum CodingKeys: String, CodingKey {
            case routingKey = "routing_key", eventAction = "event_action", dedupKey = "dedup_key", payload
        }
    }

    struct Payload: Encodable {
        var summary: String
        var source: String
        var severity: String
        var timestamp: String
        var component: String?
        var group: String?
        var `class`: String?
        var customDetails: Details

        enum CodingKeys: String, CodingKey {
            case summary, source, severity, timestamp, component, group, `class`, customDetails = "custom_details"
        }
    }

    /// `custom_details`: the labels, then the annotations (winning on a name clash), then `value`
    /// as a number (a string for NaN and infinities, which JSON cannot carry).
    struct Details: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var value: Double

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            var strings = labels.merging(annotations) { _, annotation in annotation }
            strings["value"] = nil
            for (name, text) in strings { try container.encode(text, forKey: Key(stringValue: name)) }
            if value.isFinite {
                try container.encode(value, forKey: Key(stringValue: "value"))
            } else {
                try container.encode(value.isNaN ? "NaN" : value > 0 ? "+Inf" : "-Inf", forKey: Key(stringValue: "value"))
            }
        }
    }

    /// PagerDuty's severities; anything else in `labels["severity"]` maps to `warning`.
    static let severities: Set<String> = ["critical", "error", "warning", "info"]
    /// PagerDuty truncates `summary` at 1024 characters; do it ourselves so it is not rejected.
    static let maxSummaryLength = 1024

    func request(for alerts: [QueuedAlert], nowMillis: Int64) throws(NotifierError) -> NotificationRequest {
        precondition(alerts.count == 1, "PagerDuty takes one event per request, got \(alerts.count)")
        let event = Self.event(for: alerts[0], routingKey: routingKey, source: source)
        return NotificationRequest(url: url, headers: [JSONBody.contentType, JSONBody.userAgent], body: try JSONBody.encode(event))
    }

    static func event(for queued: QueuedAlert, routingKey: String, source: String) -> Event {
        let alert = queued.alert
        guard alert.state != .resolved else {
            return Event(routingKey: routingKey, eventAction: "resolve", dedupKey: queued.fingerprint, payload: nil)
        }
        let labels = alert.labels
        let alertname = labels["alertname"] ?? ""
        var summary = alert.annotations["summary"] ?? ""
        if summary.isEmpty {
            summary = [alertname, labels["model"], labels["feature"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        }
        if summary.isEmpty { summary = "Vigil alert" }
        if summary.count > maxSummaryLength { summary = String(summary.prefix(maxSummaryLength)) }
        let severity = labels["severity"].flatMap { severities.contains($0) ? $0 : nil } ?? "warning"
        let payload = Payload(
            summary: summary,
            source: source,
            severity: severity,
            timestamp: RFC3339.string(millis: alert.startsAtMillis),
            component: nonEmpty(labels["model"]),
            group: nonEmpty(labels["feature"]),
            class: nonEmpty(alertname),
            customDetails: Details(labels: labels, annotations: alert.annotations, value: alert.value))
        return Event(routingKey: routingKey, eventAction: "trigger", dedupKey: queued.fingerprint, payload: payload)
    }
}

private func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}
