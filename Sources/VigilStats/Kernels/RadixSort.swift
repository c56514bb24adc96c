/// Sorting doubles ascending by least-significant-digit radix sort (issue 11: sorting window
/// samples was about a tenth of the pipeline's time with the standard library's comparison sort).
///
/// Each double maps to an unsigned key whose order is the doubles' order: positive values flip
/// their sign bit, negative values flip every bit. Three counting passes of 11 bits sort the keys
/// by their high 33 bits (sign, exponent and 21 bits of the significand) through a scratch buffer;
/// a pass in which every key has the same digit (common for the sign and exponent bits of one
/// feature's values) is skipped. Keys that share those 33 bits are then adjacent, in runs that
/// for continuous data hold one or two keys: a linear walk sorts each run by its whole key
/// (insertion sort for short runs, the standard library's sort for long ones, which finds runs
/// of equal keys in O(n)). Two or three passes and a walk instead of five or six passes over the
/// low bits that almost never decide the order (twelfth session: six passes of 11 bits).
///
/// The result equals `sort()`'s for values without NaN, except that -0.0 sorts before +0.0
/// (the standard library leaves equal values in either order). NaN sorts after +infinity (or
/// before -infinity when its sign bit is set); callers keep NaN out of samples.
package enum RadixSort {
    /// Below this many values the standard library's sort is as fast.
    static let minimumCount = 512

    /// The unsigned key whose order is the doubles' order: negative values (sign set) flip every
    /// bit, positive ones the sign bit. -0.0 maps just below +0.0.
    @inline(__always) package static func key(_ value: Double) -> UInt64 {
        let bits = value.bitPattern
        return bits ^ (UInt64(bitPattern: Int64(bitPattern: bits) >> 63) | 0x8000_0000_0000_0000)
    }

    /// The double of `key(_:)`.
    @inline(__always) package static func value(ofKey key: UInt64) -> Double {
        Double(bitPattern: key ^ (UInt64(bitPattern: Int64(bitPattern: ~key) >> 63) | 0x8000_0000_0000_0000))
    }

    package static func sort(_ values: inout [Double]) {
        guard values.count >= minimumCount else { values.sort(); return }
        values.withUnsafeMutableBufferPointer { sort($0) }
    }

    package static func sort(_ values: inout ContiguousArray<Double>) {
        guard values.count >= minimumCount else { values.sort(); return }
        values.withUnsafeMutableBufferPointer { sort($0) }
    }

    package static func sort(_ values: UnsafeMutableBufferPointer<Double>) {
        let count = values.count
        guard count >= minimumCount, let base = values.baseAddress else {
            var values = values
            values.sort()
            return
        }
        let keys = UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt64.self)
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: count)
        defer { scratch.deallocate() }
        // 3 digits of the high 33 bits: bits 31–41, 42–52, 53–63.
        let bucketCount = 2048
        let histogram = UnsafeMutablePointer<Int>.allocate(capacity: 3 * bucketCount)
        defer { histogram.deallocate() }
        histogram.initialize(repeating: 0, count: 3 * bucketCount)
        for i in 0..<count {
            let key = Self.key(Double(bitPattern: keys[i]))   // the memory stays typed UInt64
            keys[i] = key
            histogram[Int((key >> 31) & 0x7FF)] &+= 1
            histogram[bucketCount + Int((key >> 42) & 0x7FF)] &+= 1
            histogram[2 * bucketCount + Int(key >> 53)] &+= 1
        }
        var source = keys
        var target = scratch
        for pass in 0..<3 {
            let counts = histogram + pass * bucketCount
            let shift = UInt64(31 + pass * 11)
            // Skip a pass whose digit is the same for every key.
            if counts[Int((source[0] >> shift) & 0x7FF)] == count { continue }
            // Exclusive prefix sums: where each digit's keys start.
            var offset = 0
            for bucket in 0..<bucketCount {
                let n = counts[bucket]
                counts[bucket] = offset
                offset &+= n
            }
            for i in 0..<count {
                let key = source[i]
                let bucket = Int((key >> shift) & 0x7FF)
                target[counts[bucket]] = key
                counts[bucket] &+= 1
            }
            swap(&source, &target)
        }
        // Runs of keys equal in their high 33 bits, sorted by the whole key.
        var runStart = 0
        var runHigh = source[0] >> 31
        for i in 1...count {
            let high = i < count ? source[i] >> 31 : ~runHigh
            guard high != runHigh else { continue }
            sortRun(source + runStart, count: i - runStart)
            runStart = i
            runHigh = high
        }
        // Back to doubles, into `values` (the sorted keys may be in the scratch buffer).
        for i in 0..<count { keys[i] = value(ofKey: source[i]).bitPattern }
    }

    /// Sorts `count` keys in place: insertion sort up to 32 (O(count) when already in order, as
    /// equal keys are), the standard library's sort above.
    @inline(__always)
    private static func sortRun(_ keys: UnsafeMutablePointer<UInt64>, count: Int) {
        guard count > 1 else { return }
        if count > 32 {
            var run = UnsafeMutableBufferPointer(start: keys, count: count)
            run.sort()
            return
        }
        for i in 1..<count {
            let key = keys[i]
            var j = i
            while j > 0, keys[j - 1] > key {
                keys[j] = keys[j - 1]
                j -= 1
            }
            keys[j] = key
        }
    }
}
