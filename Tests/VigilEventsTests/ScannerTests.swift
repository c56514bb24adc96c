import Testing
import VigilEvents
import VigilStats

/// The extractor's scanner (CSimdJSON, issue 11): which documents it takes, and the values it reads.
/// `ExtractorPathsTests` compares its batches with the other paths'; here the numbers are checked
/// against an independent reader, Swift's `Double(_: String)` (correctly rounded, like strtod).
@Suite struct ScannerTests {
    /// The benchmark's standard event (Benchmarks/e2e/events.py): 20 numeric and 5 categorical features.
    static let standardEvent = #"{"model":"bench","id":"evt-000000000000","ts":1764000000000,"features":{"num_00":8.1513325,"num_01":19.2089113,"num_02":30.5968588,"num_03":40.3258025,"num_04":51.9446529,"num_05":82.9699635,"num_06":58.7047758,"num_07":81.9020054,"num_08":98.2217672,"num_09":90.1289911,"num_10":128.6065528,"num_11":128.5774959,"num_12":157.5140075,"num_13":145.8179344,"num_14":168.3281440,"num_15":141.4377301,"num_16":176.1384108,"num_17":160.4391086,"num_18":198.8482939,"num_19":206.5256356,"cat_0":"health","cat_1":"android","cat_2":"GB","cat_3":"vip","cat_4":"wallet"},"prediction":0.574023,"label":1}"#

    static let bench = ModelSchema(
        name: "bench",
        features: (0..<20).map { .init(name: String(format2: $0), kind: .numeric) } + (0..<5).map { .init(name: "cat_\($0)", kind: .categorical) },
        prediction: .numeric, label: .numeric)

    static func decoder(_ models: ModelSchema..., paths: ExtractorPaths = .all) -> EventDecoder {
        var configuration = DecoderConfiguration(models: models)
        configuration.extractorPaths = paths
        return EventDecoder(configuration: configuration)
    }

    @Test func plainEventsTakeTheScanner() {
        let decoder = Self.decoder(Self.bench, creditSchema)
        let spaced = " {\n  \"model\" : \"credit\",\t\"features\" : { \"income\" : 1.5e3 , \"channel\":\"web\" } ,\r\n \"ts\": 1778486400000 }\n"
        for event in [Self.standardEvent, validEvent, spaced, #"{"model":"credit","ts":1778486400000,"features":{}}"#] {
            #expect(decoder.decode(event) == .accepted(model: event.contains("bench") ? 0 : 1))
        }
        let finished = decoder.documentsFinished
        #expect(finished.scanner == 4 && finished.dom == 0 && finished.onDemand == 0, "\(finished)")
        let batch = decoder.takeBatches()[0]
        #expect(batch.numeric[0] == [8.1513325] && batch.numeric[14] == [168.3281440] && batch.predictionValues == [0.574023])
    }

    /// What the scanner leaves to DOM (an escape, raw UTF-8, an array, a number it cannot convert
    /// exactly) and to On-Demand (Python's NaN, which DOM refuses too).
    @Test func theRestTakesTheOtherPaths() {
        let decoder = Self.decoder(creditSchema)
        let declined = [
            validEvent.replacing(#""web""#, with: #""w\u00e9b""#), validEvent.replacing(#""web""#, with: #""wéb""#),
            validEvent.replacing(#""age":56"#, with: #""age":56,"tags":[1,2]"#),
            validEvent.replacing("45.68", with: "4.568e-30"), validEvent.replacing("45.68", with: "45.680000000000000000"),
        ]
        for event in declined { #expect(decoder.decode(event) == .accepted(model: 0)) }
        #expect(decoder.decode(validEvent.replacing("45.68", with: "NaN")) == .accepted(model: 0))
        let finished = decoder.documentsFinished
        #expect(finished.scanner == 0 && finished.dom == 5 && finished.onDemand == 1, "\(finished)")
        let batch = decoder.takeBatches()[0]
        // Double("4.568e-30") and Double("45.680000000000000000"), as strtod reads them.
        #expect(Array(batch.numeric[0].prefix(5)) == [45.68, 45.68, 45.68, 4.568e-30, 45.68])
    }

    /// Random numbers (up to 12 integer and 9 fraction digits, exponents up to ±25) in the income
    /// field, each decoded alone: the value must be the one `Double(text)` gives, bit for bit
    /// (integer `-0` reads as 0, as Python's json reads it), and the scanner must have taken most.
    @Test(arguments: 0..<4 as Range<UInt64>)
    func numbersReadAsCorrectlyRounded(seed: UInt64) throws {
        var random = SplitMix64(seed: 100 + seed)
        let decoder = Self.decoder(creditSchema, paths: .scanner)
        var scanned = 0, mismatches: [String] = []
        let count = 3000
        for _ in 0..<count {
            let text = ExtractorPathsTests.number(&random)
            let before = decoder.documentsFinished.scanner
            let outcome = decoder.decode(#"{"model":"credit","ts":1778486400000,"features":{"income":"# + text + "}}")
            if decoder.documentsFinished.scanner > before { scanned += 1 }
            let value = decoder.takeBatches().first?.numeric[0].first
            var expected = try #require(Double(text))
            if text == "-0" { expected = 0 }
            if outcome != .accepted(model: 0) || value?.bitPattern != expected.bitPattern { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(scanned > count * 3 / 4, "the scanner took \(scanned) of \(count)")
    }

    /// Hand-picked limits of the exact conversion: 2^53 and its neighbours, 18 digits, ±22.
    @Test func conversionLimits() {
        let decoder = Self.decoder(creditSchema)
        let texts = ["9007199254740992", "9007199254740993", "9007199254740991.5", "900719925474099.25", "123456789012345678",
                     "1e22", "1e-22", "123456789e22", "1.7976931348623157e308", "0.1", "-0.0", "0e-5", "5e-324"]
        // Double(text) as strtod reads each (for the integer 2^53 + 1: the nearest even, 2^53).
        for text in texts {
            _ = decoder.decode(#"{"model":"credit","ts":1778486400000,"features":{"income":"# + text + "}}")
        }
        let values = decoder.takeBatches().first.map { Array($0.numeric[0]) } ?? []
        let expected = texts.map { Double($0)! }
        #expect(values.map(\.bitPattern) == expected.map(\.bitPattern), "\(values)")
        // The ones past the exact conversion went to DOM: the two with 17 digits above 2^53 and the
        // two extremes (decimal exponent beyond ±22).
        let finished = decoder.documentsFinished
        #expect(finished.dom == 4 && finished.scanner == UInt64(texts.count) - 4, "\(finished)")
    }
}

private extension String {
    /// "num_07" for 7.
    init(format2 index: Int) {
        self = "num_" + (index < 10 ? "0" : "") + String(index)
    }
}
