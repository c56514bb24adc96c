// libFuzzer target: Kafka payloads through EventDecoder (simdjson shim + mapping into EventBatch).
//
// Each input is decoded whole (one Kafka message), and then line by line (a replay file), by two
// decoders: the golden model with a multiclass model next to it on default flat paths, and a
// nested mapping (dotted paths, paths sharing prefixes, small size and category limits) with two
// models sharing features. After every input the batches are checked for column-length invariants.
// Each configuration runs with every combination of the extractor's first paths (its scanner,
// simdjson DOM) and with the On-Demand walk alone: outcomes, batches and counters must be
// identical (differential fuzzing).

import VigilEvents

/// Golden model (shared/golden/config.yaml) plus a multiclass one: flat default paths.
let flatConfiguration = DecoderConfiguration(
    models: [
        ModelSchema(
            name: "credit",
            features: [
                .init(name: "income", kind: .numeric), .init(name: "age", kind: .numeric),
                .init(name: "utilization", kind: .numeric), .init(name: "balance", kind: .numeric),
                .init(name: "score_delta", kind: .numeric), .init(name: "num_accounts", kind: .numeric),
                .init(name: "is_foreign", kind: .categorical), .init(name: "channel", kind: .categorical),
                .init(name: "region", kind: .categorical),
            ],
            prediction: .numeric, label: .numeric),
        ModelSchema(
            name: "segment",
            features: [.init(name: "income", kind: .numeric), .init(name: "region", kind: .categorical), .init(name: "tier", kind: .categorical)],
            prediction: .categorical, label: .categorical),
    ],
    maxEventBytes: 1 << 16,
    maxCategoriesPerFeature: 64)

/// Nested paths; `meta.model`/`meta.id` share a prefix, `out.label` sits next to the prediction,
/// feature names include a dot and a non-ASCII key, and the limits are small so the size and
/// category-overflow branches run.
let nestedConfiguration = DecoderConfiguration(
    models: [
        ModelSchema(
            name: "credit",
            features: [
                .init(name: "income", kind: .numeric), .init(name: "a.b", kind: .numeric),
                .init(name: "région", kind: .categorical), .init(name: "channel", kind: .categorical),
            ],
            prediction: .numeric, label: .numeric),
        ModelSchema(
            name: "fraud",
            features: [.init(name: "channel", kind: .categorical), .init(name: "income", kind: .numeric), .init(name: "n", kind: .numeric)],
            prediction: .categorical, label: .categorical),
    ],
    fields: FieldPaths(model: "meta.model", id: "meta.id", timestamp: "meta.time.ts", features: "x", prediction: "out.score", label: "out.label"),
    maxEventBytes: 512,
    maxCategoriesPerFeature: 4)

func check(_ batches: [EventBatch], _ configuration: DecoderConfiguration) {
    for batch in batches {
        let n = batch.count
        let schema = configuration.models[batch.model]
        precondition(batch.partitions.count == n && batch.offsets.count == n && batch.idHashes.count == n)
        precondition(batch.numeric.count == schema.numericFeatureNames.count)
        precondition(batch.categorical.count == schema.categoricalFeatureNames.count)
        for column in batch.numeric { precondition(column.count == n) }
        for column in batch.categorical { precondition(column.count == n) }
        for rows in batch.nonFiniteRows + batch.typeErrorRows { precondition(rows.allSatisfy { $0 >= 0 && Int($0) < n }) }
        switch schema.prediction {
        case .numeric: precondition(batch.predictionValues.count == n)
        case .categorical: precondition(batch.predictionCodes.count == n)
        }
        switch schema.label {
        case .numeric: precondition(batch.labelValues.count == n)
        case .categorical: precondition(batch.labelCodes.count == n)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    // Fresh decoders per input, so a finding reproduces from its input alone. Each combination of
    // the extractor's first paths (scanner, DOM) against the On-Demand walk alone.
    for configuration in [flatConfiguration, nestedConfiguration] {
        var slowConfiguration = configuration
        slowConfiguration.extractorPaths = []
        for paths in ExtractorPaths.combinations where paths != [] {
            var fastConfiguration = configuration
            fastConfiguration.extractorPaths = paths
            if paths == .all { fastConfiguration.parseThreads = 2 }
            let fast = EventDecoder(configuration: fastConfiguration), slow = EventDecoder(configuration: slowConfiguration)
            let whole = fast.decode(input, partition: 0, offset: 0, processingTimeMillis: 1_778_486_400_000)
            precondition(whole == slow.decode(input, partition: 0, offset: 0, processingTimeMillis: 1_778_486_400_000),
                         "\(paths) and On-Demand decide differently")
            var lines: [UnsafeRawBufferPointer] = []
            var lineStart = 0
            for i in 0...count where i == count || input[i] == UInt8(ascii: "\n") {
                if i > lineStart { lines.append(UnsafeRawBufferPointer(rebasing: input[lineStart..<i])) }
                lineStart = i + 1
            }
            // With every path enabled the lines are parsed as one batch first (`prepare`, as the
            // Kafka loop does with a poll; two threads from 64 lines), then decoded in order.
            if paths == .all { fast.prepare(lines) }
            var offset: Int64 = 1
            for line in lines {
                let outcome = fast.decode(line, partition: 1, offset: offset, processingTimeMillis: 0)
                precondition(outcome == slow.decode(line, partition: 1, offset: offset, processingTimeMillis: 0),
                             "\(paths) and On-Demand decide differently")
                offset += 1
            }
            let fastBatches = fast.takeBatches(), slowBatches = slow.takeBatches()
            precondition(fastBatches.count == slowBatches.count && zip(fastBatches, slowBatches).allSatisfy { $0.isIdentical(to: $1) },
                         "\(paths) and On-Demand give different batches")
            precondition(fast.takeCounters() == slow.takeCounters(), "\(paths) and On-Demand count differently")
            check(fastBatches, configuration)
        }
    }
    return 0
}
