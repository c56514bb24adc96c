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

