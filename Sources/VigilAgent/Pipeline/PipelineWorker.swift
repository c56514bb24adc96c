import Foundation
import VigilKafka

/// Runs `Pipelines.apply` (window updates, scoring, evaluation, publishing) on a thread of its
/// own, so that the caller's thread goes on decoding the next batch meanwhile (issue 11: decoding
/// and windowing each take about half of the work, and the machine has two cores). `replay` and
/// `run` (`KafkaIngest`) both use it.
///
/// Confinement: while work is queued or being applied, only the worker thread calls into
/// `pipelines` except through `Pipelines.takeDecoded()`/`takeDecodedLabels()`/`decode`/
/// `decodeLabel`, which touch the decoders alone (the caller's side). Work is applied in
/// submission order. At most `capacity` submissions wait; `submit` blocks beyond that, so memory
/// stays bounded when windowing is the slower side (32 batches of 4096 standard events are
/// ~26 MB; fewer let a window evaluation stall decoding: replay of 1 M events took 2.05 s with
/// 16, 1.89 s with 64).
/// After `drain()` or `finish()` returns, the caller may use `pipelines` directly until its next
/// `submit` (the condition's lock orders the worker's writes before the caller's reads, and the
/// caller's writes before the worker's next reads).
final class PipelineWorker: @unchecked Sendable {
    struct Work {
        var decoded: [Pipelines.Decoded]
        /// The labels stream's decoded batches, joined after `decoded` is applied.
        var labels: Pipelines.Decoded? = nil
        var nowMillis: Int64
        var evaluate: Bool
        /// False for replayed events (see `Pipelines.apply`).
        var counted: Bool = true
    }

    private let pipelines: Pipelines
    private let capacity: Int
    /// Runs on the worker thread after each submission is applied.
    private let afterEach: () -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Work] = []
    private var submitted = 0
    private var completed = 0
    private var closed = false
    private var done = false

    init(pipelines: Pipelines, capacity: Int = 32, name: String = "vigil-windows", afterEach: @escaping () -> Void = {}) {
        self.pipelines = pipelines
        self.capacity = capacity
        self.afterEach = afterEach
        Thread { [self] in
            ConsumerThread.nameCurrentThread(name)
            run()
        }.start()
    }

    /// Queues decoded batches; blocks while `capacity` submissions are already waiting.
    /// - Returns: the submission's number (1, 2, …), which `completedCount` reaches once it is applied.
    @discardableResult
    func submit(_ work: Work) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity { condition.wait() }
        queue.append(work)
        submitted += 1
        condition.broadcast()
        return submitted
    }

    /// How many submissions are applied (they complete in order).
    var completedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return completed
    }

    /// Waits until everything submitted is applied; the worker stays ready for more.
    func drain() {
        condition.lock()
        while completed < submitted { condition.wait() }
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
            pipelines.apply(work.decoded, nowMillis: work.nowMillis, evaluate: work.evaluate, counted: work.counted)
            if let labels = work.labels { pipelines.joinLabels(labels) }
            afterEach()
            condition.lock()
            completed += 1
            condition.broadcast()
            condition.unlock()
        }
    }
}
