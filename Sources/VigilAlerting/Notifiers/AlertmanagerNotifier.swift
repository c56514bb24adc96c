import VigilStats

/// Alertmanager v2 API (SPEC §10): `POST {url}/api/v2/alerts` with a JSON array of
/// `{labels, annotations, startsAt, endsAt, generatorURL}`.
///
/// A firing alert's `endsAt` is processing time + 4 × `resend_interval` (like Prometheus), so
/// Alertmanager resolves it by itself if the agent dies; the delivery re-sends firing alerts every
/// interval to keep it alive. A resolved alert's `endsAt` is its event-time resolution.
struct AlertmanagerNotifier: Notifier {
    let name = "alertmanager"
    let url: String
    let endpoint: String
    let timeout: Duration
    let resendInterval: Duration
    let agentURL: String
    /// Prometheus batches up to 256 alerts per request too.
    let maxAlertsPerRequest = 256

    /// - Parameter baseURL: with or without a trailing `/`.
    init(baseURL: String, resendInterval: Duration, timeout: Duration, agentURL: String) {
        self.url = trimmingTrailingSlashes(baseURL) + "/api/v2/alerts"
        self.endpoint = redactedEndpoint(baseURL)
        self.timeout = timeout
        self.resendInterval = resendInterval
        self.agentURL = agentURL
    }

    struct PostableAlert: Encodable, Equatable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String
    }

    func request(for alerts: [QueuedAlert], nowMillis: Int64) throws(NotifierError) -> NotificationRequest {
        let validUntil = nowMillis &+ 4 &* resendInterval.wholeMilliseconds
        let body = alerts.map { queued in
            let alert = queued.alert
            // Alertmanager rejects endsAt before startsAt (400); clamp rather than lose the alert.
            let endsAt = alert.state == .resolved ? alert.endsAtMillis ?? nowMillis : validUntil
            return PostableAlert(
                labels: alert.labels,
                annotations: alert.annotations,
                startsAt: RFC3339.string(millis: alert.startsAtMillis),
                endsAt: RFC3339.string(millis: max(endsAt, alert.startsAtMillis)),
                generatorURL: generatorURL(for: alert, agentURL: agentURL))
        }
        return NotificationRequest(url: url, headers: [JSONBody.contentType, JSONBody.userAgent], body: try JSONBody.encode(body))
    }
}
