// ThreadSanitizer reports a "Swift access race" on state that only Mutex.withLock touches (Swift 6.3.1,
// Linux): swiftc -parse-as-library -sanitize=thread -Onone scripts/tsan-mutex-repro.swift -o /tmp/t && /tmp/t
// Seen in `make sanitize-thread` on MetricsRegistry/MetricsStore; the cause (futex locks TSan does not intercept) and the fix: VigilSync/Locked.swift.
import Synchronization
struct Store: Sendable { var values: [String: Double] = [:]; mutating func inc(_ k: String) { values[k, default: 0] += 1 } }
final class Registry: Sendable {
    private let store = Mutex(Store())
    func update<R>(_ body: (inout Store) throws -> R) rethrows -> R { try store.withLock { s in try body(&s) } }
}
@main struct M { static func main() async {
    let r = Registry()
    await withTaskGroup(of: Void.self) { g in
        for w in 0..<4 { g.addTask { for _ in 0..<2000 { r.update { $0.inc("m\(w)") } } } }
    }
    print(r.update { $0.values.count })
} }
