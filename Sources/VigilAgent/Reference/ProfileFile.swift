import CSimdJSON
import Foundation
import VigilExposition
package import VigilStats

/// Reads and writes reference profiles (SPEC §6): JSON, gzip-compressed when the name ends in `.gz`.
package enum ProfileFile {
    package struct Error: Swift.Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    package static func write(_ profile: ReferenceProfile, to path: String) throws {
        var bytes = encode(profile)
        if path.hasSuffix(".gz") { bytes = Gzip.compress(bytes) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw Error("cannot write reference profile \"\(path)\"")
        }
    }

    package static func read(_ path: String) throws -> ReferenceProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error("cannot read reference profile \"\(path)\" (build it with `vigil baseline`)")
        }
        var bytes = [UInt8](data)
        if path.hasSuffix(".gz") {
            do { bytes = try Gzip.decompress(bytes) } catch { throw Error("reference profile \"\(path)\": \(error)") }
        }
        do {
            return try decode(bytes)
        } catch let error as Error {
            throw Error("reference profile \"\(path)\": \(error.description)")
        }
    }

    static func encode(_ profile: ReferenceProfile) -> [UInt8] {
        var w = JSONWriter(pretty: false)
        w.beginObject()
        w.field("format", profile.format)
        w.field("vigil_version", VigilVersion.current)
        w.field("model", profile.model)
        w.field("events", profile.events)
        w.field("psi_bins", profile.psiBins)
        w.key("features")
        w.beginArray()
        for feature in profile.features { write(feature, to: &w) }
        w.endArray()
        w.key("prediction")
        if let prediction = profile.prediction { write(prediction, to: &w) } else { w.null() }
        w.key("anomaly")
        if let a = profile.anomaly {
            w.beginObject()
            w.field("method", "mahalanobis")
            w.key("features"); w.beginArray(); a.features.forEach { w.string($0) }; w.endArray()
            w.key("mean"); numbers(a.mean, &w)
            w.key("std_ddof0"); numbers(a.standardDeviation, &w)
            w.key("covariance"); numbers(a.covariance, &w)
            w.field("ledoit_wolf_shrinkage", a.shrinkage)
            w.field("ridge", a.ridge)
            w.field("threshold_quantile", a.thresholdQuantile)
            w.field("threshold", a.threshold)
            w.field("reference_score_mean", a.referenceMeanScore)
            w.key("robust_median"); numbers(a.median, &w)
            w.key("robust_scale"); numbers(a.scale, &w)
            w.key("dropped"); w.beginArray(); a.dropped.forEach { w.string($0) }; w.endArray()
            w.endObject()
        } else {
            w.null()
        }
        w.endObject()
        var bytes = w.bytes
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private static func write(_ column: ColumnProfile, to w: inout JSONWriter) {
        w.beginObject()
        w.field("name", column.name)
        w.field("count", column.count)
        w.field("missing", column.missing)
        switch column.kind {
        case .numeric(let p):
            w.field("type", "numeric")
            w.field("mean", p.mean)
            w.field("stddev", p.standardDeviation)
            w.field("stddev_ddof0", p.populationStandardDeviation)
            w.field("min", p.min)
            w.field("max", p.max)
            w.field("median", p.median)
            w.field("mad", p.mad)
            w.field("distinct_values", p.distinctValues)
            w.key("psi_edges"); numbers(p.psiEdges, &w)
            w.key("psi_bin_counts"); w.beginArray(); p.psiCounts.forEach { w.int($0) }; w.endArray()
            let total = Double(p.psiCounts.reduce(0, +))
            w.key("psi_bin_proportions"); numbers(p.psiCounts.map { total > 0 ? Double($0) / total : 0 }, &w)
            w.key("value_counts")
            if let counts = p.valueCounts {
                w.beginArray()
                for (value, count) in counts { w.beginArray(); w.number(value); w.int(count); w.endArray() }
                w.endArray()
            } else {
                w.null()
            }
            w.key("sample"); numbers(p.sample, &w)
        case .categorical(let p):
            w.field("type", "categorical")
            w.key("counts")
            w.beginObject()
            for (category, count) in p.counts { w.field(category, count) }
            w.endObject()
            w.key("frequencies")
            w.beginObject()
            for (category, count) in p.counts { w.field(category, Double(count) / Double(max(column.count, 1))) }
            w.endObject()
        }
        w.endObject()
    }

    private static func numbers(_ values: [Double], _ w: inout JSONWriter) {
        w.beginArray()
        for v in values { w.number(v) }
        w.endArray()
    }

    /// The file's JSON shape. Decoded with `JSONDecoder`, whose number parsing is correctly
    /// rounded (Foundation's `JSONSerialization` is not on Linux: it reads 59.699999999999996 as
    /// 59.7, which moves PSI bin edges).
    private struct FileFormat: Decodable {
        var format: Int?
        var model: String?
        var events: Int?
        var psi_bins: Int?
        var features: [Column]?
        var prediction: Column?
        var anomaly: Anomaly?
    }

    private struct Anomaly: Decodable {
        var features: [String]
        var mean: [Double]
        var std_ddof0: [Double]
        var covariance: [Double]
        var ledoit_wolf_shrinkage: Double
        var ridge: Double?
        var threshold_quantile: Double
        var threshold: Double
        var reference_score_mean: Double
        var robust_median: [Double]
        var robust_scale: [Double]
        var dropped: [String]?
    }

    private struct Column: Decodable {
        var name: String?
        var type: String?
        var count: Int?
        var missing: Int?
        var mean, stddev, stddev_ddof0, min, max, median, mad: Double?
        var distinct_values: Int?
        var psi_edges: [Double]?
        var psi_bin_counts: [Int]?
        var value_counts: [[Double]]?
        var sample: [Double]?
        /// Set instead of `sample` by `SampleArrays`: the index of the column's parsed sample.
        var sample_index: Int?
        var counts: [String: Int]?
    }

    static func decode(_ bytes: [UInt8]) throws -> ReferenceProfile {
        // The samples (up to 100,000 numbers per column) are most of the file: parsed directly they
        // cost ~20 ms and a few MB; through JSONDecoder, two allocations per number, ~1 s and ~100 MB
        // of peak RSS that glibc keeps (issue 11). Any surprise falls back to JSONDecoder alone.
        let samples = SampleArrays(bytes)
        let file: FileFormat
        do { file = try JSONDecoder().decode(FileFormat.self, from: Data(samples?.stripped ?? bytes)) } catch {
            throw Error("not a Vigil reference profile (\(error))")
        }
        let parsedSamples = samples?.samples ?? []
        guard let format = file.format else { throw Error("no \"format\" version: not a Vigil reference profile") }
        guard format == ReferenceProfile.currentFormat else {
            throw Error("format \(format) is not supported (this vigil \(VigilVersion.current) reads format \(ReferenceProfile.currentFormat)); rebuild it with `vigil baseline`")
        }
        guard let model = file.model, let events = file.events, let bins = file.psi_bins, let features = file.features else {
            throw Error("\"model\", \"events\", \"psi_bins\" and \"features\" are required")
        }
        let columns = try features.map { try column($0, samples: parsedSamples) }
        var anomaly: MahalanobisModel?
        if let a = file.anomaly {
            let numericNames = columns.filter { $0.numeric != nil }.map(\.name)
            let d = a.features.count
            guard a.mean.count == d, a.std_ddof0.count == d, a.covariance.count == d * d, a.robust_median.count == d, a.robust_scale.count == d else {
                throw Error("anomaly: the sizes of features, mean, std_ddof0, covariance and robust_* do not agree")
            }
            let indices = try a.features.map { name in
                guard let index = numericNames.firstIndex(of: name) else { throw Error("anomaly: \"\(name)\" is not a numeric feature of the profile") }
                return index
            }
            anomaly = MahalanobisModel(
                features: a.features, columns: indices, mean: a.mean, standardDeviation: a.std_ddof0, covariance: a.covariance,
                shrinkage: a.ledoit_wolf_shrinkage, thresholdQuantile: a.threshold_quantile, threshold: a.threshold,
                referenceMeanScore: a.reference_score_mean, median: a.robust_median, scale: a.robust_scale,
                dropped: a.dropped ?? [], ridge: a.ridge ?? 0)
        }
        return ReferenceProfile(model: model, events: events, psiBins: bins, features: columns, prediction: try file.prediction.map { try column($0, samples: parsedSamples) }, anomaly: anomaly)
    }

    private static func column(_ o: Column, samples: [[Double]]) throws -> ColumnProfile {
        guard let name = o.name, let count = o.count, let missing = o.missing else { throw Error("a column lacks name, count or missing") }
        switch o.type {
        case "numeric":
            let valueCounts: [(value: Double, count: Int)]? = try o.value_counts?.map { pair in
                guard pair.count == 2, let c = Int(exactly: pair[1]) else { throw Error("feature \(name): bad value_counts") }
                return (pair[0], c)
            }
            let sample = o.sample ?? o.sample_index.flatMap { $0 < samples.count ? samples[$0] : nil }
            guard let edges = o.psi_edges, let sample, let distinct = o.distinct_values else {
                throw Error("feature \(name): psi_edges, sample and distinct_values are required")
            }
            let profile = NumericProfile(
                mean: o.mean, standardDeviation: o.stddev, populationStandardDeviation: o.stddev_ddof0,
                min: o.min, max: o.max, median: o.median, mad: o.mad, distinctValues: distinct, psiEdges: edges,
                psiCounts: o.psi_bin_counts ?? [], valueCounts: valueCounts, sample: sample)
            guard profile.psiCounts.count == edges.count + 1 || count == 0 else { throw Error("feature \(name): psi_bin_counts do not match psi_edges") }
            // SPEC §7's bins (−∞, e1], (e1, e2], … need them in order (`Binning.count` relies on it).
            guard zip(edges, edges.dropFirst()).allSatisfy({ $0 <= $1 }) else { throw Error("feature \(name): psi_edges are not in ascending order") }
            guard zip(sample, sample.dropFirst()).allSatisfy({ $0 <= $1 }) else { throw Error("feature \(name): sample is not sorted") }
            return ColumnProfile(name: name, kind: .numeric(profile), count: count, missing: missing)
        case "categorical":
            guard let counts = o.counts else { throw Error("feature \(name): \"counts\" is missing") }
            return ColumnProfile(name: name, kind: .categorical(CategoricalProfile(counts: counts.map { ($0.key, $0.value) })), count: count, missing: missing)
        default:
            throw Error("feature \(name): \"type\" must be numeric or categorical")
        }
    }
}

/// The `"sample": [numbers]` arrays of a profile, parsed to correctly rounded doubles, and the
/// profile with each replaced by `"sample_index": i` (its index in `samples`). `nil` when anything
/// is unexpected (a non-number in a sample array, truncated input), so that the caller decodes the
/// original bytes instead and reports the error as before.
struct SampleArrays {
    var stripped: [UInt8] = []
    var samples: [[Double]] = []

    private static let key = Array("\"sample\"".utf8)

    init?(_ input: [UInt8]) {
        stripped.reserveCapacity(min(input.count, 1 << 20))
        let ok: Bool = input.withUnsafeBufferPointer { b in
            let n = input.count
            var i = 0, copied = 0, inString = false
            while i < n {
                let c = b[i]
                if inString {
                    if c == UInt8(ascii: "\\") { i += 2; continue }
                    if c == UInt8(ascii: "\"") { inString = false }
                    i += 1
                    continue
                }
                guard c == UInt8(ascii: "\""), i + Self.key.count <= n,
                      Self.key.withUnsafeBufferPointer({ memcmp($0.baseAddress!, b.baseAddress! + i, $0.count) == 0 }) else {
                    if c == UInt8(ascii: "\"") { inString = true }
                    i += 1
                    continue
                }
                // `"sample"`, outside any string: expect `: [`.
                var j = i + Self.key.count
                func skipSpace() { while j < n, b[j] == 0x20 || b[j] == 0x0A || b[j] == 0x0D || b[j] == 0x09 { j += 1 } }
                skipSpace()
                guard j < n, b[j] == UInt8(ascii: ":") else { i += 1; inString = true; continue }
                j += 1
                skipSpace()
                guard j < n, b[j] == UInt8(ascii: "[") else { i += 1; inString = true; continue }
                guard let (values, end) = Self.numberArray(b, from: j) ?? Self.numberArrayToken(b, from: j) else { return false }
                j = end
                stripped.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<i]))
                stripped.append(contentsOf: "\"sample_index\":\(samples.count)".utf8)
                samples.append(values)
                i = j
                copied = j
            }
            stripped.append(contentsOf: UnsafeBufferPointer(rebasing: b[copied..<n]))
            return !inString
        }
        guard ok else { return nil }
    }

    /// The numbers of the array opening at `b[open]` (`[`), one token at a time with the standard
    /// library's correctly rounded `Double(_:)`, and the index after its `]`: what simdjson declines,
    /// such as `+1` or `1.` (not JSON, read since the first profiles). `nil` on anything else.
    private static func numberArrayToken(_ b: UnsafeBufferPointer<UInt8>, from open: Int) -> ([Double], Int)? {
        let n = b.count
        var j = open + 1
        func skipSpace() { while j < n, b[j] == 0x20 || b[j] == 0x0A || b[j] == 0x0D || b[j] == 0x09 { j += 1 } }
        var values: [Double] = []
        skipSpace()
        if j < n, b[j] == UInt8(ascii: "]") { return (values, j + 1) }
        while true {
            guard j < n, b[j] == UInt8(ascii: "-") || (b[j] >= UInt8(ascii: "0") && b[j] <= UInt8(ascii: "9")) else { return nil }
            var length = 0
            scan: while j + length < n {
                switch b[j + length] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                     UInt8(ascii: "e"), UInt8(ascii: "E"): length += 1
                default: break scan
                }
            }
            // Tokens up to 15 bytes stay inline in the String, so most values allocate nothing.
            guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: b[j..<(j + length)]), as: UTF8.self)),
                  value.isFinite else { return nil }
            values.append(value)
            j += length
            skipSpace()
            guard j < n else { return nil }
            if b[j] == UInt8(ascii: "]") { return (values, j + 1) }
            guard b[j] == UInt8(ascii: ",") else { return nil }
            j += 1
            skipSpace()
        }
    }

    /// The numbers of the array opening at `b[open]` (`[`), parsed by simdjson (correctly rounded,
    /// like `Double(_:)`, and about five times faster: 2.1 million reference values were most of
    /// the start-up), and the index after its `]`. `nil` when simdjson declines it.
    private static func numberArray(_ b: UnsafeBufferPointer<UInt8>, from open: Int) -> ([Double], Int)? {
        // Numbers contain no `]`, so the first one closes the array (or the text is not such an array).
        var close = open + 1, commas = 0
        while close < b.count, b[close] != UInt8(ascii: "]") {
            if b[close] == UInt8(ascii: ",") { commas += 1 }
            close += 1
        }
        guard close < b.count else { return nil }
        var parsed = -1
        let values = [Double](unsafeUninitializedCapacity: commas + 1) { buffer, initialized in
            parsed = Int(vigil_json_parse_number_array(b.baseAddress! + open, close + 1 - open, buffer.baseAddress!, commas + 1))
            initialized = max(parsed, 0)
        }
        return parsed >= 0 ? (values, close + 1) : nil
    }
}
