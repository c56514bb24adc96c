import VigilSync

/// One notifier's bounded FIFO of alerts (SPEC §10), filled synchronously by `submit` (any
/// thread, never blocks beyond a short lock) and drained by one worker task.
///
/// A `Locked`-guarded class rather than an actor because `submit` is synchronous (it runs on the
/// consumer thread and in replay). Capacity counts alerts; alerts taken for a request in flight are
/// no longer queued and do not count. Overflow drops the oldest queued alerts.
final class DeliveryQueue: Sendable {
    let notifier: any Notifier
    let capacity: Int
    /// Wake-ups for the worker. Newest-1 buffering is not data loss: the data is in `state`, a
    /// pending wake-up already tells the worker to look.
    let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation
    private let state: Locked<State>

    private struct State {
        /// `items[head...]` are queued; the prefix is compacted away lazily.
        var items: [Entry] = []
        var head = 0
        /// Queued (not in-flight) firing alerts by fingerprint, so re-sends don't pile up.
        var queuedFiring: [String: Int] = [:]
        var nextSequence: UInt64 = 0
        /// Sequence number of the oldest alert of the request in flight.
        var inFlightFloor: UInt64?
        var draining = false
        var closed = false

        var count: Int { items.count - head }

        mutating func removeFirst() -> Entry {
            let entry = items[head]
            head += 1
            if entry.queued.alert.state == .firing { forgetFiring(entry.queued.fingerprint) }
            if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return entry
        }

        mutating func forgetFiring(_ fingerprint: String) {
            if let n = queuedFiring[fingerprint], n > 1 { queuedFiring[fingerprint] = n - 1 } else { queuedFiring[fingerprint] = nil }
        }
    }

    private struct Entry {
        var queued: QueuedAlert
        var sequence: UInt64
    }

    init(notifier: any Notifier, capacity: Int) {
        precondition(capacity > 0, "queue capacity must be positive")
        self.notifier = notifier
        self.capacity = capacity
        self.state = Locked(State())
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends `alerts`, dropping the oldest queued alerts beyond capacity.
    /// - Parameter skippingQueuedFiring: skip a firing alert whose fingerprint is already queued
    ///   as firing (a re-send: the queued one is built at send time, so it is as fresh).
    /// - Returns: the alerts dropped (old ones pushed out, or everything once closed).
    func enqueue(_ alerts: [QueuedAlert], skippingQueuedFiring: Bool = false) -> Int {
        guard !alerts.isEmpty else { return 0 }
        let dropped = state.withLock { state -> Int in
            guard !state.closed else { return alerts.count }
            for queued in alerts {
                let firing = queued.alert.state == .firing
                if firing && skippingQueuedFiring && state.queuedFiring[queued.fingerprint] != nil { continue }
                state.items.append(Entry(queued: queued, sequence: state.nextSequence))
                state.nextSequence += 1
                if firing { state.queuedFiring[queued.fingerprint, default: 0] += 1 }
            }
            var dropped = 0
            while state.count > capacity {
                _ = state.removeFirst()
                dropped += 1
            }
            return dropped
        }
        wakeUp.yield()
        return dropped
    }

    /// Takes the next request's worth of alerts (a shareable prefix, at most
    /// `maxAlertsPerRequest`) and marks them in flight; `nil` when empty. Call `finishRequest`
    /// when they are settled.
    func takeRequest() -> [QueuedAlert]? {
        state.withLock { state in
            guard state.count > 0 else { return nil }
            precondition(state.inFlightFloor == nil, "one request in flight per queue")
            let first = state.items[state.head]
            state.inFlightFloor = first.sequence
            var taken = [state.removeFirst().queued]
            while state.count > 0, taken.count < notifier.maxAlertsPerRequest,
                  notifier.canShareRequest(first.queued, state.items[state.head].queued) {
                taken.append(state.removeFirst().queued)
            }
            return taken
        }
    }

    func finishRequest() {
        state.withLock { $0.inFlightFloor = nil }
    }

    /// Sequence number that the next enqueued alert gets: `flush` waits until `settledBelow`
    /// reaches it.
    var nextSequence: UInt64 { state.withLock { $0.nextSequence } }

    /// Every alert with a smaller sequence number has been sent, failed or dropped.
    var settledBelow: UInt64 {
        state.withLock { state in
            state.inFlightFloor ?? (state.count > 0 ? state.items[state.head].sequence : state.nextSequence)
        }
    }

    /// Whether the worker should stop once the queue is empty.
    var isDraining: Bool { state.withLock { $0.draining } }

    func beginDrain() {
        state.withLock { $0.draining = true }
        wakeUp.yield()
    }

    /// Stops accepting alerts (later ones count as dropped at once).
    /// - Returns: the alerts still queued, now dropped.
    func close() -> Int {
        let left = state.withLock { state -> Int in
            state.closed = true
            let left = state.count
            state.items.removeAll()
            state.head = 0
            state.queuedFiring.removeAll()
            state.inFlightFloor = nil
            return left
        }
        wakeUp.finish()
        return left
    }
}
