import Testing
import VigilEvents
import VigilStats

/// `EventDecoder.prepare` parses a batch on several threads (issue 11); decoding the prepared
/// messages must give exactly what decoding them one by one gives: outcomes, batches (category codes
/// in order of first appearance included) and counters. The inputs are `ExtractorPathsTests`'
/// generated events, with mutations, so invalid, escaped, non-finite and too-large messages are among them.
@Suite struct PreparedDecodingTests {
    static func decoder(_ paths: ExtractorPaths = .all, parseThreads: Int) -> EventDecoder {
        var configuration = DecoderConfiguration(models: [creditSchema, ExtractorPathsTests.multiclass], maxEventBytes: 200,
                                                 maxCategoriesPerFeature: 8)
        configuration.extractorPaths = paths
        configuration.parseThreads = parseThreads
        return EventDecoder(configuration: configuration)
    }

    static func inputs(seed: UInt64, count: Int) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            // Every other one plain (what the scanner takes, unless too large) and never mutated.
            let plain = index % 2 == 0
            var bytes = Array(ExtractorPathsTests.event(&random, plain: plain).utf8)
            if !plain, Int.random(in: 0..<3, using: &random) == 0 { ExtractorPathsTests.mutate(&bytes, &random) }
            return bytes
        }
    }

    /// Decodes `inputs` one by one with `reference` and, after `prepare`, with `candidate`, and
    /// checks that both give the same. `order` is the order of the candidate's `decode` calls.
    static func compare(_ inputs: [[UInt8]], reference: EventDecoder, candidate: EventDecoder, order: [Int]? = nil,
                        afterPrepare: (inout [UInt8]) -> Void = { _ in }) {
        let order = order ?? Array(inputs.indices)
        // One buffer holding every message, so that `afterPrepare` can overwrite them in place.
        var buffer = inputs.flatMap { $0 }
        var starts = [0]
        for input in inputs { starts.append(starts.last! + input.count) }
        let mismatches: Int = buffer.withUnsafeMutableBytes { storage in
            let messages = inputs.indices.map { UnsafeRawBufferPointer(rebasing: storage[starts[$0]..<starts[$0 + 1]]) }
            candidate.prepare(messages)
            var bytes = Array(storage)
            afterPrepare(&bytes)
            storage.copyBytes(from: bytes)
            var mismatches = 0
            for index in order {
                let expected = inputs[index].withUnsafeBytes {
                    reference.decode($0, partition: 1, offset: Int64(index), processingTimeMillis: 1_778_486_400_000)
                }
                let got = candidate.decode(messages[index], partition: 1, offset: Int64(index), processingTimeMillis: 1_778_486_400_000)
                if got != expected { mismatches += 1 }
            }
            return mismatches
        }
        #expect(mismatches == 0)
        expectSameOutput(candidate, reference)
    }

    @Test(arguments: [(0, 2), (1, 2), (2, 3), (3, 4), (4, 1)] as [(UInt64, Int)])
    func preparedMessagesDecodeAsOneByOne(seed: UInt64, threads: Int) {
        let inputs = Self.inputs(seed: seed, count: 500)
        for paths in ExtractorPaths.combinations {
            let candidate = Self.decoder(paths, parseThreads: threads)
            Self.compare(inputs, reference: Self.decoder(paths, parseThreads: 1), candidate: candidate)
            // The prepared path of each extractor path ran: the scanner took some of the batch.
            let scanned = candidate.documentsFinished.scanner
            #expect(paths.contains(.scanner) ? scanned > 20 : scanned == 0, "\(paths): \(scanned)")
        }
    }

    @Test func smallBatchesParseOnTheCallingThreadAlike() {
        let decoder = Self.decoder(parseThreads: 2), reference = Self.decoder(parseThreads: 1)
        for (seed, count) in [(10, 1), (11, EventDecoder.minimumParallelBatch - 1), (12, EventDecoder.minimumParallelBatch)] as [(UInt64, Int)] {
            Self.compare(Self.inputs(seed: seed, count: count), reference: reference, candidate: decoder)
        }
    }

    /// Entry texts (category names, ids, model names) are copied at parse time: overwriting the
    /// messages afterwards changes nothing. Every byte becomes a space, which is valid JSON nowhere.
    @Test func preparedResultsOutliveTheMessagesBytes() {
        let inputs = Self.inputs(seed: 20, count: 300)
        Self.compare(inputs, reference: Self.decoder(parseThreads: 1), candidate: Self.decoder(parseThreads: 2),
                     afterPrepare: { bytes in for i in bytes.indices { bytes[i] = UInt8(ascii: " ") } })
    }

    /// Decoding out of order (or another buffer) drops what remains prepared; those messages are
    /// parsed again when decoded, with the same results.
    @Test func decodingOutOfOrderParsesTheRestAgain() {
        let inputs = Self.inputs(seed: 30, count: 200)
        var order = Array(inputs.indices)
        order.swapAt(50, 120)
        Self.compare(inputs, reference: Self.decoder(parseThreads: 1), candidate: Self.decoder(parseThreads: 2),
                     order: order)
    }

    /// An empty `prepare` drops what an earlier one left undecoded (the Kafka loop calls it for
    /// every input each poll): a new message in the same buffer is then parsed, not matched to
    /// the stale parse. Both events have the same length; only the income differs.
    @Test func emptyPrepareDropsWhatIsLeft() {
        let first = Array(validEvent.utf8)
        let second = Array(validEvent.replacing(#""income":45.68"#, with: #""income":99.25"#).utf8)
        #expect(first.count == second.count)
        let decoder = EventDecoder(creditSchema)   // Self.decoder's 200-byte limit rejects validEvent
        var buffer = first
        let incomes: [Double] = buffer.withUnsafeMutableBytes { storage in
            decoder.prepare([UnsafeRawBufferPointer(storage)])
            decoder.prepare([])
            storage.copyBytes(from: second)
            _ = decoder.decode(UnsafeRawBufferPointer(storage), partition: 0, offset: 0, processingTimeMillis: 1_778_486_400_000)
            return decoder.takeBatches().first.map { Array($0.numeric[0]) } ?? []
        }
        #expect(incomes == [99.25])
    }

    /// `prepare(_:overlapping:)` (replay's pipeline): each batch is parsed while the one before is
    /// decoded by position; the outcomes, batches and counters are those of decoding every message
    /// one by one. Each batch lives in a buffer of its own that is blanked once `prepare` returns
    /// (the parse must not need it), and batches of 0, 1, below and above the parallel threshold
    /// alternate. `terminated`: as replay lays lines out for `prepare(_:terminated:overlapping:)`,
    /// each message is followed by a zero byte and directly by the next message, the last by 64
    /// bytes of JSON-like text (not zeros), so a scanner that read past a terminator would see the
    /// next event; every fourth input is then a plain event cut short, whose next line is valid.
    @Test(arguments: [1, 2, 3], [false, true])
    func pipelinedBatchesDecodeAsOneByOne(threads: Int, terminated: Bool) {
        var inputs = Self.inputs(seed: 40 + UInt64(threads), count: 900)
        if terminated {
            var random = SplitMix64(seed: 77)
            for index in stride(from: 3, to: inputs.count, by: 4) {
                let event = Array(ExtractorPathsTests.event(&random, plain: true).utf8)
                inputs[index] = Array(event[..<Int.random(in: 1..<event.count, using: &random)])
            }
        }
        let sizes = [0, 1, EventDecoder.minimumParallelBatch - 1, EventDecoder.minimumParallelBatch, 200, 0, 137, 331]
        let trailer = Array(String(repeating: #"{"a":1,"#, count: 10).utf8.prefix(64))
        for paths in ExtractorPaths.combinations {
            let reference = Self.decoder(paths, parseThreads: 1), candidate = Self.decoder(paths, parseThreads: threads)
            var expected: [DecodeOutcome] = [], got: [DecodeOutcome] = []
            for (index, input) in inputs.enumerated() {
                expected.append(input.withUnsafeBytes {
                    reference.decode($0, partition: 2, offset: Int64(index), processingTimeMillis: 1_778_486_400_000)
                })
            }
            var next = 0, works = 0, calls = 0
            let work = {
                works += 1
                for index in 0..<candidate.pipelinedCount {
                    got.append(candidate.decodePipelined(index, partition: 2, offset: Int64(got.count), processingTimeMillis: 1_778_486_400_000))
                }
            }
            var batch = 0
            while next < inputs.count {
                let size = min(sizes[batch % sizes.count], inputs.count - next)
                batch += 1
                let separator = terminated ? 1 : 0
                var buffer = inputs[next..<(next + size)].flatMap { $0 + (terminated ? [0] : []) } + (terminated ? trailer : [])
                buffer.withUnsafeMutableBytes { storage in
                    var start = 0
                    let messages = inputs[next..<(next + size)].map { input in
                        defer { start += input.count + separator }
                        return UnsafeRawBufferPointer(rebasing: storage[start..<(start + input.count)])
                    }
                    candidate.prepare(messages, terminated: terminated, overlapping: work)
                    calls += 1
                    for i in storage.indices { storage[i] = UInt8(ascii: " ") }
                }
                #expect(candidate.pipelinedCount == size)
                next += size
            }
            candidate.prepare([], overlapping: work)
            calls += 1
            #expect(works == calls)
            #expect(candidate.pipelinedCount == 0)
            #expect(got.count == expected.count)
            let mismatches = zip(got, expected).filter { $0 != $1 }.count
            #expect(mismatches == 0, "\(paths)")
            expectSameOutput(candidate, reference)
            let scanned = candidate.documentsFinished.scanner
            #expect(paths.contains(.scanner) ? scanned > 40 : scanned == 0, "\(paths): \(scanned)")
        }
    }
}
