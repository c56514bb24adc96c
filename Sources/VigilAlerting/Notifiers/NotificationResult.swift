/// Outcome of delivering alerts, counted per notifier (SPEC §9
/// `vigil_alert_notifications_total{notifier,result}`), always in alerts, not requests.
package enum NotificationResult: String, Sendable, CaseIterable {
    /// The receiver accepted the request (2xx).
    case sent
    /// Rejected (4xx other than 429), or retries exhausted, or interrupted by shutdown mid-request.
    case failed
    /// Never attempted: pushed out of a full queue (oldest first), or still queued when the drain
    /// budget ran out at shutdown.
    case dropped
}
