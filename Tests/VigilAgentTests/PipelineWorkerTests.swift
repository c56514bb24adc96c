#if canImport(Glibc)
import Glibc
#endif
import Testing
import VigilEvents
import VigilExposition
import VigilStats
@testable import VigilAgent

/// `PipelineWorker` (replay's decode/windows split across two threads) against the same events
/// applied on one thread with `Pipelines.flush`: the same windows in the same order and the same
/// metrics, byte for byte, also when the queue (capacity 1) blocks the decoding side constantly.
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

    @Test(arguments: [1, 32])
    func sameWindowsAndMetricsAsOneThread(capacity: Int) throws {
        let serial = try Self.run(worker: nil)
        let split = try Self.run(worker: capacity)
        #expect(serial.windows.count >= 10)
        #expect(split.windows == serial.windows)
        #expect(split.metrics == serial.metrics)
    }
}
