internal import CSimdJSON

extension ModelDecodingState {
    /// Appends one accepted event as a row of the pending batch.
    ///
    /// - Parameters:
    ///   - entries: the extractor's entries for the message.
    ///   - features: per feature in schema order, the index of its entry in `entries`, or -1.
    mutating func append(
        entries: UnsafeBufferPointer<vigil_json_entry>,
        fields: FieldEntries,
        features: ContiguousArray<Int32>,
        timestampMillis: Int64,
        partition: Int32,
        offset: Int64
    ) {
        let rowIndex = batch.count
        let row = Int32(truncatingIfNeeded: rowIndex)
        let stage = stage
        stage.ensure(row: rowIndex)
        batch.timestamps.append(timestampMillis)
        batch.partitions.append(partition)
        batch.offsets.append(offset)

        var idHash: UInt64 = 0
        if fields.id >= 0 {
            let entry = entries[fields.id]
            switch entry.jsonKind {
            case .string, .number: idHash = EventIDHash.fnv1a(entry.bytes)
            default: break
            }
        }
        batch.idHashes.append(idHash)

        for feature in 0..<featureCount {
            let entryIndex = Int(features[feature])
            let column = featureColumn[feature]
            if featureIsNumeric[feature] {
                var value = Double.nan
                if entryIndex >= 0 {
                    let entry = entries[entryIndex]
                    switch entry.jsonKind {
                    case .number:
                        value = entry.number
                    case .null:
                        break
                    case .nonFinite:
                        batch.nonFiniteRows[column].append(row)
                        invalidCounts[2 * feature + 1] += 1
                    case .string, .true, .false, .object, .array:
                        batch.typeErrorRows[feature].append(row)
                        invalidCounts[2 * feature] += 1
                    }
                }
                stage.setNumeric(column: column, row: rowIndex, value)
            } else {
                var code: UInt32 = 0
                if entryIndex >= 0 {
                    let entry = entries[entryIndex]
                    switch entry.jsonKind {
                    case .string:
                        code = categories[column].code(for: entry.bytes, newNames: &batch.newCategories[column])
                    case .true:
                        if trueCodes[column] == 0 {
                            trueCodes[column] = Self.trueName.withUnsafeBytes {
                                categories[column].code(for: $0, newNames: &batch.newCategories[column])
                            }
                        }
                        code = trueCodes[column]
                    case .false:
                        if falseCodes[column] == 0 {
                            falseCodes[column] = Self.falseName.withUnsafeBytes {
                                categories[column].code(for: $0, newNames: &batch.newCategories[column])
                            }
                        }
                        code = falseCodes[column]
                    case .null:
                        break
                    case .number, .nonFinite, .object, .array:
                        batch.typeErrorRows[feature].append(row)
                        invalidCounts[2 * feature] += 1
                    }
                }
                stage.setCategorical(column: column, row: rowIndex, code)
            }
        }

        switch prediction {
        case .numeric: batch.predictionValues.append(numericTarget(entries, fields.prediction, acceptsBooleans: false))
        case .categorical: batch.predictionCodes.append(classCode(entries, fields.prediction))
        }
        switch label {
        case .numeric: batch.labelValues.append(numericTarget(entries, fields.label, acceptsBooleans: true))
        case .categorical: batch.labelCodes.append(classCode(entries, fields.label))
        }
        accepted += 1
    }

    private static let trueName: [UInt8] = Array("true".utf8)
    private static let falseName: [UInt8] = Array("false".utf8)

    /// A numeric prediction or label; NaN when absent, null, non-finite or of another type.
    private func numericTarget(_ entries: UnsafeBufferPointer<vigil_json_entry>, _ index: Int, acceptsBooleans: Bool) -> Double {
        guard index >= 0 else { return .nan }
        let entry = entries[index]
        switch entry.jsonKind {
        case .number: return entry.number
        case .true: return acceptsBooleans ? 1 : .nan
        case .false: return acceptsBooleans ? 0 : .nan
        default: return .nan
        }
    }

    /// A multiclass prediction or label: a string, a boolean (`"true"`/`"false"`) or an integer
    /// (its decimal text; `2.0` counts as `2`); 0 (missing) otherwise.
    private mutating func classCode(_ entries: UnsafeBufferPointer<vigil_json_entry>, _ index: Int) -> UInt32 {
        guard index >= 0 else { return 0 }
        let entry = entries[index]
        switch entry.jsonKind {
        case .string:
            return classes.code(for: entry.bytes, newNames: &batch.newClasses)
        case .true:
            return Self.trueName.withUnsafeBytes { classes.code(for: $0, newNames: &batch.newClasses) }
        case .false:
            return Self.falseName.withUnsafeBytes { classes.code(for: $0, newNames: &batch.newClasses) }
        case .number:
            if Self.isIntegerToken(entry.bytes) {
                return classes.code(for: entry.bytes, newNames: &batch.newClasses)
            }
            let value = entry.number
            guard value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 else { return 0 }
            return withUnsafeTemporaryAllocation(byteCount: 24, alignment: 1) { buffer in
                let text = Self.writeDecimal(Int64(value), into: buffer)
                return classes.code(for: text, newNames: &batch.newClasses)
            }
        case .null, .nonFinite, .object, .array:
            return 0
        }
    }

    /// Whether a number token is `-?[0-9]+` (JSON already excludes leading zeros).
    private static func isIntegerToken(_ token: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        if index < token.count, token[index] == UInt8(ascii: "-") { index += 1 }
        guard index < token.count else { return false }
        while index < token.count {
            guard token[index] >= UInt8(ascii: "0"), token[index] <= UInt8(ascii: "9") else { return false }
            index += 1
        }
        return true
    }

    /// Writes `value` in decimal at the end of `buffer` (at least 20 bytes) and returns those bytes.
    private static func writeDecimal(_ value: Int64, into buffer: UnsafeMutableRawBufferPointer) -> UnsafeRawBufferPointer {
        var magnitude = value.magnitude
        var start = buffer.count
        repeat {
            start -= 1
            buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            start -= 1
            buffer[start] = UInt8(ascii: "-")
        }
        return UnsafeRawBufferPointer(rebasing: buffer[start...])
    }
}
