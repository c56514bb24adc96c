import Testing
import VigilExposition
@testable import VigilAgent

/// SPEC §9 `vigil_processing_duration_seconds{stage}` as `Pipelines` records it: one `update`
/// observation per applied batch of events, one `evaluate` observation per evaluated window, each
/// bounded by the wall-clock time of the call that did the work. (`decode` is observed per Kafka
/// poll by `KafkaIngest`: see `AgentKafkaIntegrationTests`.)
@Suite struct ProcessingDurationTests {
    static let now: Int64 = 1_790_000_000_000

    static func histogram(_ metrics: MetricsRegistry, _ stage: ProcessingStage) -> HistogramCounts? {
        metrics.histogram(MetricCatalog.processingDurationSeconds, labels: [stage.rawValue])
    }

    /// A count window of 100 events fed in 5 flushes of 70: windows complete at the 100th, 200th
    /// and 300th event (in the 2nd, 3rd and 5th flush), the last 50 stay open.
    @Test func updateIsObservedPerFlushAndEvaluatePerWindow() throws {
        let (pipelines, metrics) = try BadInputPipelineTests.pipelines("""
            models:
              - name: m
                features:
                  - {name: x, type: numeric}
                  - {name: c, type: categorical}
                window: {events: 100}
            """)

        // Exposed from the start at zero (STYLE §8), every stage.
        for stage in ProcessingStage.allCases {
            #expect(Self.histogram(metrics, stage)?.count == 0, "\(stage)")
        }

        var windows = 0
        pipelines.onWindow = { _ in windows += 1 }
        var wall = 0.0
        for flush in 0..<5 {
            for i in 0..<70 {
                let event = #"{"model":"m","ts":\#(Self.now + Int64(flush * 70 + i)),"features":{"x":\#(i),"c":"k\#(i % 3)"}}"#
                Array(event.utf8).withUnsafeBytes { _ = pipelines.decode(input: 0, $0, partition: 0, offset: Int64(flush * 70 + i), nowMillis: Self.now) }
            }
            let started = ContinuousClock.now
            pipelines.flush(nowMillis: Self.now)
            wall += (ContinuousClock.now - started).seconds
        }
        // An apply with nothing decoded (the consume loop's idle submissions) observes nothing.
        pipelines.flush(nowMillis: Self.now)

        // 350 events in windows of 100: 3 windows (hand count), none from the idle flush.
        #expect(windows == 3)
        let update = try #require(Self.histogram(metrics, .update))
        let evaluate = try #require(Self.histogram(metrics, .evaluate))
        #expect(update.count == 5)
        #expect(evaluate.count == 3)
        #expect(Self.histogram(metrics, .decode)?.count == 0)
        // Real durations: positive, and together within the time the five flushes took.
        #expect(update.sum > 0 && evaluate.sum > 0)
        #expect(update.sum + evaluate.sum <= wall, "update \(update.sum) s + evaluate \(evaluate.sum) s > \(wall) s")
        // The +Inf bucket holds every observation (cumulative counts end at the count).
        #expect(update.cumulativeCounts.last == 5 && evaluate.cumulativeCounts.last == 3)
    }

    /// `replay`'s end of input: the windows `closeAll` evaluates are observed too.
    @Test func windowsClosedAtTheEndAreObserved() throws {
        let (pipelines, metrics) = try BadInputPipelineTests.pipelines("""
            models:
              - name: m
                features:
                  - {name: x, type: numeric}
                window: {size: 1m, slide: 1m, lateness: 0s}
            """)
        var windows = 0
        pipelines.onWindow = { _ in windows += 1 }
        // Three events in three different minutes: applying them may close the first windows
        // (the watermark passes them), `closeAll` closes the rest.
        for (i, ts) in [Self.now, Self.now + 60_000, Self.now + 120_000].enumerated() {
            let event = #"{"model":"m","ts":\#(ts),"features":{"x":\#(i)}}"#
            Array(event.utf8).withUnsafeBytes { _ = pipelines.decode(input: 0, $0, partition: 0, offset: Int64(i), nowMillis: Self.now) }
        }
        pipelines.flush(nowMillis: Self.now, evaluate: false)
        let (windowsBefore, observedBefore) = (windows, Self.histogram(metrics, .evaluate)?.count ?? 0)
        #expect(observedBefore == UInt64(windowsBefore))
        pipelines.closeAll()
        // One 1-minute window per minute with an event (hand count), each observed once.
        #expect(windows == 3)
        #expect(windows > windowsBefore)
        #expect(Self.histogram(metrics, .evaluate)?.count == 3)
    }
}
