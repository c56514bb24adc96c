import Foundation
import Synchronization
import Testing
@testable import VigilAlerting

@Suite(.timeLimit(.minutes(1)))
struct DeliveryIsolationTests {
    @Test func slowReceiverBlocksNeitherSubmitNorOtherNotifiers() async throws {
        try await withFakeReceiver(respond: { _ in FakeResponse(delay: .seconds(2)) }) { slow in
            try await withFakeReceiver { fast in
                let settings = NotifierSettings(webhooks: [.init(name: "slow", url: slow.baseURL), .init(name: "fast", url: fast.baseURL)], log: false)
                let counts = ResultCounts()
                let delivery = AlertDelivery(settings: settings, logger: silentLogger, onResult: counts.onResult)
                try await withDelivery(delivery) { _ in
                    for round in 0..<3 {
                        let started = ContinuousClock.now
                        delivery.submit([DeliveryFixture.alert(feature: "f\(round)")])
                        #expect(ContinuousClock.now - started < .milliseconds(500), "submit blocked")
                        let requests = try await fast.waitForRequests(round + 1, timeout: .milliseconds(1800))
                        #expect(requests.count == round + 1)
                        #expect(ContinuousClock.now - started < .milliseconds(1800), "fast receiver waited for the slow one (2 s)")
                    }
                    #expect(counts.count("webhook:slow", .sent) == 0)
                    try await counts.waitFor("webhook:slow", .sent, atLeast: 1, timeout: .seconds(5))
                }
            }
        }
    }

    @Test func overflowDropsTheOldestAndCountsThem() async throws {
        let healthy = Atomic<Bool>(false)
        try await withFakeReceiver(respond: { _ in healthy.load(ordering: .relaxed) ? .ok : .status(503) }) { receiver in
            let settings = NotifierSettings(webhooks: [.init(name: "ops", url: receiver.baseURL)], log: false, queueCapacity: 3)
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: settings, logger: silentLogger, retryPolicy: fastRetry, onResult: counts.onResult)
            try await withDelivery(delivery) { _ in
                delivery.submit([DeliveryFixture.alert(feature: "f0")])
                _ = try await receiver.waitForRequests(1)  // f0 is in flight, retrying
                delivery.submit((1...5).map { DeliveryFixture.alert(feature: "f\($0)") })
                #expect(counts.count("webhook:ops", .dropped) == 2)
                delivery.submit([DeliveryFixture.alert(feature: "f6")])
                #expect(counts.count("webhook:ops", .dropped) == 3)
                healthy.store(true, ordering: .relaxed)
                try await counts.waitFor("webhook:ops", .sent, atLeast: 4)
            }
            let delivered = try receiver.requests.filter { _ in true }.compactMap { request -> [String]? in
                guard let alerts = try request.json()["alerts"]?.array else { return nil }
                return alerts.map { $0["labels"]?["feature"]?.string ?? "?" }
            }
            // The last attempt of each request is the one that counted.
            var unique: [[String]] = []
            for features in delivered where unique.last != features { unique.append(features) }
            #expect(unique == [["f0"], ["f4", "f5"], ["f6"]])
            #expect(counts.count("webhook:ops", .sent) == 4)
            #expect(counts.count("webhook:ops", .failed) == 0)
        }
    }

    @Test func notifierNamesListEveryConfiguredNotifier() {
        let settings = NotifierSettings(
            alertmanager: .init(urls: ["http://a:9093", "http://b:9093"]),
            pagerDuty: .init(routingKey: "k"),
            webhooks: [.init(name: "ops", url: "http://x"), .init(name: "audit", url: "http://y")],
            log: true)
        let delivery = AlertDelivery(settings: settings, logger: silentLogger)
        #expect(delivery.notifierNames == ["alertmanager", "pagerduty", "webhook:ops", "webhook:audit", "log"])
        #expect(AlertDelivery(settings: NotifierSettings(log: false), logger: silentLogger).notifierNames.isEmpty)
    }

    @Test func pendingAlertsAreNotSent() async throws {
        try await withFakeReceiver { receiver in
            let settings = NotifierSettings(webhooks: [.init(name: "ops", url: receiver.baseURL)], log: false)
            let delivery = AlertDelivery(settings: settings, logger: silentLogger)
            try await withDelivery(delivery) { _ in
                delivery.submit([DeliveryFixture.alert(feature: "p", state: .pending), DeliveryFixture.alert(feature: "f")])
                _ = try await receiver.waitForRequests(1)
                try await Task.sleep(for: .milliseconds(100))
            }
            let alerts = try #require(try receiver.requests.first?.json()["alerts"]?.array)
            #expect(receiver.requests.count == 1)
            #expect(alerts.map { $0["labels"]?["feature"] } == ["f"])
        }
    }
}
