/// Appends metric families to a byte buffer in the Prometheus text format 0.0.4 or OpenMetrics 1.0.
///
/// Format differences handled here: metadata order (text: HELP, TYPE; OpenMetrics: TYPE, HELP as the
/// spec recommends), a counter's OpenMetrics family name drops `_total` (its samples keep it), HELP
/// escaping (OpenMetrics also escapes `"`), and `le` label values (OpenMetrics canonical numbers:
/// `1.0`, text: `1`, as client_golang writes them).
struct ExpositionWriter {
    let format: ExpositionFormat
    var bytes: [UInt8]

    mutating func writeFamily(_ family: MetricFamily, series: FamilySeries, layout: SeriesLayout) {
        writeMetadata(family)
        let name = Array(family.name.utf8)
        var start = 0
        switch family.type {
        case .counter, .gauge:
            for (position, slot) in layout.order.enumerated() {
                let end = layout.labelEnds[position]
                bytes.append(contentsOf: name)
                if end > start {
                    bytes.append(UInt8(ascii: "{"))
                    bytes.append(contentsOf: layout.labelText[start..<end])
                    bytes.append(UInt8(ascii: "}"))
                }
                bytes.append(UInt8(ascii: " "))
                MetricNumber.appendSampleValue(series.values[slot], to: &bytes)
                bytes.append(UInt8(ascii: "\n"))
                start = end
            }
        case .histogram:
            let bounds = family.buckets ?? []
            let leValues = (bounds.map { MetricNumber.labelValue($0, openMetrics: format == .openMetrics) } + ["+Inf"])
                .map { Array("le=\"\($0)\"} ".utf8) }
            let bucketName = name + Array("_bucket{".utf8)
            let sumName = name + Array("_sum".utf8)
            let countName = name + Array("_count".utf8)
            for (position, slot) in layout.order.enumerated() {
                let end = layout.labelEnds[position]
                let labels = layout.labelText[start..<end]
                let histogram = series.histograms[slot]
                var cumulative: UInt64 = 0
                for (i, le) in leValues.enumerated() {
                    cumulative &+= histogram.bucketCounts[i]
                    bytes.append(contentsOf: bucketName)
                    if !labels.isEmpty {
                        bytes.append(contentsOf: labels)
                        bytes.append(UInt8(ascii: ","))
                    }
                    bytes.append(contentsOf: le)
                    MetricNumber.appendInteger(cumulative, to: &bytes)
                    bytes.append(UInt8(ascii: "\n"))
                }
                writeSample(sumName, labels: labels, histogram.sum)
                writeSample(countName, labels: labels, Double(histogram.count))
                start = end
            }
        }
    }

    /// The standard process metrics; missing values (non-Linux, unreadable /proc) are left out.
    mutating func writeProcessMetrics(_ metrics: ProcessMetrics) {
        let values: [(MetricFamily, Double?)] = [
            (MetricCatalog.processCPUSecondsTotal, metrics.cpuSeconds),
            (MetricCatalog.processOpenFDs, metrics.openFDs),
            (MetricCatalog.processMaxFDs, metrics.maxFDs),
            (MetricCatalog.processVirtualMemoryBytes, metrics.virtualMemoryBytes),
            (MetricCatalog.processResidentMemoryBytes, metrics.residentMemoryBytes),
            (MetricCatalog.processStartTimeSeconds, metrics.startTimeSeconds),
        ]
        for case let (family, value?) in values {
            writeMetadata(family)
            writeSample(Array(family.name.utf8), labels: [], value)
        }
    }

    private mutating func writeMetadata(_ family: MetricFamily) {
        switch format {
        case .prometheus:
            bytes.append(contentsOf: "# HELP \(family.name) ".utf8)
            Self.appendEscaped(family.help, quotes: false, to: &bytes)
            bytes.append(contentsOf: "\n# TYPE \(family.name) \(family.type.rawValue)\n".utf8)
        case .openMetrics:
            let name = family.openMetricsName
            bytes.append(contentsOf: "# TYPE \(name) \(family.type.rawValue)\n# HELP \(name) ".utf8)
            Self.appendEscaped(family.help, quotes: true, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
    }

    private mutating func writeSample(_ name: [UInt8], labels: ArraySlice<UInt8>, _ value: Double) {
        bytes.append(contentsOf: name)
        if !labels.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        MetricNumber.appendSampleValue(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Escapes `\` as `\\` and a line feed as `\n`, and with `quotes` `"` as `\"` (label values in both
    /// formats; HELP text in OpenMetrics). Everything else, UTF-8 included, is written as is.
    static func appendEscaped(_ text: String, quotes: Bool, to bytes: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where quotes: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            default: bytes.append(byte)
            }
        }
    }
}
