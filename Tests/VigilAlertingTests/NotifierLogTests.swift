import Foundation
import Testing
@testable import VigilAlerting

@Suite(.timeLimit(.minutes(1)))
struct LogNotifierTests {
    @Test func logsEachTransitionOnce() throws {
        let capture = LogCapture()
        let counts = ResultCounts()
        let delivery = AlertDelivery(settings: NotifierSettings(log: true), logger: capture.logger, onResult: counts.onResult)
        delivery.submit([DeliveryFixture.alert(), DeliveryFixture.alert(feature: "age", state: .pending)])
        delivery.submit([DeliveryFixture.alert()])  // still firing
        delivery.submit([DeliveryFixture.alert(state: .resolved)])
        let lines = capture.records.filter { $0.contains("Alert ") }
        try #require(lines.count == 2)
        #expect(lines[0].hasPrefix("info Alert firing."))
        #expect(lines[0].contains("alert.name=FeatureDrift"))
        #expect(lines[0].contains("alert.label.feature=amount"))
        #expect(lines[0].contains("alert.starts_at=\(DeliveryFixture.startsAtText)"))
        #expect(lines[1].hasPrefix("info Alert resolved."))
        #expect(lines[1].contains("alert.ends_at=\(DeliveryFixture.endsAtText)"))
        #expect(counts.count("log", .sent) == 2)
        #expect(delivery.notifierNames == ["log"])
    }

    @Test func secretsNeverReachTheLog() async throws {
        let routingKey = "PD-ROUTING-KEY-0123456789"
        let headerValue = "Bearer WEBHOOK-TOKEN-abcdef"
        let pathToken = "T0KEN-IN-PATH-xyz"
        let capture = LogCapture()
        // Every outcome that logs: retried (500), rejected (400), delivered; queue overflow too.
        try await withFakeReceiver(respond: { $0 == 0 ? .status(500) : .status(400) }) { failing in
            try await withFakeReceiver(respond: { _ in .status(202) }) { ok in
                let settings = NotifierSettings(
                    pagerDuty: .init(routingKey: routingKey, url: ok.baseURL + "/v2/enqueue"),
                    webhooks: [.init(name: "ops", url: "http://user:pw@127.0.0.1:\(failing.port)/hook/\(pathToken)", headers: ["Authorization": headerValue])],
                    log: true, queueCapacity: 1)
                let counts = ResultCounts()
                let delivery = AlertDelivery(settings: settings, logger: capture.logger, retryPolicy: fastRetry, onResult: counts.onResult)
                try await withDelivery(delivery) { _ in
                    delivery.submit(DeliveryFixture.alerts(3))
                    delivery.submit([DeliveryFixture.alert(feature: "f0", state: .resolved)])
                    await delivery.flush(timeout: .seconds(10))
                    #expect(counts.count("webhook:ops", .failed) >= 1)
                    #expect(counts.count("pagerduty", .sent) >= 1)
                }
            }
        }
        let records = capture.records
        #expect(records.contains { $0.contains("Receiver rejected notification") })
        #expect(records.contains { $0.contains("Notification queue full") })
        for secret in [routingKey, headerValue, "WEBHOOK-TOKEN", pathToken, "user:pw"] {
            #expect(!records.contains { $0.contains(secret) }, "\(secret) appeared in the log")
        }
    }
}
