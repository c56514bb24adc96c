import Testing
import VigilEvents
import VigilStats

/// The extractor's fast path (simdjson DOM) and slow path (On-Demand walk) must give the same
/// batches, outcomes and counters for every input (issue 11). The slow path is the one the decoder
/// tests were written against; here both run over the same inputs, built to hit where they differ
/// internally: number forms (integers, -0, overflow, Python's NaN), raw number text (ids and
/// multiclass labels), duplicate and escaped keys, nesting at the depth limit, and mutations.
@Suite struct ExtractorPathsTests {
    static let multiclass = ModelSchema(
        name: "segment",
        features: [.init(name: "income", kind: .numeric), .init(name: "region", kind: .categorical)],
        prediction: .categorical, label: .categorical)

    static let values = [
        "0", "-0", "-0.0", "7", "-7", "12.50", "1E5", "1e400", "-1e400", "NaN", "Infinity", "-Infinity",
        "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
        "4.9e-324", "1.7976931348623157e308", #""7""#, #""w\u00e9b""#, #""a\"b""#, "true", "false", "null",
        "{}", "[]", #"[1,{"a":[2]}]"#, #"{"income":3}"#, "2.0", "-3",
    ]

    static func event(_ random: inout SplitMix64) -> String {
        func pick() -> String { values[Int.random(in: 0..<values.count, using: &random)] }
        var fields = [
            #""model":"# + (Bool.random(using: &random) ? #""credit""# : #""segment""#),
            #""id":"# + pick(), #""ts":"# + (Bool.random(using: &random) ? "1778486400000" : pick()),
            #""features":{"income":"# + pick() + #","age":"# + pick() + #","channel":"# + pick() + #","region":"# + pick() + "}",
            #""prediction":"# + pick(), #""label":"# + pick(),
        ]
        if Int.random(in: 0..<4, using: &random) == 0 { fields.append(#""label":"# + pick()) }            // a repeated key
        if Int.random(in: 0..<4, using: &random) == 0 { fields.append(#""fe\u0061tures":{"income":"# + pick() + "}") }
        if Int.random(in: 0..<4, using: &random) == 0 { fields.append(#""other":"# + pick()) }
        fields.shuffle(using: &random)
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
            let index = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.remove(at: index)
            default: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &random)], at: index)
            }
        }
    }

    static func decoders(fastPath: Bool) -> [EventDecoder] {
        var flat = DecoderConfiguration(models: [creditSchema, multiclass], maxCategoriesPerFeature: 8)
        var nested = DecoderConfiguration(
            models: [multiclass],
            fields: FieldPaths(model: "meta.model", id: "meta.id", timestamp: "ts", features: "features", prediction: "label", label: "label"))
        flat.fastPath = fastPath
        nested.fastPath = fastPath
        return [EventDecoder(configuration: flat), EventDecoder(configuration: nested)]
    }

    static func compare(_ inputs: [[UInt8]]) {
        let fast = decoders(fastPath: true), slow = decoders(fastPath: false)
        for (f, s) in zip(fast, slow) {
            for (offset, input) in inputs.enumerated() {
                #expect(f.decode(input, offset: Int64(offset)) == s.decode(input, offset: Int64(offset)), "\(String(decoding: input, as: UTF8.self))")
            }
            expectSameOutput(f, s)
        }
    }

    @Test(arguments: 0..<8 as Range<UInt64>)
    func generatedEventsDecodeAlikeOnBothPaths(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var inputs: [[UInt8]] = []
        for _ in 0..<400 {
            var bytes = Array(Self.event(&random).utf8)
            if Int.random(in: 0..<3, using: &random) == 0 { Self.mutate(&bytes, &random) }
            inputs.append(bytes)
        }
        Self.compare(inputs)
    }

    @Test func fixedCasesDecodeAlikeOnBothPaths() {
        var inputs = [validEvent, #"{"meta":{"model":"segment","id":12.50},"label":3}"#, #"{"meta":{"id":-0},"label":-0}"#,
                      #"{"meta":{"id":18446744073709551615},"label":18446744073709551615}"#, #"{"id":1e400,"label":2.0}"#]
        for depth in [62, 63, 64, 65] {
            let open = String(repeating: #"{"a":"#, count: depth - 1), close = String(repeating: "}", count: depth - 1)
            inputs.append(#"{"x":"# + open + "1" + close + "}")
            inputs.append(#"{"x":"# + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}")
        }
        Self.compare(inputs.map { Array($0.utf8) })
    }
}
