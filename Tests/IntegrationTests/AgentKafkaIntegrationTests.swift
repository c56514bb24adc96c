import Foundation
import Logging
import Testing
import TestSupport
import VigilKafka

/// The `vigil` binary against a real Kafka protocol server (librdkafka's mock cluster, on
/// loopback), read back through `/metrics` as Prometheus would.
@Suite(.serialized) struct AgentKafkaIntegrationTests {
    /// Feature `x` of event i is i mod 100, and missing when i mod 10 == 0. Over 10,000 events
    /// (100 full cycles) the non-missing values are {1..99} without the multiples of 10, each
    /// 100 times: mean = (4950 − 450) / 90 = 50 exactly, missing ratio = 1000 / 10000 = 0.1.
    /// Category `c` is "a" for even i, "b" for odd i.
    static func event(_ i: Int) -> String {
        let x = i % 10 == 0 ? "null" : "\(i % 100)"
        return #"{"model":"it","id":"e-\#(i)","ts":1790000000000,"features":{"x":\#(x),"c":"\#(i % 2 == 0 ? "a" : "b")"},"prediction":0.25}"#
    }

    @Test(.timeLimit(.minutes(3)))
    func countsEveryEventAndEveryRejectionFromKafka() async throws {
        guard let vigil = TestSupport.vigilBinary else {
            Issue.record("vigil binary not found (build it with `swift build`, or set VIGIL_BINARY)")
            return
        }
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("it-events", partitions: 3)

        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        for i in 0..<10_000 {
            try producer.send(topic: "it-events", key: Array("k\(i)".utf8), value: Array(Self.event(i).utf8))
        }
        // Rejections mixed into the same topic (SPEC §3): malformed JSON, non-objects,
        // oversized messages (max_event_bytes is 4096 below) and an unknown model.
        let malformed = [#"{"model":"it","features":"#, "not json", #"{"model":"it","features":{"x":1}"#,
                         #"{"model":"it","ts":"#, "\u{7}\u{0}"]
        let nonObjects = ["[1,2,3]", "42", #""a string""#, "null"]
        let oversized = (0..<3).map { _ in #"{"model":"it","features":{"x":1},"pad":""# + String(repeating: "x", count: 5000) + #""}"# }
        let unknown = [#"{"model":"nope","features":{"x":1}}"#, #"{"model":"other","features":{}}"#]
        for (n, payload) in (malformed + nonObjects + oversized + unknown).enumerated() {
            try producer.send(topic: "it-events", partition: Int32(n % 3), value: Array(payload.utf8))
        }
        try producer.flush(timeout: .seconds(30))
        #expect(producer.deliveryFailures == 0)
        producer.close()

        let dir = try TestSupport.temporaryDirectory()
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
            kafka:
              brokers: "\(cluster.bootstrapServers)"
              group_id: "it-\(UUID().uuidString)"
              start_from: earliest
              idle_timeout: 2s
            http:
              listen: "127.0.0.1:0"
            models:
              - name: it
                topic: it-events
                features:
                  - {name: x, type: numeric}
                  - {name: c, type: categorical}
                window: {events: 10000}
                max_event_bytes: 4096
            """.write(to: config, atomically: true, encoding: .utf8)

        let agent = try AgentProcess(binary: vigil, arguments: ["run", "--config", config.path, "--log-format", "json"])
        defer { agent.kill() }
        let port = try await agent.waitForPort(timeout: .seconds(60))

        // Poll /metrics until the whole topic has been consumed and the window evaluated.
        var samples: [String: Double] = [:]
        var text = ""
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let response = try TestSupport.httpGet(port: port, path: "/metrics")
            #expect(response.status == 200)
            text = String(decoding: response.body, as: UTF8.self)
            samples = TestSupport.parseExposition(text)
            if samples[#"vigil_kafka_messages_total{topic="it-events"}"#] == 10_014, samples[#"vigil_window_events{model="it"}"#] == 10_000 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(samples[#"vigil_kafka_messages_total{topic="it-events"}"#] == 10_014, "\(agent.stderrTail)")
        #expect(samples[#"vigil_events_total{model="it"}"#] == 10_000)
        #expect(samples[#"vigil_window_events{model="it"}"#] == 10_000)
        #expect(isClose(samples[#"vigil_feature_mean{model="it",feature="x"}"#], 50, relative: 1e-12))
        #expect(samples[#"vigil_feature_missing_ratio{model="it",feature="x"}"#] == 0.1)
        #expect(samples[#"vigil_feature_missing_ratio{model="it",feature="c"}"#] == 0)
        let rejected = { (reason: String) -> Double in
            (samples["vigil_events_rejected_total{model=\"\",reason=\"\(reason)\"}"] ?? 0)
                + (samples["vigil_events_rejected_total{model=\"it\",reason=\"\(reason)\"}"] ?? 0)
        }
        #expect(rejected("malformed") == 9)
        #expect(rejected("too_large") == 3)
        #expect(rejected("unknown_model") == 2)
        #expect(rejected("bad_timestamp") == 0 && rejected("late") == 0)
        #expect(samples[#"vigil_build_info{version="0.1.0",swift_version="6.3"}"#] == 1 || text.contains("vigil_build_info{"))
        #expect(samples["process_resident_memory_bytes"] ?? 0 > 0)
        // SPEC §9 processing durations: every poll with messages decoded, every batch applied, and
        // the one window (10,000 events) evaluated once.
        let duration = { (stage: String, suffix: String) in samples["vigil_processing_duration_seconds_\(suffix){stage=\"\(stage)\"}"] ?? -1 }
        for stage in ["decode", "update"] {
            #expect(duration(stage, "count") >= 1 && duration(stage, "sum") > 0, "\(stage)")
            #expect(samples["vigil_processing_duration_seconds_bucket{stage=\"\(stage)\",le=\"+Inf\"}"] == duration(stage, "count"))
        }
        #expect(duration("evaluate", "count") == 1 && duration("evaluate", "sum") > 0)

        // The exposition is valid Prometheus text (promtool is Debian's `prometheus` package).
        if let problems = try TestSupport.promtoolProblems(text) {
            #expect(problems.isEmpty, "promtool: \(problems)")
        } else if TestSupport.isCI {
            Issue.record("promtool not found (install Debian's prometheus package)")
        }

        let ready = try TestSupport.httpGet(port: port, path: "/readyz")
        #expect(ready.status == 200)
        let window = try TestSupport.httpGet(port: port, path: "/api/v1/windows/it")
        #expect(window.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(window.body)) as? [String: Any]
        #expect(json?["events"] as? Int == 10_000)

        // SIGTERM: commit, leave the group, exit 0 (SPEC §2).
        let status = try await agent.terminate(timeout: .seconds(20))
        #expect(status == 0, "\(agent.stderrTail)")
    }
}

extension AgentKafkaIntegrationTests {
    /// SPEC §3: with `kafka.dead_letter_topic`, every rejected message goes there unchanged with
    /// `vigil-reason` and `vigil-source` headers; valid events are unaffected.
    @Test(.timeLimit(.minutes(2)))
    func rejectedMessagesGoToTheDeadLetterTopic() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("dl-events", partitions: 1)
        try cluster.createTopic("dl-dead", partitions: 1)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        for i in 0..<50 { try producer.send(topic: "dl-events", value: Array(Self.event(i).utf8)) }
        let poison = ["not json", #"{"model":"it","features":7}"#, #"{"model":"ghost","features":{}}"#]
        for (n, payload) in poison.enumerated() { try producer.send(topic: "dl-events", key: Array("poison-\(n)".utf8), value: Array(payload.utf8)) }
        try producer.flush(timeout: .seconds(30))
        producer.close()

        let dir = try TestSupport.temporaryDirectory()
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
            kafka: {brokers: "\(cluster.bootstrapServers)", group_id: "dl-\(UUID().uuidString)", start_from: earliest, dead_letter_topic: dl-dead}
            http: {listen: "127.0.0.1:0"}
            models:
              - name: it
                topic: dl-events
                features: [{name: x, type: numeric}, {name: c, type: categorical}]
                window: {events: 50}
            """.write(to: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(binary: vigil, arguments: ["run", "--config", config.path, "--log-format", "json"])
        defer { agent.kill() }
        let port = try await agent.waitForPort(timeout: .seconds(60))
        let deadline = ContinuousClock.now + .seconds(60)
        var samples: [String: Double] = [:]
        while ContinuousClock.now < deadline {
            samples = try AgentProcess.metrics(port: port)
            if samples[#"vigil_kafka_messages_total{topic="dl-events"}"#] == 53 { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(samples[#"vigil_events_total{model="it"}"#] == 50)

        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "dl-check", "auto.offset.reset": "earliest"], logger: .init(label: "test"))
        defer { consumer.close() }
        try consumer.subscribe(["dl-dead"])
        var letters: [(payload: String, key: String, reason: String, source: String)] = []
        while letters.count < 3 && ContinuousClock.now < deadline + .seconds(20) {
            _ = try consumer.poll(maxMessages: 100, timeoutMillis: 200) { m in
                func text(_ b: UnsafeRawBufferPointer?) -> String { b.map { String(decoding: $0, as: UTF8.self) } ?? "" }
                letters.append((text(m.payload), text(m.key), text(m.header(named: "vigil-reason")), text(m.header(named: "vigil-source"))))
            }
        }
        #expect(letters.map(\.payload) == poison)
        #expect(letters.map(\.key) == ["poison-0", "poison-1", "poison-2"])
        #expect(letters.map(\.reason) == ["malformed", "malformed", "unknown_model"])
        #expect(letters.map(\.source) == ["dl-events/0/50", "dl-events/0/51", "dl-events/0/52"])
        #expect(try await agent.terminate(timeout: .seconds(20)) == 0)
    }
}

extension AgentKafkaIntegrationTests {
    /// Predictions and their labels on two topics (SPEC §4 `labels`): 100 events scored 0.9 (even
    /// i) or 0.1 (odd i) in one recent 10-second window, their labels arriving after it closed; label 1
    /// for even i except multiples of 10. By hand, at threshold 0.5: TP 40, FP 10, TN 50, FN 0 →
    /// accuracy 0.9, precision 0.8, recall 1, F1 = 2·0.8/1.8. Three labels for unknown ids expire
    /// unmatched once newer labels are 30 s (max_delay) ahead of them.
    @Test(.timeLimit(.minutes(2)))
    func delayedLabelsFromTheirOwnTopicReachTheWindow() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("lab-events", partitions: 2)
        try cluster.createTopic("lab-labels", partitions: 1)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // A recent window: evaluated windows stay open to labels for max_delay (30 s) behind the
        // watermark, which follows the clock once the partitions are idle.
        let windowStart = (now - 20_000) / 10_000 * 10_000
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        for i in 0..<100 {
            let event = #"{"model":"lab","id":"p-\#(i)","ts":\#(windowStart + Int64(i) * 10),"features":{"x":\#(i)},"prediction":\#(i % 2 == 0 ? 0.9 : 0.1)}"#
            try producer.send(topic: "lab-events", key: Array("k\(i)".utf8), value: Array(event.utf8))
        }
        try producer.flush(timeout: .seconds(30))

        let dir = try TestSupport.temporaryDirectory()
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
            kafka: {brokers: "\(cluster.bootstrapServers)", group_id: "lab-\(UUID().uuidString)", start_from: earliest, idle_timeout: 1s}
            http: {listen: "127.0.0.1:0"}
            models:
              - name: lab
                topic: lab-events
                features: [{name: x, type: numeric}]
                window: {size: 10s, slide: 10s, lateness: 0s}
            labels: {topic: lab-labels, max_delay: 30s}
            """.write(to: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(binary: vigil, arguments: ["run", "--config", config.path, "--log-format", "json"])
        defer { agent.kill() }
        let port = try await agent.waitForPort(timeout: .seconds(60))
        func metrics() throws -> [String: Double] {
            try AgentProcess.metrics(port: port)
        }
        // The window closes (all partitions idle) before any label exists, so the labels must update
        // an already evaluated window.
        let deadline = ContinuousClock.now + .seconds(60)
        // (Idle partitions move the watermark to the clock in one step, which can close the
        // following empty windows in the same evaluation: wait on the end time, not on the count.)
        let windowEndSeconds = Double(windowStart + 10_000) / 1000
        while ContinuousClock.now < deadline, try metrics()[#"vigil_window_end_timestamp_seconds{model="lab"}"#] ?? 0 < windowEndSeconds {
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(try metrics()[#"vigil_events_total{model="lab"}"#] == 100)
        #expect(try metrics()[#"vigil_model_accuracy{model="lab"}"#] == nil)
        for unknown in 0..<3 {
            try producer.send(topic: "lab-labels", value: Array(#"{"id":"nobody-\#(unknown)","label":1,"ts":\#(now - 100_000)}"#.utf8))
        }
        for i in 0..<100 {
            let label = i % 2 == 0 && i % 10 != 0 ? 1 : 0
            try producer.send(topic: "lab-labels", value: Array(#"{"id":"p-\#(i)","label":\#(label),"ts":\#(now)}"#.utf8))
        }
        try producer.flush(timeout: .seconds(30))
        producer.close()
        var samples: [String: Double] = [:]
        while ContinuousClock.now < deadline + .seconds(30) {
            samples = try metrics()
            if samples[#"vigil_labels_joined_total{model="lab"}"#] == 100, samples[#"vigil_model_accuracy{model="lab"}"#] != nil { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(samples[#"vigil_labels_joined_total{model="lab"}"#] == 100)
        #expect(samples[#"vigil_labels_unmatched_total{model="lab"}"#] == 3)
        #expect(samples[#"vigil_model_accuracy{model="lab"}"#] == 0.9)
        #expect(samples[#"vigil_model_precision{model="lab"}"#] == 0.8)
        #expect(samples[#"vigil_model_recall{model="lab"}"#] == 1)
        #expect(isClose(samples[#"vigil_model_f1{model="lab"}"#], 1.6 / 1.8, relative: 1e-12))
        #expect(try await agent.terminate(timeout: .seconds(20)) == 0)
    }
}

/// A child `vigil` process whose standard error (JSON logs) is collected on a thread.
final class AgentProcess: @unchecked Sendable {   // `log` is guarded by `lock`
    /// The samples of an agent's `/metrics` on `port`, by series (`name{labels}`).
    static func metrics(port: Int) throws -> [String: Double] {
        TestSupport.parseExposition(String(decoding: try TestSupport.httpGet(port: port, path: "/metrics").body, as: UTF8.self))
    }

    private let process = Process()
    private let lock = NSLock()
    private var log = ""
    private var out = ""

    init(binary: String, arguments: [String], captureStdout: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let err = Pipe(), outPipe = Pipe()
        process.standardError = err
        process.standardOutput = captureStdout ? outPipe : FileHandle.nullDevice
        try process.run()
        let handle = err.fileHandleForReading
        Thread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                lock.lock(); log += String(decoding: data, as: UTF8.self); lock.unlock()
            }
        }.start()
        if captureStdout {
            let outHandle = outPipe.fileHandleForReading
            Thread { [self] in
                while true {
                    let data = outHandle.availableData
                    if data.isEmpty { break }
                    lock.lock(); out += String(decoding: data, as: UTF8.self); lock.unlock()
                }
            }.start()
        }
    }

    var stderrText: String { lock.lock(); defer { lock.unlock() }; return log }
    var stdoutText: String { lock.lock(); defer { lock.unlock() }; return out }
    var stderrTail: String { String(stderrText.suffix(3000)) }

    /// The port from the agent's "HTTP server listening." log record.
    func waitForPort(timeout: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for line in stderrText.split(separator: "\n") where line.contains("HTTP server listening.") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   let port = (object["http.port"] as? String).flatMap(Int.init) {
                    return port
                }
            }
            guard process.isRunning else { throw TestError("vigil exited early: \(stderrTail)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestError("vigil did not start listening: \(stderrTail)")
    }

    func terminate(timeout: Duration) async throws -> Int32 {
        process.terminate()   // SIGTERM
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        guard !process.isRunning else { throw TestError("vigil did not exit within \(timeout) of SIGTERM: \(stderrTail)") }
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}
