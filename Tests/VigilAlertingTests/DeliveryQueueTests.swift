import Testing
@testable import VigilAlerting

@Suite struct DeliveryQueueTests {
    static func queued(_ feature: String, state: Alert.State = .firing, batch: UInt64 = 0) -> QueuedAlert {
        let alert = DeliveryFixture.alert(feature: feature, state: state)
        return QueuedAlert(alert: alert, fingerprint: alert.fingerprint, batch: batch)
    }

    static let alertmanager = AlertmanagerNotifier(baseURL: "http://am:9093", resendInterval: .seconds(60), timeout: .seconds(10), agentURL: "")
    static let webhook = WebhookNotifier(settings: .init(name: "ops", url: "http://hook"), externalURL: "", timeout: .seconds(10))
    static let pagerDuty = PagerDutyNotifier(settings: .init(routingKey: "k"), source: "s", timeout: .seconds(10))

    @Test func overflowDropsTheOldest() throws {
        let queue = DeliveryQueue(notifier: Self.alertmanager, capacity: 3)
        #expect(queue.enqueue(["a", "b"].map { Self.queued($0) }) == 0)
        #expect(queue.enqueue(["c", "d", "e"].map { Self.queued($0) }) == 2)
        let taken = try #require(queue.takeRequest())
        #expect(taken.map { $0.alert.labels["feature"] } == ["c", "d", "e"])
    }

    @Test func inFlightAlertsDoNotCountAgainstCapacity() throws {
        let queue = DeliveryQueue(notifier: Self.pagerDuty, capacity: 2)
        _ = queue.enqueue([Self.queued("a")])
        let inFlight = try #require(queue.takeRequest())
        #expect(queue.enqueue(["b", "c"].map { Self.queued($0) }) == 0)
        #expect(inFlight.count == 1)
        queue.finishRequest()
    }

    @Test func requestsFollowTheNotifiersGrouping() throws {
        let pagerDuty = DeliveryQueue(notifier: Self.pagerDuty, capacity: 10)
        _ = pagerDuty.enqueue(["a", "b"].map { Self.queued($0) })
        #expect(pagerDuty.takeRequest()?.count == 1)

        let webhook = DeliveryQueue(notifier: Self.webhook, capacity: 10)
        _ = webhook.enqueue([Self.queued("a", batch: 1), Self.queued("b", batch: 1), Self.queued("c", state: .resolved, batch: 1), Self.queued("d", batch: 2)])
        var sizes: [Int] = []
        while let request = webhook.takeRequest() {
            sizes.append(request.count)
            webhook.finishRequest()
        }
        #expect(sizes == [2, 1, 1])

        let alertmanager = DeliveryQueue(notifier: Self.alertmanager, capacity: 1000)
        _ = alertmanager.enqueue((0..<300).map { Self.queued("f\($0)", batch: UInt64($0)) })
        #expect(alertmanager.takeRequest()?.count == 256)
    }

    @Test func resendsDoNotPileUpBehindAQueuedCopy() {
        let queue = DeliveryQueue(notifier: Self.alertmanager, capacity: 10)
        _ = queue.enqueue([Self.queued("a")])
        _ = queue.enqueue([Self.queued("a"), Self.queued("b")], skippingQueuedFiring: true)
        #expect(queue.takeRequest()?.map { $0.alert.labels["feature"] } == ["a", "b"])
        queue.finishRequest()
        // Once sent, a re-send is queued again.
        _ = queue.enqueue([Self.queued("a")], skippingQueuedFiring: true)
        #expect(queue.takeRequest()?.count == 1)
    }

    @Test func settledBelowTracksQueuedAndInFlightAlerts() {
        let queue = DeliveryQueue(notifier: Self.pagerDuty, capacity: 10)
        _ = queue.enqueue(["a", "b"].map { Self.queued($0) })
        #expect(queue.nextSequence == 2 && queue.settledBelow == 0)
        _ = queue.takeRequest()
        #expect(queue.settledBelow == 0)
        queue.finishRequest()
        #expect(queue.settledBelow == 1)
        _ = queue.takeRequest()
        queue.finishRequest()
        #expect(queue.settledBelow == 2)
    }

    /// Issue 10: a flood of distinct alerts (an unreachable receiver, a rule firing per label value)
    /// never holds more than the capacity (SPEC §10 default 10000); the rest are counted dropped.
    @Test func aFloodStaysWithinCapacityAndCountsTheDropped() throws {
        let queue = DeliveryQueue(notifier: Self.webhook, capacity: 10_000)
        var dropped = 0
        for batch in 0..<100 {
            dropped += queue.enqueue((0..<1000).map { Self.queued("f\(batch * 1000 + $0)") })
        }
        #expect(dropped == 90_000)
        let first = try #require(queue.takeRequest())
        #expect(first.first?.alert.labels["feature"] == "f90000")
        queue.finishRequest()
        #expect(queue.close() == 10_000 - first.count)
    }

    @Test func closedQueueDropsEverything() {
        let queue = DeliveryQueue(notifier: Self.pagerDuty, capacity: 10)
        _ = queue.enqueue(["a", "b"].map { Self.queued($0) })
        #expect(queue.close() == 2)
        #expect(queue.enqueue([Self.queued("c")]) == 1)
        #expect(queue.takeRequest() == nil)
    }
}
