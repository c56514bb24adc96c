import CTSanSupport
import Synchronization

/// A `Synchronization.Mutex` that ThreadSanitizer understands; use it wherever Vigil would use a
/// `Mutex` (STYLE.md §3: tiny shared values).
///
/// On Linux, `Mutex` locks with raw futex system calls. TSan does not intercept them, so it sees no
/// ordering between two critical sections and reports a "Swift access race" on whatever the Mutex
/// guards (`scripts/tsan-mutex-repro.swift` shows it without Vigil). `withLock` tells TSan about
/// the acquire and the release; outside a TSan build the annotations are a null check each.
///
/// A class, so that the object's address identifies the lock to TSan before the value is touched
/// (taking the value's address inside `withLock` is itself an access TSan would flag).
public final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ initialValue: consuming sending Value) {
        mutex = Mutex(initialValue)
    }

    /// Runs `body` with exclusive access to the value, like `Mutex.withLock`.
    public func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        let token = Unmanaged.passUnretained(self).toOpaque()
        return try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            vigil_tsan_acquire(token)
            defer { vigil_tsan_release(token) }
            return try body(&value)
        }
    }
}
