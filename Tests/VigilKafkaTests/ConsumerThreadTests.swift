import Foundation
import Synchronization
import VigilSync
import Testing
@testable import VigilKafka

@Suite(.timeLimit(.minutes(1)))
struct ConsumerThreadTests {
    @Test func runsTheBodyOnItsOwnNamedThreadUntilStopped() async throws {
        let iterations = Atomic<Int>(0)
        let observed = Locked<(pthreadName: String, isMain: Bool)?>(nil)
        let thread = ConsumerThread(name: "vigil-test-loop") { shouldStop in
            let pthreadName = osThreadName()
            observed.withLock { $0 = (pthreadName, Thread.isMainThread) }
            while !shouldStop() {
                iterations.add(1, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
        #expect(!thread.isFinished)
        thread.start()
        thread.start()  // a second start is ignored
        while iterations.load(ordering: .relaxed) < 5 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(!thread.isFinished)
        thread.requestStop()
        #expect(thread.isStopRequested)
        await thread.join()
        #expect(thread.isFinished)
        await thread.join()  // joining a finished thread returns at once
        let seen = try #require(observed.withLock { $0 })
        #expect(seen.pthreadName == "vigil-test-loop")
        #expect(!seen.isMain)
    }

    @Test func joinReturnsAtOnceWhenNeverStarted() async {
        let thread = ConsumerThread(name: "never") { _ in }
        await thread.join()
        #expect(!thread.isFinished)
    }

    @Test func manyJoinersAreAllResumed() async {
        let thread = ConsumerThread(name: "vigil-test-join") { shouldStop in
            while !shouldStop() { Thread.sleep(forTimeInterval: 0.001) }
        }
        thread.start()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { await thread.join() } }
            try? await Task.sleep(for: .milliseconds(20))
            thread.requestStop()
        }
        #expect(thread.isFinished)
    }
}

/// The calling thread's OS-level name (Linux `comm`), as `top -H` shows it.
func osThreadName() -> String {
    ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "")
        .trimmingCharacters(in: .whitespacesAndNewlines)
}
