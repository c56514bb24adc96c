/// What an `EventDecoder` decodes: the models served by one topic and where their fields live.
package struct DecoderConfiguration: Sendable {
    /// The models served by one topic; an event's `DecodeOutcome` and batch name a model by its index here.
    package var models: [ModelSchema]
    /// Dotted paths of the event fields (SPEC §4 `fields`), shared by those models.
    package var fields: FieldPaths
    /// Larger messages are rejected as `too_large` before parsing (SPEC §4 `max_event_bytes`).
    package var maxEventBytes: Int
    /// Distinct category names kept per categorical feature (and per model's class dictionary)
    /// unless the model's `ModelSchema.maxCategories` says otherwise; beyond it new names all map
    /// to one overflow code named `EventDecoder.overflowCategory`, counted `category_overflow`.
    package var maxCategoriesPerFeature: Int
    /// Whether the extractor may take its fast path (simdjson's DOM parser, see CSimdJSON); false
    /// forces the On-Demand walk, for tests and fuzzing that check both give the same batches.
    package var fastPath = true
    /// Threads that parse a batch given to `EventDecoder.prepare` (the calling thread and up to
    /// `parseThreads - 1` pool threads); 1 parses on the calling thread alone.
    package var parseThreads = 1

    package init(
        models: [ModelSchema],
        fields: FieldPaths = FieldPaths(),
        maxEventBytes: Int = 1 << 20,
        maxCategoriesPerFeature: Int = 10_000
    ) {
        self.models = models
        self.fields = fields
        self.maxEventBytes = maxEventBytes
        self.maxCategoriesPerFeature = maxCategoriesPerFeature
    }
}
