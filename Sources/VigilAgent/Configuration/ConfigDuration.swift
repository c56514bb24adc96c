/// Parses configuration durations (SPEC §4): `500ms`, `30s`, `5m`, `2h`, `1d`, and
/// concatenations such as `1h30m`. Amounts are non-negative integers.
package enum ConfigDuration {
    package static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { return nil }
        var total = Duration.zero
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let amount = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix(while: { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            let millis: Int64
            switch unit {
            case "ms": millis = 1
            case "s": millis = 1000
            case "m": millis = 60_000
            case "h": millis = 3_600_000
            case "d": millis = 86_400_000
            default: return nil
            }
            let (product, overflow) = amount.multipliedReportingOverflow(by: millis)
            guard !overflow, product < Int64.max / 4 else { return nil }
            total += .milliseconds(product)
        }
        return total
    }

    /// Formats a duration the way the configuration writes it (`90s` → `1m30s`).
    package static func format(_ duration: Duration) -> String {
        var millis = duration.milliseconds
        if millis == 0 { return "0s" }
        var text = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where millis >= size {
            text += "\(millis / size)\(unit)"
            millis %= size
        }
        return text
    }
}

extension Duration {
    /// Whole milliseconds (truncated).
    package var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// In seconds, as a `Double` (durations measured for metrics and the demo's rates).
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
