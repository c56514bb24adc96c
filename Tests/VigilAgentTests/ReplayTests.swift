import Foundation
import Logging
import Testing
import TestSupport
import VigilEvents
import VigilExposition
import VigilStats
@testable import VigilAgent

/// Replays against expectations computed independently: shared/golden (numpy/scipy, see
/// Fixtures/golden/expected.json → versions) and Fixtures/replay (scripts/gen_replay_fixture.py, numpy).
@Suite struct ReplayTests {
    static let logger = Logger(label: "test")

    static func fixture(_ name: String, _ type: String, _ dir: String) throws -> String {
        try #require(Bundle.module.path(forResource: name, ofType: type, inDirectory: "Fixtures/\(dir)"))
    }

    static func json(_ path: String) throws -> [String: Any] {
        try #require(try JSON.parse(contentsOf: path) as? [String: Any])
    }

    /// The golden configuration with `reference` removed (issue 2's done-when).
    static func goldenConfiguration() throws -> Configuration {
        var c = try Configuration.load(path: try fixture("config", "yaml", "golden"))
        c.models[0].reference.path = nil
        return c
    }

    static func number(_ any: Any?) -> Double? { JSON.number(any) }

    @Test(.timeLimit(.minutes(2)))
    func goldenWindowsMatchNumpy() throws {
        let result = try Replay.replay(configuration: try Self.goldenConfiguration(), input: try Self.fixture("events.jsonl", "gz", "golden"), logger: Self.logger)
        let expected = try Self.json(try Self.fixture("expected", "json", "golden"))
        let reports = try #require(expected["reports"] as? [String: Any])
        let full = try #require(reports["full"] as? [String: Any])
        let windows = try #require(full["windows"] as? [[String: Any]])
        #expect(result.windows.count == 4)
        #expect(result.accepted == 17_500)
        #expect(result.rejected.values.allSatisfy { $0 == 0 })
        for (window, want) in zip(result.windows, windows) {
            let name = want["name"] as? String ?? "?"
            #expect(RFC3339.format(millis: window.startMillis) == want["start"] as? String)
            #expect(RFC3339.format(millis: window.endMillis) == want["end"] as? String)
            #expect(window.events == want["events"] as? Int)
            let features = try #require(want["features"] as? [String: [String: Any]])
            for feature in window.features + [window.prediction!] {
                let w = try #require(feature.name == "prediction" ? want["prediction"] as? [String: Any] : features[feature.name])
                let where_ = "\(name) \(feature.name)"
                switch feature.values {
                case .numeric(let numeric):
                    let s = numeric.statistics
                    #expect(s.count == w["count"] as? Int, "\(where_) count")
                    #expect(isClose(s.missingRatio, Self.number(w["missing_ratio"]), relative: 1e-12), "\(where_) missing_ratio")
                    #expect(s.nonFinite == w["non_finite"] as? Int, "\(where_) non_finite")
                    #expect(isClose(s.mean, Self.number(w["mean"])), "\(where_) mean \(String(describing: s.mean))")
                    #expect(isClose(s.standardDeviation, Self.number(w["stddev"])), "\(where_) stddev")
                    #expect(s.min == Self.number(w["min"]) && s.max == Self.number(w["max"]), "\(where_) min/max")
                    let quantiles = try #require(w["quantiles"] as? [String: Any])
                    for (q, value) in zip(["0.5", "0.9", "0.99"], s.quantiles) {
                        #expect(isClose(value, Self.number(quantiles[q])), "\(where_) q\(q): \(String(describing: value))")
                    }
                case .categorical(let categorical):
                    #expect(categorical.count == w["count"] as? Int, "\(where_) count")
                    #expect(isClose(categorical.missingRatio, Self.number(w["missing_ratio"]), relative: 1e-12), "\(where_) missing_ratio")
                }
            }
        }
    }

    @Test func goldenBadEventsAreCountedByReason() throws {
        let result = try Replay.replay(configuration: try Self.goldenConfiguration(), input: try Self.fixture("bad_events", "jsonl", "golden"), logger: Self.logger)
        // shared/golden/expected.json → bad_events.totals
        #expect(result.rejected == [.malformed: 5, .tooLarge: 0, .badTimestamp: 2, .unknownModel: 1, .late: 1])
        #expect(result.accepted == 4)
        let invalid: [(String, String, Double)] = [
            ("income", "non_finite", 1), ("income", "type_error", 1), ("utilization", "non_finite", 1),
            ("balance", "non_finite", 1), ("score_delta", "non_finite", 1), ("channel", "type_error", 1),
            ("age", "non_finite", 0), ("region", "type_error", 0),
        ]
        for (feature, reason, count) in invalid {
            #expect(result.registry.value(MetricCatalog.featureValuesInvalidTotal, labels: ["credit", feature, reason]) == count, "\(feature) \(reason)")
        }
        // A malformed event is attributed to its model when the model field could be read
        // (line 5: `features` is a number), to model="" otherwise.
        let malformed = (result.registry.value(MetricCatalog.eventsRejectedTotal, labels: ["", "malformed"]) ?? 0)
            + (result.registry.value(MetricCatalog.eventsRejectedTotal, labels: ["credit", "malformed"]) ?? 0)
        #expect(malformed == 5)
        #expect(result.registry.value(MetricCatalog.eventsRejectedTotal, labels: ["credit", "late"]) == 1)
        #expect(result.registry.value(MetricCatalog.eventsRejectedTotal, labels: ["", "unknown_model"]) == 1)
        #expect(result.registry.value(MetricCatalog.eventsTotal, labels: ["credit"]) == 4)
        // All 4 accepted events fall into 11:00–12:00Z; income: 1 of 4 non-finite, 1 type error.
        let window = try #require(result.windows.last)
        #expect(window.events == 4)
        guard case .numeric(let income) = window.features[0].values else { Issue.record("income not numeric"); return }
        #expect(income.statistics.nonFinite == 1)
        #expect(income.statistics.missingRatio == 0.5)
    }

    @Test func slidingWindowsMatchNumpyFixture() throws {
        let configuration = try Configuration.load(path: try Self.fixture("config", "yaml", "replay"))
        let result = try Replay.replay(configuration: configuration, input: try Self.fixture("events", "jsonl", "replay"), logger: Self.logger)
        let expected = try Self.json(try Self.fixture("expected", "json", "replay"))
        let windows = try #require(expected["windows"] as? [[String: Any]])
        #expect(result.accepted == expected["accepted"] as? Int)
        #expect(result.rejected[.malformed] == 2 && result.rejected[.unknownModel] == 1 && result.rejected[.late] == 1)
        #expect(result.windows.count == windows.count)
        for (window, want) in zip(result.windows, windows) {
            #expect(window.startMillis == (want["start_ms"] as? Int).map(Int64.init))
            #expect(window.endMillis == (want["end_ms"] as? Int).map(Int64.init))
            #expect(window.events == want["events"] as? Int)
            for (index, name) in ["price", "qty"].enumerated() {
                let w = try #require(want[name] as? [String: Any])
                guard case .numeric(let numeric) = window.features[index].values else { Issue.record("\(name) not numeric"); continue }
                let s = numeric.statistics
                #expect(s.count == w["count"] as? Int)
                #expect(isClose(s.missingRatio, Self.number(w["missing_ratio"]), relative: 1e-12))
                #expect(isClose(s.mean, Self.number(w["mean"])))
                #expect(isClose(s.standardDeviation, Self.number(w["stddev"])))
                #expect(s.min == Self.number(w["min"]) && s.max == Self.number(w["max"]))
                let quantiles = try #require(w["quantiles"] as? [String: Any])
                for (q, value) in zip(["0.5", "0.9", "0.99"], s.quantiles) {
                    #expect(isClose(value, Self.number(quantiles[q])), "\(name) q\(q)")
                }
            }
        }
    }

    @Test func reportHasEverySpecKeyWithNullsForLaterStages() throws {
        let configuration = try Configuration.load(path: try Self.fixture("config", "yaml", "replay"))
        let result = try Replay.replay(configuration: configuration, input: try Self.fixture("events", "jsonl", "replay"), logger: Self.logger)
        let report = try #require(try JSON.parse(Data(result.report)) as? [String: Any])
        #expect(report["vigil_version"] as? String == VigilVersion.current)
        let rejected = try #require(report["rejected"] as? [String: Int])
        #expect(rejected == ["malformed": 2, "too_large": 0, "bad_timestamp": 0, "unknown_model": 1, "late": 1])
        let model = try #require((report["models"] as? [[String: Any]])?.first)
        let window = try #require((model["windows"] as? [[String: Any]])?.first)
        #expect(Set(window.keys) == ["start", "end", "events", "features", "dataset_drift", "prediction", "anomaly", "change_detection", "performance"])
        let price = try #require((window["features"] as? [String: [String: Any]])?["price"])
        #expect(Set(price.keys) == ["type", "count", "missing_ratio", "non_finite", "mean", "stddev", "min", "max", "quantiles",
                                    "out_of_range_ratio", "psi", "ks_statistic", "ks_p_value", "wasserstein_normed", "jensen_shannon",
                                    "drift_method", "drift_score", "drift_threshold", "drifted"])
        #expect(price["psi"] is NSNull && price["drifted"] is NSNull)
        let country = try #require((window["features"] as? [String: [String: Any]])?["country"])
        #expect(Set(country.keys) == ["type", "count", "missing_ratio", "new_category_ratio", "psi", "chi2_p_value", "jensen_shannon",
                                      "drift_method", "drift_score", "drift_threshold", "drifted"])
        let performance = try #require(window["performance"] as? [String: Any])
        #expect(performance["labeled"] as? Int == 0 && performance["roc_auc"] is NSNull && performance["mae"] is NSNull)
    }
}
