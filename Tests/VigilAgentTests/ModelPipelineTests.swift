import Testing
import VigilEvents
import VigilStats
@testable import VigilAgent

@Suite struct ModelPipelineTests {
    static func settings(_ window: WindowSettings) -> ModelSettings {
        var m = ModelSettings(name: "m")
        m.features = [.init(name: "x", kind: .numeric)]
        m.window = window
        return m
    }

    /// A batch of events with feature x = value, at the given (timestamp, partition) pairs.
    static func batch(_ rows: [(ts: Int64, partition: Int32, x: Double)]) -> EventBatch {
        var b = EventBatch(model: 0, numericCount: 1, categoricalCount: 0, featureCount: 1)
        for r in rows {
            b.timestamps.append(r.ts)
            b.partitions.append(r.partition)
            b.offsets.append(0)
            b.idHashes.append(0)
            b.numeric[0].append(r.x)
            b.predictionValues.append(0.5)
        }
        return b
    }

    static func mean(_ report: WindowReport) -> Double? {
        guard case .numeric(let n) = report.features[0].values else { return nil }
        return n.statistics.mean
    }

    @Test func windowClosesWhenWatermarkPassesItsEndAndLateEventsAreRejected() {
        // size 10s, slide 10s, lateness 2s
        let p = ModelPipeline(settings: Self.settings(.time(size: .seconds(10), slide: .seconds(10), lateness: .seconds(2))), index: 0)
        var (outcome, closed) = p.apply(Self.batch([(1_000, 0, 1), (9_999, 0, 3), (11_000, 0, 100)]), nowMillis: 0)
        #expect(outcome == .init(accepted: 3, late: 0))
        // watermark = 11000 - 2000 = 9000 < 10000: nothing closes yet
        #expect(closed.isEmpty)
        #expect(p.advance(nowMillis: nil, idleTimeoutMillis: 30_000).isEmpty)
        // 5000 is out of order but on time; 12000 moves the watermark to 10000 and closes [0, 10s).
        (outcome, closed) = p.apply(Self.batch([(5_000, 0, 5), (12_000, 0, 100), (9_000, 0, 9)]), nowMillis: 0)
        #expect(outcome == .init(accepted: 2, late: 1))   // 9000 arrived after its window closed
        #expect(closed.count == 1)
        #expect(closed[0].startMillis == 0 && closed[0].endMillis == 10_000 && closed[0].events == 3)
        #expect(Self.mean(closed[0]) == 3)                                                     // (1 + 3 + 5) / 3
        (outcome, _) = p.apply(Self.batch([(9_500, 0, 7)]), nowMillis: 0)                      // its only window has closed
        #expect(outcome == .init(accepted: 0, late: 1))
        let rest = p.closeAll()
        #expect(rest.map(\.endMillis) == [20_000] && rest[0].events == 2)
    }

    @Test func slidingWindowsShareEvents() {
        // size 10s, slide 5s: an event at 7s is in the windows ending 10s and 15s.
        let p = ModelPipeline(settings: Self.settings(.time(size: .seconds(10), slide: .seconds(5), lateness: .zero)), index: 0)
        let (_, closed) = p.apply(Self.batch([(2_000, 0, 2), (7_000, 0, 4)]), nowMillis: 0)   // 7000 closes the window ending 5000
        let windows = closed + p.closeAll()
        #expect(windows.map(\.endMillis) == [5_000, 10_000, 15_000])
        #expect(windows.map(\.events) == [1, 2, 1])
        #expect(windows.map(Self.mean) == [2, 3, 4])
    }

    @Test func watermarkIsTheMinimumOverActivePartitions() {
        let p = ModelPipeline(settings: Self.settings(.time(size: .seconds(10), slide: .seconds(10), lateness: .zero)), index: 0)
        p.assign([0, 1], nowMillis: 0)
        _ = p.apply(Self.batch([(25_000, 0, 1)]), nowMillis: 1_000)
        // partition 1 has delivered nothing and is not idle yet: no watermark.
        #expect(p.watermark(nowMillis: 1_000, idleTimeoutMillis: 30_000) == nil)
        _ = p.apply(Self.batch([(12_000, 1, 1)]), nowMillis: 2_000)
        #expect(p.watermark(nowMillis: 2_000, idleTimeoutMillis: 30_000) == 12_000)
        // Partitions consumed at different speeds never make events late: partition 1 is far
        // behind partition 0, and its next events are still on time.
        #expect(p.apply(Self.batch([(13_000, 1, 1), (14_000, 1, 1)]), nowMillis: 3_000).0 == .init(accepted: 2, late: 0))
        // Partition 1 falls silent past idle_timeout: it stops holding the watermark back, the
        // windows before 20s close, and when it comes back its old events are late.
        let (_, closed) = p.apply(Self.batch([(26_000, 0, 1)]), nowMillis: 40_000)
        #expect(p.watermark(nowMillis: 40_000, idleTimeoutMillis: 30_000) == 26_000)
        #expect(closed.map(\.endMillis) == [20_000])
        #expect(p.apply(Self.batch([(15_000, 1, 1)]), nowMillis: 40_001).0 == .init(accepted: 0, late: 1))
    }

    @Test func countWindowsAreTumbling() {
        let p = ModelPipeline(settings: Self.settings(.count(3)), index: 0)
        let (outcome, reports) = p.apply(Self.batch((0..<7).map { (Int64($0) * 10, 0, Double($0)) }), nowMillis: 0)
        #expect(outcome == .init(accepted: 7, late: 0))
        #expect(reports.map(\.events) == [3, 3])
        #expect(reports.map(Self.mean) == [1, 4])
        #expect(reports[0].startMillis == 0 && reports[0].endMillis == 21)
        let rest = p.closeAll()
        #expect(rest.map(\.events) == [1] && rest.map(Self.mean) == [6])
    }

    @Test func aJumpInEventTimeDoesNotEvaluateMillionsOfEmptyWindows() {
        let p = ModelPipeline(settings: Self.settings(.time(size: .seconds(1), slide: .seconds(1), lateness: .zero)), index: 0)
        _ = p.apply(Self.batch([(500, 0, 1), (400_000_000_000, 0, 2)]), nowMillis: 0)
        let windows = p.advance(nowMillis: nil, idleTimeoutMillis: 30_000) + p.closeAll()
        #expect(windows.count < 200)
        #expect(windows.first?.events == 1 && windows.last?.events == 1)
    }

    /// Memory: panes keep only what later windows can take from them. Window 5 s sliding by 1 s,
    /// no lateness, `max_window_samples` 1,000, ten 1-second panes of 3,000 events. After the window
    /// ending at 9 s, panes 5–8 remain and are trimmed newest first to ⌈1000 · n / (values from the
    /// pane to pane 8)⌉ (pane 9 has no events yet when it closes): pane 8 keeps 1,000, pane 7
    /// ⌈1000·3000/6000⌉ = 500, pane 6 ⌈1000·3000/9000⌉ = 334, pane 5 ⌈1000·3000/12000⌉ = 250; then
    /// pane 9 fills to 1,000. 3,084 values instead of 5 × 1,000.
    @Test func panesKeepOnlyTheSampleLaterWindowsCanUse() throws {
        var settings = Self.settings(.time(size: .seconds(5), slide: .seconds(1), lateness: .zero))
        settings.maxWindowSamples = 1_000
        let p = ModelPipeline(settings: settings, index: 0)
        var random = SplitMix64(seed: 42)
        var rows: [(ts: Int64, partition: Int32, x: Double)] = []
        for pane in 0..<10 {
            for i in 0..<3_000 { rows.append((Int64(pane * 1_000 + i / 3), 0, Double(random.next() >> 11) / Double(1 << 53))) }
        }
        let (outcome, closed) = p.apply(Self.batch(rows), nowMillis: 0)
        #expect(outcome == .init(accepted: 30_000, late: 0))
        #expect(closed.map(\.endMillis) == (1...9).map { Int64($0) * 1_000 })
        #expect(p.retainedSampleValues(feature: 0) == 3_084)
        // The windows are still uniform samples: the median of 15,000 uniform values, from 1,000 kept.
        for window in closed.suffix(5) {
            guard case .numeric(let n) = window.features[0].values else { Issue.record("not numeric"); continue }
            #expect(n.statistics.count == 15_000)
            let median = try #require(n.statistics.quantiles[0])
            #expect(abs(median - 0.5) < 0.08, "window ending \(window.endMillis): median \(median)")
        }
    }
}
