internal import CSimdJSON

/// Turns JSON events (SPEC §3) into one columnar `EventBatch` per model.
///
/// Each message is validated as a whole by simdjson's On-Demand parser (through `CSimdJSON`), which
/// reports the values at the configured field paths; this class decides what they mean. In the
/// steady state decoding allocates nothing per event, except a `String` for a category or class
/// name seen for the first time.
///
/// Not `Sendable`: confined to the thread that consumes (the Kafka consumer thread, or replay).
package final class EventDecoder {
    /// The category that names every new category beyond `maxCategoriesPerFeature`.
    package static let overflowCategory = "__other__"
    /// Deepest nesting accepted (SPEC §3); the top-level object is level 1.
    package static let maximumDepth = 64

    package let configuration: DecoderConfiguration
    private let extractor: OpaquePointer
    private var state: DecodingState

    package init(configuration: DecoderConfiguration) {
        self.configuration = configuration
        // simdjson handles documents up to 4 GiB; larger limits are clamped.
        let maxEventBytes = min(max(configuration.maxEventBytes, 0), 0xFFFF_0000)
        guard let extractor = vigil_json_extractor_create(maxEventBytes, UInt32(Self.maximumDepth)) else {
            fatalError("EventDecoder: out of memory creating the JSON extractor")
        }
        self.extractor = extractor
        if !configuration.fastPath { vigil_json_extractor_set_fast_path(extractor, 0) }

        // Feature names over all models (models on one topic share the features path).
        var unionIndex: [String: Int] = [:]
        var unionNames: [String] = []
        var models = ContiguousArray<ModelDecodingState>()
        for (index, schema) in configuration.models.enumerated() {
            var featureUnion = ContiguousArray<Int>()
            for feature in schema.features {
                if let existing = unionIndex[feature.name] {
                    featureUnion.append(existing)
                } else {
                    unionIndex[feature.name] = unionNames.count
                    featureUnion.append(unionNames.count)
                    unionNames.append(feature.name)
                }
            }
            models.append(ModelDecodingState(
                index: index, schema: schema, featureUnion: featureUnion,
                maxCategories: schema.maxCategories ?? configuration.maxCategoriesPerFeature
            ))
        }

        // Register every path; several roles may share one.
        let fields = configuration.fields
        var assignments: [(path: Int32, role: FieldRole)] = [
            (Self.addPath(extractor, fields.model), .model),
            (Self.addPath(extractor, fields.id), .id),
            (Self.addPath(extractor, fields.timestamp), .timestamp),
            (Self.addPath(extractor, fields.features), .features),
            (Self.addPath(extractor, fields.prediction), .prediction),
            (Self.addPath(extractor, fields.label), .label),
        ]
        for (union, name) in unionNames.enumerated() {
            assignments.append((Self.addPath(extractor, fields.features + [name]), .feature(union)))
        }
        // Raw number text is read for the id (hashed as written) and for multiclass predictions and
        // labels (an integer class is named by its digits); elsewhere the extractor may skip it.
        let classes = configuration.models.contains { $0.prediction == .categorical || $0.label == .categorical }
        for (path, role) in assignments where path >= 0 {
            if role == .id || (classes && (role == .prediction || role == .label)) {
                vigil_json_extractor_needs_number_text(extractor, path)
            }
        }
        let pathCount = Int(assignments.map(\.path).max() ?? -1) + 1
        var roleStarts = ContiguousArray<Int>()
        var roles = ContiguousArray<FieldRole>()
        for path in 0..<pathCount {
            roleStarts.append(roles.count)
            for assignment in assignments where Int(assignment.path) == path { roles.append(assignment.role) }
        }
        roleStarts.append(roles.count)

        state = DecodingState(
            extractor: extractor,
            maxEventBytes: configuration.maxEventBytes,
            roleStarts: roleStarts,
            roles: roles,
            modelNames: configuration.models.map { Array($0.name.utf8) },
            models: models,
            unionCount: unionNames.count
        )
    }

    deinit {
        vigil_json_extractor_destroy(extractor)
    }

    /// Decodes one message (a borrowed buffer that is only valid during the call) and appends an
    /// accepted event to the pending batch of its model. `processingTimeMillis` is the event time
    /// of an event without a timestamp.
    ///
    /// Checks, in order (SPEC §3): size (`too_large`), JSON validity, top-level object, nesting depth
    /// and `features` type (`malformed`), timestamp (`bad_timestamp`: unparsable, or, for a known
    /// model with `maxClockSkewMillis`, more than that ahead of `processingTimeMillis`), model
    /// (`unknown_model`). Lateness is the pipelines' business.
    package func decode(_ bytes: UnsafeRawBufferPointer, partition: Int32, offset: Int64, processingTimeMillis: Int64) -> DecodeOutcome {
        state.decode(bytes, partition: partition, offset: offset, processingTimeMillis: processingTimeMillis)
    }

    /// Hands over the batches built since the last call, one per model that received events (in
    /// model index order), and starts new ones.
    package func takeBatches() -> [EventBatch] {
        state.takeBatches()
    }

    /// Counts since the last call, then reset.
    package func takeCounters() -> DecoderCounters {
        state.takeCounters()
    }

    /// Registers a path of keys with the extractor; -1 (never matched) for an empty path.
    private static func addPath(_ extractor: OpaquePointer, _ keys: [String]) -> Int32 {
        guard !keys.isEmpty else { return -1 }
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var lengths: [Int] = []
        for key in keys {
            starts.append(bytes.count)
            lengths.append(key.utf8.count)
            bytes.append(contentsOf: key.utf8)
        }
        bytes.append(0)
        return bytes.withUnsafeBytes { storage in
            let base = storage.baseAddress!.assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = starts.map { UnsafePointer(base + $0) }
            return pointers.withUnsafeBufferPointer { pointers in
                lengths.withUnsafeBufferPointer { lengths in
                    vigil_json_extractor_add_path(extractor, pointers.baseAddress, lengths.baseAddress, keys.count)
                }
            }
        }
    }
}
