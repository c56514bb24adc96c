/// What the HTTP endpoints other than `/metrics` answer (SPEC §8), supplied by the agent.
///
/// JSON bodies are produced by the caller (it owns the report types); this module only serves them.
/// The closures may be async (e.g. to ask an actor); a synchronous closure works as well.
package struct ExpositionRoutes: Sendable {
    /// `/healthz`: 200 while true, 503 otherwise.
    package var isHealthy: @Sendable () async -> Bool
    /// `/readyz`: 200 when ready, else 503 with `{"ready":false,"reason":…}`.
    package var readiness: @Sendable () async -> (ready: Bool, reason: String)
    /// `/api/v1/status` body (JSON).
    package var status: @Sendable () async -> [UInt8]
    /// `/api/v1/alerts` body (JSON, as the report's `alerts`).
    package var alerts: @Sendable () async -> [UInt8]
    /// `/api/v1/windows/{model}` body (JSON, the last evaluated window); `nil` answers 404.
    package var window: @Sendable (_ model: String) async -> [UInt8]?

    package init(
        isHealthy: @escaping @Sendable () async -> Bool = { true },
        readiness: @escaping @Sendable () async -> (ready: Bool, reason: String) = { (true, "") },
        status: @escaping @Sendable () async -> [UInt8] = { Array("{}".utf8) },
        alerts: @escaping @Sendable () async -> [UInt8] = { Array("[]".utf8) },
        window: @escaping @Sendable (_ model: String) async -> [UInt8]? = { _ in nil }
    ) {
        self.isHealthy = isHealthy
        self.readiness = readiness
        self.status = status
        self.alerts = alerts
        self.window = window
    }
}

/// Minimal JSON string encoding for the small bodies this module writes itself.
enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
