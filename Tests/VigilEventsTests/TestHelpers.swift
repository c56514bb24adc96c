import Testing
import VigilEvents

/// The golden set's model (shared/golden/config.yaml): features in config order.
let creditSchema = ModelSchema(
    name: "credit",
    features: [
        .init(name: "income", kind: .numeric),
        .init(name: "age", kind: .numeric),
        .init(name: "utilization", kind: .numeric),
        .init(name: "balance", kind: .numeric),
        .init(name: "score_delta", kind: .numeric),
        .init(name: "num_accounts", kind: .numeric),
        .init(name: "is_foreign", kind: .categorical),
        .init(name: "channel", kind: .categorical),
        .init(name: "region", kind: .categorical),
    ],
    prediction: .numeric,
    label: .numeric
)

/// A valid golden-style event.
let validEvent = #"{"model":"credit","id":"w1-0000","ts":1778486400000,"features":{"income":45.68,"age":56,"utilization":0.4793,"balance":7.325,"score_delta":1.944,"num_accounts":0,"is_foreign":false,"channel":"web","region":"CA"},"prediction":0.3251,"label":0}"#

extension EventDecoder {
    convenience init(_ models: ModelSchema..., fields: FieldPaths = FieldPaths(), maxEventBytes: Int = 1 << 20, maxCategoriesPerFeature: Int = 10_000) {
        self.init(configuration: DecoderConfiguration(
            models: models, fields: fields, maxEventBytes: maxEventBytes, maxCategoriesPerFeature: maxCategoriesPerFeature
        ))
    }

    @discardableResult
    func decode(_ json: String, offset: Int64 = 0, processingTimeMillis: Int64 = 0) -> DecodeOutcome {
        decode(Array(json.utf8), offset: offset, processingTimeMillis: processingTimeMillis)
    }

    @discardableResult
    func decode(_ bytes: [UInt8], offset: Int64 = 0, processingTimeMillis: Int64 = 0) -> DecodeOutcome {
        bytes.withUnsafeBytes { decode($0, partition: 3, offset: offset, processingTimeMillis: processingTimeMillis) }
    }

    /// Decodes one event that must be accepted and returns its batch.
    func single(_ json: String, processingTimeMillis: Int64 = 0) -> EventBatch? {
        guard case .accepted = decode(json, processingTimeMillis: processingTimeMillis) else { return nil }
        let batches = takeBatches()
        return batches.count == 1 ? batches[0] : nil
    }
}

/// Takes both decoders' batches and counters and expects them identical (batch by batch, so a
/// failure names the model instead of printing every column).
func expectSameOutput(_ candidate: EventDecoder, _ reference: EventDecoder, sourceLocation: SourceLocation = #_sourceLocation) {
    let batches = candidate.takeBatches(), expectedBatches = reference.takeBatches()
    #expect(batches.count == expectedBatches.count, sourceLocation: sourceLocation)
    for (a, b) in zip(batches, expectedBatches) {
        let identical = a.isIdentical(to: b)   // not inside #expect: it would print both batches
        #expect(identical, "model \(a.model)", sourceLocation: sourceLocation)
    }
    let sameCounters = candidate.takeCounters() == reference.takeCounters()
    #expect(sameCounters, sourceLocation: sourceLocation)
}
