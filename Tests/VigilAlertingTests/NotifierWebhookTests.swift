import Foundation
import Testing
@testable import VigilAlerting

@Suite(.timeLimit(.minutes(1)))
struct WebhookNotifierTests {
    static let agentURL = "http://vigil.example:9877"

    static func settings(_ receiver: FakeReceiver, headers: [String: String] = [:]) -> NotifierSettings {
        NotifierSettings(webhooks: [.init(name: "ops", url: receiver.baseURL + "/hook", headers: headers)], log: false, agentURL: agentURL)
    }

    static func item(_ alert: Alert, status: String, endsAt: String) -> ReceivedJSON {
        [
            "status": .string(status),
            "labels": .strings(alert.labels),
            "annotations": .strings(alert.annotations),
            "startsAt": .string(DeliveryFixture.startsAtText),
            "endsAt": .string(endsAt),
            "generatorURL": .string(alert.generatorURL),
            "fingerprint": .string(alert.fingerprint),
        ]
    }

    @Test func firingAndResolvedGoInSeparateAlertmanagerWebhookBodies() async throws {
        try await withFakeReceiver { receiver in
            let counts = ResultCounts()
            let headers = ["Authorization": "Bearer s3cr3t", "X-Team": "risk"]
            let delivery = AlertDelivery(settings: Self.settings(receiver, headers: headers), logger: silentLogger, onResult: counts.onResult)
            let amount = DeliveryFixture.alert(feature: "amount")
            let resolved = DeliveryFixture.alert(feature: "merchant_category", state: .resolved)
            let age = DeliveryFixture.alert(feature: "age")
            try await withDelivery(delivery) { _ in
                delivery.submit([amount, resolved, age])
                _ = try await receiver.waitForRequests(2)
            }
            let requests = receiver.requests
            try #require(requests.count == 2)
            for request in requests {
                #expect(request.path == "/hook")
                #expect(request.headers["authorization"] == "Bearer s3cr3t")
                #expect(request.headers["x-team"] == "risk")
                #expect(request.headers["content-type"] == "application/json")
            }
            var common = amount.labels
            common["feature"] = nil
            let firingBody: ReceivedJSON = [
                "version": "4",
                "groupKey": "{}:{}",
                "truncatedAlerts": 0,
                "status": "firing",
                "receiver": "ops",
                "groupLabels": [:],
                "commonLabels": .strings(common),
                "commonAnnotations": .strings(["description": "PSI above 0.2 for 5m", "value": "0.3125"]),
                "externalURL": .string(Self.agentURL),
                "alerts": [Self.item(amount, status: "firing", endsAt: "0001-01-01T00:00:00Z"), Self.item(age, status: "firing", endsAt: "0001-01-01T00:00:00Z")],
            ]
            #expect(try requests[0].json() == firingBody)
            let resolvedBody: ReceivedJSON = [
                "version": "4",
                "groupKey": "{}:{}",
                "truncatedAlerts": 0,
                "status": "resolved",
                "receiver": "ops",
                "groupLabels": [:],
                "commonLabels": .strings(resolved.labels),
                "commonAnnotations": .strings(resolved.annotations),
                "externalURL": .string(Self.agentURL),
                "alerts": [Self.item(resolved, status: "resolved", endsAt: DeliveryFixture.endsAtText)],
            ]
            #expect(try requests[1].json() == resolvedBody)
            #expect(counts.count("webhook:ops", .sent) == 3)
        }
    }

    @Test func eachSubmittedBatchIsOneRequest() async throws {
        try await withFakeReceiver { receiver in
            let delivery = AlertDelivery(settings: Self.settings(receiver), logger: silentLogger)
            try await withDelivery(delivery) { _ in
                delivery.submit([DeliveryFixture.alert(feature: "a"), DeliveryFixture.alert(feature: "b")])
                delivery.submit([DeliveryFixture.alert(feature: "c")])
                _ = try await receiver.waitForRequests(2)
            }
            let sizes = try receiver.requests.map { try #require(try $0.json()["alerts"]?.array).count }
            #expect(sizes == [2, 1])
        }
    }

    @Test func generatorURLIsDerivedFromTheAgentURLWhenMissing() async throws {
        try await withFakeReceiver { receiver in
            var settings = Self.settings(receiver)
            settings.agentURL = "http://vigil.example:9877/"
            let delivery = AlertDelivery(settings: settings, logger: silentLogger)
            try await withDelivery(delivery) { _ in
                delivery.submit([DeliveryFixture.alert(model: "fraud v2", generatorURL: "")])
                _ = try await receiver.waitForRequests(1)
            }
            let body = try #require(receiver.requests.first).json()
            #expect(body["alerts"]?[0]?["generatorURL"] == "http://vigil.example:9877/api/v1/windows/fraud%20v2")
            #expect(body["externalURL"] == "http://vigil.example:9877/")
        }
    }
}
