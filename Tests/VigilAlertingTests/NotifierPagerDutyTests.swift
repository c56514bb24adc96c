import Foundation
import Testing
@testable import VigilAlerting

@Suite(.timeLimit(.minutes(1)))
struct PagerDutyNotifierTests {
    static let routingKey = "R0UTING-KEY-secret"
    static let agentURL = "http://vigil.example:9877"

    static func settings(_ receiver: FakeReceiver) -> NotifierSettings {
        NotifierSettings(pagerDuty: .init(routingKey: routingKey, url: receiver.baseURL + "/v2/enqueue"), log: false, agentURL: agentURL)
    }

    static func trigger(_ alert: Alert) -> ReceivedJSON {
        var details = alert.labels.merging(alert.annotations) { $1 }.mapValues { ReceivedJSON.string($0) }
        details["value"] = .number(alert.value)
        var payload: [String: ReceivedJSON] = [
            "summary": .string(alert.annotations["summary"]!),
            "source": .string(agentURL),
            "severity": .string(alert.labels["severity"]!),
            "timestamp": .string(DeliveryFixture.startsAtText),
            "component": .string(alert.labels["model"]!),
            "class": .string(alert.labels["alertname"]!),
            "custom_details": .object(details),
        ]
        if let feature = alert.labels["feature"] { payload["group"] = .string(feature) }
        return ["routing_key": .string(routingKey), "event_action": "trigger", "dedup_key": .string(alert.fingerprint), "payload": .object(payload)]
    }

    @Test(arguments: [DeliveryFixture.alert(feature: "amount"), DeliveryFixture.alert(name: "DatasetDrift", feature: nil, severity: "warning")])
    func triggerHasTheEventsV2Payload(alert: Alert) async throws {
        try await withFakeReceiver(respond: { _ in .status(202) }) { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.settings(receiver), logger: silentLogger, onResult: counts.onResult)
            let request = try await withDelivery(delivery) { _ in
                delivery.submit([alert])
                return try #require(try await receiver.waitForRequests(1).first)
            }
            #expect(request.path == "/v2/enqueue")
            #expect(request.headers["content-type"] == "application/json")
            let event = try request.json()
            #expect(event == Self.trigger(alert))
            #expect(event["payload"]?.keys.contains("group") == (alert.labels["feature"] != nil))
            #expect(counts.count("pagerduty", .sent) == 1)
        }
    }

    @Test func triggerAgainAfterRestartWithTheSameDedupKeyThenResolve() async throws {
        try await withFakeReceiver(respond: { _ in .status(202) }) { receiver in
            let firing = DeliveryFixture.alert()
            let first = AlertDelivery(settings: Self.settings(receiver), logger: silentLogger)
            try await withDelivery(first) { _ in
                first.submit([firing])
                _ = try await receiver.waitForRequests(1)
                first.submit([firing])  // still firing: PagerDuty is not re-triggered
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(receiver.requests.count == 1)
            // A new instance (restart) triggers again; PagerDuty de-duplicates on the key.
            let second = AlertDelivery(settings: Self.settings(receiver), logger: silentLogger)
            try await withDelivery(second) { _ in
                second.submit([firing])
                _ = try await receiver.waitForRequests(2)
                second.submit([DeliveryFixture.alert(state: .resolved)])
                _ = try await receiver.waitForRequests(3)
            }
            let events = try receiver.requests.map { try $0.json() }
            try #require(events.count == 3)
            #expect(events[0] == Self.trigger(firing))
            #expect(events[1] == Self.trigger(firing))
            #expect(events[2] == ["routing_key": .string(Self.routingKey), "event_action": "resolve", "dedup_key": .string(firing.fingerprint)])
        }
    }

    @Test(arguments: [("critical", "critical"), ("error", "error"), ("warning", "warning"), ("info", "info"), ("page", "warning"), ("", "warning")])
    func severityComesFromTheLabel(label: String, severity: String) throws {
        let alert = DeliveryFixture.alert(severity: label)
        let event = PagerDutyNotifier.event(for: QueuedAlert(alert: alert, fingerprint: alert.fingerprint, batch: 0), routingKey: "k", source: "s")
        #expect(event.payload?.severity == severity)
    }

    @Test(arguments: [(Double.nan, ReceivedJSON.string("NaN")), (.infinity, "+Inf"), (-.infinity, "-Inf"), (0.1 + 0.2, .number(0.1 + 0.2))])
    func valueIsANumberWhenJSONCanCarryIt(value: Double, expected: ReceivedJSON) throws {
        let alert = DeliveryFixture.alert(value: value)
        let notifier = PagerDutyNotifier(settings: .init(routingKey: "k", url: "http://x/"), source: "s", timeout: .seconds(1))
        let request = try notifier.request(for: [QueuedAlert(alert: alert, fingerprint: alert.fingerprint, batch: 0)], nowMillis: 0)
        let event = try JSONDecoder().decode(ReceivedJSON.self, from: Data(request.body))
        #expect(event["payload"]?["custom_details"]?["value"] == expected)
    }

    @Test func summaryFallsBackToTheLabelsAndIsTruncated() throws {
        var alert = DeliveryFixture.alert()
        alert.annotations["summary"] = nil
        let queued = QueuedAlert(alert: alert, fingerprint: alert.fingerprint, batch: 0)
        #expect(PagerDutyNotifier.event(for: queued, routingKey: "k", source: "s").payload?.summary == "FeatureDrift fraud amount")
        alert.annotations["summary"] = String(repeating: "x", count: 2000)
        let long = QueuedAlert(alert: alert, fingerprint: alert.fingerprint, batch: 0)
        #expect(PagerDutyNotifier.event(for: long, routingKey: "k", source: "s").payload?.summary.count == 1024)
    }
}
