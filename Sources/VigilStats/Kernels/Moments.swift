/// Count, mean, sum of squared deviations, minimum and maximum of a column's
/// non-missing values, mergeable exactly (Chan et al.) so window panes combine in
/// any grouping and order.
///
/// Missing values are NaN and are skipped. `variance` is the sample variance
/// (ddof 1, as `numpy.var(x, ddof=1)`), `populationVariance` ddof 0.
package struct Moments: Sendable, Equatable {
    @usableFromInline var _count: Int = 0
    @usableFromInline var _mean: Double = 0
    @usableFromInline var _m2: Double = 0
    @usableFromInline var _min: Double = .infinity
    @usableFromInline var _max: Double = -.infinity
    /// The plain sum, kept beside the running mean so that `mean` is sum / count as numpy
    /// computes it (exact for integer data, where merged running means drift in the last bit).
    @usableFromInline var _sum: Double = 0

    package init() {}

    /// Number of non-missing values seen.
    package var count: Int { _count }
    /// Arithmetic mean; `nil` when empty.
    package var mean: Double? { _count > 0 ? _sum / Double(_count) : nil }
    /// Sample variance (n − 1); `nil` below two values.
    package var variance: Double? { _count > 1 ? _m2 / Double(_count - 1) : nil }
    /// Sample standard deviation (n − 1); `nil` below two values.
    package var standardDeviation: Double? { variance.map { $0.squareRoot() } }
    /// Population variance (n); `nil` when empty.
    package var populationVariance: Double? { _count > 0 ? _m2 / Double(_count) : nil }
    package var min: Double? { _count > 0 ? _min : nil }
    package var max: Double? { _count > 0 ? _max : nil }

    /// Adds one value; NaN (missing) is skipped.
    @inlinable
    package mutating func add(_ value: Double) {
        guard !value.isNaN else { return }
        _count &+= 1
        _sum += value
        let delta = value - _mean
        _mean += delta / Double(_count)
        _m2 += delta * (value - _mean)
        if value < _min { _min = value }
        if value > _max { _max = value }
    }

    /// Adds a column; NaN is skipped. Allocation-free.
    ///
    /// Two passes over the block (sum, then squared deviations from the block
    /// mean) followed by an exact merge: more accurate than a running Welford
    /// update. Each pass keeps four independent sums in SIMD lanes (values i, i+4,
    /// i+8, … in lane i mod 4), combined pairwise at the end as numpy combines its
    /// partial sums: one chain of additions waited on every add's latency (issue 11).
    /// - Complexity: O(n).
    @inlinable
    package mutating func add(_ column: UnsafeBufferPointer<Double>) {
        guard let base = column.baseAddress, !column.isEmpty else { return }
        let raw = UnsafeRawPointer(base)
        let count = column.count, whole = count & ~3
        var sums = SIMD4<Double>.zero
        var present = SIMD4<Int64>.zero
        var lows = SIMD4<Double>(repeating: .infinity)
        var highs = SIMD4<Double>(repeating: -.infinity)
        let ones = SIMD4<Int64>(repeating: 1)
        var i = 0
        while i < whole {
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
            let isValue = v .== v
            sums += v.replacing(with: 0, where: .!isValue)
            present &+= ones.replacing(with: 0, where: .!isValue)
            lows.replace(with: v, where: v .< lows)
            highs.replace(with: v, where: v .> highs)
            i &+= 4
        }
        var sum = (sums[0] + sums[1]) + (sums[2] + sums[3])
        var n = Int(present[0] &+ present[1] &+ present[2] &+ present[3])
        var lo = Swift.min(Swift.min(lows[0], lows[1]), Swift.min(lows[2], lows[3]))
        var hi = Swift.max(Swift.max(highs[0], highs[1]), Swift.max(highs[2], highs[3]))
        while i < count {
            let v = base[i]
            if !v.isNaN {
                sum += v
                n &+= 1
                lo = v < lo ? v : lo
                hi = v > hi ? v : hi
            }
            i &+= 1
        }
        guard n > 0 else { return }
        let mean = sum / Double(n)
        let meanLanes = SIMD4<Double>(repeating: mean)
        var squares = SIMD4<Double>.zero
        var corrections = SIMD4<Double>.zero
        i = 0
        while i < whole {
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
            let d = (v - meanLanes).replacing(with: 0, where: .!(v .== v))
            squares += d * d
            corrections += d
            i &+= 4
        }
        var m2 = (squares[0] + squares[1]) + (squares[2] + squares[3])
        var correction = (corrections[0] + corrections[1]) + (corrections[2] + corrections[3])
        while i < count {
            let v = base[i]
            if !v.isNaN {
                let d = v - mean
                m2 += d * d
                correction += d
            }
            i &+= 1
        }
        // Corrected two-pass algorithm (Chan, Golub & LeVeque 1983).
        m2 -= correction * correction / Double(n)
        var block = Moments()
        block._count = n
        block._mean = mean + correction / Double(n)
        block._m2 = Swift.max(m2, 0)
        block._min = lo
        block._max = hi
        block._sum = sum
        merge(block)
    }

    /// Combines two summaries exactly as if all values had been added to one.
    @inlinable
    package mutating func merge(_ other: Moments) {
        guard other._count > 0 else { return }
        guard _count > 0 else { self = other; return }
        let n = Double(_count) + Double(other._count)
        let delta = other._mean - _mean
        _mean += delta * Double(other._count) / n
        _m2 += other._m2 + delta * delta * Double(_count) * Double(other._count) / n
        _count &+= other._count
        _sum += other._sum
        _min = Swift.min(_min, other._min)
        _max = Swift.max(_max, other._max)
    }
}
