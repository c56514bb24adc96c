/// HTTP content negotiation for `/metrics` (SPEC §8).
package enum ContentNegotiation {
    /// The format a scraper asks for in its `Accept` header, as Prometheus client libraries negotiate:
    /// media ranges by decreasing `q` (ties keep header order); the first that is OpenMetrics (version
    /// 1.0.0, 0.0.1 or unspecified) selects OpenMetrics; the first that is `text/plain`, `text/*` or
    /// `*/*` selects the text format; `q=0` excludes a range. Anything else: the text format.
    package static func format(accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .prometheus }
        let ranges = HeaderValue.parseList(accept).filter { $0.quality > 0 }
        let ordered = ranges.enumerated().sorted {
            $0.element.quality != $1.element.quality ? $0.element.quality > $1.element.quality : $0.offset < $1.offset
        }
        for (_, range) in ordered {
            switch range.value {
            case "application/openmetrics-text":
                let version = range.parameters["version"]
                if version == nil || version == "1.0.0" || version == "0.0.1" { return .openMetrics }
            case "text/plain", "text/*", "*/*":
                return .prometheus
            default:
                continue
            }
        }
        return .prometheus
    }

    /// Whether an `Accept-Encoding` header allows gzip: `gzip` (or `x-gzip`) with `q` > 0, or `*` with
    /// `q` > 0 when gzip is not listed itself.
    package static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        let codings = HeaderValue.parseList(acceptEncoding)
        if let gzip = codings.first(where: { $0.value == "gzip" || $0.value == "x-gzip" }) {
            return gzip.quality > 0
        }
        if let any = codings.first(where: { $0.value == "*" }) {
            return any.quality > 0
        }
        return false
    }
}

/// One element of a comma-separated HTTP header list with `;`-parameters (`Accept`, `Accept-Encoding`).
struct HeaderValue: Equatable {
    /// Lower-cased value without parameters, e.g. `application/openmetrics-text` or `gzip`.
    var value: String
    /// Lower-cased parameter names to values (quotes removed); `q` is taken out into `quality`.
    var parameters: [String: String]
    var quality: Double

    static func parseList(_ header: String) -> [HeaderValue] {
        header.split(separator: ",").compactMap { element in
            let parts = element.split(separator: ";").map { $0.trimmingSpaces() }
            guard let first = parts.first, !first.isEmpty else { return nil }
            var parameters: [String: String] = [:]
            var quality = 1.0
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                guard pair.count == 2 else { continue }
                var parameterValue = pair[1]
                if parameterValue.count >= 2, parameterValue.hasPrefix("\""), parameterValue.hasSuffix("\"") {
                    parameterValue = String(parameterValue.dropFirst().dropLast())
                }
                let name = pair[0].lowercased()
                if name == "q" {
                    // RFC 9110: qvalue is 0 to 1 with up to three decimals; an unparsable one counts as 1.
                    quality = Double(parameterValue).map { min(max($0, 0), 1) } ?? 1
                } else {
                    parameters[name] = parameterValue
                }
            }
            return HeaderValue(value: first.lowercased(), parameters: parameters, quality: quality)
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
