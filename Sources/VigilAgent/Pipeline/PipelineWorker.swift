import Foundation

/// Runs `Pipelines.apply` (window updates, scoring, evaluation, publishing) on a thread of its
/// own, so that the caller's thread goes on decoding the next batch meanwhile (issue 11: decoding
/// and windowing each take about half of a replay's time, and the machine has two cores).
///
/// Confinement: between `init` and `finish()`, only the worker thread calls into `pipelines`
/// except through `Pipelines.takeDecoded()`/`decode`, which touch the decoders alone (the
/// caller's side). Work is applied in submission order. At most `capacity` submissions wait;
/// `submit` blocks beyond that, so memory stays bounded when windowing is the slower side (32
/// batches of 4096 standard events are ~26 MB; fewer let a window evaluation stall decoding:
/// replay of 1 M events took 2.05 s with 16, 1.89 s with 64).
/// `finish()` returns once everything submitted is applied; after it the caller owns `pipelines`
/// again (the condition's lock orders the worker's writes before the caller's reads).
final class PipelineWorker: @unchecked Sendable {
    struct Work {
        var decoded: [Pipelines.Decoded]
        var nowMillis: Int64
        var evaluate: Bool
    }

    private let pipelines: Pipelines
    private let capacity: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Work] = []
    private var closed = false
    private var done = false

    init(pipelines: Pipelines, capacity: Int = 32, name: String = "vigil-windows") {
        self.pipelines = pipelines
        self.capacity = capacity
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Queues decoded batches; blocks while `capacity` submissions are already waiting.
    func submit(_ work: Work) {
        condition.lock()
        while queue.count >= capacity { condition.wait() }
        queue.append(work)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until everything submitted is applied and stops the thread.
    func finish() {
        condition.lock()
        closed = true
        condition.broadcast()
        while !done { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty {
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let work = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            pipelines.apply(work.decoded, nowMillis: work.nowMillis, evaluate: work.evaluate)
        }
    }
}
