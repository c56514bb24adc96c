/// Sorting doubles ascending by least-significant-digit radix sort (issue 11: sorting window
/// samples was about a tenth of the pipeline's time with the standard library's comparison sort).
///
/// Each double maps to an unsigned key whose order is the doubles' order: positive values flip
/// their sign bit, negative values flip every bit. Six counting passes of 11 (then 10) bits sort
/// the keys through a scratch buffer; a pass in which every key has the same digit (common for
/// the sign and exponent bits of one feature's values) is skipped. O(n) work, against
/// O(n log n) comparisons with hard-to-predict branches.
///
/// The result equals `sort()`'s for values without NaN, except that -0.0 sorts before +0.0
/// (the standard library leaves equal values in either order). NaN sorts after +infinity (or
/// before -infinity when its sign bit is set); callers keep NaN out of samples.
package enum RadixSort {
    /// Below this many values the standard library's sort is as fast.
    static let minimumCount = 512

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
        // 6 digits: bits 0–10, 11–21, 22–32, 33–43, 44–53, 54–63.
        let bucketCount = 2048
        let histogram = UnsafeMutablePointer<Int>.allocate(capacity: 6 * bucketCount)
        defer { histogram.deallocate() }
        histogram.initialize(repeating: 0, count: 6 * bucketCount)
        for i in 0..<count {
            let bits = keys[i]
            // Negative (sign set): flip all bits; positive: flip the sign bit.
            let key = bits ^ (UInt64(bitPattern: Int64(bitPattern: bits) >> 63) | 0x8000_0000_0000_0000)
            keys[i] = key
            histogram[Int(key & 0x7FF)] &+= 1
            histogram[bucketCount + Int((key >> 11) & 0x7FF)] &+= 1
            histogram[2 * bucketCount + Int((key >> 22) & 0x7FF)] &+= 1
            histogram[3 * bucketCount + Int((key >> 33) & 0x7FF)] &+= 1
            histogram[4 * bucketCount + Int((key >> 44) & 0x3FF)] &+= 1
            histogram[5 * bucketCount + Int(key >> 54)] &+= 1
        }
        var source = keys
        var target = scratch
        for pass in 0..<6 {
            let counts = histogram + pass * bucketCount
            let shift = UInt64(pass < 5 ? pass * 11 : 54)
            let mask: UInt64 = pass >= 4 ? 0x3FF : 0x7FF
            // Skip a pass whose digit is the same for every key.
            if counts[Int((source[0] >> shift) & mask)] == count { continue }
            // Exclusive prefix sums: where each digit's keys start.
            var offset = 0
            for bucket in 0..<bucketCount {
                let n = counts[bucket]
                counts[bucket] = offset
                offset &+= n
            }
            for i in 0..<count {
                let key = source[i]
                let bucket = Int((key >> shift) & mask)
                target[counts[bucket]] = key
                counts[bucket] &+= 1
            }
            swap(&source, &target)
        }
        // Back to doubles, into `values` (the sorted keys may be in the scratch buffer).
        for i in 0..<count {
            let key = source[i]
            let bits = key ^ (UInt64(bitPattern: Int64(bitPattern: ~key) >> 63) | 0x8000_0000_0000_0000)
            keys[i] = bits
        }
    }
}
