import Foundation
import Synchronization
import Testing
@testable import VigilAlerting
import VigilStats

@Suite(.timeLimit(.minutes(1)))
struct DeliveryRetryTests {
    static func webhook(_ url: String, capacity: Int = 10_000) -> NotifierSettings {
        NotifierSettings(webhooks: [.init(name: "ops", url: url)], log: false, queueCapacity: capacity)
    }

    @Test(arguments: [500, 502, 503, 429])
    func retriesServerErrorsAndTooManyRequests(status: Int) async throws {
        try await withFakeReceiver(respond: { $0 < 2 ? .status(status) : .ok }) { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, retryPolicy: fastRetry, onResult: counts.onResult)
            try await withDelivery(delivery) { _ in
                delivery.submit(DeliveryFixture.alerts(2))
                try await counts.waitFor("webhook:ops", .sent, atLeast: 2)
            }
            #expect(receiver.requests.count == 3)
            #expect(Set(receiver.requests.map(\.body)).count == 1)  // the same request each time
            #expect(counts.count("webhook:ops", .sent) == 2)
            #expect(counts.count("webhook:ops", .failed) == 0)
        }
    }

    @Test(arguments: [400, 401, 404, 413, 422])
    func otherClientErrorsAreNotRetried(status: Int) async throws {
        try await withFakeReceiver(respond: { $0 == 0 ? .status(status) : .ok }) { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, retryPolicy: fastRetry, onResult: counts.onResult)
            try await withDelivery(delivery) { _ in
                delivery.submit(DeliveryFixture.alerts(2))
                try await counts.waitFor("webhook:ops", .failed, atLeast: 2)
                delivery.submit([DeliveryFixture.alert(feature: "next")])  // the queue moves on
                try await counts.waitFor("webhook:ops", .sent, atLeast: 1)
            }
            #expect(receiver.requests.count == 2)
            #expect(counts.count("webhook:ops", .failed) == 2)
            #expect(counts.count("webhook:ops", .sent) == 1)
        }
    }

    @Test func deliversAfterTheReceiverComesUp() async throws {
        let port = try await vacantPort()
        let counts = ResultCounts()
        let delivery = AlertDelivery(settings: Self.webhook("http://127.0.0.1:\(port)/hook"), logger: silentLogger, retryPolicy: fastRetry, onResult: counts.onResult)
        try await withDelivery(delivery) { _ in
            delivery.submit([DeliveryFixture.alert()])
            try await Task.sleep(for: .milliseconds(300))  // connection refused, retrying
            #expect(counts.count("webhook:ops", .sent) == 0)
            #expect(counts.count("webhook:ops", .failed) == 0)
            try await withFakeReceiver(port: port) { receiver in
                let requests = try await receiver.waitForRequests(1, timeout: .seconds(5))
                #expect(requests.count == 1)
                try await counts.waitFor("webhook:ops", .sent, atLeast: 1)
            }
        }
        #expect(counts.count("webhook:ops", .failed) == 0)
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        try await withFakeReceiver(respond: { _ in .status(503) }) { receiver in
            let counts = ResultCounts()
            var policy = fastRetry
            policy.maxAttempts = 3
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, retryPolicy: policy, onResult: counts.onResult)
            try await withDelivery(delivery) { _ in
                delivery.submit(DeliveryFixture.alerts(2))
                try await counts.waitFor("webhook:ops", .failed, atLeast: 2)
            }
            #expect(receiver.requests.count == 3)
            #expect(counts.count("webhook:ops", .sent) == 0)
        }
    }

    @Test func givesUpAfterMaxAge() async throws {
        try await withFakeReceiver(respond: { _ in .status(500) }) { receiver in
            let counts = ResultCounts()
            let policy = RetryPolicy(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(50), maxAttempts: 1000, maxAge: .milliseconds(300))
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, retryPolicy: policy, onResult: counts.onResult)
            let started = ContinuousClock.now
            try await withDelivery(delivery) { _ in
                delivery.submit([DeliveryFixture.alert()])
                try await counts.waitFor("webhook:ops", .failed, atLeast: 1)
            }
            #expect(ContinuousClock.now - started < .seconds(8))   // max age 300 ms, not 1000 attempts
            #expect(receiver.requests.count >= 3)
        }
    }

    @Test func honoursRetryAfterUpToTheCap() async throws {
        try await withFakeReceiver(respond: { $0 == 0 ? .status(429, headers: ["Retry-After": "120"]) : .ok }) { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.webhook(receiver.baseURL), logger: silentLogger, retryPolicy: fastRetry, onResult: counts.onResult)
            try await withDelivery(delivery) { _ in
                delivery.submit([DeliveryFixture.alert()])
                try await counts.waitFor("webhook:ops", .sent, atLeast: 1)
            }
            let requests = receiver.requests
            try #require(requests.count == 2)
            let gap = requests[1].receivedAt - requests[0].receivedAt
            #expect(gap >= .milliseconds(100) && gap < .seconds(2), "waited \(gap): Retry-After capped at maxBackoff")
        }
    }
}

@Suite struct DeliveryRetryPolicyTests {
    @Test(arguments: [(1, 500), (2, 1000), (3, 2000), (6, 16_000), (7, 30_000), (50, 30_000)] as [(Int, Int64)])
    func ceilingDoublesUpToTheCap(attempt: Int, millis: Int64) {
        #expect(RetryPolicy.standard.ceiling(afterAttempt: attempt) == .milliseconds(millis))
    }

    @Test(arguments: 1...12)
    func delayHasFullJitterBelowTheCeiling(attempt: Int) {
        var generator = SplitMix64(seed: UInt64(attempt))
        let ceiling = RetryPolicy.standard.ceiling(afterAttempt: attempt)
        let delays = (0..<200).map { _ in RetryPolicy.standard.delay(afterAttempt: attempt, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
        #expect(delays.contains { $0 < ceiling / 2 } && delays.contains { $0 > ceiling / 2 })
    }

    @Test func retryAfterRaisesTheDelayButNotPastTheCap() {
        var generator = SplitMix64(seed: 1)
        #expect(RetryPolicy.standard.delay(afterAttempt: 1, retryAfter: .seconds(5), using: &generator) == .seconds(5))
        #expect(RetryPolicy.standard.delay(afterAttempt: 1, retryAfter: .seconds(120), using: &generator) == .seconds(30))
    }

    @Test func standardMatchesSpec() {
        #expect(RetryPolicy.standard.initialBackoff == .milliseconds(500))
        #expect(RetryPolicy.standard.maxBackoff == .seconds(30))
    }
}
