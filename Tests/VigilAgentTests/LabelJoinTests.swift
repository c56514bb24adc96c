import Foundation
import Testing
import TestSupport
import VigilEvents
import VigilExposition
import VigilStats
@testable import VigilAgent

@Suite struct LabelJoinTests {
    @Test func labelAfterItsPrediction() {
        var join = LabelJoin(maxDelayMillis: 1000)
        #expect(join.prediction(id: 1, model: 0, timestamp: 100, score: 0.7) == nil)
        let p = join.label(id: 1, timestamp: 500, value: 1)
        #expect(p?.model == 0 && p?.timestamp == 100 && p?.score == 0.7)
        #expect(join.predictions.isEmpty)
    }

    @Test func labelBeforeItsPrediction() {
        var join = LabelJoin(maxDelayMillis: 1000)
        #expect(join.label(id: 2, timestamp: 50, value: 0) == nil)
        #expect(join.prediction(id: 2, model: 0, timestamp: 60, score: 0.1) == 0)
        #expect(join.labels.isEmpty)
    }

    @Test func aDuplicateLabelAfterTheJoinWaitsAndExpiresUnmatched() {
        var join = LabelJoin(maxDelayMillis: 1000)
        _ = join.prediction(id: 3, model: 0, timestamp: 0, score: 0.5)
        #expect(join.label(id: 3, timestamp: 10, value: 1) != nil)
        #expect(join.label(id: 3, timestamp: 20, value: 1) == nil)          // no prediction left: waits
        _ = join.label(id: 99, timestamp: 5_000, value: 1)                  // time moves on: both expire
        #expect(join.takeUnmatched() == 1)
        #expect(join.finish() == 1)                                         // label 99 never met a prediction
    }

    @Test func predictionsOlderThanMaxDelayAreForgotten() {
        var join = LabelJoin(maxDelayMillis: 1000)
        _ = join.prediction(id: 4, model: 0, timestamp: 0, score: 0.5)
        _ = join.prediction(id: 5, model: 0, timestamp: 2_000, score: 0.5)   // id 4 is now 2 s behind
        #expect(join.label(id: 4, timestamp: 2_100, value: 1) == nil)
        #expect(join.label(id: 5, timestamp: 2_100, value: 1) != nil)
    }

    @Test func aFloodOfUnmatchedLabelsStaysBounded() {
        var join = LabelJoin(maxDelayMillis: .max / 4, capacity: 1000)
        for id in 1...100_000 as ClosedRange<UInt64> { _ = join.label(id: id, timestamp: 0, value: 1) }
        #expect(join.labels.count == 1000)
        #expect(join.takeUnmatched() == 99_000)
        for id in 1...100_000 as ClosedRange<UInt64> { _ = join.prediction(id: id + 1_000_000, model: 0, timestamp: 0, score: 0.5) }
        #expect(join.predictions.count <= 1000)
    }

    /// The golden events with their labels moved to a separate stream (arriving an hour later,
    /// shuffled, plus labels for unknown ids) give the same per-window performance as labels inside
    /// the events: scikit-learn's values from expected.json.
    @Test(.timeLimit(.minutes(2)))
    func replayedDelayedLabelsMatchScikitLearn() throws {
        let all = try Gzip.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: try ReplayTests.fixture("events.jsonl", "gz", "golden")))))
        var events: [String] = [], labels: [String] = []
        for line in String(decoding: all, as: UTF8.self).split(separator: "\n") {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let label = try #require(object.removeValue(forKey: "label") as? Int)
            let id = try #require(object["id"] as? String), ts = try #require(object["ts"] as? Int)
            // Rebuild the event without its label; keep the numbers' text by editing the line itself.
            events.append(line.replacingOccurrences(of: ",\"label\":\(label)", with: ""))
            labels.append(#"{"id":"\#(id)","label":\#(label),"ts":\#(ts + 3_600_000)}"#)
        }
        var random = SplitMix64(seed: 7)
        labels.shuffle(using: &random)
        labels += [#"{"id":"nobody-1","label":1,"ts":1778500000000}"#, #"{"id":"nobody-2","label":0,"ts":1778500000000}"#]
        let dir = try TestSupport.temporaryDirectory()
        try events.joined(separator: "\n").write(to: dir.appendingPathComponent("events.jsonl"), atomically: true, encoding: .utf8)
        try labels.joined(separator: "\n").write(to: dir.appendingPathComponent("labels.jsonl"), atomically: true, encoding: .utf8)
        var configuration = try ReplayTests.goldenConfiguration()
        configuration.labels = LabelSettings(topic: "labels")
        let result = try Replay.replay(configuration: configuration, input: dir.appendingPathComponent("events.jsonl").path,
                                       labels: dir.appendingPathComponent("labels.jsonl").path, logger: ReplayTests.logger)
        let expected = try ReplayTests.json(try ReplayTests.fixture("expected", "json", "golden"))
        let windows = try #require(((expected["reports"] as? [String: Any])?["full"] as? [String: Any])?["windows"] as? [[String: Any]])
        for (window, want) in zip(result.windows, windows) {
            let w = try #require(want["performance"] as? [String: Any])
            let p = window.performance
            #expect(p.labeled == w["labeled"] as? Int)
            for (name, value) in [("accuracy", p.accuracy), ("precision", p.precision), ("recall", p.recall), ("f1", p.f1),
                                  ("roc_auc", p.rocAUC), ("log_loss", p.logLoss), ("brier", p.brier)] {
                #expect(isClose(value, JSON.number(w[name]), relative: 1e-9), "\(want["name"] ?? "") \(name)")
            }
        }
        #expect(result.registry.value(MetricCatalog.labelsJoinedTotal, labels: ["credit"]) == 17_500)
        #expect(result.registry.value(MetricCatalog.labelsUnmatchedTotal, labels: ["credit"]) == 2)
    }
}
