/// The kind of a metric family, as Prometheus and OpenMetrics name it.
package enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
    case histogram
}

/// One metric family: its name, help text, type, label names and (histograms) bucket bounds.
///
/// Families are declared once, in `MetricCatalog` (STYLE §8); the registry and the exposition
/// writer take everything they print from here.
package struct MetricFamily: Sendable, Hashable {
    /// Full name as exposed in the Prometheus text format (counters end in `_total`).
    package let name: String
    /// One sentence, with units.
    package let help: String
    package let type: MetricType
    /// Label names, in the order callers pass label values.
    package let labelNames: [String]
    /// Upper bounds of the histogram buckets, strictly increasing and finite (`+Inf` is implied);
    /// `nil` for counters and gauges.
    package let buckets: [Double]?

    /// - Precondition: a valid metric name; counters (and only counters) end in `_total`;
    ///   histograms have at least one finite, strictly increasing bucket and no `le` label.
    package init(name: String, help: String, type: MetricType, labelNames: [String] = [], buckets: [Double]? = nil) {
        precondition(Self.isValidMetricName(name), "invalid metric name \(name)")
        precondition(!help.isEmpty, "metric \(name) needs a help text")
        for label in labelNames {
            precondition(Self.isValidLabelName(label), "metric \(name): invalid label name \(label)")
        }
        precondition(Set(labelNames).count == labelNames.count, "metric \(name): duplicate label name")
        switch type {
        case .counter:
            precondition(name.hasSuffix("_total"), "counter \(name) must end in _total")
            precondition(buckets == nil, "counter \(name) has buckets")
        case .gauge:
            precondition(!name.hasSuffix("_total"), "gauge \(name) must not end in _total")
            precondition(buckets == nil, "gauge \(name) has buckets")
        case .histogram:
            let bounds = buckets ?? []
            precondition(!bounds.isEmpty, "histogram \(name) needs buckets")
            precondition(bounds.allSatisfy(\.isFinite), "histogram \(name): buckets must be finite (+Inf is implied)")
            precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram \(name): buckets must increase")
            precondition(!labelNames.contains("le"), "histogram \(name) must not use the label le")
        }
        self.name = name
        self.help = help
        self.type = type
        self.labelNames = labelNames
        self.buckets = type == .histogram ? buckets : nil
    }

    /// Name of the family in OpenMetrics: a counter's `_total` belongs to its sample, not its family.
    package var openMetricsName: String {
        type == .counter && name.hasSuffix("_total") ? String(name.dropLast("_total".count)) : name
    }

    /// Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    package static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { isNameByte($0) || $0 == UInt8(ascii: ":") }
    }

    /// Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved).
    package static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return !name.hasPrefix("__") && name.utf8.allSatisfy(isNameByte)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
