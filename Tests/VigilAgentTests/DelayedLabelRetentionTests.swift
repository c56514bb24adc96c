import Foundation
import Testing
import TestSupport
import VigilEvents
import VigilExposition
import VigilStats
@testable import VigilAgent

/// With a labels stream (SPEC §4 `labels`), evaluated windows must stay re-reportable while a
/// delayed label can still reach them, and no longer: each labelled pair is kept once (per pane,
/// not per window), and only for panes that a prediction still waiting in the join can reach.
/// Before the sixteenth session every window kept its own copy of its scores for `max_delay`
/// (24 h by default): five copies of each under 5-minute windows sliding by a minute.
@Suite struct DelayedLabelRetentionTests {
    static let yaml = """
        models:
          - name: m
            task: binary_classification
            features:
              - {name: x, type: numeric}
            window: {size: 30s, slide: 10s, lateness: 0s}
        labels: {topic: labels, max_delay: 24h}
        """
    static let now: Int64 = 1_800_000_000_000

    static func pipelines(_ yaml: String = yaml) throws -> (Pipelines, MetricsRegistry) {
        let configuration = try Configuration.parse(yaml: yaml)
        let metrics = MetricsRegistry(maxSeries: configuration.http.maxSeries, processMetrics: false)
        return (Pipelines(configuration: configuration, metrics: metrics, byTopic: false), metrics)
    }

    static func event(_ i: Int, ts: Int64, label: Bool) -> String {
        let score = Double((i * 37) % 100) / 100
        let labelField = label ? #","label":\#(i % 3 == 0 ? 1 : 0)"# : ""
        return #"{"model":"m","id":"e-\#(i)","ts":\#(ts),"features":{"x":\#(i % 7)},"prediction":\#(score)\#(labelField)}"#
    }

    static func decode(_ pipelines: Pipelines, _ text: String, offset: Int) {
        Array(text.utf8).withUnsafeBytes { _ = pipelines.decode(input: 0, $0, partition: 0, offset: Int64(offset), nowMillis: now) }
    }

    static func label(_ pipelines: Pipelines, _ i: Int, ts: Int64) {
        Array(#"{"id":"e-\#(i)","label":\#(i % 3 == 0 ? 1 : 0),"ts":\#(ts)}"#.utf8).withUnsafeBytes { pipelines.decodeLabel($0, nowMillis: now) }
    }

    /// Labels inside the events, 30 minutes of event time at 4 events/s: no prediction waits, so
    /// only the panes of windows still open are kept (3 panes a window), where the old code kept
    /// all 180 evaluated windows for 24 h.
    @Test func inlineLabelsKeepOnlyTheOpenWindowsPanes() throws {
        let (pipelines, _) = try Self.pipelines()
        var windows = 0
        pipelines.onWindow = { _ in windows += 1 }
        for i in 0..<7_200 {
            Self.decode(pipelines, Self.event(i, ts: Int64(i) * 250, label: true), offset: i)
            if i % 400 == 399 { pipelines.flush(nowMillis: Self.now) }
        }
        pipelines.flush(nowMillis: Self.now)
        #expect(windows >= 175)
        let kept = pipelines.pipelines[0].keptPerformance
        #expect(kept.panes <= 3, "\(kept.panes) panes kept")
        #expect(kept.scores <= 3 * 40, "\(kept.scores) scores kept")
    }

    /// Labels arriving 20 s after their events: the panes kept reach back to the oldest waiting
    /// prediction's windows only, and every window's final performance equals the same events
    /// with their labels inside (counts and ROC AUC exactly; sums to rounding).
    @Test func delayedLabelsKeepWhatTheyCanReachAndMatchInlineLabels() throws {
        let (delayed, delayedMetrics) = try Self.pipelines()
        let (inline, _) = try Self.pipelines()
        var final: [Int64: PerformanceReport] = [:], expected: [Int64: PerformanceReport] = [:]
        delayed.onWindow = { final[$0.endMillis] = $0.performance }
        delayed.onPerformanceUpdate = { _, _, end, performance in final[end] = performance }
        inline.onWindow = { expected[$0.endMillis] = $0.performance }
        var maxKept = 0
        let count = 4_000, lag = 80   // 4 events/s: labels 20 s behind
        for i in 0..<count {
            Self.decode(delayed, Self.event(i, ts: Int64(i) * 250, label: false), offset: i)
            Self.decode(inline, Self.event(i, ts: Int64(i) * 250, label: true), offset: i)
            if i >= lag { Self.label(delayed, i - lag, ts: Int64(i) * 250) }
            if i % 50 == 49 {
                delayed.flush(nowMillis: Self.now)
                delayed.flushLabels()
                inline.flush(nowMillis: Self.now)
                maxKept = max(maxKept, delayed.pipelines[0].keptPerformance.panes)
            }
        }
        for i in (count - lag)..<count { Self.label(delayed, i, ts: Int64(count) * 250) }
        delayed.flush(nowMillis: Self.now)
        delayed.flushLabels()
        delayed.closeAll()
        inline.flush(nowMillis: Self.now)
        inline.closeAll()
        // 20 s of waiting predictions span 2–3 panes; with the 3 panes of each window reaching
        // them and the open window's, at most 3 + 3 + 1.
        #expect(maxKept <= 7, "\(maxKept) panes kept")
        #expect(delayedMetrics.value(MetricCatalog.labelsJoinedTotal, labels: ["m"]) == Double(count))
        #expect(final.count == expected.count && final.count >= 30)
        for (end, want) in expected {
            let got = try #require(final[end])
            #expect(got.labeled == want.labeled && got.rocAUC == want.rocAUC && got.accuracy == want.accuracy, "window ending \(end)")
            #expect(isClose(got.logLoss, want.logLoss, relative: 1e-12) && isClose(got.brier, want.brier, relative: 1e-12))
        }
    }

    /// The batch that completes a warm-up reference is applied in two parts; every accepted
    /// prediction of it still waits for its label (all 25 join, not only the second part's 15).
    @Test func theBatchCompletingTheWarmUpJoinsAllItsLabels() throws {
        let (pipelines, metrics) = try Self.pipelines(Self.yaml.replacingOccurrences(
            of: "    window:", with: "    reference: {warmup_events: 10}\n    window:"))
        for i in 0..<25 { Self.decode(pipelines, Self.event(i, ts: Int64(i) * 250, label: false), offset: i) }
        pipelines.flush(nowMillis: Self.now)
        for i in 0..<25 { Self.label(pipelines, i, ts: 10_000) }
        pipelines.flushLabels()
        #expect(metrics.value(MetricCatalog.labelsJoinedTotal, labels: ["m"]) == 25)
    }

    /// A late event (rejected, SPEC §5) is in no window, so its label joins nothing: it stays
    /// unmatched instead of being counted in the windows of its event time.
    @Test func aLateEventsLabelIsNotCounted() throws {
        let (pipelines, metrics) = try Self.pipelines()
        var performance: [Int64: Int] = [:]
        pipelines.onWindow = { performance[$0.endMillis] = $0.performance.labeled }
        pipelines.onPerformanceUpdate = { _, _, end, p in performance[end] = p.labeled }
        for i in 0..<200 { Self.decode(pipelines, Self.event(i, ts: Int64(i) * 250, label: true), offset: i) }
        pipelines.flush(nowMillis: Self.now)
        // 1 s of event time is long closed (watermark ~50 s, all its windows evaluated).
        Self.decode(pipelines, Self.event(999, ts: 1_000, label: false), offset: 200)
        pipelines.flush(nowMillis: Self.now)
        #expect(pipelines.rejectedTotals[.late] == 1)
        Self.label(pipelines, 999, ts: 50_000)
        pipelines.flushLabels()
        pipelines.finishLabels()
        #expect((metrics.value(MetricCatalog.labelsJoinedTotal, labels: ["m"]) ?? 0) == 0)
        #expect(metrics.value(MetricCatalog.labelsUnmatchedTotal, labels: ["m"]) == 1)
        #expect(performance[10_000] == 40)
    }
}
