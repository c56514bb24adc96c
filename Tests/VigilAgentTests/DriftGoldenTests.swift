import Foundation
import Logging
import Testing
import TestSupport
import VigilStats
@testable import VigilAgent

/// Drift statistics against shared/golden (Fixtures/golden): profiles built with `vigil baseline`
/// from the reference events, then the stream replayed against them. Every expected number in
/// expected.json was computed with numpy/scipy (versions in expected.json → versions); the
/// tolerances are SPEC §7's (expected.json → tolerances).
@Suite(.serialized) struct DriftGoldenTests {
    enum Variant: String, CaseIterable, Sendable { case full, small }

    static func setUp(_ variant: Variant) throws -> (profile: ReferenceProfile, result: Replay.Result, expected: [String: Any]) {
        let configName = variant == .full ? "config" : "config_small"
        let referenceName = variant == .full ? "reference" : "reference_small"
        let configPath = try ReplayTests.fixture(configName, "yaml", "golden")
        let out = try TestSupport.temporaryDirectory().appendingPathComponent("\(referenceName).json.gz").path
        let profile = try Baseline.run(.init(configurationPath: configPath, model: "credit", inputPath: try ReplayTests.fixture(referenceName, "jsonl", "golden"), outputPath: out), logger: ReplayTests.logger)
        var configuration = try Configuration.load(path: configPath)
        configuration.models[0].reference.path = out
        let result = try Replay.replay(configuration: configuration, input: try ReplayTests.fixture("events.jsonl", "gz", "golden"), logger: ReplayTests.logger)
        return (profile, result, try ReplayTests.json(try ReplayTests.fixture("expected", "json", "golden")))
    }

    static func n(_ any: Any?) -> Double? { JSON.number(any) }

    @Test(arguments: Variant.allCases)
    func profileMatchesNumpy(variant: Variant) throws {
        let (profile, _, expected) = try Self.setUp(variant)
        let references = try #require(expected["references"] as? [String: Any])
        let want = try #require(((references[variant.rawValue] as? [String: Any])?["profile"] as? [String: Any])?["features"] as? [String: [String: Any]])
        for column in profile.features {
            let w = try #require(want[column.name])
            #expect(column.count == w["count"] as? Int, "\(column.name) count")
            #expect(column.missing == w["missing"] as? Int, "\(column.name) missing")
            if let p = column.numeric {
                #expect(isClose(p.mean, Self.n(w["mean"])), "\(column.name) mean")
                #expect(isClose(p.standardDeviation, Self.n(w["stddev_ddof1"])), "\(column.name) stddev")
                #expect(isClose(p.populationStandardDeviation, Self.n(w["stddev_ddof0"])), "\(column.name) stddev0")
                #expect(p.min == Self.n(w["min"]) && p.max == Self.n(w["max"]), "\(column.name) range")
                #expect(isClose(p.median, Self.n(w["median"])) && isClose(p.mad, Self.n(w["mad"])), "\(column.name) median/mad")
                #expect(p.distinctValues == w["distinct_values"] as? Int, "\(column.name) distinct")
                let edges = try #require(w["psi_edges"] as? [Any]).compactMap(Self.n)
                #expect(p.psiEdges.count == edges.count && zip(p.psiEdges, edges).allSatisfy { isClose($0, $1) }, "\(column.name) edges \(p.psiEdges) vs \(edges)")
                let proportions = try #require(w["psi_bin_proportions"] as? [Any]).compactMap(Self.n)
                let total = Double(p.psiCounts.reduce(0, +))
                #expect(zip(p.psiCounts.map { Double($0) / total }, proportions).allSatisfy { isClose($0, $1, relative: 1e-12) }, "\(column.name) proportions")
            } else if let c = column.categorical {
                let counts = try #require(w["counts"] as? [String: Int])
                #expect(Dictionary(uniqueKeysWithValues: c.counts.map { ($0.category, $0.count) }) == counts, "\(column.name) counts")
            }
        }
    }

    @Test(arguments: Variant.allCases)
    func everyDriftStatisticMatchesScipy(variant: Variant) throws {
        let (_, result, expected) = try Self.setUp(variant)
        let reports = try #require((expected["reports"] as? [String: Any])?[variant.rawValue] as? [String: Any])
        let windows = try #require(reports["windows"] as? [[String: Any]])
        #expect(result.windows.count == windows.count)
        for (window, want) in zip(result.windows, windows) {
            let name = want["name"] as? String ?? "?"
            let features = try #require(want["features"] as? [String: [String: Any]])
            for feature in window.features + [window.prediction!] {
                let w = try #require(feature.name == "prediction" ? want["prediction"] as? [String: Any] : features[feature.name])
                let at = "\(variant) \(name) \(feature.name)"
                switch feature.values {
                case .numeric(let r):
                    #expect(isClose(r.outOfRangeRatio, Self.n(w["out_of_range_ratio"]), relative: 1e-12), "\(at) out_of_range_ratio")
                    #expect(isClose(r.psi, Self.n(w["psi"]), relative: 1e-9), "\(at) psi \(String(describing: r.psi))")
                    #expect(isClose(r.ksStatistic, Self.n(w["ks_statistic"]), relative: 0, absolute: 1e-12), "\(at) ks D")
                    #expect(isClose(r.ksPValue, Self.n(w["ks_p_value"]), relative: 0, absolute: 1e-6), "\(at) ks p \(String(describing: r.ksPValue))")
                    #expect(isClose(r.wassersteinNormed, Self.n(w["wasserstein_normed"]), relative: 1e-9), "\(at) wasserstein")
                    #expect(isClose(r.jensenShannon, Self.n(w["jensen_shannon"]), relative: 0, absolute: 1e-9), "\(at) js")
                case .categorical(let r):
                    #expect(isClose(r.newCategoryRatio, Self.n(w["new_category_ratio"]), relative: 1e-12), "\(at) new_category_ratio")
                    #expect(isClose(r.psi, Self.n(w["psi"]), relative: 1e-9), "\(at) psi")
                    #expect(isClose(r.chi2PValue, Self.n(w["chi2_p_value"]), relative: 0, absolute: 1e-6), "\(at) chi2 p")
                    #expect(isClose(r.jensenShannon, Self.n(w["jensen_shannon"]), relative: 0, absolute: 1e-9), "\(at) js")
                    #expect(r.isBinary == (w["z_test_p_value"] != nil), "\(at) binary")
                    if r.isBinary { #expect(isClose(r.zTestPValue, Self.n(w["z_test_p_value"]), relative: 0, absolute: 1e-9), "\(at) z p") }
                }
                let drift = try #require(feature.drift, "\(at) verdict")
                #expect(drift.method == w["drift_method"] as? String, "\(at) method")
                let tests = ["ks", "chi_square", "z_test"]
                let tolerance = tests.contains(drift.method) ? (drift.method == "z_test" ? 1e-9 : 1e-6) : 0
                #expect(isClose(drift.score, Self.n(w["drift_score"]), relative: tolerance == 0 ? 1e-9 : 0, absolute: tolerance), "\(at) score \(String(describing: drift.score))")
                #expect(drift.threshold == Self.n(w["drift_threshold"]), "\(at) threshold")
                #expect(drift.drifted == w["drifted"] as? Bool, "\(at) drifted")
            }
            let dataset = try #require(want["dataset_drift"] as? [String: Any])
            #expect(window.datasetDrift?.features == dataset["features"] as? Int)
            #expect(window.datasetDrift?.driftedFeatures == dataset["drifted_features"] as? Int, "\(variant) \(name) drifted features")
            #expect(isClose(window.datasetDrift?.share, Self.n(dataset["share"]), relative: 1e-12))
            #expect(window.datasetDrift?.drifted == dataset["drifted"] as? Bool)
        }
    }
}

extension DriftGoldenTests.Variant: CustomTestStringConvertible {
    var testDescription: String { rawValue }
}

@Suite struct DriftOverrideTests {
    /// `drift.per_feature` replaces the method and threshold of one feature (SPEC §4). Expected
    /// numbers: shared/golden expected.json, full reference, W3 income psi = 0.3037224833792881.
    @Test func perFeatureMethodAndThresholdOverrideAuto() throws {
        let configPath = try ReplayTests.fixture("config", "yaml", "golden")
        let out = try TestSupport.temporaryDirectory().appendingPathComponent("reference.json").path
        _ = try Baseline.run(.init(configurationPath: configPath, model: "credit", inputPath: try ReplayTests.fixture("reference", "jsonl", "golden"), outputPath: out), logger: ReplayTests.logger)
        var configuration = try Configuration.load(path: configPath)
        configuration.models[0].reference.path = out
        configuration.models[0].drift.perFeature["income"] = .init(method: .psi, threshold: 0.2)
        configuration.models[0].drift.perFeature["channel"] = .init(method: nil, threshold: 0.001)
        let result = try Replay.replay(configuration: configuration, input: try ReplayTests.fixture("events.jsonl", "gz", "golden"), logger: ReplayTests.logger)
        let w3 = result.windows[2]
        let income = try #require(w3.features.first { $0.name == "income" }?.drift)
        #expect(income.method == "psi" && income.threshold == 0.2 && income.drifted)
        #expect(isClose(income.score, 0.3037224833792881, relative: 1e-9))
        // channel keeps auto's method (Jensen-Shannon, W1 score 0.005159…) with the lower threshold.
        let channel = try #require(result.windows[0].features.first { $0.name == "channel" }?.drift)
        #expect(channel.method == "jensen_shannon" && channel.threshold == 0.001 && channel.drifted)
    }
}
