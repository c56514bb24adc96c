import Foundation
import Logging
import Testing
import TestSupport
import VigilStats
@testable import VigilAgent

/// The demo's synthetic model through the real pipeline: its injected drift and anomalies must
/// be visible (that is what the demo is for).
@Suite struct DemoModelTests {
    @Test func injectedDriftAndAnomaliesAreDetected() throws {
        var model = SyntheticModel()
        var lines: [String] = []
        let start: Int64 = 1_790_000_000_000
        for i in 0..<60_000 {
            // 20,000 events/min: warm-up (reference) and a normal minute, then a drifted minute.
            let ts = start + Int64(i) * 3
            lines.append(String(decoding: model.event(timestampMillis: ts, drifted: i >= 40_000), as: UTF8.self))
        }
        let dir = try TestSupport.temporaryDirectory()
        let input = dir.appendingPathComponent("demo.jsonl")
        try lines.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        var configuration = try DemoCommand.loadConfiguration(TestSupport.packageRoot.appendingPathComponent("config/demo.yaml").path)
        configuration.models[0].window = .time(size: .seconds(60), slide: .seconds(60), lateness: .zero)
        let result = try Replay.replay(configuration: configuration, input: input.path, logger: Logger(label: "test"))
        let windows = result.windows.filter { $0.events > 10_000 }
        #expect(windows.count == 3)
        let normal = try #require(windows.dropFirst().first), drifted = try #require(windows.last)
        #expect(normal.datasetDrift?.drifted == false)
        #expect(drifted.datasetDrift?.drifted == true)
        #expect(drifted.features.first { $0.name == "amount" }?.drift?.drifted == true)
        let anomalyRatio = try #require(drifted.anomaly?.ratio)
        #expect(anomalyRatio > 0.02, "3% of drifted events are ×25 amounts: \(anomalyRatio)")
        #expect((normal.anomaly?.ratio ?? 1) < 0.01)
        #expect(drifted.anomaly?.topFeatures.first?.feature == "amount")
    }

    /// With the demo's own sliding windows (20 s every 5 s), panes made before the warm-up
    /// reference existed must not be recycled into later windows (they have no PSI bins and no
    /// anomaly counts): every window entirely after the warm-up has PSI and scores every event.
    @Test func slidingWindowsAfterWarmUpAreFullyEvaluated() throws {
        var model = SyntheticModel(seed: 7)
        let start: Int64 = 1_790_000_000_000
        var lines: [String] = []
        for i in 0..<60_000 {
            lines.append(String(decoding: model.event(timestampMillis: start + Int64(i) * 3, drifted: i >= 40_000), as: UTF8.self))
        }
        let input = try TestSupport.temporaryDirectory().appendingPathComponent("demo.jsonl")
        try lines.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let configuration = try DemoCommand.loadConfiguration(TestSupport.packageRoot.appendingPathComponent("config/demo.yaml").path)
        let result = try Replay.replay(configuration: configuration, input: input.path, logger: Logger(label: "test"))
        let warmupEnd = start + 20_000 * 3
        let after = result.windows.filter { $0.startMillis >= warmupEnd + 5_000 && $0.events > 1000 }
        #expect(after.count > 10)
        for window in after {
            guard case .numeric(let amount) = window.features[0].values else { continue }
            #expect(amount.psi != nil, "window ending \(window.endMillis)")
            #expect(window.anomaly != nil)
        }
        let lastFull = try #require(after.last { $0.events > 6000 })
        #expect((lastFull.anomaly?.ratio ?? 0) > 0.02)
    }
}
