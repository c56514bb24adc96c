import Foundation
import ServiceLifecycle
import Synchronization
import Testing
@testable import VigilAlerting

@Suite(.timeLimit(.minutes(1)))
struct DeliveryShutdownTests {
    static func webhook(_ url: String) -> NotifierSettings {
        NotifierSettings(webhooks: [.init(name: "ops", url: url)], log: false)
    }

    @Test func gracefulShutdownDrainsPendingNotifications() async throws {
        try await withFakeReceiver(respond: { _ in FakeResponse(delay: .milliseconds(150)) }) { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, drainBudget: .seconds(10), onResult: counts.onResult)
            let started = ContinuousClock.now
            try await withDelivery(delivery) { group in
                for round in 0..<5 { delivery.submit([DeliveryFixture.alert(feature: "f\(round)")]) }
                await group.triggerGracefulShutdown()
            }
            #expect(counts.count("webhook:ops", .sent) == 5)
            #expect(receiver.requests.count == 5)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func drainStopsAtTheBudget() async throws {
        try await withFakeReceiver(respond: { _ in .status(503) }) { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, drainBudget: .milliseconds(500),
                                         retryPolicy: fastRetry, onResult: counts.onResult)
            let shutdownStarted = try await withDelivery(delivery) { group in
                for round in 0..<3 { delivery.submit([DeliveryFixture.alert(feature: "f\(round)")]) }
                _ = try await receiver.waitForRequests(1)
                let now = ContinuousClock.now
                await group.triggerGracefulShutdown()
                return now
            }
            let drained = ContinuousClock.now - shutdownStarted
            #expect(drained >= .milliseconds(450) && drained < .seconds(2), "drain took \(drained)")
            #expect(counts.count("webhook:ops", .failed) == 1)  // in flight when the budget ran out
            #expect(counts.count("webhook:ops", .dropped) == 2)  // never attempted
            #expect(counts.count("webhook:ops", .sent) == 0)
            // After run() returned nothing more is accepted.
            delivery.submit([DeliveryFixture.alert(feature: "late")])
            #expect(counts.count("webhook:ops", .dropped) == 3)
        }
    }

    @Test func flushWaitsForEverythingSubmitted() async throws {
        try await withFakeReceiver(respond: { $0 % 2 == 0 ? FakeResponse(status: 500, delay: .milliseconds(50)) : FakeResponse(delay: .milliseconds(50)) }) { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, retryPolicy: fastRetry, onResult: counts.onResult)
            try await withDelivery(delivery) { _ in
                for round in 0..<4 { delivery.submit([DeliveryFixture.alert(feature: "f\(round)")]) }
                await delivery.flush(timeout: .seconds(10))
                #expect(counts.count("webhook:ops", .sent) == 4)
            }
        }
    }

    @Test func flushGivesUpAtItsTimeout() async throws {
        let port = try await vacantPort()
        let delivery = AlertDelivery(settings: Self.webhook("http://127.0.0.1:\(port)"), logger: silentLogger, drainBudget: .milliseconds(100), retryPolicy: fastRetry)
        try await withDelivery(delivery) { _ in
            delivery.submit([DeliveryFixture.alert()])
            let started = ContinuousClock.now
            await delivery.flush(timeout: .milliseconds(300))
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(300) && waited < .seconds(5))
        }
    }

    @Test func runEndsPromptlyWithNothingToDeliver() async throws {
        let delivery = AlertDelivery(settings: NotifierSettings(pagerDuty: .init(routingKey: "k", url: "http://127.0.0.1:1"), log: true), logger: silentLogger)
        let started = ContinuousClock.now
        try await withDelivery(delivery) { group in await group.triggerGracefulShutdown() }
        #expect(ContinuousClock.now - started < .seconds(8))  // not the 10 s drain budget
    }
}
