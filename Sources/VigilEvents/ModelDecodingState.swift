/// Everything the decoder keeps per model: where its features are, its pending batch, its
/// dictionaries and its counts.
struct ModelDecodingState {
    let index: Int
    let prediction: ModelSchema.ValueKind
    let label: ModelSchema.ValueKind
    let featureCount: Int
    let numericCount: Int
    let categoricalCount: Int
    /// Per feature in schema order: index into the decoder's feature-name union.
    let featureUnion: ContiguousArray<Int>
    /// Per feature in schema order: index of its numeric or categorical column.
    let featureColumn: ContiguousArray<Int>
    let featureIsNumeric: ContiguousArray<Bool>

    /// The pending batch; its `numeric` and `categorical` columns live in `stage` until `takeBatch`.
    var batch: EventBatch
    let stage: ColumnStage
    var categories: ContiguousArray<CategoryDictionary>
    /// Per categorical feature, the codes of `"true"` and `"false"` once assigned (0 before).
    var trueCodes: ContiguousArray<UInt32>
    var falseCodes: ContiguousArray<UInt32>
    /// Prediction and label classes (multiclass), one dictionary for both.
    var classes: CategoryDictionary
    /// `invalidCounts[2 * feature + r]`, r = 0 type error, 1 non-finite.
    var invalidCounts: ContiguousArray<Int>
    var accepted = 0
    private var lastBatchCount = 0

    /// `ModelSchema.maxClockSkewMillis`.
    let maxClockSkewMillis: Int64?

    init(index: Int, schema: ModelSchema, featureUnion: ContiguousArray<Int>, maxCategories: Int) {
        maxClockSkewMillis = schema.maxClockSkewMillis
        self.index = index
        prediction = schema.prediction
        label = schema.label
        featureCount = schema.features.count
        var numeric = 0, categorical = 0
        var columns = ContiguousArray<Int>(), isNumeric = ContiguousArray<Bool>()
        for feature in schema.features {
            switch feature.kind {
            case .numeric: columns.append(numeric); numeric += 1; isNumeric.append(true)
            case .categorical: columns.append(categorical); categorical += 1; isNumeric.append(false)
            }
        }
        numericCount = numeric
        categoricalCount = categorical
        self.featureUnion = featureUnion
        featureColumn = columns
        featureIsNumeric = isNumeric
        batch = EventBatch(model: index, numericCount: numeric, categoricalCount: categorical, featureCount: schema.features.count)
        stage = ColumnStage(numericCount: numeric, categoricalCount: categorical)
        categories = ContiguousArray(repeating: CategoryDictionary(limit: maxCategories), count: categorical)
        trueCodes = ContiguousArray(repeating: 0, count: categorical)
        falseCodes = ContiguousArray(repeating: 0, count: categorical)
        classes = CategoryDictionary(limit: maxCategories)
        invalidCounts = ContiguousArray(repeating: 0, count: schema.features.count * 2)
    }

    /// Hands over the pending batch and starts one sized like it.
    mutating func takeBatch() -> EventBatch {
        var taken = batch
        taken.numeric = stage.numericColumns(rows: taken.count)
        taken.categorical = stage.categoricalColumns(rows: taken.count)
        lastBatchCount = taken.count
        batch = EventBatch(model: index, numericCount: numericCount, categoricalCount: categoricalCount, featureCount: featureCount)
        reserve(lastBatchCount)
        return taken
    }

    private mutating func reserve(_ rows: Int) {
        guard rows > 0 else { return }
        batch.timestamps.reserveCapacity(rows)
        batch.partitions.reserveCapacity(rows)
        batch.offsets.reserveCapacity(rows)
        batch.idHashes.reserveCapacity(rows)
        switch prediction {
        case .numeric: batch.predictionValues.reserveCapacity(rows)
        case .categorical: batch.predictionCodes.reserveCapacity(rows)
        }
        switch label {
        case .numeric: batch.labelValues.reserveCapacity(rows)
        case .categorical: batch.labelCodes.reserveCapacity(rows)
        }
    }
}

extension ModelDecodingState {
    /// Moves the non-zero invalid-value counts (type errors, non-finite values, categories pooled
    /// past the dictionary's limit) into `counters` under model index `model`, and zeroes them.
    /// Called per poll and per idle turn of the consume loop: no allocation unless a count is set
    /// (a per-feature array literal here was most of an idle turn's mallocs, issue 11).
    mutating func takeInvalidCounts(model: Int, into counters: inout [InvalidValueKey: Int]) {
        for feature in 0..<featureCount {
            let typeErrors = invalidCounts[2 * feature], nonFinite = invalidCounts[2 * feature + 1]
            if typeErrors > 0 {
                counters[InvalidValueKey(model: model, feature: feature, reason: .typeError)] = typeErrors
                invalidCounts[2 * feature] = 0
            }
            if nonFinite > 0 {
                counters[InvalidValueKey(model: model, feature: feature, reason: .nonFinite)] = nonFinite
                invalidCounts[2 * feature + 1] = 0
            }
            guard !featureIsNumeric[feature] else { continue }
            let column = featureColumn[feature]
            let pooled = categories[column].pooled
            guard pooled > 0 else { continue }
            counters[InvalidValueKey(model: model, feature: feature, reason: .categoryOverflow)] = pooled
            categories[column].pooled = 0
        }
    }
}
