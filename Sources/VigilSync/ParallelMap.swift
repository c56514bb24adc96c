import CTSanSupport
import Dispatch

/// `(0..<count).map(body)`, run on every core: libdispatch's `concurrentPerform` (the calling
/// thread plus pool threads, each taking the next index). Results come back in index order.
///
/// Window evaluation uses it across features (issue 11): each numeric feature's merge of its
/// panes' samples, KS statistic and p-value, Wasserstein distance and value counts depend on that
/// feature alone, and the windows still open at the end of a replay were evaluated on one core.
/// `body` may read what it captured but must not write shared state.
///
/// ThreadSanitizer: libdispatch is not instrumented and hands work over with futexes, so the
/// caller releases a token that each iteration acquires first, and each iteration releases its
/// result slot, which the caller acquires before reading it (see `Locked`).
package func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    guard count > 1 else { return (0..<count).map(body) }
    let results = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
    // An address of its own: a slot's address would also order that slot's iteration before
    // every other, hiding races between them from TSan.
    let token = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
    defer {
        results.deallocate()
        token.deallocate()
    }
    withoutActuallyEscaping(body) { body in
        let shared = Shared(body: body, results: results, token: token)
        vigil_tsan_release(shared.token)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            vigil_tsan_acquire(shared.token)
            let slot = shared.results.baseAddress! + index
            slot.initialize(to: shared.body(index))
            vigil_tsan_release(slot)
        }
    }
    for index in 0..<count { vigil_tsan_acquire(results.baseAddress! + index) }
    // Moves the results out (each slot was initialised exactly once), leaving `results` to free.
    return (0..<count).map { (results.baseAddress! + $0).move() }
}

/// What `parallelMap`'s iterations share: the body, only read, and the result slots, each
/// written by exactly one iteration.
private struct Shared<T>: @unchecked Sendable {
    let body: (Int) -> T
    let results: UnsafeMutableBufferPointer<T>
    /// Orders the caller's writes before every iteration, for TSan.
    let token: UnsafeMutableRawPointer
}
