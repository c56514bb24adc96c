/// The pending batch's feature columns while rows are appended: one block per value type,
/// column-major (`capacity` rows per column), written by row index. Appending a row to 25
/// `ContiguousArray` columns nested in the batch cost two uniqueness checks and a capacity check
/// per value (`swift_isUniquelyReferenced_nonNull_native` alone was 4 % of the consumer thread,
/// issue 11); here a value is one store. `ModelDecodingState.takeBatch` copies the columns into
/// the batch's arrays (one copy per column per batch).
///
/// A class so that the owning `ModelDecodingState` (a struct in an array) writes through a
/// reference; confined to the decoder's thread like the decoder.
final class ColumnStage {
    let numericCount: Int
    let categoricalCount: Int
    /// Rows each column holds before the block grows.
    private(set) var capacity: Int
    private(set) var numeric: UnsafeMutablePointer<Double>
    private(set) var categorical: UnsafeMutablePointer<UInt32>

    init(numericCount: Int, categoricalCount: Int, capacity: Int = 256) {
        self.numericCount = numericCount
        self.categoricalCount = categoricalCount
        self.capacity = capacity
        numeric = .allocate(capacity: max(1, numericCount * capacity))
        categorical = .allocate(capacity: max(1, categoricalCount * capacity))
    }

    deinit {
        numeric.deallocate()
        categorical.deallocate()
    }

    /// Makes room for row `row`, keeping rows `0..<row` of every column.
    @inline(__always)
    func ensure(row: Int) {
        if row >= capacity { grow(keeping: row, to: max(2 * capacity, row + 1)) }
    }

    private func grow(keeping rows: Int, to newCapacity: Int) {
        let newNumeric = UnsafeMutablePointer<Double>.allocate(capacity: max(1, numericCount * newCapacity))
        let newCategorical = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, categoricalCount * newCapacity))
        for column in 0..<numericCount {
            (newNumeric + column * newCapacity).initialize(from: numeric + column * capacity, count: rows)
        }
        for column in 0..<categoricalCount {
            (newCategorical + column * newCapacity).initialize(from: categorical + column * capacity, count: rows)
        }
        numeric.deallocate()
        categorical.deallocate()
        numeric = newNumeric
        categorical = newCategorical
        capacity = newCapacity
    }

    @inline(__always)
    func setNumeric(column: Int, row: Int, _ value: Double) {
        numeric[column &* capacity &+ row] = value
    }

    @inline(__always)
    func setCategorical(column: Int, row: Int, _ code: UInt32) {
        categorical[column &* capacity &+ row] = code
    }

    /// Rows `0..<rows` of every numeric column, as the batch stores them.
    func numericColumns(rows: Int) -> [ContiguousArray<Double>] {
        (0..<numericCount).map { ContiguousArray(UnsafeBufferPointer(start: numeric + $0 * capacity, count: rows)) }
    }

    /// Rows `0..<rows` of every categorical column, as the batch stores them.
    func categoricalColumns(rows: Int) -> [ContiguousArray<UInt32>] {
        (0..<categoricalCount).map { ContiguousArray(UnsafeBufferPointer(start: categorical + $0 * capacity, count: rows)) }
    }
}
