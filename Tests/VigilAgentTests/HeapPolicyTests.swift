#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import VigilAgent

/// `HeapPolicy` and `HeapTrimmer` (issue 11): librdkafka's fetch-response buffers (2–8 MiB at full
/// speed) come from the heap and are reused instead of being mapped, faulted in and unmapped each
/// time, and the consume loop returns the heap's free pages every 2 s while events flow.
@Suite(.serialized) struct HeapPolicyTests {
    /// The trim schedule: at most once per interval while polls return messages, once more after
    /// they stop, never while idle.
    @Test func trimsOncePerIntervalWhileEventsFlowAndOnceAfter() {
        var trims: [Int64] = []
        var clock: Int64 = 0
        var trimmer = HeapTrimmer(intervalMillis: 1000, trim: { trims.append(clock) })
        #expect(HeapTrimmer.defaultIntervalMillis == 2000)
        func poll(_ messages: Int, at millis: Int64) {
            clock = millis
            trimmer.polled(messages, nowMillis: millis)
        }
        // Idle from the start: nothing to return.
        for t in stride(from: Int64(0), to: 5000, by: 50) { poll(0, at: t) }
        #expect(trims.isEmpty)
        // Events every 10 ms for 2.5 s: the first poll with messages, then once a second.
        for t in stride(from: Int64(5000), to: 7500, by: 10) { poll(100, at: t) }
        #expect(trims == [5000, 6000, 7000])
        // They stop: once more when the interval has passed (what the last polls freed), then never.
        for t in stride(from: Int64(7500), to: 20_000, by: 50) { poll(0, at: t) }
        #expect(trims == [5000, 6000, 7000, 8000])
        // A single message after a long idle spell is trimmed after at once (the interval has passed).
        poll(1, at: 20_000)
        #expect(trims == [5000, 6000, 7000, 8000, 20_000])
        poll(0, at: 20_050)
        #expect(trims.count == 5)
    }

    #if canImport(Glibc)
    /// Resident memory of this process (`/proc/self/statm`), bytes.
    static func residentBytes() throws -> Int {
        let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return try #require(Int(fields[1])) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// glibc marks a chunk it mapped on its own with bit 1 (`IS_MMAPPED`) of the size word just
    /// before the pointer it returned (malloc/malloc.c, unchanged since glibc 2.0).
    static func isMapped(_ pointer: UnsafeMutableRawPointer) -> Bool {
        (pointer - MemoryLayout<Int>.size).load(as: Int.self) & 2 != 0
    }

    /// Whether this process allocates with glibc's malloc. AddressSanitizer and ThreadSanitizer
    /// builds (`make sanitize`) replace it with allocators of their own: their blocks carry no glibc
    /// size word, ASan's `mallopt` does nothing and returns 0, and `malloc_trim` returns nothing under
    /// either (under ASan the trim expectation below failed: -16 KiB returned).
    static let glibcAllocator = dlsym(nil, "__asan_init") == nil && dlsym(nil, "__tsan_init") == nil

    /// With the policy a fetch-sized buffer comes from the heap, stays resident once freed (that is
    /// the reuse) and `trim()` returns it. With the threshold `vigil run` had before (256 KiB; checked
    /// by setting it) the first expectation fails: the buffer is mapped on its own.
    @Test(.enabled(if: glibcAllocator, "glibc's heap layout; sanitizer builds use their own allocators"))
    func fetchSizedBuffersComeFromTheHeapAndTrimReturnsThem() throws {
        HeapPolicy.configure()
        let size = 8 << 20, count = 6
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            let block = try #require(malloc(size))
            memset(block, 0x5a, size)   // resident
            blocks.append(block)
        }
        for block in blocks { #expect(!Self.isMapped(block)) }
        // The last block stays allocated: it keeps the others off the top of the heap, where glibc
        // would trim them on free by itself.
        let fence = blocks.removeLast()
        defer { free(fence) }

        let touched = try Self.residentBytes()
        for block in blocks { free(block) }
        let freed = try Self.residentBytes()
        // Freed into the heap: still resident, ready for the next fetch response without page faults.
        #expect(touched - freed < size, "freeing returned \((touched - freed) >> 20) MiB by itself")

        HeapPolicy.trim()
        let trimmed = try Self.residentBytes()
        #expect(freed - trimmed >= (blocks.count - 1) * size, "trim returned only \((freed - trimmed) >> 20) MiB")
    }
    #endif
}
