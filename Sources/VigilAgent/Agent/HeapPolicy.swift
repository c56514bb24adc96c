/// glibc's heap settings for `vigil run` (issue 11: throughput from Kafka, and resident memory
/// that stays flat over a soak).
///
/// librdkafka reads each fetch response into one buffer of the response's size and frees it once
/// the consumer has destroyed the messages that point into it. At a few hundred thousand events a
/// second those buffers are 2–8 MiB each (a million standard events went through 136 of them,
/// 576 MiB in all). glibc maps every allocation above `M_MMAP_THRESHOLD` on its own and unmaps it
/// when it is freed, so with a low threshold the kernel faulted in and zeroed every page of every
/// fetch response: ~0.15 page faults per event on librdkafka's broker thread, a tenth of the
/// agent's CPU at full speed. With the threshold at 32 MiB (the ceiling of glibc's own dynamic
/// threshold) those buffers come from the heap and are reused.
///
/// Memory freed inside the heap stays resident until something returns it: `HeapTrimmer` calls
/// `malloc_trim(0)` every 2 s while events flow (glibc then releases the whole pages of every free
/// chunk in every arena), so window evaluation's transient buffers and the fetch buffers of a past
/// burst do not pile up. Tried on a 20,000 events/s soak against the 256 KiB threshold (median RSS
/// with the window full, same run): glibc's dynamic threshold without trimming climbed past
/// 240 MB in four minutes; trimming every 2 s, 174 against 176 MB; every 5 s, 191; only once
/// resident memory grew by 8 or 16 MiB, 191 and 209 against 173. Every second kept the RSS too,
/// but at 5,000 events/s, where the broker's small fetch buffers are freed and faulted back in
/// after each trim, it saved no CPU (2.57 and 2.38 % of a core against 2.70 and 2.40 before and
/// 2.32 and 2.13 every 2 s, alternating runs; README "Performance").
enum HeapPolicy {
    /// Allocations of this size and more get their own mapping.
    static let mmapThresholdBytes: Int32 = 32 << 20

    /// Sets `M_MMAP_THRESHOLD` (which also fixes glibc's trim threshold at its default, 128 KiB).
    static func configure() {
        #if canImport(Glibc)
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, mmapThresholdBytes)
        #endif
    }

    /// Returns the heap's free pages to the system (`malloc_trim(0)`).
    static func trim() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}

/// Decides when the consume loop trims the heap: at most once per `intervalMillis` while polls
/// return messages, once more after they stop, never while the agent is idle.
struct HeapTrimmer {
    static let defaultIntervalMillis: Int64 = 2000

    let intervalMillis: Int64
    private let trim: () -> Void
    private var lastTrimMillis: Int64?
    /// Messages were polled since the last trim.
    private var pending = false

    init(intervalMillis: Int64 = HeapTrimmer.defaultIntervalMillis, trim: @escaping () -> Void = HeapPolicy.trim) {
        self.intervalMillis = intervalMillis
        self.trim = trim
    }

    /// Called after each poll with the number of messages it returned.
    mutating func polled(_ messages: Int, nowMillis: Int64) {
        if messages > 0 { pending = true }
        guard pending else { return }
        if let last = lastTrimMillis, nowMillis - last < intervalMillis { return }
        trim()
        lastTrimMillis = nowMillis
        pending = false
    }
}

#if canImport(Glibc)
/// glibc's `mallopt` and `malloc_trim` (`<malloc.h>`, which the Glibc module does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
