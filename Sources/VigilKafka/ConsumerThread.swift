import CRdKafka
import Foundation
import Synchronization
import VigilSync

/// Runs a closure on a dedicated OS thread (not the Swift concurrency pool) until it returns.
///
/// librdkafka calls block (a batch poll waits up to its timeout, `close` waits for the group), so the
/// consume loop owns a thread of its own: create the `KafkaConsumer` inside `body`, poll while
/// `shouldStop()` is false, close it before returning. `requestStop()` only sets a flag; the body
/// notices it at its next check (at most one poll timeout later).
package final class ConsumerThread: Sendable {
    private struct State {
        var started = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let name: String
    private let body: @Sendable (_ shouldStop: () -> Bool) -> Void
    private let stopRequested = Atomic<Bool>(false)
    private let state = Locked(State())
    /// Signalled once when the body returned, for the blocking `waitUntilFinished()`.
    private let finishedCondition = FinishedCondition()

    /// - Parameters:
    ///   - name: the OS thread name (visible in `top -H`, debuggers); Linux keeps 15 bytes.
    ///   - body: the loop; call `shouldStop()` between polls and return when it is true.
    package init(name: String, body: @escaping @Sendable (_ shouldStop: () -> Bool) -> Void) {
        self.name = name
        self.body = body
    }

    /// Starts the thread. Calling it again does nothing.
    package func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Asks the body to return (it sees `shouldStop() == true`). Non-blocking; idempotent.
    package func requestStop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Whether `requestStop()` was called.
    package var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// Whether the body has returned.
    package var isFinished: Bool { state.withLock { $0.finished } }

    /// Suspends until the body has returned, without blocking a pool thread. Returns at once if the
    /// thread finished or was never started.
    package func join() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                guard state.started, !state.finished else { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Blocks the calling thread until the body has returned (or returns at once if never started).
    /// Never call it from the Swift concurrency pool; use `join()` there.
    func waitUntilFinished() {
        guard state.withLock({ $0.started }) else { return }
        finishedCondition.wait()
    }

    /// Names the calling OS thread (`top -H`, `perf`, debuggers; Linux keeps 15 bytes).
    /// corelibs Foundation applies `Thread.name` to the OS thread racily (it may read the pthread
    /// handle before `start()` stored it), leaving the creator's name: call this from the thread.
    package static func nameCurrentThread(_ name: String) {
        vigil_set_current_thread_name(name)
    }

    private func run() {
        Self.nameCurrentThread(name)
        body { stopRequested.load(ordering: .acquiring) }
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        finishedCondition.signal()
        for waiter in waiters { waiter.resume() }
    }
}

/// A one-shot "finished" flag one can block on.
private final class FinishedCondition: @unchecked Sendable {
    // @unchecked: `done` is only read and written with `condition` locked.
    private let condition = NSCondition()
    private var done = false

    func signal() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    func wait() {
        condition.lock()
        while !done { condition.wait() }
        condition.unlock()
    }
}
