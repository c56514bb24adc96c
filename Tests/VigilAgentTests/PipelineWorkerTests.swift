#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VigilEvents
import VigilExposition
import VigilStats
@testable import VigilAgent

/// `PipelineWorker` (replay's decode/windows split across two threads) against the same events
/// applied on one thread with `Pipelines.flush`: the same windows in the same order and the same
/// metrics, byte for byte, also when the queue (capacity 1) blocks the decoding side constantly
/// (but for `vigil_processing_duration_seconds`, which times the work: there only the number of
/// window evaluations must agree).
@Suite struct PipelineWorkerTests {
    /// 30,000 events over 10 minutes of event time, with bad and late ones mixed in.
    static func events() -> [String] {
        let start = BadInputPipelineTests.now - 20 * 60_000
        var random = SplitMix64(seed: 11)
        return (0..<30_000).map { i in
            let ts = start + Int64(i) * 20 + Int64.random(in: -2_000...0, using: &random)
            switch i % 997 {
            case 5: return "{not json"
            case 7: return BadInputPipelineTests.event(ts: ts - 3_600_000)   // far too late
            default:
                let income = String(Double.random(in: 10...90, using: &random))
                return BadInputPipelineTests.event(ts: ts, income: i % 101 == 0 ? "\"x\"" : income)
            }
        }
    }

    static func run(worker capacity: Int?) throws -> (windows: [String], metrics: [UInt8]) {
        let (pipelines, metrics) = try BadInputPipelineTests.pipelines()
        var windows: [String] = []
        pipelines.onWindow = {
            windows.append("\($0.startMillis)-\($0.endMillis):\($0.events):\($0.rejected)")
            // A slow consumer of windows, so that submissions queue up behind the worker.
            if capacity != nil { usleep(20_000) }
        }
        let worker = capacity.map { PipelineWorker(pipelines: pipelines, capacity: $0) }
        for (offset, event) in events().enumerated() {
            Array(event.utf8).withUnsafeBytes {
                _ = pipelines.decode(input: 0, $0, partition: 0, offset: Int64(offset), nowMillis: BadInputPipelineTests.now)
            }
            if offset % 500 == 499 {
                if let worker {
                    worker.submit(.init(decoded: pipelines.takeDecoded(), nowMillis: BadInputPipelineTests.now, evaluate: true))
                } else {
                    pipelines.flush(nowMillis: BadInputPipelineTests.now)
                }
            }
        }
        worker?.finish()
        pipelines.flush(nowMillis: BadInputPipelineTests.now)
        pipelines.closeAll()
        return (windows, metrics.render(.prometheus))
    }

    /// The rendering without the processing-duration histogram's lines (timings differ run to run),
    /// and that histogram's `evaluate` count.
    static func comparable(_ rendering: [UInt8]) -> (text: String, evaluations: Double?) {
        let lines = String(decoding: rendering, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let evaluations = lines.first { $0.hasPrefix(#"vigil_processing_duration_seconds_count{stage="evaluate"} "#) }
            .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        return (lines.filter { !$0.contains("vigil_processing_duration_seconds") }.joined(separator: "\n"), evaluations)
    }

    @Test(arguments: [1, 32])
    func sameWindowsAndMetricsAsOneThread(capacity: Int) throws {
        let serial = try Self.run(worker: nil)
        let split = try Self.run(worker: capacity)
        #expect(serial.windows.count >= 10)
        #expect(split.windows == serial.windows)
        let (serialMetrics, splitMetrics) = (Self.comparable(serial.metrics), Self.comparable(split.metrics))
        let sameMetrics = splitMetrics.text == serialMetrics.text   // a Bool: a failure would print both renderings byte by byte
        #expect(sameMetrics)
        #expect(serialMetrics.evaluations == Double(serial.windows.count) && splitMetrics.evaluations == serialMetrics.evaluations)
    }

    /// `run`'s use (`KafkaIngest`): predictions and, interleaved, their labels from the labels
    /// stream go through the worker (`Work.labels`); every 3,000 events the caller drains the worker
    /// and uses `pipelines` directly for a moment (as on a rebalance). Same windows (with their
    /// labelled counts) and metrics as one thread running `flush` + `flushLabels`.
    @Test func labelsAndDrainsMatchOneThread() throws {
        let serial = try Self.runWithLabels(split: false)
        let split = try Self.runWithLabels(split: true)
        #expect(serial.windows.count >= 10)
        // Labels did arrive and join (the comparison below is not between two empty runs).
        #expect(serial.joined > 20_000)
        #expect(split.windows == serial.windows)
        let (serialMetrics, splitMetrics) = (Self.comparable(serial.metrics), Self.comparable(split.metrics))
        let sameMetrics = splitMetrics.text == serialMetrics.text   // a Bool: a failure would print both renderings byte by byte
        #expect(sameMetrics)
        #expect(serialMetrics.evaluations == Double(serial.windows.count) && splitMetrics.evaluations == serialMetrics.evaluations)
        // Every submission was applied by each drain: the count the caller reads matches what it submitted.
        #expect(split.submissionsMatched)
    }

    static func runWithLabels(split: Bool) throws -> (windows: [String], metrics: [UInt8], joined: Double, submissionsMatched: Bool) {
        let (pipelines, metrics) = try BadInputPipelineTests.pipelines(BadInputPipelineTests.yaml + "\nlabels: {topic: labels, max_delay: 1h}\n")
        var windows: [String] = []
        pipelines.onWindow = {
            windows.append("\($0.startMillis)-\($0.endMillis):\($0.events):\($0.rejected):\($0.performance.labeled)")
            if split { usleep(5_000) }
        }
        let worker = split ? PipelineWorker(pipelines: pipelines, capacity: 2) : nil
        let now = BadInputPipelineTests.now
        var submissions = 0
        var submissionsMatched = true
        let events = Self.events()
        for (offset, event) in events.enumerated() {
            // The event without its label; the label arrives 300 events later on the labels stream.
            Array(event.replacingOccurrences(of: #","label":0"#, with: "").utf8).withUnsafeBytes {
                _ = pipelines.decode(input: 0, $0, partition: 0, offset: Int64(offset), nowMillis: now)
            }
            if offset >= 300, let id = events[offset - 300].firstMatch(of: /"id":"([^"]+)"/)?.1 {
                Array(#"{"id":"\#(id)","label":\#(offset % 2),"ts":\#(now)}"#.utf8).withUnsafeBytes { pipelines.decodeLabel($0, nowMillis: now) }
            }
            guard offset % 500 == 499 else { continue }
            if let worker {
                submissions = worker.submit(.init(decoded: pipelines.takeDecoded(), labels: pipelines.takeDecodedLabels(), nowMillis: now, evaluate: true))
                if offset % 3000 == 2999 {
                    worker.drain()
                    if worker.completedCount != submissions { submissionsMatched = false }
                    pipelines.flush(nowMillis: now)
                    pipelines.flushLabels()
                }
            } else {
                pipelines.flush(nowMillis: now)
                pipelines.flushLabels()
            }
        }
        worker?.finish()
        pipelines.flush(nowMillis: now)
        pipelines.flushLabels()
        pipelines.closeAll()
        let joined = metrics.value(MetricCatalog.labelsJoinedTotal, labels: ["credit"]) ?? 0
        return (windows, metrics.render(.prometheus), joined, submissionsMatched)
    }
}
