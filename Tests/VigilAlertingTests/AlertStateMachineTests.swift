import Testing
import VigilAlerting

/// Every transition, driven from time 0 with explicit event times (STYLE §9).
@Suite struct AlertStateMachineTests {
    typealias M = AlertStateMachine

    @Test func firesAfterForAndResolvesWhenTheConditionStops() {
        var m = M(holdMillis: 300, keepFiringMillis: 0)
        #expect(m.evaluate(conditionHolds: false, at: 0) == .none)
        #expect(m.state == .inactive)
        #expect(m.evaluate(conditionHolds: true, at: 100) == .none)
        #expect(m.state == .pending(since: 100))
        #expect(m.evaluate(conditionHolds: true, at: 300) == .none)          // held 200 < 300
        #expect(m.evaluate(conditionHolds: true, at: 400) == .fire(startsAt: 100))
        #expect(m.state == .firing(since: 100, lastHeld: 400))
        #expect(m.evaluate(conditionHolds: true, at: 500) == .none)
        #expect(m.evaluate(conditionHolds: false, at: 600) == .resolve(startsAt: 100, endsAt: 600))
        #expect(m.state == .inactive)
    }

    @Test func zeroForFiresAtOnce() {
        var m = M(holdMillis: 0, keepFiringMillis: 0)
        #expect(m.evaluate(conditionHolds: true, at: 7) == .fire(startsAt: 7))
    }

    @Test func flappingInputNeverFiresWhilePending() {
        var m = M(holdMillis: 250, keepFiringMillis: 0)
        for t in stride(from: Int64(0), to: 2000, by: 100) {
            #expect(m.evaluate(conditionHolds: t % 200 == 0, at: t) == .none)   // holds, stops, holds, …
        }
        #expect(m.state == .inactive)
    }

    @Test func keepFiringForBridgesShortGaps() {
        var m = M(holdMillis: 0, keepFiringMillis: 300)
        #expect(m.evaluate(conditionHolds: true, at: 0) == .fire(startsAt: 0))
        #expect(m.evaluate(conditionHolds: false, at: 100) == .none)         // 100 < 300 since it last held
        #expect(m.evaluate(conditionHolds: true, at: 200) == .none)          // holds again: still the same alert
        #expect(m.evaluate(conditionHolds: false, at: 400) == .none)         // 200 since last held
        #expect(m.evaluate(conditionHolds: false, at: 500) == .resolve(startsAt: 0, endsAt: 500))
    }

    @Test func pendingFallsBackWithoutNotifying() {
        var m = M(holdMillis: 1000, keepFiringMillis: 5000)
        #expect(m.evaluate(conditionHolds: true, at: 0) == .none)
        #expect(m.evaluate(conditionHolds: false, at: 10) == .none)
        #expect(m.state == .inactive)
        #expect(m.evaluate(conditionHolds: true, at: 20) == .none)
        #expect(m.state == .pending(since: 20))                              // a new pending period
    }
}
