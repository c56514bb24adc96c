internal import CSimdJSON

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
    /// The paths the extractor may take before its On-Demand walk (see CSimdJSON): all of them by
    /// default; tests and fuzzing turn them off to check that every path gives the same batches.
    package var extractorPaths: ExtractorPaths = .all
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

/// The extractor's paths that may run before its On-Demand walk (CSimdJSON's `vigil_json_path`).
package struct ExtractorPaths: OptionSet, Sendable, Hashable, CustomStringConvertible {
    package let rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// One validating pass for the common event shape, building nothing.
    package static let scanner = ExtractorPaths(rawValue: Int32(VIGIL_JSON_PATH_SCANNER.rawValue))
    /// simdjson's DOM parser, then a walk of its tape.
    package static let dom = ExtractorPaths(rawValue: Int32(VIGIL_JSON_PATH_DOM.rawValue))
    package static let all: ExtractorPaths = [.scanner, .dom]
    /// Every combination, for tests comparing them; `[]` is the On-Demand walk alone.
    package static let combinations: [ExtractorPaths] = [.all, .dom, .scanner, []]

    package var description: String {
        let names = [(ExtractorPaths.scanner, "scanner"), (.dom, "DOM")].filter { contains($0.0) }.map(\.1) + ["On-Demand"]
        return names.joined(separator: " > ")
    }
}
