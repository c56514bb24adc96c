import Foundation
import Testing
import TestSupport
import VigilKafka

/// Issue 7: the `vigil` binary against librdkafka's mock cluster (a real Kafka protocol server on
/// loopback) through restarts, a second group member, a broker outage and failing requests. Every
/// expectation is an exact count of events produced by the test, or a byte-for-byte comparison with
/// an agent that saw the same events without any disturbance.
@Suite(.serialized) struct KafkaReliabilityTests {
    /// Event `i` of a stream: event time `base + 10·i` ms (100 events per second of event time),
    /// feature `x` = i mod 97, category "a"/"b"/"c" by i mod 3, score i mod 10 / 10.
    static func event(_ i: Int, base: Int64 = 1_790_000_000_000) -> [UInt8] {
        Array(#"{"model":"rel","id":"e-\#(i)","ts":\#(base + Int64(i) * 10),"features":{"x":\#(i % 97),"c":"\#(["a", "b", "c"][i % 3])"},"prediction":\#(Double(i % 10) / 10)}"#.utf8)
    }

    /// Produces events `range` spread over `partitions` partitions (event i to partition i mod n,
    /// so every partition's event time advances and the watermark with them).
    static func produce(_ range: Range<Int>, topic: String, partitions: Int32, cluster: MockCluster) throws {
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        defer { producer.close() }
        for i in range { try producer.send(topic: topic, partition: Int32(i) % partitions, value: event(i)) }
        try producer.flush(timeout: .seconds(30))
        #expect(producer.deliveryFailures == 0)
    }

    static func config(_ dir: URL, name: String = "vigil.yaml", cluster: MockCluster, topic: String, group: String,
                       startFrom: String = "window", extraKafka: String = "") throws -> String {
        let path = dir.appendingPathComponent(name)
        try """
            kafka:
              brokers: "\(cluster.bootstrapServers)"
              group_id: "\(group)"
              start_from: \(startFrom)
              idle_timeout: 10m
              properties: {"auto.commit.interval.ms": "300", "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"\(extraKafka)}
            http: {listen: "127.0.0.1:0"}
            models:
              - name: rel
                topic: \(topic)
                features: [{name: x, type: numeric}, {name: c, type: categorical}]
                window: {size: 20s, slide: 5s, lateness: 0s}
            alerts:
              - {name: ManyEvents, metric: events, op: ">", threshold: 100, for: 10s}
            """.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    /// A running agent and its metrics.
    struct Running {
        let process: AgentProcess
        let port: Int

        static func start(_ vigil: String, config: String) async throws -> Running {
            let process = try AgentProcess(binary: vigil, arguments: ["run", "--config", config, "--log-format", "json"])
            do {
                return Running(process: process, port: try await process.waitForPort(timeout: .seconds(60)))
            } catch {
                process.kill()
                throw error
            }
        }

        func metrics() throws -> [String: Double] {
            try AgentProcess.metrics(port: port)
        }

        var events: Double { (try? metrics()[#"vigil_events_total{model="rel"}"#]) ?? nil ?? 0 }

        func window() throws -> String? {
            let response = try TestSupport.httpGet(port: port, path: "/api/v1/windows/rel")
            return response.status == 200 ? String(decoding: response.body, as: UTF8.self) : nil
        }

        func readiness() throws -> Int { try TestSupport.httpGet(port: port, path: "/readyz").status }

        /// Waits until `condition` holds (polling every 200 ms) or `timeout` passes; returns whether it held.
        @discardableResult
        func wait(_ timeout: Duration, _ condition: () throws -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if try condition() { return true }
                try await Task.sleep(for: .milliseconds(200))
            }
            return try condition()
        }
    }

    /// The window [15 s, 35 s) of event time: the last one an agent closes after events 0..<4,000
    /// (the watermark stops at 39.98 s); it holds events 1,500..<3,500.
    static let lastWindowEnd = "2026-09-21T14:13:55Z"   // 1_790_000_035_000 ms

    /// Restart-and-replay: agent A reads the first 3,000 events (30 s of event time), commits and
    /// stops; 1,000 more arrive; agent B in the same group replays what its windows need and reads
    /// the rest. B's last window — which spans the restart — equals the one an
    /// undisturbed agent reports over all 4,000 events, and A and B together counted each event
    /// exactly once.
    @Test(.timeLimit(.minutes(4)))
    func restartReplaysToIdenticalWindows() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("rel-restart", partitions: 2)
        let dir = try TestSupport.temporaryDirectory()
        let group = "rel-\(UUID().uuidString)"
        let config = try Self.config(dir, cluster: cluster, topic: "rel-restart", group: group)
        try Self.produce(0..<3000, topic: "rel-restart", partitions: 2, cluster: cluster)

        let a = try await Running.start(vigil, config: config)
        defer { a.process.kill() }
        #expect(try await a.wait(.seconds(60)) { a.events == 3000 }, "\(a.process.stderrTail)")
        try await Task.sleep(for: .seconds(1))   // a periodic commit (every 300 ms) with the replay point
        let countedByA = a.events
        #expect(try await a.process.terminate(timeout: .seconds(20)) == 0)

        try Self.produce(3000..<4000, topic: "rel-restart", partitions: 2, cluster: cluster)
        let b = try await Running.start(vigil, config: config)
        defer { b.process.kill() }
        #expect(try await b.wait(.seconds(60)) { (try b.window())?.contains(Self.lastWindowEnd) == true }, "\(b.process.stderrTail)")
        try await Task.sleep(for: .seconds(1))
        #expect(countedByA + b.events == 4000, "A \(countedByA), B \(b.events)")
        #expect(b.process.stderrText.contains("Replaying to rebuild window state."))

        let control = try await Running.start(vigil, config: try Self.config(dir, name: "control.yaml", cluster: cluster, topic: "rel-restart",
                                                                               group: "control-\(UUID().uuidString)", startFrom: "earliest"))
        defer { control.process.kill() }
        #expect(try await control.wait(.seconds(60)) { (try control.window())?.contains(Self.lastWindowEnd) == true })
        let replayed = try #require(try b.window()), undisturbed = try #require(try control.window())
        let differences = Self.differences(try JSON.parse(Data(replayed.utf8)), try JSON.parse(Data(undisturbed.utf8)))
        #expect(differences.isEmpty, "\(differences)\nreplayed: \(replayed)\nundisturbed: \(undisturbed)")
        #expect(replayed.contains(#""events":2000"#), "\(replayed.prefix(300))")
        // The alert rule's state was rebuilt too: ManyEvents fires in both.
        let alerts = { (samples: [String: Double]) in samples.filter { $0.key.hasPrefix("vigil_alerts{") && $0.key.contains("ManyEvents") } }
        let bAlerts = alerts(try b.metrics()), controlAlerts = alerts(try control.metrics())
        #expect(!controlAlerts.isEmpty && bAlerts == controlAlerts, "B \(bAlerts), control \(controlAlerts)")
        #expect(try await b.process.terminate(timeout: .seconds(20)) == 0)
        #expect(try await control.process.terminate(timeout: .seconds(20)) == 0)
    }

    /// Scale-out: a second agent joins the group (partitions split, the moved ones replayed but
    /// not re-counted), then leaves (its partitions come back). Together they count every event
    /// exactly once.
    @Test(.timeLimit(.minutes(5)))
    func twoAgentsSplitPartitionsAndCountEachEventOnce() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("rel-split", partitions: 4)
        let dir = try TestSupport.temporaryDirectory()
        let config = try Self.config(dir, cluster: cluster, topic: "rel-split", group: "split-\(UUID().uuidString)")
        try Self.produce(0..<2000, topic: "rel-split", partitions: 4, cluster: cluster)

        let a = try await Running.start(vigil, config: config)
        defer { a.process.kill() }
        #expect(try await a.wait(.seconds(60)) { a.events == 2000 }, "\(a.process.stderrTail)")
        try await Task.sleep(for: .seconds(1))

        let b = try await Running.start(vigil, config: config)
        defer { b.process.kill() }
        // Both hold partitions once B is ready (A gave some up in the rebalance).
        #expect(try await b.wait(.seconds(60)) { try b.readiness() == 200 }, "\(b.process.stderrTail)")
        try Self.produce(2000..<4000, topic: "rel-split", partitions: 4, cluster: cluster)
        #expect(try await b.wait(.seconds(60)) { a.events + b.events == 4000 }, "A \(a.events), B \(b.events)")
        #expect(b.events > 0 && b.events < 2000, "B took part of the new events: \(b.events)")
        #expect((try a.metrics()["vigil_kafka_rebalances_total"] ?? 0) >= 2)
        try await Task.sleep(for: .seconds(1))
        let countedByB = b.events
        #expect(try await b.process.terminate(timeout: .seconds(20)) == 0)

        try Self.produce(4000..<5000, topic: "rel-split", partitions: 4, cluster: cluster)
        #expect(try await a.wait(.seconds(60)) { a.events + countedByB == 5000 }, "A \(a.events), B \(countedByB)\n\(a.process.stderrTail)")
        try await Task.sleep(for: .seconds(2))
        #expect(a.events + countedByB == 5000)
        #expect(try await a.process.terminate(timeout: .seconds(20)) == 0)
    }

    /// The only broker goes down for 5 s mid-stream, right after the agent applied the first 1,000
    /// events (often before it could commit them; the group session may expire and the partitions
    /// come back to it): `/readyz` turns 503 during the outage and 200 after it, and every event —
    /// including those produced during the outage — is counted once.
    @Test(.timeLimit(.minutes(3)))
    func brokerOutageLosesNothing() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("rel-outage", partitions: 2)
        let dir = try TestSupport.temporaryDirectory()
        let config = try Self.config(dir, cluster: cluster, topic: "rel-outage", group: "outage-\(UUID().uuidString)")
        try Self.produce(0..<1000, topic: "rel-outage", partitions: 2, cluster: cluster)
        let a = try await Running.start(vigil, config: config)
        defer { a.process.kill() }
        #expect(try await a.wait(.seconds(60)) { try a.events == 1000 && a.readiness() == 200 }, "\(a.process.stderrTail)")

        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        defer { producer.close() }
        try cluster.setBrokerDown(1, true)
        let sawOutage = try await a.wait(.seconds(20)) { try a.readiness() == 503 }
        #expect(sawOutage, "readyz never reported the outage\n\(a.process.stderrTail)")
        for i in 1000..<2000 { try producer.send(topic: "rel-outage", partition: Int32(i % 2), value: Self.event(i)) }
        try await Task.sleep(for: .seconds(5))
        try cluster.setBrokerDown(1, false)
        try producer.flush(timeout: .seconds(60))
        #expect(producer.deliveryFailures == 0)
        #expect(try await a.wait(.seconds(60)) { try a.events == 2000 && a.readiness() == 200 }, "\(a.events)\n\(a.process.stderrTail)")
        try await Task.sleep(for: .seconds(1))
        #expect(a.events == 2000, "\(a.process.stderrText.split(separator: "\n").filter { $0.contains("eplay") || $0.contains("ommit") || $0.contains("assigned") || $0.contains("lost") }.joined(separator: "\n"))")
        #expect(try await a.process.terminate(timeout: .seconds(20)) == 0)
    }

    /// Fetch and OffsetCommit requests fail (leader changes, timeouts, coordinator moves) while
    /// events flow: all are counted once, and the offsets committed after the errors are right — a
    /// restarted agent counts only what arrived after the first one stopped.
    @Test(.timeLimit(.minutes(4)))
    func fetchAndCommitErrorsAreSurvived() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("rel-errors", partitions: 2)
        let dir = try TestSupport.temporaryDirectory()
        let config = try Self.config(dir, cluster: cluster, topic: "rel-errors", group: "errors-\(UUID().uuidString)")
        try Self.produce(0..<1000, topic: "rel-errors", partitions: 2, cluster: cluster)
        let a = try await Running.start(vigil, config: config)
        defer { a.process.kill() }
        #expect(try await a.wait(.seconds(60)) { a.events == 1000 }, "\(a.process.stderrTail)")

        try cluster.pushRequestErrors(apiKey: .fetch, errors: [.notLeaderForPartition, .requestTimedOut, .notLeaderForPartition, .requestTimedOut])
        try cluster.pushRequestErrors(apiKey: .offsetCommit, errors: [.requestTimedOut, .coordinatorNotAvailable, .notCoordinator, .requestTimedOut])
        try Self.produce(1000..<2000, topic: "rel-errors", partitions: 2, cluster: cluster)
        #expect(try await a.wait(.seconds(60)) { a.events == 2000 }, "\(a.events)\n\(a.process.stderrTail)")
        try await Task.sleep(for: .seconds(2))   // periodic commits go through again
        #expect(a.events == 2000)
        #expect(try await a.process.terminate(timeout: .seconds(20)) == 0)

        try Self.produce(2000..<2300, topic: "rel-errors", partitions: 2, cluster: cluster)
        let b = try await Running.start(vigil, config: config)
        defer { b.process.kill() }
        #expect(try await b.wait(.seconds(60)) { b.events == 300 }, "\(b.events)\n\(b.process.stderrTail)")
        try await Task.sleep(for: .seconds(2))
        #expect(b.events == 300)
        #expect(try await b.process.terminate(timeout: .seconds(20)) == 0)
    }

    /// SIGTERM while a producer is still writing: the agent exits 0 within the budget after
    /// committing what it applied; the next agent in the group counts exactly the rest.
    @Test(.timeLimit(.minutes(3)))
    func sigtermMidStreamCommitsAndExits() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("rel-term", partitions: 2)
        let dir = try TestSupport.temporaryDirectory()
        let config = try Self.config(dir, cluster: cluster, topic: "rel-term", group: "term-\(UUID().uuidString)")
        let a = try await Running.start(vigil, config: config)
        defer { a.process.kill() }
        #expect(try await a.wait(.seconds(60)) { try a.readiness() == 200 }, "\(a.process.stderrTail)")

        let total = 20_000
        let writer = Task.detached {
            let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
            defer { producer.close() }
            for i in 0..<total {
                try producer.send(topic: "rel-term", partition: Int32(i % 2), value: Self.event(i))
                if i % 500 == 499 { try await Task.sleep(for: .milliseconds(20)) }
            }
            try producer.flush(timeout: .seconds(30))
            return producer.deliveryFailures
        }
        #expect(try await a.wait(.seconds(60)) { a.events > 0 })
        let started = ContinuousClock.now
        #expect(try await a.process.terminate(timeout: .seconds(15)) == 0, "\(a.process.stderrTail)")
        #expect(started.duration(to: .now) < .seconds(15))
        let countedByA = Self.lastCount(in: a.process.stderrText)
        #expect(try await writer.value == 0)

        let b = try await Running.start(vigil, config: config)
        defer { b.process.kill() }
        #expect(try await b.wait(.seconds(60)) { countedByA + b.events == Double(total) }, "A \(countedByA), B \(b.events)\n\(b.process.stderrTail)")
        try await Task.sleep(for: .seconds(1))
        #expect(countedByA + b.events == Double(total))
        #expect(try await b.process.terminate(timeout: .seconds(20)) == 0)
    }

    /// Where two window reports differ: every count, string and flag must be equal; floating-point
    /// statistics may differ in the last bits (running moments merge the same values in the
    /// order the poll batches happened to bring them). `change_detection` is left out:
    /// Page-Hinkley reads the stream in arrival order, which differs between any two consumers
    /// of several partitions (and its state restarts with the agent, see README).
    static func differences(_ a: Any, _ b: Any, at path: String = "") -> [String] {
        switch (a, b) {
        case (let x as [String: Any], let y as [String: Any]):
            guard Set(x.keys) == Set(y.keys) else { return ["\(path): keys \(x.keys.sorted()) vs \(y.keys.sorted())"] }
            return x.keys.sorted().filter { $0 != "change_detection" }.flatMap { differences(x[$0]!, y[$0]!, at: path + "." + $0) }
        case (let x as [Any], let y as [Any]):
            guard x.count == y.count else { return ["\(path): \(x.count) vs \(y.count) elements"] }
            return zip(x, y).enumerated().flatMap { differences($1.0, $1.1, at: path + "[\($0)]") }
        case (let x as Int, let y as Int):
            return x == y ? [] : ["\(path): \(x) vs \(y)"]
        case (let x as Double, let y as Double):
            return isClose(x, y, relative: 1e-12) ? [] : ["\(path): \(x) vs \(y)"]
        case (let x as String, let y as String):
            return x == y ? [] : ["\(path): \(x) vs \(y)"]
        case (let x as Bool, let y as Bool):
            return x == y ? [] : ["\(path): \(x) vs \(y)"]
        case (is NSNull, is NSNull):
            return []
        default:
            return ["\(path): \(a) vs \(b)"]
        }
    }

    /// The events an agent counted, from its "Kafka consumer stopped." log record.
    static func lastCount(in log: String) -> Double {
        for line in log.split(separator: "\n").reversed() where line.contains("Kafka consumer stopped.") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
               let events = (object["events"] as? String).flatMap(Double.init) {
                return events
            }
        }
        return -1
    }
}
