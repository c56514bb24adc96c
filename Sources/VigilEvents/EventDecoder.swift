internal import CSimdJSON
import VigilSync

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
    /// One extractor per parsing thread of `prepare` (the first is `extractor`).
    private let extractors: [OpaquePointer]
    /// The messages `prepare` parsed and not yet decoded: message `i` is result `i - starts[k]` of
    /// `extractors[k]`, for the last `k` with `starts[k] <= i`.
    private var prepared: [UnsafeRawBufferPointer] = []
    private var preparedStarts: [Int] = []
    private var preparedNext = 0
    /// Below this many messages `prepare` parses on the calling thread alone (handing work to
    /// another thread costs some microseconds; a message takes one or two).
    package static let minimumParallelBatch = 64

    /// The registered paths and which need number text, for extractors made after `init`.
    private let extractorPaths: (keys: [[String]], needsText: [Bool])
    /// `prepare(_:overlapping:)`'s extractors, made on its first call: two sets of
    /// `pipelineChunks`, one holding the batch being decoded while the other fills.
    private var pipelineExtractors: [OpaquePointer] = []
    private var pipelineChunks: Int { 2 * max(configuration.parseThreads, 1) }
    /// The set holding the pipelined batch, its chunks' first messages and its message sizes; the
    /// spare arrays are the other set's, kept for their storage.
    private var pipelineSet = 0
    private var pipelineStarts: [Int] = []
    private var pipelineSizes: [Int] = []
    private var spareStarts: [Int] = []
    private var spareSizes: [Int] = []

    package init(configuration: DecoderConfiguration) {
        self.configuration = configuration

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

        // Every path; several roles may share one. Every extractor gets the same paths in the same
        // order, hence the same path ids.
        let fields = configuration.fields
        var paths: [(keys: [String], role: FieldRole)] = [
            (fields.model, .model), (fields.id, .id), (fields.timestamp, .timestamp),
            (fields.features, .features), (fields.prediction, .prediction), (fields.label, .label),
        ]
        for (union, name) in unionNames.enumerated() { paths.append((fields.features + [name], .feature(union))) }
        // Raw number text is read for the id (hashed as written) and for multiclass predictions and
        // labels (an integer class is named by its digits); elsewhere the extractor may skip it.
        let classes = configuration.models.contains { $0.prediction == .categorical || $0.label == .categorical }
        let needsText = paths.map { $0.role == .id || (classes && ($0.role == .prediction || $0.role == .label)) }
        extractorPaths = (paths.map(\.keys), needsText)
        var assignments: [(path: Int32, role: FieldRole)] = []
        extractors = (0..<max(configuration.parseThreads, 1)).map { _ in
            let (extractor, ids) = Self.makeExtractor(configuration, paths: paths.map(\.keys), needsText: needsText)
            assignments = zip(ids, paths).map { ($0, $1.role) }
            return extractor
        }
        extractor = extractors[0]
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
        for extractor in extractors + pipelineExtractors { vigil_json_extractor_destroy(extractor) }
    }

    /// An extractor with `paths` registered in order, and their ids.
    private static func makeExtractor(_ configuration: DecoderConfiguration, paths: [[String]],
                                      needsText: [Bool]) -> (OpaquePointer, [Int32]) {
        // simdjson handles documents up to 4 GiB; larger limits are clamped.
        let maxEventBytes = min(max(configuration.maxEventBytes, 0), 0xFFFF_0000)
        guard let extractor = vigil_json_extractor_create(maxEventBytes, UInt32(Self.maximumDepth)) else {
            fatalError("EventDecoder: out of memory creating the JSON extractor")
        }
        vigil_json_extractor_set_paths(extractor, configuration.extractorPaths.rawValue)
        let ids = paths.map { addPath(extractor, $0) }
        for (id, needs) in zip(ids, needsText) where id >= 0 && needs {
            vigil_json_extractor_needs_number_text(extractor, id)
        }
        return (extractor, ids)
    }

    /// Parses `messages` with one extractor, keeping the results in it.
    private static func parse(_ messages: ArraySlice<UnsafeRawBufferPointer>, with extractor: OpaquePointer, terminated: Bool = false) {
        var pointers: [UnsafeRawPointer?] = []
        var lengths: [Int] = []
        pointers.reserveCapacity(messages.count)
        lengths.reserveCapacity(messages.count)
        for message in messages {
            pointers.append(message.baseAddress)
            lengths.append(message.count)
        }
        if terminated {
            vigil_json_extract_batch_terminated(extractor, pointers, lengths, messages.count)
        } else {
            vigil_json_extract_batch(extractor, pointers, lengths, messages.count)
        }
    }

    /// Parses `messages` ahead of their `decode` calls, on up to `configuration.parseThreads`
    /// threads at once (issue 11: parsing is most of decoding, and the rest must run in order on
    /// one thread, as it assigns category codes in order of appearance).
    ///
    /// Each later `decode` of the next prepared message, the same buffer, takes its parse from
    /// here; decoding anything else first (another message, or a message out of order) drops what
    /// remains prepared, and those messages are parsed again when decoded. Outcomes, batches and
    /// counters are the same either way.
    ///
    /// A prepared parse is matched to its `decode` by buffer address and length, not by content:
    /// a buffer must not be reused for another message before it is decoded or the next `prepare`
    /// (an empty one drops everything prepared). The parsed texts are copies, so the messages'
    /// memory itself may go once `prepare` returns.
    package func prepare(_ messages: [UnsafeRawBufferPointer]) {
        prepared = messages
        preparedNext = 0
        let threads = messages.count >= Self.minimumParallelBatch ? min(extractors.count, messages.count) : 1
        preparedStarts = (0..<threads).map { messages.count * $0 / threads }
        let extractors = extractors, starts = preparedStarts
        let parse = { (part: Int) in
            Self.parse(messages[starts[part]..<(part + 1 < starts.count ? starts[part + 1] : messages.count)], with: extractors[part])
        }
        if threads == 1 { parse(0) } else { _ = parallelMap(threads, parse) }
    }

    /// Pipelined preparation (issue 11, replay): parses `messages` while `work` runs, then makes
    /// them the pipelined batch, which `decodePipelined` decodes by position. `work` typically
    /// decodes the batch pipelined before, so that parsing one batch and decoding the previous share
    /// the cores instead of taking turns: `prepare` parsed on every core and then decoding ran on
    /// one, leaving the other to the window thread, idle a third of the time.
    ///
    /// `work` runs on whichever thread takes it first (the caller meanwhile waits), as one of
    /// `parallelMap`'s iterations; the others parse chunks of `messages`, and a thread done with
    /// `work` parses what is left. `work` may decode (the pipelined batch is the previous one until
    /// this returns) but must not call `prepare`. The parsed texts are copies: the messages'
    /// memory may go once this returns. An empty `messages` just runs `work` and empties the
    /// pipelined batch. Separate from `prepare`/`decode(_:…)`, which may be used alongside.
    ///
    /// `terminated`: every message is followed by a zero byte and then at least 64 readable bytes
    /// (`LineReader`'s terminated lines), so the scanner reads it in place instead of a padded copy
    /// (`vigil_json_extract_batch_terminated`); outcomes are the same.
    package func prepare(_ messages: [UnsafeRawBufferPointer], terminated: Bool = false, overlapping work: () -> Void) {
        if pipelineExtractors.isEmpty {
            pipelineExtractors = (0..<(2 * pipelineChunks)).map { _ in
                Self.makeExtractor(configuration, paths: extractorPaths.keys, needsText: extractorPaths.needsText).0
            }
        }
        let fill = 1 - pipelineSet
        let chunks = messages.count >= Self.minimumParallelBatch ? pipelineChunks : min(messages.count, 1)
        var starts = spareStarts, sizes = spareSizes
        starts.removeAll(keepingCapacity: true)
        sizes.removeAll(keepingCapacity: true)
        for chunk in 0..<chunks { starts.append(messages.count * chunk / chunks) }
        for message in messages { sizes.append(message.count) }
        let extractors = pipelineExtractors, first = fill * pipelineChunks
        let parse = { [starts] (chunk: Int) in
            Self.parse(messages[starts[chunk]..<(chunk + 1 < chunks ? starts[chunk + 1] : messages.count)],
                       with: extractors[first + chunk], terminated: terminated)
        }
        if chunks == 0 || configuration.parseThreads <= 1 {
            work()
            for chunk in 0..<chunks { parse(chunk) }
        } else {
            _ = parallelMap(chunks + 1) { index in
                if index == 0 { work() } else { parse(index - 1) }
            }
        }
        pipelineSet = fill
        (spareStarts, pipelineStarts) = (pipelineStarts, starts)
        (spareSizes, pipelineSizes) = (pipelineSizes, sizes)
    }

    /// How many messages the last `prepare(_:overlapping:)` parsed.
    package var pipelinedCount: Int { pipelineSizes.count }

    /// Decodes message `index` of the pipelined batch (see `prepare(_:overlapping:)`), with the
    /// same outcome and batches as `decode` of the message itself. Each message once, in order.
    package func decodePipelined(_ index: Int, partition: Int32, offset: Int64, processingTimeMillis: Int64) -> DecodeOutcome {
        precondition(index >= 0 && index < pipelineSizes.count, "no pipelined message \(index)")
        let first = pipelineSet * pipelineChunks
        return decodeParsed(index, starts: pipelineStarts, extractors: pipelineExtractors[first..<(first + pipelineChunks)],
                            size: pipelineSizes[index], partition: partition, offset: offset, processingTimeMillis: processingTimeMillis)
    }

    /// Decodes message `index` of a parsed batch: result `index - starts[k]` of `extractors[k]`
    /// (relative to the slice's start), for the last `k` with `starts[k] <= index`.
    @inline(__always)
    private func decodeParsed(_ index: Int, starts: [Int], extractors: ArraySlice<OpaquePointer>, size: Int,
                              partition: Int32, offset: Int64, processingTimeMillis: Int64) -> DecodeOutcome {
        var part = starts.count - 1
        while starts[part] > index { part -= 1 }
        var entryStart: UnsafePointer<vigil_json_entry>? = nil
        var entryCount = 0
        let status = vigil_json_batch_result(extractors[extractors.startIndex + part], index - starts[part], &entryStart, &entryCount)
        return state.decode(parsed: status, UnsafeBufferPointer(start: entryStart, count: entryStart == nil ? 0 : entryCount),
                            size: size, partition: partition, offset: offset, processingTimeMillis: processingTimeMillis)
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
        if preparedNext < prepared.count {
            let message = prepared[preparedNext]
            if message.baseAddress == bytes.baseAddress, message.count == bytes.count {
                defer { preparedNext += 1 }
                return decodeParsed(preparedNext, starts: preparedStarts, extractors: extractors[...], size: bytes.count,
                                    partition: partition, offset: offset, processingTimeMillis: processingTimeMillis)
            }
            preparedNext = prepared.count
        }
        return state.decode(bytes, partition: partition, offset: offset, processingTimeMillis: processingTimeMillis)
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

    /// How many documents each of the extractor's paths finished since the decoder was created
    /// (over all parse threads): which path the events took, for tests that must know.
    package var documentsFinished: (scanner: UInt64, dom: UInt64, onDemand: UInt64) {
        var total: (scanner: UInt64, dom: UInt64, onDemand: UInt64) = (0, 0, 0)
        for extractor in extractors + pipelineExtractors {
            var counts: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &counts) { vigil_json_extractor_finished(extractor, $0.baseAddress!.assumingMemoryBound(to: UInt64.self)) }
            total = (total.scanner + counts.0, total.dom + counts.1, total.onDemand + counts.2)
        }
        return total
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
