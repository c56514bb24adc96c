import Foundation

/// JSON request bodies: keys sorted (stable bytes for tests and receivers that log them), `/` not
/// escaped (URLs stay readable).
enum JSONBody {
    static func encode(_ value: some Encodable) throws(NotifierError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw NotifierError(code: .encoding, message: "\(error)")
        }
    }

    static let contentType = (name: "Content-Type", value: "application/json")
    static let userAgent = (name: "User-Agent", value: "vigil")
}

extension Duration {
    /// Whole milliseconds (truncated toward zero), saturating at the `Int64` range.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return millis.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue
    }
}
