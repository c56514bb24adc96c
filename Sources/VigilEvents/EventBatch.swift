/// The events of one model decoded from one poll, as columns (struct of arrays).
///
/// Row `i` of every column is the i-th accepted event. Missing numeric values are NaN;
/// missing categorical values are code 0. Codes index the model's category dictionary,
/// which only grows: `newCategories[f]` lists the names of the codes that the decoder
/// assigned to categorical feature `f` while building this batch, in code order, so a
/// consumer that applies batches in order can keep an identical dictionary
/// (code `c` ≥ 1 is the `c`-th name ever announced for that feature).
package struct EventBatch: Sendable {
    /// Index of the model in the decoder's schema list.
    package var model: Int
    /// Event time, Unix epoch milliseconds (processing time when the event had none).
    package var timestamps: ContiguousArray<Int64> = []
    /// Kafka partition the event came from (0 in replay).
    package var partitions: ContiguousArray<Int32> = []
    /// Kafka offset of the event (line number in replay).
    package var offsets: ContiguousArray<Int64> = []
    /// 64-bit FNV-1a hash of the event id's bytes; 0 when the event has no id.
    package var idHashes: ContiguousArray<UInt64> = []
    /// One column per numeric feature, in `ModelSchema.numericFeatureNames` order; NaN = missing.
    package var numeric: [ContiguousArray<Double>]
    /// One column per categorical feature, in `ModelSchema.categoricalFeatureNames` order; 0 = missing.
    package var categorical: [ContiguousArray<UInt32>]
    /// Per numeric feature, the rows whose value was non-finite (NaN/Infinity literal or overflow);
    /// those rows hold NaN (missing) in `numeric`. Usually empty.
    package var nonFiniteRows: [ContiguousArray<Int32>]
    /// Per feature in schema order (numeric and categorical interleaved as configured),
    /// the rows whose value had the wrong JSON type. Those values are missing. Usually empty.
    package var typeErrorRows: [ContiguousArray<Int32>]
    /// Numeric prediction (binary score or regression value); NaN = missing. Empty for multiclass.
    package var predictionValues: ContiguousArray<Double> = []
    /// Multiclass prediction codes into the prediction dictionary; empty for numeric predictions.
    package var predictionCodes: ContiguousArray<UInt32> = []
    /// Numeric label (binary 0/1 or regression value); NaN = no label. Empty for multiclass.
    package var labelValues: ContiguousArray<Double> = []
    /// Multiclass label codes into the prediction dictionary (labels and predictions share it).
    package var labelCodes: ContiguousArray<UInt32> = []
    /// Names of category codes first assigned in this batch, per categorical feature.
    package var newCategories: [[String]]
    /// Names of prediction/label class codes first assigned in this batch (multiclass only).
    package var newClasses: [String] = []

    package init(model: Int, numericCount: Int, categoricalCount: Int, featureCount: Int) {
        self.model = model
        numeric = Array(repeating: [], count: numericCount)
        categorical = Array(repeating: [], count: categoricalCount)
        nonFiniteRows = Array(repeating: [], count: numericCount)
        typeErrorRows = Array(repeating: [], count: featureCount)
        newCategories = Array(repeating: [], count: categoricalCount)
    }

    /// Number of events (rows).
    package var count: Int { timestamps.count }
}

extension EventBatch {
    /// Whether two batches hold the same events bit for bit (doubles compared by bit pattern, so
    /// NaN equals NaN and -0.0 differs from 0.0): the fast and slow extractor paths must agree.
    package func isIdentical(to other: EventBatch) -> Bool {
        func bits(_ column: ContiguousArray<Double>) -> [UInt64] { column.map(\.bitPattern) }
        return model == other.model && timestamps == other.timestamps && partitions == other.partitions
            && offsets == other.offsets && idHashes == other.idHashes
            && numeric.map(bits) == other.numeric.map(bits) && categorical == other.categorical
            && nonFiniteRows == other.nonFiniteRows && typeErrorRows == other.typeErrorRows
            && bits(predictionValues) == bits(other.predictionValues) && predictionCodes == other.predictionCodes
            && bits(labelValues) == bits(other.labelValues) && labelCodes == other.labelCodes
            && newCategories == other.newCategories && newClasses == other.newClasses
    }
}
