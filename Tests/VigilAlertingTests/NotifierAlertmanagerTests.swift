import Foundation
import Synchronization
import Testing
@testable import VigilAlerting

@Suite(.timeLimit(.minutes(1)))
struct AlertmanagerNotifierTests {
    static func settings(_ urls: [String], resendInterval: Duration = .seconds(60)) -> NotifierSettings {
        NotifierSettings(alertmanager: .init(urls: urls, resendInterval: resendInterval, timeout: .seconds(5)), log: false)
    }

    static func expected(_ alert: Alert, endsAt: String) -> ReceivedJSON {
        [
            "labels": .strings(alert.labels),
            "annotations": .strings(alert.annotations),
            "startsAt": .string(DeliveryFixture.startsAtText),
            "endsAt": .string(endsAt),
            "generatorURL": .string(alert.generatorURL),
        ]
    }

    @Test func firingAndResolvedAlertsHaveTheV2Payload() async throws {
        try await withFakeReceiver { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.settings([receiver.baseURL + "/"]), logger: silentLogger, onResult: counts.onResult)
            let firing = DeliveryFixture.alert(feature: "amount")
            let resolved = DeliveryFixture.alert(feature: "merchant_category", state: .resolved)
            let submittedAt = wallClockMillis()
            let request = try await withDelivery(delivery) { _ in
                delivery.submit([resolved, firing])
                return try #require(try await receiver.waitForRequests(1).first)
            }
            #expect(request.method == "POST")
            #expect(request.path == "/api/v2/alerts")
            #expect(request.headers["content-type"] == "application/json")
            let body = try request.json()
            let alerts = try #require(body.array)
            try #require(alerts.count == 2)
            // In submission order. Resolved: the event-time end.
            #expect(alerts[0] == Self.expected(resolved, endsAt: DeliveryFixture.endsAtText))
            // Firing: endsAt = processing time + 4 × resend_interval.
            #expect(alerts[1].removing("endsAt") == Self.expected(firing, endsAt: "").removing("endsAt"))
            let endsAt = try epochMillis(try #require(alerts[1]["endsAt"]?.string))
            #expect(endsAt >= submittedAt + 240_000 && endsAt <= request.receivedAtMillis + 240_000)
            #expect(counts.count("alertmanager", .sent) == 2)
        }
    }

    @Test(arguments: [("", "/api/v2/alerts"), ("/", "/api/v2/alerts"), ("/am", "/am/api/v2/alerts"), ("/am//", "/am/api/v2/alerts")])
    func postsToAPIv2UnderTheBaseURL(suffix: String, path: String) async throws {
        try await withFakeReceiver { receiver in
            let delivery = AlertDelivery(settings: Self.settings([receiver.baseURL + suffix]), logger: silentLogger)
            let request = try await withDelivery(delivery) { _ in
                delivery.submit([DeliveryFixture.alert()])
                return try #require(try await receiver.waitForRequests(1).first)
            }
            #expect(request.path == path)
        }
    }

    @Test func everyURLReceivesEveryAlert() async throws {
        try await withFakeReceiver { first in
            try await withFakeReceiver { second in
                let counts = ResultCounts()
                let delivery = AlertDelivery(settings: Self.settings([first.baseURL, second.baseURL]), logger: silentLogger, onResult: counts.onResult)
                try await withDelivery(delivery) { _ in
                    delivery.submit(DeliveryFixture.alerts(3))
                    delivery.submit([DeliveryFixture.alert(feature: "f0", state: .resolved), DeliveryFixture.alert(feature: "f2", state: .resolved)])
                    try await counts.waitFor("alertmanager", .sent, atLeast: 10)
                }
                for receiver in [first, second] {
                    let sent = try receiver.requests.flatMap { try #require(try $0.json().array) }
                    let seen = sent.map { "\($0["labels"]?["feature"]?.string ?? "?")/\($0["endsAt"]?.string == DeliveryFixture.endsAtText ? "resolved" : "firing")" }
                    #expect(seen.sorted() == ["f0/firing", "f0/resolved", "f1/firing", "f2/firing", "f2/resolved"])
                }
                #expect(counts.count("alertmanager", .sent) == 10)
                #expect(delivery.notifierNames == ["alertmanager"])
            }
        }
    }

    @Test func firingAlertsAreResentEveryIntervalAndResolvedOnce() async throws {
        let interval = Duration.milliseconds(200)
        try await withFakeReceiver { receiver in
            let delivery = AlertDelivery(settings: Self.settings([receiver.baseURL], resendInterval: interval), logger: silentLogger)
            let firing = DeliveryFixture.alert()
            let (beforeResolve, all) = try await withDelivery(delivery) { _ in
                delivery.submit([firing])
                _ = try await receiver.waitForRequests(1)
                // Still firing, re-submitted: not a transition, no extra request before the interval.
                try await Task.sleep(for: .milliseconds(50))
                delivery.submit([firing])
                let beforeResolve = try await receiver.waitForRequests(4)
                delivery.submit([DeliveryFixture.alert(state: .resolved)])
                try await Task.sleep(for: interval * 4)
                return (beforeResolve.count, receiver.requests)
            }
            let bodies = try all.map { try #require(try $0.json()[0]) }
            let resolvedIndex = try #require(bodies.firstIndex { $0["endsAt"]?.string == DeliveryFixture.endsAtText })
            // Exactly one resolution, and nothing after it (the alert left the firing set).
            #expect(resolvedIndex == all.count - 1)
            #expect(resolvedIndex >= beforeResolve && resolvedIndex <= beforeResolve + 1)
            #expect(try all.allSatisfy { try #require($0.json().array).count == 1 })
            let span = all[resolvedIndex - 1].receivedAt - all[0].receivedAt
            let meanGap = span / (resolvedIndex - 1)
            #expect(meanGap > .milliseconds(170) && meanGap < .milliseconds(350), "mean re-send interval \(meanGap)")
            for (index, request) in all.enumerated() where index < resolvedIndex {
                let body = bodies[index]
                #expect(body.removing("endsAt") == Self.expected(firing, endsAt: "").removing("endsAt"))
                let endsAt = try epochMillis(try #require(body["endsAt"]?.string))
                let ahead = endsAt - request.receivedAtMillis
                #expect(ahead <= 800 && ahead > 800 - 150, "endsAt \(ahead) ms after receipt, expected 4 × 200 ms")
                if index > 0 {
                    let gap = request.receivedAt - all[index - 1].receivedAt
                    // Re-sends are timed from queueing, so one slow delivery shortens the next gap.
                    #expect(gap > .milliseconds(100) && gap < .milliseconds(450), "re-sent after \(gap)")
                }
            }
        }
    }
}
