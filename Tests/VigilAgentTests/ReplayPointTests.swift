import Testing
import VigilEvents
import VigilStats
@testable import VigilAgent

/// `kafka.start_from: window`: what is committed with each offset, and where replay starts.
@Suite struct ReplayPointTests {
    @Test func metadataRoundTripsAndForeignMetadataIsIgnored() {
        let point = ReplayPoint(replayFrom: 42, through: ["fraud": 1_790_000_025_000, "churn": 1_790_000_020_000])
        #expect(point.metadata == #"{"r":42,"t":{"churn":1790000020000,"fraud":1790000025000},"v":1}"#)
        #expect(ReplayPoint(metadata: point.metadata) == point)
        for foreign in ["", "checkpoint-7", #"{"r":-1,"t":{},"v":1}"#, #"{"r":5,"t":{},"v":2}"#, "{", #"{"v":1}"#] {
            #expect(ReplayPoint(metadata: foreign) == nil, "\(foreign)")
        }
    }

    @Test func metadataStaysWithinTheBrokerLimit() {
        let many = Dictionary(uniqueKeysWithValues: (0..<500).map { ("model-with-a-long-name-\($0)", Int64($0)) })
        let text = ReplayPoint(replayFrom: 7, through: many).metadata
        #expect(text.utf8.count <= ReplayPoint.maxBytes)
        #expect(ReplayPoint(metadata: text) == ReplayPoint(replayFrom: 7, through: [:]))
    }

    /// Size 10 s, slide 5 s: the replay offset of a partition is the first offset of its events in
    /// the panes still needed (open windows plus `history` of evaluated ones), by hand below.
    @Test func replayOffsetCoversThePanesStillNeeded() {
        let p = ModelPipeline(settings: ModelPipelineTests.settings(.time(size: .seconds(10), slide: .seconds(5), lateness: .zero)), index: 0)
        p.trackReplay(historyMillis: 5_000)   // one pane of history
        // Offsets 100… on partition 0, 500… on partition 1, event times in panes 0–4 (0 s … 24 s).
        var batch = ModelPipelineTests.batch([(1_000, 0, 1), (2_000, 1, 1), (6_000, 0, 1), (7_000, 1, 1), (11_000, 0, 1),
                                              (12_000, 1, 1), (16_000, 0, 1), (17_000, 1, 1), (21_000, 0, 1), (22_000, 1, 1)])
        batch.offsets = [100, 500, 101, 501, 102, 502, 103, 503, 104, 504]
        let (_, closed) = p.apply(batch, nowMillis: 0)
        // Watermark 21 s (partition 0): windows ending 5, 10, 15, 20 s are evaluated.
        #expect(closed.map(\.endMillis) == [5_000, 10_000, 15_000, 20_000])
        // Open windows end at 25 s and later: panes from 15 s (pane 3) on; one pane of history
        // (the window ending 20 s is re-evaluated): panes from 10 s (pane 2) on.
        #expect(p.replayThrough == 15_000)
        #expect(p.replayOffset(partition: 0) == 102)
        #expect(p.replayOffset(partition: 1) == 502)
        #expect(p.replayOffset(partition: 2) == nil)

        // A restarted pipeline restores the evaluation point and, fed from the replay offsets,
        // reports the window ending 20 s exactly as before and nothing earlier.
        let q = ModelPipeline(settings: ModelPipelineTests.settings(.time(size: .seconds(10), slide: .seconds(5), lateness: .zero)), index: 0)
        q.restore(evaluatedThrough: 15_000)
        let replayed = batch.rows(4..<10)
        let (_, again) = q.apply(replayed, nowMillis: 0)
        #expect(again.map(\.endMillis) == [20_000])
        #expect(again.first?.events == closed.last?.events)
        #expect(again.first.map(ModelPipelineTests.mean) == closed.last.map(ModelPipelineTests.mean))
    }

    @Test func restoreIsIgnoredByAPipelineWithState() {
        let p = ModelPipeline(settings: ModelPipelineTests.settings(.time(size: .seconds(10), slide: .seconds(10), lateness: .zero)), index: 0)
        _ = p.apply(ModelPipelineTests.batch([(1_000, 0, 1)]), nowMillis: 0)
        p.restore(evaluatedThrough: 50_000)
        let (outcome, _) = p.apply(ModelPipelineTests.batch([(2_000, 0, 1)]), nowMillis: 0)
        #expect(outcome.accepted == 1)
    }
}
