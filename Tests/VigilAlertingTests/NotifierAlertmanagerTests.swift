import Foundation
import Synchronization
import Testing
@testable import VigilAlerting

@Suite(.timeLimit(.minutes(1)))
struct AlertmanagerNotifierTests {
    static func settings(_ urls: [String], resendInterval: Duration = .seconds(60)) -> NotifierSettings {
        NotifierSettings(alertmanager: .init(urls: urls, resendInterval: resendInterval, timeout: .seconds(5)), log: false)
    }

    static func expected(_ alert: Alert, endsAt: String) -> JSON {
        [
            "labels": .strings(alert.labels),
            "annotations": .strings(alert.annotations),
            "startsAt": .string(Fixture.startsAtText),
            "endsAt": .string(endsAt),
            "generatorURL": .string(alert.generatorURL),
        ]
    }

    @Test func firingAndResolvedAlertsHaveTheV2Payload() async throws {
        try await withFakeReceiver { receiver in
            let counts = ResultCounts()
            let delivery = AlertDelivery(settings: Self.settings([receiver.baseURL + "/"]), logger: quietLogger, onResult: counts.onResult)
            let firing = Fixture.alert(feature: "amount")
            let resolved = Fixture.alert(feature: "merchant_category", state: .resolved)
            let submittedAt = nowMillis()
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
            // Firing first, with endsAt = processing time + 4 × resend_interval.
            #expect(alerts[0].removing("endsAt") == Self.expected(firing, endsAt: "").removing("endsAt"))
            let endsAt = try epochMillis(try #require(alerts[0]["endsAt"]?.string))
            #expect(endsAt >= submittedAt + 240_000 && endsAt <= request.receivedAtMillis + 240_000)
            // Resolved: the event-time end.
            #expect(alerts[1] == Self.expected(resolved, endsAt: Fixture.endsAtText))
            #expect(counts.count("alertmanager", .sent) == 2)
        }
    }

    @Test(arguments: [("", "/api/v2/alerts"), ("/", "/api/v2/alerts"), ("/am", "/am/api/v2/alerts"), ("/am//", "/am/api/v2/alerts")])
    func postsToAPIv2UnderTheBaseURL(suffix: String, path: String) async throws {
        try await withFakeReceiver { receiver in
            let delivery = AlertDelivery(settings: Self.settings([receiver.baseURL + suffix]), logger: quietLogger)
            let request = try await withDelivery(delivery) { _ in
                delivery.submit([Fixture.alert()])
                return try #require(try await receiver.waitForRequests(1).first)
            }
            #expect(request.path == path)
        }
    }

    @Test func everyURLReceivesEveryAlert() async throws {
        try await withFakeReceiver { first in
            try await withFakeReceiver { second in
                let counts = ResultCounts()
                let delivery = AlertDelivery(settings: Self.settings([first.baseURL, second.baseURL]), logger: quietLogger, onResult: counts.onResult)
                try await withDelivery(delivery) { _ in
                    delivery.submit(Fixture.alerts(3))
                    delivery.submit([Fixture.alert(feature: "f0", state: .resolved), Fixture.alert(feature: "f2", state: .resolved)])
                    try await counts.waitFor("alertmanager", .sent, atLeast: 10)
                }
                for receiver in [first, second] {
                    let sent = try receiver.requests.flatMap { try #require(try $0.json().array) }
                    let seen = sent.map { "\($0["labels"]?["feature"]?.string ?? "?")/\($0["endsAt"]?.string == Fixture.endsAtText ? "resolved" : "firing")" }
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
            let delivery = AlertDelivery(settings: Self.settings([receiver.baseURL], resendInterval: interval), logger: quietLogger)
            let firing = Fixture.alert()
            let (beforeResolve, all) = try await withDelivery(delivery) { _ in
                delivery.submit([firing])
                _ = try await receiver.waitForRequests(1)
                // Still firing, re-submitted: not a transition, no extra request before the interval.
                try await Task.sleep(for: .milliseconds(50))
                delivery.submit([firing])
                let beforeResolve = try await receiver.waitForRequests(4)
                delivery.submit([Fixture.alert(state: .resolved)])
                try await Task.sleep(for: interval * 4)
                return (beforeResolve.count, receiver.requests)
            }
            let bodies = try all.map { try #require(try $0.json()[0]) }
            let resolvedIndex = try #require(bodies.firstIndex { $0["endsAt"]?.string == Fixture.endsAtText })
            // Exactly one resolution, and nothing after it (the alert left the firing set).
            #expect(resolvedIndex == all.count - 1)
            #expect(resolvedIndex >= beforeResolve && resolvedIndex <= beforeResolve + 1)
            #expect(try all.allSatisfy { try #require($0.json().array).count == 1 })
            for (index, request) in all.enumerated() where index < resolvedIndex {
                let body = bodies[index]
                #expect(body.removing("endsAt") == Self.expected(firing, endsAt: "").removing("endsAt"))
                let endsAt = try epochMillis(try #require(body["endsAt"]?.string))
                let ahead = endsAt - request.receivedAtMillis
                #expect(ahead <= 800 && ahead > 800 - 150, "endsAt \(ahead) ms after receipt, expected 4 × 200 ms")
                if index > 0 {
                    let gap = request.receivedAt - all[index - 1].receivedAt
                    #expect(gap > .milliseconds(150) && gap < .milliseconds(450), "re-sent after \(gap)")
                }
            }
        }
    }
}
