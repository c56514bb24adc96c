/// The life of one alert instance (rule × model × feature), driven by window evaluations in
/// event time (STYLE §3: a struct, one mutating method per input, actions returned).
///
/// inactive → pending (condition holds) → firing (it held for `for`) → inactive again when it
/// stops holding, after `keep_firing_for`; pending falls back to inactive at once.
package struct AlertStateMachine: Sendable, Equatable {
    package enum State: Equatable, Sendable {
        case inactive
        case pending(since: Int64)
        case firing(since: Int64, lastHeld: Int64)
    }

    package enum Action: Equatable, Sendable {
        case none
        /// Newly firing; `startsAt` is when the condition first held.
        case fire(startsAt: Int64)
        case resolve(startsAt: Int64, endsAt: Int64)
    }

    package private(set) var state = State.inactive
    package let holdMillis: Int64
    package let keepFiringMillis: Int64

    package init(holdMillis: Int64, keepFiringMillis: Int64) {
        self.holdMillis = holdMillis
        self.keepFiringMillis = keepFiringMillis
    }

    /// One evaluation at event time `now` (a window end).
    package mutating func evaluate(conditionHolds: Bool, at now: Int64) -> Action {
        switch (state, conditionHolds) {
        case (.inactive, false):
            return .none
        case (.inactive, true):
            state = .pending(since: now)
            return holdMillis <= 0 ? fire(since: now, at: now) : .none
        case (.pending(let since), true):
            return now - since >= holdMillis ? fire(since: since, at: now) : .none
        case (.pending, false):
            state = .inactive
            return .none
        case (.firing(let since, _), true):
            state = .firing(since: since, lastHeld: now)
            return .none
        case (.firing(let since, let lastHeld), false):
            guard now - lastHeld >= keepFiringMillis else { return .none }
            state = .inactive
            return .resolve(startsAt: since, endsAt: now)
        }
    }

    private mutating func fire(since: Int64, at now: Int64) -> Action {
        state = .firing(since: since, lastHeld: now)
        return .fire(startsAt: since)
    }
}
