internal import CSimdJSON

/// The mutable state of an `EventDecoder`, a struct so that decoding one message is one access to
/// the decoder's storage.
struct DecodingState {
    /// The extractor, owned by the `EventDecoder` that holds this state.
    let extractor: OpaquePointer
    let maxEventBytes: Int
    /// Roles of path id `p`: `roles[roleStarts[p]..<roleStarts[p + 1]]`.
    let roleStarts: ContiguousArray<Int>
    let roles: ContiguousArray<FieldRole>
    /// Configured model names as UTF-8: model `m` is `modelNameBytes[modelNameStarts[m]..<modelNameStarts[m + 1]]`.
    let modelNameBytes: ContiguousArray<UInt8>
    let modelNameStarts: ContiguousArray<Int>
    /// Per model `m`, the feature-name union index of each of its features (schema order):
    /// `modelFeatureUnion[modelFeatureStarts[m]..<modelFeatureStarts[m + 1]]`.
    let modelFeatureUnion: ContiguousArray<Int>
    let modelFeatureStarts: ContiguousArray<Int>

    var models: ContiguousArray<ModelDecodingState>
    /// Per feature of the union: its entry in the current message, valid when its stamp is `stamp`.
    private var unionEntries: ContiguousArray<Int32>
    private var unionStamps: ContiguousArray<UInt32>
    private var stamp: UInt32 = 0
    /// Per feature of the routed model, its entry or -1 (scratch, sized for the widest model).
    private var modelFeatureEntries: ContiguousArray<Int32>
    /// Rejections, at `reason * (models.count + 1) + (model ?? models.count)`.
    private var rejections: ContiguousArray<Int>

    init(
        extractor: OpaquePointer,
        maxEventBytes: Int,
        roleStarts: ContiguousArray<Int>,
        roles: ContiguousArray<FieldRole>,
        modelNames: [[UInt8]],
        models: ContiguousArray<ModelDecodingState>,
        unionCount: Int
    ) {
        self.extractor = extractor
        self.maxEventBytes = maxEventBytes
        self.roleStarts = roleStarts
        self.roles = roles
        var nameBytes = ContiguousArray<UInt8>(), nameStarts: ContiguousArray<Int> = [0]
        for name in modelNames {
            nameBytes.append(contentsOf: name)
            nameStarts.append(nameBytes.count)
        }
        modelNameBytes = nameBytes
        modelNameStarts = nameStarts
        var featureUnion = ContiguousArray<Int>(), featureStarts: ContiguousArray<Int> = [0]
        for model in models {
            featureUnion.append(contentsOf: model.featureUnion)
            featureStarts.append(featureUnion.count)
        }
        modelFeatureUnion = featureUnion
        modelFeatureStarts = featureStarts
        self.models = models
        unionEntries = ContiguousArray(repeating: -1, count: unionCount)
        unionStamps = ContiguousArray(repeating: 0, count: unionCount)
        modelFeatureEntries = ContiguousArray(repeating: -1, count: models.map(\.featureCount).max() ?? 0)
        rejections = ContiguousArray(repeating: 0, count: RejectionReason.allCases.count * (models.count + 1))
    }

    mutating func decode(_ bytes: UnsafeRawBufferPointer, partition: Int32, offset: Int64, processingTimeMillis: Int64) -> DecodeOutcome {
        guard bytes.count <= maxEventBytes else { return reject(.tooLarge, model: nil) }
        var entryStart: UnsafePointer<vigil_json_entry>? = nil
        var entryCount = 0
        let status = vigil_json_extract(extractor, bytes.baseAddress, bytes.count, &entryStart, &entryCount)
        return interpret(status, UnsafeBufferPointer(start: entryStart, count: entryStart == nil ? 0 : entryCount),
                         partition: partition, offset: offset, processingTimeMillis: processingTimeMillis)
    }

    /// Decodes a message of `size` bytes that an extractor has already parsed (`EventDecoder.prepare`).
    mutating func decode(parsed status: vigil_json_status, _ entries: UnsafeBufferPointer<vigil_json_entry>, size: Int,
                         partition: Int32, offset: Int64, processingTimeMillis: Int64) -> DecodeOutcome {
        guard size <= maxEventBytes else { return reject(.tooLarge, model: nil) }
        return interpret(status, entries, partition: partition, offset: offset, processingTimeMillis: processingTimeMillis)
    }

    /// The rest of `decode` once the extractor has parsed the message.
    private mutating func interpret(_ status: vigil_json_status, _ entries: UnsafeBufferPointer<vigil_json_entry>,
                                    partition: Int32, offset: Int64, processingTimeMillis: Int64) -> DecodeOutcome {
        guard status == VIGIL_JSON_OK else {
            return reject(status == VIGIL_JSON_CAPACITY ? .tooLarge : .malformed, model: nil)
        }

        // Which entry is which field (the last occurrence wins).
        stamp &+= 1
        if stamp == 0 {
            for i in unionStamps.indices { unionStamps[i] = 0 }
            stamp = 1
        }
        var fields = FieldEntries()
        let stamp = stamp
        // Through buffers taken once per message: array subscripts on `self` checked uniqueness
        // (and re-read the arrays) at every store, per entry (issue 11).
        unionEntries.withUnsafeMutableBufferPointer { unionEntries in
            unionStamps.withUnsafeMutableBufferPointer { unionStamps in
                roleStarts.withUnsafeBufferPointer { roleStarts in
                    roles.withUnsafeBufferPointer { roles in
                        for index in entries.indices {
                            let path = Int(entries[index].path)
                            guard path >= 0, path + 1 < roleStarts.count else { continue }
                            for role in roles[roleStarts[path]..<roleStarts[path + 1]] {
                                switch role {
                                case .model: fields.model = index
                                case .id: fields.id = index
                                case .timestamp: fields.timestamp = index
                                case .features: fields.features = index
                                case .prediction: fields.prediction = index
                                case .label: fields.label = index
                                case .feature(let union):
                                    unionEntries[union] = Int32(truncatingIfNeeded: index)
                                    unionStamps[union] = stamp
                                }
                            }
                        }
                    }
                }
            }
        }

        let model = route(entries, fields.model)
        if fields.features >= 0 {
            switch entries[fields.features].jsonKind {
            case .object, .null: break
            default: return reject(.malformed, model: model)
            }
        }
        var timestampMillis = processingTimeMillis
        if fields.timestamp >= 0 {
            let entry = entries[fields.timestamp]
            switch entry.jsonKind {
            case .null:
                break
            case .number:
                guard let millis = TimestampParser.epochMillis(number: entry.number) else { return reject(.badTimestamp, model: model) }
                timestampMillis = millis
            case .string:
                guard let millis = TimestampParser.epochMillis(rfc3339: entry.bytes) else { return reject(.badTimestamp, model: model) }
                timestampMillis = millis
            case .nonFinite, .true, .false, .object, .array:
                return reject(.badTimestamp, model: model)
            }
            // A clock far ahead would hold the watermark in the future and make every later event late.
            if let model, let skew = models[model].maxClockSkewMillis {
                let (limit, overflow) = processingTimeMillis.addingReportingOverflow(skew)
                if !overflow, timestampMillis > limit { return reject(.badTimestamp, model: model) }
            }
        }
        guard let model else { return reject(.unknownModel, model: nil) }

        let featureStart = modelFeatureStarts[model], featureEnd = modelFeatureStarts[model + 1]
        modelFeatureEntries.withUnsafeMutableBufferPointer { modelFeatureEntries in
            unionEntries.withUnsafeBufferPointer { unionEntries in
                unionStamps.withUnsafeBufferPointer { unionStamps in
                    modelFeatureUnion.withUnsafeBufferPointer { modelFeatureUnion in
                        for feature in featureStart..<featureEnd {
                            let union = modelFeatureUnion[feature]
                            modelFeatureEntries[feature - featureStart] = unionStamps[union] == stamp ? unionEntries[union] : -1
                        }
                    }
                }
            }
        }
        models[model].append(
            entries: entries, fields: fields, features: modelFeatureEntries,
            timestampMillis: timestampMillis, partition: partition, offset: offset
        )
        return .accepted(model: model)
    }

    /// The model an event is for: the configured model named by its model field, the only model when
    /// the field is absent (or null) and there is one; nil otherwise.
    private func route(_ entries: UnsafeBufferPointer<vigil_json_entry>, _ index: Int) -> Int? {
        guard index >= 0, entries[index].jsonKind != .null else { return modelNameStarts.count == 2 ? 0 : nil }
        let entry = entries[index]
        guard entry.jsonKind == .string else { return nil }
        let name = entry.bytes
        for model in 0..<(modelNameStarts.count - 1) {
            let start = modelNameStarts[model]
            guard modelNameStarts[model + 1] - start == name.count else { continue }
            var equal = true
            for i in 0..<name.count where modelNameBytes[start + i] != name[i] {
                equal = false
                break
            }
            if equal { return model }
        }
        return nil
    }

    private mutating func reject(_ reason: RejectionReason, model: Int?) -> DecodeOutcome {
        rejections[reasonIndex(reason) * (models.count + 1) + (model ?? models.count)] += 1
        return .rejected(reason, model: model)
    }

    private func reasonIndex(_ reason: RejectionReason) -> Int {
        switch reason {
        case .malformed: 0
        case .tooLarge: 1
        case .badTimestamp: 2
        case .unknownModel: 3
        case .late: 4
        }
    }

    mutating func takeBatches() -> [EventBatch] {
        var batches: [EventBatch] = []
        for model in models.indices where models[model].batch.count > 0 {
            batches.append(models[model].takeBatch())
        }
        return batches
    }

    mutating func takeCounters() -> DecoderCounters {
        var counters = DecoderCounters(accepted: Array(repeating: 0, count: models.count))
        for reason in RejectionReason.allCases {
            for slot in 0...models.count {
                let index = reasonIndex(reason) * (models.count + 1) + slot
                guard rejections[index] > 0 else { continue }
                counters.rejected[RejectionKey(model: slot == models.count ? nil : slot, reason: reason)] = rejections[index]
                rejections[index] = 0
            }
        }
        for model in models.indices {
            counters.accepted[model] = models[model].accepted
            models[model].accepted = 0
            models[model].takeInvalidCounts(model: model, into: &counters.invalidValues)
        }
        return counters
    }
}
