/// Turns queued alerts into HTTP requests for one receiver (SPEC §10). Pure: no I/O, no clock
/// (the caller passes the processing time), so payloads are golden-testable.
protocol Notifier: Sendable {
    /// The `notifier` metric label: `alertmanager`, `pagerduty`, `webhook:<name>`.
    var name: String { get }
    /// `scheme://host[:port]` of the receiver, for logs: no path, query or credentials (webhook
    /// URLs often carry tokens in their path).
    var endpoint: String { get }
    /// Per-request timeout.
    var timeout: Duration { get }
    /// The most alerts one request may carry.
    var maxAlertsPerRequest: Int { get }
    /// Whether `next` may go into the same request as `first` (queued before it).
    func canShareRequest(_ first: QueuedAlert, _ next: QueuedAlert) -> Bool
    /// The order in which one submitted batch is queued (default: as submitted, so a resolution
    /// and a re-fire of one alert in the same batch keep their order).
    func arrange(_ batch: [QueuedAlert]) -> [QueuedAlert]
    /// The request for `alerts` (1 ... `maxAlertsPerRequest`, mutually shareable), built at each
    /// attempt so times relative to "now" are fresh.
    /// - Parameter nowMillis: processing time, Unix epoch milliseconds.
    func request(for alerts: [QueuedAlert], nowMillis: Int64) throws(NotifierError) -> NotificationRequest
}

/// One alert waiting in a notifier's queue.
struct QueuedAlert: Sendable {
    var alert: Alert
    /// `alert.fingerprint`, computed once.
    var fingerprint: String
    /// Which `submit` call it came from (webhooks send one request per submitted batch and status).
    var batch: UInt64
}

/// An HTTP POST to make.
struct NotificationRequest: Sendable {
    var url: String
    /// Sent in this order; `Content-Type: application/json` is among them.
    var headers: [(name: String, value: String)]
    var body: [UInt8]
}

/// Why a payload could not be built (a programming or configuration error, never retried).
struct NotifierError: Error, CustomStringConvertible {
    struct Code: Equatable, Sendable, CustomStringConvertible {
        let rawValue: String
        var description: String { rawValue }
        static let encoding = Code(rawValue: "encoding")
    }

    let code: Code
    let message: String
    var description: String { "\(code): \(message)" }
}

extension Notifier {
    func canShareRequest(_ first: QueuedAlert, _ next: QueuedAlert) -> Bool { true }
    func arrange(_ batch: [QueuedAlert]) -> [QueuedAlert] { batch }
}

/// `scheme://host[:port]` of `url` (everything before the first `/` after `://`, minus any
/// `user:password@`), for log metadata.
func redactedEndpoint(_ url: String) -> String {
    let characters = Array(url)
    guard let colon = characters.firstIndex(of: ":"),
          characters.count > colon + 2, characters[colon + 1] == "/", characters[colon + 2] == "/"
    else { return "<invalid url>" }
    var authority = characters[(colon + 3)...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    if let at = authority.lastIndex(of: "@") { authority = authority[(at + 1)...] }
    return String(characters[...(colon + 2)]) + String(authority)
}

/// The alert's `generatorURL`, or `<agentURL>/api/v1/windows/<model>` when it has none and both
/// are known, or `""`.
func generatorURL(for alert: Alert, agentURL: String) -> String {
    if !alert.generatorURL.isEmpty { return alert.generatorURL }
    guard !agentURL.isEmpty, let model = alert.labels["model"], !model.isEmpty else { return "" }
    return trimmingTrailingSlashes(agentURL) + "/api/v1/windows/" + percentEncodedPathSegment(model)
}

func trimmingTrailingSlashes(_ url: String) -> String {
    var url = Substring(url)
    while url.hasSuffix("/") { url = url.dropLast() }
    return String(url)
}

/// RFC 3986 path-segment encoding: unreserved characters and sub-delims stay, the rest is `%XX`.
private func percentEncodedPathSegment(_ text: String) -> String {
    let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@".utf8)
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in text.utf8 {
        if allowed.contains(byte) {
            out.append(byte)
        } else {
            out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}
