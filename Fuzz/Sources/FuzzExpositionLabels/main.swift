// libFuzzer target: label-value escaping in the Prometheus text format 0.0.4 and OpenMetrics 1.0.
//
// The input is split at 0xFF bytes (never part of UTF-8) into label values, which go into a gauge,
// a counter and a histogram of a MetricsRegistry. Both renders are read back by `StrictParser`
// (below), which follows the formats' grammars and rejects anything else (unknown escapes, a raw
// line feed or quote in a value, missing metadata, a sample of an undeclared family, no `# EOF`).
// The property: the parsed samples are exactly the registry's series, label values byte for byte,
// and every value the input set is among them. A crash or any mismatch stops the fuzzer.
import VigilExposition

let gauge = MetricFamily(name: "fuzz_value_ratio", help: "A gauge \\ with \"quotes\"\nand a line feed.", type: .gauge, labelNames: ["model", "feature"])
let counter = MetricFamily(name: "fuzz_events_total", help: "A counter.", type: .counter, labelNames: ["reason"])
let histogram = MetricFamily(name: "fuzz_latency_seconds", help: "A histogram.", type: .histogram, labelNames: ["model"], buckets: [0.5, 1])

struct Sample: Hashable {
    var name: String
    var labels: [[UInt8]]   // label names and values alternating, in render order
    var value: Double
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = UnsafeBufferPointer(start: start, count: count)
    let values = input.split(separator: 0xFF, omittingEmptySubsequences: false).prefix(16).map { String(decoding: $0, as: UTF8.self) }
    let registry = MetricsRegistry(families: [gauge, counter, histogram], maxSeries: 100_000, processMetrics: false)
    for (i, value) in values.enumerated() {
        let other = values[(i + 1) % values.count]
        registry.set(gauge, labels: [value, other], Double(i) + 0.25)
        registry.increment(counter, labels: [value])
        registry.observe(histogram, labels: [other], Double(i) * 0.375)
    }

    // What the registry holds, as samples.
    let store = registry.snapshot()
    var expected: [Sample: Int] = [:]
    func add(_ name: String, _ family: MetricFamily, _ labelValues: [String], extra: [(String, String)] = [], _ value: Double) {
        var labels: [[UInt8]] = []
        for (n, v) in zip(family.labelNames, labelValues) + extra { labels += [Array(n.utf8), Array(v.utf8)] }
        expected[Sample(name: name, labels: labels, value: value), default: 0] += 1
    }
    for labels in store.labelSets(gauge) { add(gauge.name, gauge, labels, store.value(gauge, labels: labels)!) }
    for labels in store.labelSets(counter) { add(counter.name, counter, labels, store.value(counter, labels: labels)!) }
    for labels in store.labelSets(histogram) {
        let h = store.histogram(histogram, labels: labels)!
        var cumulative: UInt64 = 0
        for (i, le) in ["0.5", "1", "+Inf"].enumerated() {
            cumulative += h.bucketCounts[i]
            add(histogram.name + "_bucket", histogram, labels, extra: [("le", le)], Double(cumulative))
        }
        add(histogram.name + "_sum", histogram, labels, h.sum)
        add(histogram.name + "_count", histogram, labels, Double(h.count))
    }
    add(MetricCatalog.seriesDroppedTotal.name, MetricCatalog.seriesDroppedTotal, [], 0)
    // Every value set above is a label value of some series. Swift String equality: canonically
    // equivalent values (é, e + U+0301) share a series, as they do in the registry (README).
    let stored = Set(store.labelSets(gauge).flatMap { $0 } + store.labelSets(counter).flatMap { $0 })
    for value in values { precondition(stored.contains(value), "label value lost: \(Array(value.utf8))") }

    for openMetrics in [false, true] {
        let text = registry.render(openMetrics ? .openMetrics : .prometheus)
        var parser = StrictParser(text: text, openMetrics: openMetrics)
        let parsed: [Sample]
        do { parsed = try parser.parse() } catch {
            preconditionFailure("\(openMetrics ? "OpenMetrics" : "text format") render rejected: \(error)\n\(String(decoding: text, as: UTF8.self))")
        }
        var got: [Sample: Int] = [:]
        for sample in parsed {
            // OpenMetrics writes `le` canonically (1.0); normalize to compare with the text format.
            var sample = sample
            if openMetrics, sample.name.hasSuffix("_bucket"), sample.labels.count >= 2, sample.labels[sample.labels.count - 2] == Array("le".utf8), sample.labels.last! == Array("1.0".utf8) {
                sample.labels[sample.labels.count - 1] = Array("1".utf8)
            }
            got[sample, default: 0] += 1
        }
        precondition(got == expected, "\(openMetrics ? "OpenMetrics" : "text format") round trip differs:\n\(String(decoding: text, as: UTF8.self))")
    }
    return 0
}

struct ParseError: Error, CustomStringConvertible {
    var description: String
}

/// A strict reader of the two exposition formats (text 0.0.4 per the Prometheus docs'
/// "Exposition formats", OpenMetrics 1.0's ABNF), for what Vigil writes: no timestamps, exemplars
/// or trailing commas.
struct StrictParser {
    let text: [UInt8]
    let openMetrics: Bool
    var position = 0
    var types: [String: String] = [:]
    var helped: Set<String> = []

    init(text: [UInt8], openMetrics: Bool) {
        self.text = text
        self.openMetrics = openMetrics
    }

    mutating func parse() throws(ParseError) -> [Sample] {
        var samples: [Sample] = []
        var sawEOF = false
        while position < text.count {
            if sawEOF { throw ParseError(description: "content after # EOF") }
            if text[position] == UInt8(ascii: "#") {
                sawEOF = try metadata()
            } else {
                samples.append(try sample())
            }
        }
        if openMetrics != sawEOF { throw ParseError(description: openMetrics ? "no # EOF" : "# EOF in the text format") }
        return samples
    }

    /// `# HELP name text`, `# TYPE name type`, or (OpenMetrics) `# EOF`; true for `# EOF`.
    mutating func metadata() throws(ParseError) -> Bool {
        try expect("# ")
        if openMetrics, rest(startsWith: "EOF\n") { position += 4; return true }
        if rest(startsWith: "HELP ") {
            position += 5
            let name = try metricName()
            try expect(" ")
            _ = try escaped(until: UInt8(ascii: "\n"), quotes: openMetrics)
            try expect("\n")
            guard helped.insert(name).inserted else { throw ParseError(description: "second HELP for \(name)") }
            return false
        }
        if rest(startsWith: "TYPE ") {
            position += 5
            let name = try metricName()
            try expect(" ")
            var type: [UInt8] = []
            while position < text.count, text[position] != UInt8(ascii: "\n") { type.append(text[position]); position += 1 }
            try expect("\n")
            let typeName = String(decoding: type, as: UTF8.self)
            guard ["counter", "gauge", "histogram"].contains(typeName) else { throw ParseError(description: "type \(typeName)") }
            guard types.updateValue(typeName, forKey: name) == nil else { throw ParseError(description: "second TYPE for \(name)") }
            return false
        }
        throw ParseError(description: "unknown comment at \(position)")
    }

    mutating func sample() throws(ParseError) -> Sample {
        let name = try metricName()
        guard family(of: name) != nil else { throw ParseError(description: "sample \(name) of no declared family") }
        var labels: [[UInt8]] = []
        if position < text.count, text[position] == UInt8(ascii: "{") {
            position += 1
            while true {
                let labelName = try identifier(colons: false)
                try expect("=\"")
                let value = try escaped(until: UInt8(ascii: "\""), quotes: true)
                try expect("\"")
                labels += [Array(labelName.utf8), value]
                if rest(startsWith: ",") { position += 1; continue }
                try expect("}")
                break
            }
        }
        try expect(" ")
        var value: [UInt8] = []
        while position < text.count, text[position] != UInt8(ascii: "\n") { value.append(text[position]); position += 1 }
        try expect("\n")
        let valueText = String(decoding: value, as: UTF8.self)
        let number: Double? = switch valueText {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: valueText.allSatisfy { $0.isNumber || "+-.e".contains($0) } ? Double(valueText) : nil
        }
        guard let number else { throw ParseError(description: "bad value \(valueText)") }
        return Sample(name: name, labels: labels, value: number)
    }

    /// The declared family a sample name belongs to (counter `_total` in OpenMetrics, histogram suffixes).
    func family(of name: String) -> String? {
        if let type = types[name], type != "histogram", !(openMetrics && type == "counter") { return name }
        for suffix in openMetrics ? ["_total", "_bucket", "_sum", "_count"] : ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let type = types[base], type == (suffix == "_total" ? "counter" : "histogram") { return base }
        }
        return nil
    }

    /// Unescapes up to (not including) `end`: `\\`, `\n` and, with `quotes`, `\"`; a raw line feed,
    /// (with quotes) a raw `"` before `end`, any other escape or invalid UTF-8 is an error.
    mutating func escaped(until end: UInt8, quotes: Bool) throws(ParseError) -> [UInt8] {
        var out: [UInt8] = []
        while position < text.count, text[position] != end {
            let byte = text[position]
            if byte == UInt8(ascii: "\n") { throw ParseError(description: "raw line feed in an escaped string") }
            if quotes, byte == UInt8(ascii: "\"") { throw ParseError(description: "raw quote in an escaped string") }
            if byte == UInt8(ascii: "\\") {
                guard position + 1 < text.count else { throw ParseError(description: "dangling backslash") }
                switch text[position + 1] {
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\"") where quotes: out.append(UInt8(ascii: "\""))
                default: throw ParseError(description: "unknown escape \\\(Character(Unicode.Scalar(text[position + 1])))")
                }
                position += 2
            } else {
                out.append(byte)
                position += 1
            }
        }
        guard String(validating: out, as: UTF8.self) != nil else { throw ParseError(description: "invalid UTF-8") }
        return out
    }

    mutating func metricName() throws(ParseError) -> String { try identifier(colons: true) }

    mutating func identifier(colons: Bool) throws(ParseError) -> String {
        let begin = position
        while position < text.count {
            let b = text[position]
            let isLetter = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_") || (colons && b == UInt8(ascii: ":"))
            let isDigit = b >= 0x30 && b <= 0x39
            guard isLetter || (isDigit && position > begin) else { break }
            position += 1
        }
        guard position > begin else { throw ParseError(description: "expected a name at \(position)") }
        return String(decoding: text[begin..<position], as: UTF8.self)
    }

    func rest(startsWith prefix: String) -> Bool {
        text[position...].starts(with: prefix.utf8)
    }

    mutating func expect(_ literal: String) throws(ParseError) {
        guard rest(startsWith: literal) else { throw ParseError(description: "expected \(literal.debugDescription) at \(position)") }
        position += literal.utf8.count
    }
}
