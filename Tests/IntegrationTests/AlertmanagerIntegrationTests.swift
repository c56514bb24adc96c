import Foundation
import Hummingbird
import Logging
import Testing
import TestSupport
import VigilExposition

/// Vigil → Debian's real Alertmanager → a webhook receiver written here. The golden events drift
/// in W3 (income among others) and stop drifting in W4: a replay of W1–W3 must make the alert fire
/// at the receiver, a replay of all four windows must resolve it.
@Suite(.serialized) struct AlertmanagerIntegrationTests {
    @Test(.timeLimit(.minutes(3)))
    func driftAlertReachesAlertmanagerAndResolves() async throws {
        guard let alertmanager = TestSupport.findExecutable(env: "ALERTMANAGER", names: ["prometheus-alertmanager", "alertmanager"]) else {
            if TestSupport.isCI { Issue.record("prometheus-alertmanager not found (install Debian's prometheus-alertmanager)") }
            return
        }
        let vigil = try CommandLineTests.vigil()
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }

        let dir = try TestSupport.temporaryDirectory()
        let amPort = try freePort()
        try """
            route:
              receiver: test
              group_by: [alertname, model, feature]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: test
                webhook_configs:
                  - url: http://127.0.0.1:\(receiver.port)/hook
                    send_resolved: true
            """.write(to: dir.appendingPathComponent("alertmanager.yml"), atomically: true, encoding: .utf8)
        let am = try AgentProcess(binary: alertmanager, arguments: [
            "--config.file=\(dir.appendingPathComponent("alertmanager.yml").path)",
            "--storage.path=\(dir.appendingPathComponent("am-data").path)",
            "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
        ])
        defer { am.kill() }
        let readyBy = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < readyBy {
            if (try? TestSupport.httpGet(port: amPort, path: "/-/ready"))?.status == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }

        // The golden configuration with a reference, one alert rule and Alertmanager as notifier.
        let golden = TestSupport.packageRoot.appendingPathComponent("Tests/VigilAgentTests/Fixtures/golden")
        let profile = dir.appendingPathComponent("reference.json").path
        let baseline = try TestSupport.run(vigil, ["baseline", "--config", golden.appendingPathComponent("config.yaml").path, "--model", "credit",
                                                   "--input", golden.appendingPathComponent("reference.jsonl").path, "--out", profile])
        #expect(baseline.status == 0, "\(baseline.stderr)")
        var config = try String(contentsOf: golden.appendingPathComponent("config.yaml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "path: reference.json", with: "path: \(profile)")
        config += """

            alerts:
              - name: FeatureDrift
                metric: feature_drifted
                features: [income]
                op: "=="
                threshold: 1
                for: 0s
                severity: critical
                labels: {team: risk}
                annotations: {summary: "{{model}}: drift on {{feature}} ({{value}})"}
            notify:
              alertmanager: {urls: ["http://127.0.0.1:\(amPort)"], resend_interval: 1m, timeout: 5s}
              log: true
            """
        let configPath = dir.appendingPathComponent("vigil.yaml")
        try config.write(to: configPath, atomically: true, encoding: .utf8)
        let all = try Gzip.decompress(Array(try Data(contentsOf: golden.appendingPathComponent("events.jsonl.gz"))))
        let lines = String(decoding: all, as: UTF8.self).split(separator: "\n")
        let firstThree = dir.appendingPathComponent("w1-w3.jsonl"), everything = dir.appendingPathComponent("all.jsonl")
        try lines.prefix(16_000).joined(separator: "\n").write(to: firstThree, atomically: true, encoding: .utf8)
        try Data(all).write(to: everything)

        // W1–W3: income drifts in W3 → firing.
        let first = try TestSupport.run(vigil, ["replay", "--config", configPath.path, "--input", firstThree.path, "--notify", "--report", dir.appendingPathComponent("r1.json").path])
        #expect(first.status == 0, "\(first.stderr)")
        let firing = try await receiver.waitFor(status: "firing", timeout: .seconds(30))
        let alert = try #require((firing["alerts"] as? [[String: Any]])?.first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["alertname"] == "FeatureDrift" && labels["model"] == "credit" && labels["feature"] == "income")
        #expect(labels["severity"] == "critical" && labels["team"] == "risk")
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["summary"] == "credit: drift on income (1)")
        #expect(annotations["value"] == "1")
        #expect(alert["startsAt"] as? String == "2026-05-11T11:00:00Z" || (alert["startsAt"] as? String)?.hasPrefix("2026-05-11T11:00:00") == true)

        // W1–W4: W4 has no income drift → the same alert resolves.
        let second = try TestSupport.run(vigil, ["replay", "--config", configPath.path, "--input", everything.path, "--notify", "--report", dir.appendingPathComponent("r2.json").path])
        #expect(second.status == 0, "\(second.stderr)")
        let resolved = try await receiver.waitFor(status: "resolved", timeout: .seconds(30))
        #expect(receiver.count >= 2)   // at least the firing and the resolved notification
        let resolvedLabels = try #require((resolved["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String])
        #expect(resolvedLabels["feature"] == "income")
        // The replay report lists the episode.
        let report = try #require(try JSON.parse(contentsOf: dir.appendingPathComponent("r2.json").path) as? [String: Any])
        let reported = try #require(report["alerts"] as? [[String: Any]])
        #expect(reported.contains { $0["state"] as? String == "resolved" && ($0["labels"] as? [String: String])?["feature"] == "income" })
    }

    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// An HTTP server on 127.0.0.1 that records every JSON body POSTed to /hook.
final class WebhookReceiver: Sendable {
    let port: Int
    private let bodies: Bodies
    private let task: Task<Void, any Error>

    final class Bodies: @unchecked Sendable {   // `items` is guarded by `lock`
        private let lock = NSLock()
        private var items: [[String: Any]] = []
        func append(_ body: [String: Any]) { lock.lock(); items.append(body); lock.unlock() }
        func withLock<T>(_ body: ([[String: Any]]) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(items) }
    }

    private init(port: Int, bodies: Bodies, task: Task<Void, any Error>) {
        self.port = port
        self.bodies = bodies
        self.task = task
    }

    static func start() async throws -> WebhookReceiver {
        let received = Bodies()
        let router = Router()
        router.post("hook") { request, context -> HTTPResponse.Status in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            if let object = try? JSON.parse(Data(buffer.readableBytesView)) as? [String: Any] {
                received.append(object)
            }
            return .ok
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "webhook"))
        let task = Task { try await app.runService() }
        var iterator = stream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return WebhookReceiver(port: port, bodies: received, task: task)
    }

    func waitFor(status: String, timeout: Duration) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let body = bodies.withLock({ $0.first { $0["status"] as? String == status } }) { return body }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestError("no \(status) notification within \(timeout); received: \(bodies.withLock { $0.count })")
    }

    var count: Int { bodies.withLock { $0.count } }

    func stop() { task.cancel() }
}
