import Foundation
import Logging
import Testing
import VigilSync
@testable import VigilKafka

/// `TimerSlack` (issue 11: librdkafka 2.0's main thread spins up to a millisecond before each of
/// its timers, librdkafka#4684): threads created inside `creatingThreads` inherit the slack (Linux
/// copies it at thread creation), the calling thread gets its own back, and every librdkafka thread
/// of this process runs with it.
@Suite(.tags(.component), .timeLimit(.minutes(1)))
struct TimerSlackTests {
    /// A thread's timer slack as the kernel reports it (`/proc/<tid>/timerslack_ns`, Linux ≥ 4.6).
    static func slack(thread id: String) -> Int? {
        (try? String(contentsOfFile: "/proc/\(id)/timerslack_ns", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// (thread id, name) of this process's threads.
    static func threads() throws -> [(id: String, name: String)] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").map { id in
            (id, (try? String(contentsOfFile: "/proc/self/task/\(id)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        }
    }

    @Test func threadsCreatedInsideInheritItAndTheCallerKeepsItsOwn() throws {
        #if os(Linux)
        let before = TimerSlack.current
        #expect(before > 0)
        var inside = 0
        let child = Locked(0)
        let done = DispatchSemaphore(value: 0)
        TimerSlack.creatingThreads(nanoseconds: 3_000_000) {
            inside = TimerSlack.current
            Thread {
                child.withLock { $0 = TimerSlack.current }
                done.signal()
            }.start()
        }
        done.wait()
        #expect(inside == 3_000_000)
        #expect(child.withLock { $0 } == 3_000_000)
        #expect(TimerSlack.current == before)
        #endif
    }

    @Test func librdkafkasThreadsRunWithIt() throws {
        #if os(Linux)
        let kafka = try MockKafka(topic: "slack", partitions: 1)
        defer { kafka.cluster.close() }
        let before = TimerSlack.current
        let consumer = try KafkaConsumer(configuration: kafka.consumerConfiguration(group: "slack"), logger: Logger(label: "test"))
        defer { consumer.close() }
        #expect(TimerSlack.current == before)
        // The consumer's own and the mock cluster's (every librdkafka client here goes through
        // `TimerSlack`): rdk:main, rdk:broker…, the mock's thread.
        let librdkafka = try Self.threads().filter { $0.name.hasPrefix("rdk:") }
        #expect(librdkafka.count >= 2, "\(librdkafka)")
        for thread in librdkafka {
            #expect(Self.slack(thread: thread.id) == Int(TimerSlack.librdkafkaNanoseconds), "\(thread)")
        }
        #endif
    }
}
