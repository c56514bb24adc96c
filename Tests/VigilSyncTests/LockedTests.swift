import Testing
import VigilSync

@Suite("Locked")
struct LockedTests {
    /// Four tasks × 10,000 increments through `withLock`: the count must be exact (40,000, by
    /// arithmetic). Under `make sanitize-thread` this is also the check that TSan sees the
    /// lock's ordering (without the annotations TSan reports a "Swift access race" here).
    @Test func concurrentIncrementsAreExact() async {
        let counter = Locked([String: Int]())
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for _ in 0..<10_000 {
                        counter.withLock { $0["w\(worker)", default: 0] += 1; $0["all", default: 0] += 1 }
                    }
                }
            }
        }
        let totals = counter.withLock { $0 }
        #expect(totals["all"] == 40_000)
        #expect((0..<4).allSatisfy { totals["w\($0)"] == 10_000 })
    }

    struct Refused: Error, Equatable {}

    /// A throwing body propagates its typed error and leaves what it changed before throwing
    /// (like `Mutex.withLock`); the lock is released, so the next `withLock` does not deadlock.
    @Test func throwingBodyReleasesTheLock() {
        let value = Locked(1)
        #expect(throws: Refused.self) {
            try value.withLock { (v: inout Int) throws(Refused) in v = 2; throw Refused() }
        }
        #expect(value.withLock { $0 } == 2)
    }
}
