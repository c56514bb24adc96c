#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import VigilEvents

/// Issue 10, part 2: the bad-input matrix, each input with its SPEC §3 outcome, decoded through the
/// real `EventDecoder` with the golden set's schema (`creditSchema`).
///
/// Already covered in `EventDecoderTests`, and not repeated here: non-object top levels, empty
/// and whitespace-only messages, truncation (`everyTruncationOfAValidEventIsMalformed`), trailing
/// content, `features` not an object, bad escapes, invalid UTF-8 in keys and values
/// (`invalidUTF8IsMalformed`, which includes the overlong `C0 AF` and a raw surrogate), a lone
/// `\ud800` in an unknown field, exactly 1 MiB accepted and 1 MiB + 1 `too_large`
/// (`defaultLimitIsOneMebibyte`, `tooLargeIsCheckedBeforeParsingAtTheLimitPlusOne`), nesting of
/// 65 and 100,000 levels (`nestingOf64LevelsIsAcceptedAnd65Malformed`), `NaN`/`Infinity`/
/// `-Infinity`/`1e999`/`1E+400` counted `non_finite` (`numericLiterals`).
@Suite struct BadInputMatrixTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var outcome: DecodeOutcome
        var testDescription: String { name }

        init(_ name: String, _ json: String, _ outcome: DecodeOutcome) {
            self.init(name, Array(json.utf8), outcome)
        }

        init(_ name: String, _ bytes: [UInt8], _ outcome: DecodeOutcome) {
            self.name = name
            self.bytes = bytes
            self.outcome = outcome
        }
    }

    static let malformed = DecodeOutcome.rejected(.malformed, model: nil)
    static let accepted = DecodeOutcome.accepted(model: 0)

    /// `{"model":"credit","features":{"channel":"<bytes>"}}` with raw bytes in the value.
    static func channel(_ bytes: [UInt8]) -> [UInt8] {
        Array(#"{"model":"credit","features":{"channel":""#.utf8) + bytes + Array(#""}}"#.utf8)
    }

    /// `{"model":"credit","features":{"<bytes>":1}}` with raw bytes in a feature key.
    static func featureKey(_ bytes: [UInt8]) -> [UInt8] {
        Array(#"{"model":"credit","features":{""#.utf8) + bytes + Array(#"":1}}"#.utf8)
    }

    static let cases: [Case] = [
        // Structure.
        Case("truncated inside features", #"{"model":"credit","features":{"income":45.6"#, malformed),
        Case("truncated after a key", #"{"model":"credit","features":{"income""#, malformed),
        Case("trailing garbage after a full event", validEvent + " ,", malformed),
        Case("trailing NUL byte", Array(validEvent.utf8) + [0], malformed),
        Case("top-level true", "true", malformed),
        Case("top-level NaN", "NaN", malformed),
        Case("features null is no features", #"{"model":"credit","features":null}"#, accepted),
        Case("10,000 nested arrays in a feature", #"{"model":"credit","features":{"income":"#
            + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}}", malformed),
        Case("10,000 nested objects in an unknown field", #"{"model":"credit","x":"#
            + String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "}", malformed),
        // UTF-8 (RFC 3629): overlong forms, surrogates, beyond U+10FFFF, stray continuation bytes.
        Case("overlong 2-byte '/' in a value", channel([0xC0, 0xAF]), malformed),
        Case("overlong 3-byte '/' in a value", channel([0xE0, 0x80, 0xAF]), malformed),
        Case("overlong 4-byte '/' in a value", channel([0xF0, 0x80, 0x80, 0xAF]), malformed),
        Case("overlong 3-byte NUL in a value", channel([0xE0, 0x80, 0x80]), malformed),
        Case("above U+10FFFF in a value", channel([0xF4, 0x90, 0x80, 0x80]), malformed),
        Case("stray continuation byte in a value", channel([0x80]), malformed),
        Case("truncated sequence in a value", channel([0xE2, 0x82]), malformed),
        Case("overlong 2-byte in a feature key", featureKey([0xC1, 0xBF]), malformed),
        Case("raw surrogate in a feature key", featureKey([0xED, 0xB0, 0x80]), malformed),
        Case("invalid byte in a feature key", featureKey([0xFE]), malformed),
        Case("valid 4-byte UTF-8 in a value", channel([0xF0, 0x9F, 0x98, 0x80]), accepted),
        // Surrogates in \u escapes.
        Case("lone high surrogate escape in a value", #"{"model":"credit","features":{"channel":"\ud800"}}"#, malformed),
        Case("lone low surrogate escape in a value", #"{"model":"credit","features":{"channel":"\udc00"}}"#, malformed),
        Case("high surrogate then non-surrogate", #"{"model":"credit","features":{"channel":"\ud800\u0041"}}"#, malformed),
        Case("surrogates in reverse order", #"{"model":"credit","features":{"channel":"\ude00\ud83d"}}"#, malformed),
        Case("lone surrogate escape in a key", #"{"model":"credit","features":{"\ud800":1}}"#, malformed),
        Case("lone surrogate escape in the model", #"{"model":"cr\udfffedit"}"#, malformed),
        Case("escaped surrogate pair", #"{"model":"credit","features":{"channel":"\ud83d\ude00"}}"#, accepted),
        // NUL: raw control characters must be escaped in JSON strings (RFC 8259 §7).
        Case("raw NUL in a value", channel([0x41, 0x00, 0x42]), malformed),
        Case("raw NUL in a key", featureKey([0x00]), malformed),
        Case("raw NUL between tokens", Array(#"{"model":"credit","#.utf8) + [0] + Array(#""id":"a"}"#.utf8), malformed),
        Case("raw control character in a value", channel([0x01]), malformed),
        Case("escaped NUL in a value", #"{"model":"credit","features":{"channel":"a\u0000b"}}"#, accepted),
        // Empty and tombstone-like messages (a Kafka tombstone is tested with a null pointer below).
        Case("empty message", [], malformed),
        Case("a single NUL byte", [0], malformed),
        Case("only a BOM", [0xEF, 0xBB, 0xBF], malformed),
    ]

    @Test(arguments: cases)
    func badInputHasItsSpecOutcome(_ test: Case) {
        let decoder = EventDecoder(creditSchema)
        #expect(decoder.decode(test.bytes) == test.outcome)
        let counters = decoder.takeCounters()
        switch test.outcome {
        case .rejected(let reason, let model):
            #expect(counters.rejected == [RejectionKey(model: model, reason: reason): 1])
            #expect(counters.accepted == [0])
            #expect(decoder.takeBatches().isEmpty)
        case .accepted:
            #expect(counters.rejected.isEmpty && counters.accepted == [1])
        }
        // A bad message never leaves the decoder in a bad state.
        #expect(decoder.decode(validEvent) == .accepted(model: 0))
    }

    @Test func escapedNULIsPartOfTheCategoryName() throws {
        let decoder = EventDecoder(creditSchema)
        let batch = try #require(decoder.single(#"{"features":{"channel":"a\u0000b"}}"#))
        #expect(batch.newCategories[1] == ["a\u{0}b"])
    }

    // MARK: Kafka tombstones

    /// `KafkaMessage.payload` of a tombstone (null value) is a buffer with a nil base address and
    /// count 0; the ingest path hands it to the decoder as it is.
    @Test func kafkaTombstoneIsMalformedNotACrash() {
        let decoder = EventDecoder(creditSchema)
        let tombstone = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(decoder.decode(tombstone, partition: 0, offset: 7, processingTimeMillis: 0) == .rejected(.malformed, model: nil))
        #expect(decoder.takeCounters().rejected == [RejectionKey(model: nil, reason: .malformed): 1])
        #expect(decoder.decode(validEvent) == .accepted(model: 0))
    }

    // MARK: Duplicate keys

    /// Decision: the last occurrence of a repeated key wins with everything below it (what
    /// `JSON.parse` and Python's `json` do). Before, On-Demand plus our shim reported every
    /// occurrence and the decoder kept the last value per path, so two `features` objects were
    /// merged (`a` from the first, `b` from the second) and a `features: null` after a
    /// `features` object still let its values through.
    @Test(arguments: [
        (#"{"features":{"income":1,"age":2},"features":{"age":3}}"#, [Double.nan, 3]),
        (#"{"features":{"income":1},"features":null}"#, [.nan, .nan]),
        (#"{"features":{"income":1},"features":{}}"#, [.nan, .nan]),
        (#"{"features":null,"features":{"income":1}}"#, [1, .nan]),
        (#"{"features":{"income":1,"income":2,"age":5,"income":3}}"#, [3, 5]),
        (#"{"features":{"income":{"x":1},"income":4}}"#, [4, .nan]),
        (#"{"features":{"income":4,"income":{"x":1}}}"#, [.nan, .nan]),
    ])
    func lastOccurrenceOfARepeatedKeyWinsWithItsSubtree(json: String, expected: [Double]) throws {
        let decoder = EventDecoder(creditSchema)
        let batch = try #require(decoder.single(json))
        for (column, value) in expected.enumerated() {
            if value.isNaN { #expect(batch.numeric[column][0].isNaN, "column \(column)") } else { #expect(batch.numeric[column] == [value]) }
        }
        // Only the winning `{"x":1}` for income is a type error; an overridden one is not counted.
        let typeErrors = decoder.takeCounters().invalidValues[InvalidValueKey(model: 0, feature: 0, reason: .typeError)]
        #expect(typeErrors == (json.hasSuffix(#""income":{"x":1}}}"#) ? 1 : nil))
    }

    @Test func repeatedFeaturesObjectIsRejectedWhenTheLastOneIsNotAnObject() {
        let decoder = EventDecoder(creditSchema)
        #expect(decoder.decode(#"{"features":{"income":1},"features":5}"#) == .rejected(.malformed, model: 0))
        #expect(decoder.decode(#"{"features":5,"features":{"income":1}}"#) == .accepted(model: 0))
    }

    @Test func repeatedTimestampAndModelTakeTheLastValue() throws {
        let a = ModelSchema(name: "a", features: [], prediction: .numeric, label: .numeric)
        let b = ModelSchema(name: "b", features: [], prediction: .numeric, label: .numeric)
        let decoder = EventDecoder(a, b)
        #expect(decoder.decode(#"{"model":"a","ts":"x","model":"b","ts":5}"#) == .accepted(model: 1))
        let batch = try #require(decoder.takeBatches().first)
        #expect(batch.timestamps == [5])
    }

    @Test func repeatedNestedPathKeepsOnlyTheLastParent() throws {
        var fields = FieldPaths()
        fields.features = ["payload", "features"]
        fields.timestamp = ["payload", "ts"]
        let decoder = EventDecoder(creditSchema, fields: fields)
        let batch = try #require(decoder.single(
            #"{"payload":{"ts":1,"features":{"income":1,"age":1}},"payload":{"features":{"age":2}}}"#, processingTimeMillis: 99))
        #expect(batch.timestamps == [99])          // the first payload's ts is gone with it
        #expect(batch.numeric[0][0].isNaN && batch.numeric[1] == [2])
    }

    // MARK: Numbers

    /// Decision: numbers are the nearest double; integers beyond 2^53 are rounded, not rejected;
    /// only a value beyond the double range counts as `non_finite` (SPEC §3 "numbers that overflow").
    /// The integer `-0` is 0 and `-0.0` is -0.0, as Python's `json.loads` reads them (int 0, float -0.0).
    @Test(arguments: [
        ("-0", 0.0), ("-0.0", 0), ("1.0000000000000000000001", 1), ("18446744073709551616", 18_446_744_073_709_551_616),
        ("18446744073709551615", 18_446_744_073_709_551_615), ("-9223372036854775809", -9_223_372_036_854_775_809),
        ("1000000000000000000000000000000", 1e30), ("1e308", 1e308), ("1.7976931348623157e308", .greatestFiniteMagnitude),
        ("4.9e-324", 4.9e-324), ("1e-400", 0), ("1e400", .infinity), ("-1e400", .infinity), ("1.8e308", .infinity),
        (String(repeating: "9", count: 400), .infinity), ("-" + String(repeating: "9", count: 400), .infinity),
        ("NaN", .infinity), ("Infinity", .infinity), ("-Infinity", .infinity),
    ])
    func numbersFollowTheDecidedRules(literal: String, expected: Double) throws {
        let decoder = EventDecoder(creditSchema)
        let batch = try #require(decoder.single(#"{"features":{"income":"# + literal + "}}"))
        let counters = decoder.takeCounters()
        if expected.isInfinite {      // "counted non_finite, treated as missing"
            #expect(batch.numeric[0][0].isNaN)
            #expect(counters.invalidValues == [InvalidValueKey(model: 0, feature: 0, reason: .nonFinite): 1])
        } else {
            #expect(batch.numeric[0] == [expected])
            #expect(batch.numeric[0][0].sign == (literal.hasPrefix("-") && literal != "-0" ? .minus : .plus) || expected != 0)
            #expect(counters.invalidValues.isEmpty)
        }
    }

    @Test func nonFiniteIsCountedPerFeature() throws {
        let decoder = EventDecoder(creditSchema)
        decoder.decode(#"{"features":{"income":NaN,"age":Infinity,"balance":-Infinity}}"#)
        decoder.decode(#"{"features":{"income":1e400,"age":2}}"#)
        let counters = decoder.takeCounters()
        #expect(counters.accepted == [2])
        #expect(counters.invalidValues == [
            InvalidValueKey(model: 0, feature: 0, reason: .nonFinite): 2,
            InvalidValueKey(model: 0, feature: 1, reason: .nonFinite): 1,
            InvalidValueKey(model: 0, feature: 3, reason: .nonFinite): 1,
        ])
    }

    // MARK: Timestamps

    static let hour: Int64 = 3_600_000
    static let now: Int64 = 1_790_000_000_000

    static func skewDecoder(_ skew: Int64?) -> EventDecoder {
        var schema = creditSchema
        schema.maxClockSkewMillis = skew
        return EventDecoder(schema)
    }

    /// Decision: `ts` more than the model's `max_clock_skew` (default 1h) ahead of the processing
    /// time is `bad_timestamp`; exactly at the limit is accepted; no `ts` is never rejected.
    @Test(arguments: [
        (#""ts":1790003600000"#, true), (#""ts":1790003600001"#, false), (#""ts":"2026-09-21T15:13:20Z""#, true),
        (#""ts":"2026-09-21T15:13:20.001Z""#, false), (#""ts":253402300799999"#, false), (#""ts":null"#, true), ("", true),
        (#""ts":0"#, true), (#""ts":-62135596800000"#, true), (#""ts":"0001-01-01T00:00:00Z""#, true),
    ])
    func futureTimestampsBeyondTheSkewAreBadTimestamp(field: String, accepted: Bool) {
        let decoder = Self.skewDecoder(Self.hour)
        let json = #"{"model":"credit","features":{"income":1}"# + (field.isEmpty ? "" : "," + field) + "}"
        #expect(decoder.decode(json, processingTimeMillis: Self.now) == (accepted ? .accepted(model: 0) : .rejected(.badTimestamp, model: 0)))
    }

    @Test func withoutASkewAnyValidTimestampIsAccepted() {
        let decoder = Self.skewDecoder(nil)
        #expect(decoder.decode(#"{"ts":253402300799999}"#, processingTimeMillis: Self.now) == .accepted(model: 0))
        #expect(decoder.decode(#"{"ts":0}"#, processingTimeMillis: Self.now) == .accepted(model: 0))
    }

    @Test func skewDoesNotOverflowNearTheEndOfTime() {
        let decoder = Self.skewDecoder(.max)
        #expect(decoder.decode(#"{"ts":253402300799999}"#, processingTimeMillis: Self.now) == .accepted(model: 0))
    }

    @Test func skewIsPerModel() {
        var strict = ModelSchema(name: "strict", features: [], prediction: .numeric, label: .numeric)
        strict.maxClockSkewMillis = 1000
        let lax = ModelSchema(name: "lax", features: [], prediction: .numeric, label: .numeric)
        let decoder = EventDecoder(strict, lax)
        #expect(decoder.decode(#"{"model":"strict","ts":1790000002000}"#, processingTimeMillis: Self.now) == .rejected(.badTimestamp, model: 0))
        #expect(decoder.decode(#"{"model":"lax","ts":1790000002000}"#, processingTimeMillis: Self.now) == .accepted(model: 1))
        // An unknown model has no skew to apply: it is unknown_model.
        #expect(decoder.decode(#"{"model":"other","ts":1890000000000}"#, processingTimeMillis: Self.now) == .rejected(.unknownModel, model: nil))
    }

    // MARK: Size

    /// A 100 MB message is `too_large` before anything looks at it: its bytes are mapped
    /// `PROT_NONE`, so a single read (a copy, a UTF-8 check, a parse) would crash the test, and the
    /// heap (what malloc hands out, mmapped chunks included) does not grow by anything like its size.
    @Test func hundredMegabyteMessageIsTooLargeWithoutBeingReadOrCopied() throws {
        let size = 100 * 1024 * 1024
        let mapping = try #require(mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, size) }
        let decoder = EventDecoder(creditSchema)
        #expect(decoder.decode(validEvent) == .accepted(model: 0))      // buffers at their working size
        _ = decoder.takeBatches()
        let before = Self.heapBytes()
        for _ in 0..<3 {
            #expect(decoder.decode(UnsafeRawBufferPointer(start: mapping, count: size), partition: 0, offset: 0, processingTimeMillis: 0)
                == .rejected(.tooLarge, model: nil))
        }
        let grown = Self.heapBytes() - before
        // Other tests allocate concurrently; a copy would add 100 MB (the extractor keeps its buffer).
        #expect(grown < 32 << 20, "heap grew by \(grown) bytes")
        #expect(before > 0 || !Self.hasMallocInfo)
        #expect(decoder.takeCounters().rejected == [RejectionKey(model: nil, reason: .tooLarge): 3])
        #expect(decoder.decode(validEvent) == .accepted(model: 0))
    }

    static var hasMallocInfo: Bool {
        #if canImport(Glibc)
        dlsym(nil, "malloc_info") != nil || sanitizerAllocatedBytes != nil
        #else
        false
        #endif
    }

    /// Under AddressSanitizer or ThreadSanitizer (`make sanitize`) malloc is the sanitizer's
    /// allocator, which glibc's `malloc_info` does not see; the sanitizer runtime's own count of
    /// bytes currently allocated replaces it there.
    static var sanitizerAllocatedBytes: (@convention(c) () -> Int)? {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "__sanitizer_get_current_allocated_bytes") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> Int).self)
        #else
        nil
        #endif
    }

    /// Bytes malloc holds: mmapped chunks plus arena memory obtained from the system, from glibc's
    /// `malloc_info` (its totals for all arenas come last). `malloc.h` is not in Swift's Glibc
    /// module, so the function is looked up by name; 0 where it does not exist. Under a sanitizer:
    /// the bytes its allocator has handed out and not yet taken back.
    static func heapBytes() -> Int {
        #if canImport(Glibc)
        if let sanitizerAllocatedBytes { return sanitizerAllocatedBytes() }
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        guard let symbol = dlsym(nil, "malloc_info") else { return 0 }
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return 0 }
        _ = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return 0 }
        let lines = String(cString: buffer).split(separator: "\n")
        func lastSize(_ prefix: String) -> Int {
            // <total type="mmap" count="1" size="104861696"/>
            guard let line = lines.last(where: { $0.hasPrefix(prefix) }) else { return 0 }
            let parts = line.split(separator: "\"", omittingEmptySubsequences: false)
            guard let key = parts.firstIndex(where: { $0.hasSuffix(" size=") }), key + 1 < parts.count else { return 0 }
            return Int(parts[key + 1]) ?? 0
        }
        return lastSize(#"<total type="mmap""#) + lastSize(#"<system type="current""#)
        #else
        return 0
        #endif
    }

    // MARK: Unknown features

    /// 100,000 unknown features (four-character keys, so the event fits the default 1 MiB): each
    /// costs one validated key and a lookup in the features' key table; none is kept.
    @Test func hundredThousandUnknownFeaturesAreIgnored() throws {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        var bytes = Array(#"{"model":"credit","id":"u","ts":1778486400000,"features":{"income":45.5,"channel":"web""#.utf8)
        for i in 0..<100_000 {
            bytes += [UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "_")]
            var n = i
            for _ in 0..<4 { bytes.append(digits[n % 36]); n /= 36 }
            bytes += Array(#"":1"#.utf8)
        }
        bytes += Array(#"},"prediction":0.5}"#.utf8)
        #expect(bytes.count <= 1 << 20)
        let decoder = EventDecoder(creditSchema)
        for _ in 0..<3 { #expect(decoder.decode(bytes) == .accepted(model: 0)) }
        let batch = try #require(decoder.takeBatches().first)
        #expect(batch.count == 3)
        #expect(batch.numeric[0] == [45.5, 45.5, 45.5] && batch.numeric[1].allSatisfy(\.isNaN))
        #expect(batch.newCategories == [[], ["web"], []])
        #expect(batch.predictionValues == [0.5, 0.5, 0.5])
        #expect(decoder.takeCounters().invalidValues.isEmpty)
    }

    // MARK: Categories

    /// 1,000,000 distinct values of one feature: the dictionary stops at `max_categories`
    /// (10,000 by default), every later new value is pooled as `__other__` and counted, and the
    /// names handed to the pipeline stop growing.
    @Test func millionDistinctCategoriesStayBounded() async throws {
        let decoder = EventDecoder(creditSchema)
        var event = Array(#"{"features":{"region":"r0000000"}}"#.utf8)
        let start = event.count - 10           // the seven digits of `r0000000`
        var names = 0, codes = Set<UInt32>(), rows = 0
        for i in 0..<1_000_000 {
            var n = i
            for position in (start..<start + 7).reversed() {
                event[position] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            }
            _ = decoder.decode(event)
            if i % 50_000 == 49_999 {
                await Task.yield()     // seconds of work: let the other tests' tasks use this thread too
                for batch in decoder.takeBatches() {
                    names += batch.newCategories[2].count
                    rows += batch.count
                    codes.formUnion(batch.categorical[2])
                }
            }
        }
        #expect(rows == 1_000_000)
        #expect(names == 10_001)                      // 10,000 values and `__other__`
        #expect(codes.count == 10_001)
        let counters = decoder.takeCounters()
        #expect(counters.accepted == [1_000_000])
        #expect(counters.invalidValues == [InvalidValueKey(model: 0, feature: 8, reason: .categoryOverflow): 990_000])
        #expect(decoder.takeCounters().invalidValues.isEmpty)
    }

    @Test func maxCategoriesIsPerModel() throws {
        var small = creditSchema
        small.maxCategories = 2
        let decoder = EventDecoder(small, maxCategoriesPerFeature: 100)
        for channel in ["a", "b", "c", "d", "a", "c"] { decoder.decode(#"{"features":{"channel":""# + channel + #""}}"#) }
        let batch = try #require(decoder.takeBatches().first)
        #expect(batch.newCategories[1] == ["a", "b", EventDecoder.overflowCategory])
        #expect(batch.categorical[1] == [1, 2, 3, 3, 1, 3])
        #expect(decoder.takeCounters().invalidValues == [InvalidValueKey(model: 0, feature: 7, reason: .categoryOverflow): 3])
    }
}
