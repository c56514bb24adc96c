import Foundation
import Testing
import TestSupport
import VigilEvents
import VigilStats
@testable import VigilAgent

@Suite struct ReferenceProfileTests {
    static func goldenProfile() throws -> ReferenceProfile {
        let out = try TestSupport.temporaryDirectory().appendingPathComponent("ref.json").path
        return try Baseline.run(.init(configurationPath: try ReplayTests.fixture("config_small", "yaml", "golden"), model: "credit",
                                      inputPath: try ReplayTests.fixture("reference_small", "jsonl", "golden"), outputPath: out), logger: ReplayTests.logger)
    }

    @Test(arguments: ["profile.json", "profile.json.gz"])
    func roundTripsThroughTheFile(name: String) throws {
        let profile = try Self.goldenProfile()
        let path = try TestSupport.temporaryDirectory().appendingPathComponent(name).path
        try ProfileFile.write(profile, to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(name.hasSuffix(".gz") == (bytes.prefix(2) == Data([0x1F, 0x8B])))
        #expect(try ProfileFile.read(path) == profile)
    }

    @Test func anUnknownFormatIsAClearError() throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("future.json").path
        try #"{"format": 2, "model": "m", "events": 1, "psi_bins": 10, "features": []}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: ProfileFile.Error.self) { try ProfileFile.read(path) }
        #expect(error?.description.contains("format 2 is not supported") == true)
    }

    /// PSI bins (SPEC §7) are intervals between ascending edges, which `Binning.count` relies on:
    /// a profile whose edges are out of order is refused when loaded, naming the feature.
    @Test func psiEdgesOutOfOrderAreAClearError() throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("edges.json").path
        try ProfileFile.write(try Self.goldenProfile(), to: path)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let key = try #require(text.range(of: "\"psi_edges\":"))
        let open = try #require(text[key.upperBound...].firstIndex(of: "["))
        let close = try #require(text[open...].firstIndex(of: "]"))
        let edges = text[text.index(after: open)..<close].split(separator: ",")
        try #require(edges.count >= 2)
        text.replaceSubrange(text.index(after: open)..<close, with: edges.reversed().joined(separator: ","))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: ProfileFile.Error.self) { try ProfileFile.read(path) }
        #expect(error?.description.contains("psi_edges are not in ascending order") == true, "\(String(describing: error))")
    }

    @Test func aConfigurationNamingAMismatchedProfileFailsWithTheKeyPath() throws {
        let profile = try Self.goldenProfile()
        let dir = try TestSupport.temporaryDirectory()
        try ProfileFile.write(profile, to: dir.appendingPathComponent("ref.json").path)
        try """
            models:
              - name: credit
                features: [{name: income, type: categorical}, {name: nope, type: numeric}]
                reference: {path: ref.json}
                drift: {psi_bins: 20}
            """.write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        var configuration = try Configuration.load(path: dir.appendingPathComponent("c.yaml").path)
        let error = #expect(throws: ConfigurationError.self) { try References.load(&configuration) }
        let problems = error?.problems ?? []
        #expect(problems.contains { $0.contains("models[0].reference.path: feature \"income\" is numeric in the profile but categorical") })
        #expect(problems.contains { $0.contains("models[0].reference.path: the profile has no feature \"nope\"") })
        #expect(problems.contains { $0.contains("models[0].drift.psi_bins: 20 differs from the profile's 10") })
    }

    @Test func featuresComeFromTheProfileWhenTheConfigurationListsNone() throws {
        let profile = try Self.goldenProfile()
        let dir = try TestSupport.temporaryDirectory()
        try ProfileFile.write(profile, to: dir.appendingPathComponent("ref.json.gz").path)
        try "models:\n  - name: credit\n    reference: {path: ref.json.gz}\n    anomaly: {threshold_quantile: 0.99}\n".write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        var configuration = try Configuration.load(path: dir.appendingPathComponent("c.yaml").path)
        _ = try References.load(&configuration)
        #expect(configuration.models[0].features.map(\.name) == profile.features.map(\.name))
        #expect(configuration.models[0].features[6] == FeatureSettings(name: "is_foreign", kind: .categorical))
    }

    @Test func csvAndJSONLinesGiveTheSameProfile() throws {
        let jsonProfile = try Self.goldenProfile()
        // The same 800 reference events as CSV (header named like the features, plus prediction).
        let lines = try String(contentsOfFile: try ReplayTests.fixture("reference_small", "jsonl", "golden"), encoding: .utf8).split(separator: "\n")
        let names = ["income", "age", "utilization", "balance", "score_delta", "num_accounts", "is_foreign", "channel", "region"]
        var csv = (names + ["prediction"]).joined(separator: ",") + "\n"
        for line in lines {
            let event = try #require(try JSON.parse(Data(line.utf8)) as? [String: Any])
            let features = try #require(event["features"] as? [String: Any])
            let fields = names.map { name -> String in
                switch features[name] {
                case let v as Int: "\(v)"
                case let v as Double: "\(v)"
                case let v as Bool: v ? "true" : "false"
                case let v as String: v.contains(",") ? "\"\(v)\"" : v
                default: ""
                }
            }
            csv += (fields + ["\(JSON.number(event["prediction"])!)"]).joined(separator: ",") + "\n"
        }
        let dir = try TestSupport.temporaryDirectory()
        try csv.write(to: dir.appendingPathComponent("ref.csv"), atomically: true, encoding: .utf8)
        let csvProfile = try Baseline.run(.init(configurationPath: try ReplayTests.fixture("config_small", "yaml", "golden"), model: "credit",
                                                inputPath: dir.appendingPathComponent("ref.csv").path, outputPath: dir.appendingPathComponent("csv.json").path), logger: ReplayTests.logger)
        #expect(csvProfile == jsonProfile)
    }

    @Test func csvFieldsFollowRFC4180() {
        #expect(CSVReference.parse(#"a,"b,c","d ""e""",,f"#) == ["a", "b,c", #"d "e""#, "", "f"])
    }

    @Test func warmUpEventsBecomeTheReference() throws {
        var settings = ModelSettings(name: "m")
        settings.features = [.init(name: "x", kind: .numeric)]
        settings.window = .count(100)
        settings.reference.warmupEvents = 150
        let pipeline = ModelPipeline(settings: settings, index: 0)
        var batch = EventBatchBuilder.numeric((0..<300).map { Double($0 % 50) })
        let (_, reports) = pipeline.apply(batch, nowMillis: 0)
        #expect(pipeline.reference?.events == 150)
        // Windows closed before the reference existed carry no drift; the last one does.
        #expect(reports.count == 3)
        #expect(reports[0].features[0].drift == nil)
        #expect(reports[2].features[0].drift != nil)
        #expect(reports[2].datasetDrift?.features == 1)
        batch.model = 0
    }

    /// Sample arrays are parsed by simdjson (start-up, issue 11); every number must come out as the
    /// standard library's correctly rounded `Double(_:)` (glibc `strtod`, the independent reference)
    /// reads its text, bit for bit: shortest and 17-digit forms, integers past 2^53 and 2^64,
    /// exponents, subnormals, underflow to zero, and -0.
    @Test func sampleArraysReadEveryNumberAsTheStandardLibraryDoes() throws {
        var random = SplitMix64(seed: 11)
        var tokens = ["0", "-0", "-0.0", "1e-400", "-1e-400", "4.9e-324", "2.2250738585072011e-308", "1.7976931348623157e308",
                      "9007199254740993", "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890",
                      "0.1", "1E+2", "1e0", "-2.5E-3", "0.30000000000000004", "7.0e-10"]
        for _ in 0..<20_000 {
            let bits = random.next()
            let value = Double(bitPattern: bits)
            guard value.isFinite else { continue }
            switch bits % 4 {
            case 0: tokens.append("\(value)")                                                 // shortest round trip
            case 1: tokens.append(String(format: "%.17g", value))
            case 2: tokens.append(String(format: "%.*e", Int32((bits >> 8) % 20), (Double(bits >> 11) / 0x1p53 - 0.5) * 600))
            default: tokens.append(String(Int64(bitPattern: bits) >> (bits >> 58)))            // integers of every size
            }
        }
        let separators = [",", ", ", " ,\n\t", ",\r\n  "]
        var json = #"{"features":[{"name":"x","sample":["#
        for (index, token) in tokens.enumerated() {
            if index > 0 { json += separators[index % separators.count] }
            json += token
        }
        json += #"]},{"name":"y","sample": [ ]}],"sample_count":"sample"}"#
        let arrays = try #require(SampleArrays(Array(json.utf8)))
        try #require(arrays.samples.count == 2)
        #expect(arrays.samples[1].isEmpty)
        let expected = tokens.map { Double($0)! }
        try #require(arrays.samples[0].count == expected.count)
        let mismatches = zip(tokens, zip(arrays.samples[0], expected)).filter { $1.0.bitPattern != $1.1.bitPattern }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(String(decoding: arrays.stripped, as: UTF8.self)
            == #"{"features":[{"name":"x","sample_index":0},{"name":"y","sample_index":1}],"sample_count":"sample"}"#)
    }

    /// What simdjson declines: numbers JSON does not allow but `Double(_:)` reads (as before), and
    /// arrays that are not numbers at all (nil: the caller then reports the profile's own error).
    @Test func sampleArraysOutsideJSONNumbersKeepTheirEarlierReading() throws {
        let lenient = try #require(SampleArrays(Array(#"{"sample":[01, 1., -.5, 2.e1]}"#.utf8)))
        #expect(lenient.samples == [[1, 1, -0.5, 20]])
        for invalid in ["[1,,2]", "[1 2]", "[true]", "[1,]", "[NaN]", "[+1]", "[1e400]", "[1", "[[1]]", #"["1"]"#] {
            #expect(SampleArrays(Array(#"{"sample":\#(invalid)}"#.utf8)) == nil, "\(invalid)")
        }
    }
}

/// Builds `EventBatch`es by hand for pipeline tests.
enum EventBatchBuilder {
    static func numeric(_ values: [Double], timestamps: [Int64]? = nil) -> VigilEvents.EventBatch {
        var b = VigilEvents.EventBatch(model: 0, numericCount: 1, categoricalCount: 0, featureCount: 1)
        for (i, v) in values.enumerated() {
            b.timestamps.append(timestamps?[i] ?? Int64(i))
            b.partitions.append(0)
            b.offsets.append(Int64(i))
            b.idHashes.append(0)
            b.numeric[0].append(v)
            b.predictionValues.append(.nan)
        }
        return b
    }
}

