import Foundation
import Testing
import VigilEvents

/// shared/golden/bad_events.jsonl (copied to Fixtures/) against the outcomes that
/// shared/golden/expected.json lists under `bad_events`, with `config.yaml`'s model `credit`.
@Suite struct GoldenBadEventsTests {
    struct Line: Sendable, CustomTestStringConvertible {
        var number: Int
        var outcome: DecodeOutcome
        /// Feature name → reason, from expected.json `invalid_values`.
        var invalid: [String: InvalidValueReason] = [:]
        /// Event time from expected.json `ts` (accepted lines).
        var timestampMillis: Int64? = nil
        var testDescription: String { "line \(number)" }
    }

    // Expectations from shared/golden/expected.json → bad_events.lines. Line 13 is rejected as `late`
    // by the pipeline (its window is already closed there); the decoder itself accepts it.
    static let lines: [Line] = [
        Line(number: 1, outcome: .accepted(model: 0), timestampMillis: 1_778_499_000_250),  // "2026-05-11T11:30:00.250Z"
        Line(number: 2, outcome: .rejected(.malformed, model: nil)),
        Line(number: 3, outcome: .rejected(.malformed, model: nil)),
        Line(number: 4, outcome: .rejected(.malformed, model: nil)),
        Line(number: 5, outcome: .rejected(.malformed, model: 0)),
        Line(number: 6, outcome: .accepted(model: 0), invalid: ["income": .nonFinite], timestampMillis: 1_778_499_060_000),
        Line(number: 7, outcome: .accepted(model: 0),
             invalid: ["utilization": .nonFinite, "balance": .nonFinite, "score_delta": .nonFinite], timestampMillis: 1_778_499_120_000),
        Line(number: 8, outcome: .accepted(model: 0), invalid: ["income": .typeError, "channel": .typeError], timestampMillis: 1_778_499_180_000),
        Line(number: 9, outcome: .rejected(.badTimestamp, model: 0)),
        Line(number: 10, outcome: .rejected(.badTimestamp, model: 0)),
        Line(number: 11, outcome: .rejected(.unknownModel, model: nil)),
        Line(number: 12, outcome: .rejected(.malformed, model: nil)),
        Line(number: 13, outcome: .accepted(model: 0), timestampMillis: 1_778_488_200_000),
    ]

    /// The file's lines as raw bytes (line 4 is not valid UTF-8 on purpose).
    static func fileLines() throws -> [[UInt8]] {
        let url = try #require(Bundle.module.url(forResource: "bad_events", withExtension: "jsonl", subdirectory: "Fixtures"))
        let data = try Data(contentsOf: url)
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Array($0) }
    }

    static func featureIndex(_ name: String) -> Int {
        creditSchema.features.firstIndex { $0.name == name } ?? -1
    }

    @Test(arguments: lines)
    func lineDecodesAsGoldenExpects(_ line: Line) throws {
        let bytes = try Self.fileLines()
        try #require(bytes.count == 13)
        let decoder = EventDecoder(creditSchema)
        #expect(decoder.decode(bytes[line.number - 1]) == line.outcome)

        var expectedInvalid: [InvalidValueKey: Int] = [:]
        for (name, reason) in line.invalid {
            expectedInvalid[InvalidValueKey(model: 0, feature: Self.featureIndex(name), reason: reason)] = 1
        }
        let counters = decoder.takeCounters()
        #expect(counters.invalidValues == expectedInvalid)
        switch line.outcome {
        case .accepted:
            #expect(counters.accepted == [1])
            #expect(counters.rejected.isEmpty)
            let batch = try #require(decoder.takeBatches().first)
            #expect(batch.timestamps == [try #require(line.timestampMillis)])
        case .rejected(let reason, let model):
            #expect(counters.accepted == [0])
            #expect(counters.rejected == [RejectionKey(model: model, reason: reason): 1])
            #expect(decoder.takeBatches().isEmpty)
        }
    }

    @Test func invalidValuesLandInTheirColumnsAsMissing() throws {
        let bytes = try Self.fileLines()
        let decoder = EventDecoder(creditSchema)
        for line in [6, 7, 8] { decoder.decode(bytes[line - 1]) }
        let batch = try #require(decoder.takeBatches().first)
        // Rows 0, 1, 2 = lines 6, 7, 8. Numeric columns: income 0, age 1, utilization 2, balance 3, score_delta 4.
        #expect(batch.numeric[0][0].isNaN && batch.numeric[0][1] == 51.2 && batch.numeric[0][2].isNaN)
        #expect(batch.numeric[2][1].isNaN && batch.numeric[3][1].isNaN && batch.numeric[4][1].isNaN)
        #expect(batch.nonFiniteRows == [[0], [], [1], [1], [1], []])
        // Schema order: income 0 … channel 7.
        #expect(batch.typeErrorRows == [[2], [], [], [], [], [], [], [2], []])
        // channel is categorical column 1: missing (0) on line 8.
        #expect(batch.categorical[1] == [1, 1, 0])
    }

    /// Totals from expected.json → bad_events.totals, minus `late` (the pipeline's), whose line the decoder accepts.
    @Test func wholeFileMatchesGoldenTotals() throws {
        let decoder = EventDecoder(creditSchema)
        for line in try Self.fileLines() { decoder.decode(line) }
        let counters = decoder.takeCounters()
        var rejected: [RejectionReason: Int] = [:]
        for (key, count) in counters.rejected { rejected[key.reason, default: 0] += count }
        #expect(rejected == [.malformed: 5, .badTimestamp: 2, .unknownModel: 1])
        #expect(counters.accepted == [4 + 1])
        var invalid: [String: [InvalidValueReason: Int]] = [:]
        for (key, count) in counters.invalidValues { invalid[creditSchema.features[key.feature].name, default: [:]][key.reason] = count }
        #expect(invalid == [
            "income": [.nonFinite: 1, .typeError: 1],
            "utilization": [.nonFinite: 1],
            "balance": [.nonFinite: 1],
            "score_delta": [.nonFinite: 1],
            "channel": [.typeError: 1],
        ])
    }
}
