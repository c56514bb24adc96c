/// Quantiles of sorted data with numpy's default (`linear`, Hyndman–Fan type 7) method.
package enum Quantile {
    /// `numpy.quantile(x, q)` for already sorted `x` (ascending, no NaN).
    ///
    /// h = (n − 1)·q, i = ⌊h⌋, t = h − i; numpy's `_lerp` evaluates
    /// `x[i] + t·(x[i+1] − x[i])`, or `x[i+1] − (1 − t)·(x[i+1] − x[i])` when t ≥ 0.5,
    /// and so do we, bit for bit. `nil` when `sorted` is empty.
    /// - Complexity: O(1).
    package static func linear(sorted: UnsafeBufferPointer<Double>, _ q: Double) -> Double? {
        let n = sorted.count
        guard n > 0 else { return nil }
        let h = Double(n - 1) * q
        let lower = h.rounded(.down)
        let i = Swift.min(Swift.max(Int(lower), 0), n - 1)
        let j = Swift.min(i + 1, n - 1)
        let t = h - lower
        let a = sorted[i], b = sorted[j]
        let diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }

    /// As `linear(sorted:_:)` for an array.
    package static func linear(sorted: [Double], _ q: Double) -> Double? {
        sorted.withUnsafeBufferPointer { linear(sorted: $0, q) }
    }
}
