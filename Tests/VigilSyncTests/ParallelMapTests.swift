import Foundation
import Testing
import VigilSync

@Suite("parallelMap")
struct ParallelMapTests {
    /// Results come back in index order, for every count including the serial cases (0 and 1),
    /// compared with `map` on the same body.
    @Test(arguments: [0, 1, 2, 3, 27, 1000])
    func resultsAreInIndexOrder(count: Int) {
        let body = { (i: Int) -> String in String(repeating: "x", count: i % 7) + "\(i * i)" }
        let parallel = parallelMap(count, body)
        let serial = (0..<count).map(body)
        #expect(parallel == serial)
    }

    /// Reference-counted results (arrays of class instances) are moved out exactly once: none is
    /// freed early or leaked (every `Box` is deinitialised once the results are dropped).
    @Test func everyResultIsMovedOutOnce() {
        let alive = Counter()
        do {
            let boxes = parallelMap(64) { i in (0..<i).map { _ in Box(alive) } }
            #expect(boxes.map(\.count) == Array(0..<64))
            #expect(alive.value == 64 * 63 / 2)
        }
        #expect(alive.value == 0)
    }

    /// Jobs read what they captured and write only their own result, from several threads when
    /// the machine has them (under `make sanitize-thread` TSan checks the hand-over both ways).
    @Test func jobsSeeWhatTheCallerWrote() {
        var input = [Double](repeating: 0, count: 40)
        for i in input.indices { input[i] = Double(i) * 0.5 }
        let captured = input
        let sums = parallelMap(captured.count) { i in captured[..<i].reduce(0, +) }
        // Σ_{k<i} k/2 = i(i−1)/4, by arithmetic.
        let expected: [Double] = (0..<40).map { (i: Int) -> Double in Double(i * (i - 1)) / 4 }
        let same = sums == expected
        #expect(same)
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add(_ delta: Int) { lock.withLock { count += delta } }
}

private final class Box {
    let counter: Counter
    init(_ counter: Counter) { self.counter = counter; counter.add(1) }
    deinit { counter.add(-1) }
}
