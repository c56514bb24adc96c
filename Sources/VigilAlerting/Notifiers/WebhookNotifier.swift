import VigilStats

/// A generic webhook receiving the Alertmanager webhook body (SPEC §10, `version: "4"`), so
/// existing Alertmanager webhook receivers work unchanged. One request per submitted batch and
/// status: firing and resolved alerts of one `submit` go in two requests.
struct WebhookNotifier: Notifier {
    let name: String
    let receiver: String
    let url: String
    let endpoint: String
    /// Configured extra headers; the values are secrets.
    let headers: [(name: String, value: String)]
    let externalURL: String
    let timeout: Duration
    let maxAlertsPerRequest = Int.max

    init(settings: NotifierSettings.Webhook, externalURL: String, timeout: Duration) {
        self.name = "webhook:\(settings.name)"
        self.receiver = settings.name
        self.url = settings.url
        self.endpoint = redactedEndpoint(settings.url)
        var headers = [JSONBody.contentType, JSONBody.userAgent]
        for (name, value) in settings.headers.sorted(by: { $0.key < $1.key }) {
            headers.removeAll { $0.name.lowercased() == name.lowercased() }
            headers.append((name, value))
        }
        self.headers = headers
        self.externalURL = externalURL
        self.timeout = timeout
    }

    struct Message: Encodable {
        var version = "4"
        var groupKey: String
        var truncatedAlerts = 0
        var status: String
        var receiver: String
        var groupLabels: [String: String] = [:]
        var commonLabels: [String: String]
        var commonAnnotations: [String: String]
        var externalURL: String
        var alerts: [WebhookAlert]
    }

    struct WebhookAlert: Encodable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        /// Go's zero time while firing, as Alertmanager sends it.
        var endsAt: String
        var generatorURL: String
        var fingerprint: String
    }

    /// Alertmanager's group key for a root route without `group_by`.
    static let groupKey = "{}:{}"

    func canShareRequest(_ first: QueuedAlert, _ next: QueuedAlert) -> Bool {
        first.batch == next.batch && (first.alert.state == .resolved) == (next.alert.state == .resolved)
    }

    /// Firing first, then resolved, so each status of a batch is one contiguous request.
    func arrange(_ batch: [QueuedAlert]) -> [QueuedAlert] {
        batch.filter { $0.alert.state != .resolved } + batch.filter { $0.alert.state == .resolved }
    }

    func request(for alerts: [QueuedAlert], nowMillis: Int64) throws(NotifierError) -> NotificationRequest {
        let status = alerts.first?.alert.state == .resolved ? "resolved" : "firing"
        let items = alerts.map { queued in
            let alert = queued.alert
            let endsAt = alert.state == .resolved
                ? RFC3339.string(millis: max(alert.endsAtMillis ?? nowMillis, alert.startsAtMillis))
                : RFC3339.zeroTime
            return WebhookAlert(
                status: status,
                labels: alert.labels,
                annotations: alert.annotations,
                startsAt: RFC3339.string(millis: alert.startsAtMillis),
                endsAt: endsAt,
                generatorURL: generatorURL(for: alert, agentURL: externalURL),
                fingerprint: queued.fingerprint)
        }
        let message = Message(
            groupKey: Self.groupKey,
            status: status,
            receiver: receiver,
            commonLabels: common(alerts.map(\.alert.labels)),
            commonAnnotations: common(alerts.map(\.alert.annotations)),
            externalURL: externalURL,
            alerts: items)
        return NotificationRequest(url: url, headers: headers, body: try JSONBody.encode(message))
    }
}

/// The pairs every dictionary has with the same value.
private func common(_ dictionaries: [[String: String]]) -> [String: String] {
    guard var result = dictionaries.first else { return [:] }
    for dictionary in dictionaries.dropFirst() {
        result = result.filter { dictionary[$0.key] == $0.value }
    }
    return result
}
