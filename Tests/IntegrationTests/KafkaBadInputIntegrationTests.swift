import Foundation
import Testing
import TestSupport
import VigilKafka

/// Issue 10, part 2, over a real Kafka protocol (librdkafka's mock cluster) and the `vigil` binary:
/// tombstones (null values) are counted `malformed`, never a crash; Kafka headers are ignored;
/// far-future events are `bad_timestamp` by `max_clock_skew`. The decoder-level matrix is
/// `BadInputMatrixTests`; that a tombstone's `KafkaMessage.payload` is empty is checked in
/// `KafkaConsumerTests.runsOnAConsumerThreadWithCooperativeRebalancingHeadersPauseAndSeek`.
@Suite(.serialized) struct KafkaBadInputIntegrationTests {
    @Test(.timeLimit(.minutes(3)))
    func tombstonesAreMalformedAndHeadersAreIgnored() async throws {
        let vigil = try #require(TestSupport.vigilBinary)
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("bad-events", partitions: 2)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        var valid = 0, tombstones = 0, future = 0
        for i in 0..<1000 {
            let event = #"{"model":"bad","id":"e-\#(i)","ts":\#(now - 60_000 + Int64(i)),"features":{"x":\#(i % 7)},"prediction":0.5}"#
            // Every third event carries headers, some of them looking like Vigil's own or like JSON.
            let headers: [(String, [UInt8])] = i % 3 == 0
                ? [("traceparent", Array("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".utf8)),
                   ("vigil-reason", Array("malformed".utf8)), ("model", Array("other".utf8)), ("binary", [0xFF, 0x00]), ("empty", [])]
                : []
            try producer.send(topic: "bad-events", key: Array("k\(i)".utf8), value: Array(event.utf8), headers: headers)
            valid += 1
            if i % 50 == 0 {
                // A tombstone: a null value (with and without a key, with and without headers).
                try producer.send(topic: "bad-events", key: i % 100 == 0 ? Array("k\(i)".utf8) : nil,
                                  value: UnsafeRawBufferPointer(start: nil, count: 0),
                                  headers: i % 100 == 0 ? [("deleted", Array("yes".utf8))] : [])
                tombstones += 1
            }
            if i % 250 == 0 {
                let ahead = #"{"model":"bad","id":"f-\#(i)","ts":\#(now + 3 * 3_600_000),"features":{"x":1},"prediction":0.5}"#
                try producer.send(topic: "bad-events", value: Array(ahead.utf8))
                future += 1
            }
        }
        try producer.flush(timeout: .seconds(30))
        #expect(producer.deliveryFailures == 0)
        producer.close()

        let dir = try TestSupport.temporaryDirectory()
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
            kafka: {brokers: "\(cluster.bootstrapServers)", group_id: "bad-\(UUID().uuidString)", start_from: earliest, idle_timeout: 2s}
            http: {listen: "127.0.0.1:0"}
            models:
              - name: bad
                topic: bad-events
                features: [{name: x, type: numeric}]
                window: {events: 1000}
            """.write(to: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(binary: vigil, arguments: ["run", "--config", config.path, "--log-format", "json"])
        defer { agent.kill() }
        let port = try await agent.waitForPort(timeout: .seconds(60))
        let total = Double(valid + tombstones + future)
        var samples: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            samples = try AgentProcess.metrics(port: port)
            if samples[#"vigil_kafka_messages_total{topic="bad-events"}"#] == total, samples[#"vigil_window_events{model="bad"}"#] == 1000 { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(samples[#"vigil_kafka_messages_total{topic="bad-events"}"#] == total, "\(agent.stderrTail)")
        #expect(samples[#"vigil_events_total{model="bad"}"#] == Double(valid))
        #expect(samples[#"vigil_window_events{model="bad"}"#] == 1000)
        let rejected = { (reason: String) -> Double in
            (samples["vigil_events_rejected_total{model=\"\",reason=\"\(reason)\"}"] ?? 0)
                + (samples["vigil_events_rejected_total{model=\"bad\",reason=\"\(reason)\"}"] ?? 0)
        }
        #expect(rejected("malformed") == Double(tombstones))
        #expect(rejected("bad_timestamp") == Double(future))
        #expect(rejected("too_large") == 0 && rejected("unknown_model") == 0 && rejected("late") == 0)
        #expect(try await agent.terminate(timeout: .seconds(20)) == 0, "\(agent.stderrTail)")
    }
}
