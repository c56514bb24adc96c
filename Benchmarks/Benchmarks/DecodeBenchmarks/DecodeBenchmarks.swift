// Benchmarks of the event decoder (issue 11): 4096 standard events (Benchmarks/e2e/events.py's
// shape: 20 numeric features with 7 decimals, 1 % null, 5 categorical, a prediction with 6
// decimals, a 0/1 label; ~590 bytes each) parsed as one batch (`EventDecoder.prepare`, on one
// thread here) and decoded one by one into column batches, as the agent's consumer thread does
// with a Kafka poll, with each of the extractor's paths first:
//
// - scanner (the default): CSimdJSON's one-pass scanner, DOM and On-Demand for what it declines;
// - DOM: simdjson's DOM parser and a walk of its tape (the default before the scanner);
// - On-Demand: simdjson's On-Demand walk of every value.
//
// `events/s` is a custom metric: events decoded per second of the iteration's wall time. No
// allocation per event is expected: `mallocCountTotal` counts what one iteration (4096 events and
// the hand-over of their batch) allocates.

import Benchmark
import Foundation
import VigilEvents
import VigilStats

let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)

let categories = [
    ["grocery", "travel", "electronics", "fashion", "restaurants", "fuel", "health", "other"],
    ["web", "ios", "android", "pos"],
    ["DE", "FR", "US", "GB", "IT", "ES", "NL"],
    ["new", "returning", "vip"],
    ["card", "wallet", "transfer"],
]

/// `standardEvents` in one allocation that lives as long as the process, as message buffers.
func messages(count: Int) -> [UnsafeRawBufferPointer] {
    let events = standardEvents(count: count)
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: events.reduce(0) { $0 + $1.count }, alignment: 8)
    var messages: [UnsafeRawBufferPointer] = []
    var at = 0
    for event in events {
        let slice = UnsafeMutableRawBufferPointer(rebasing: storage[at..<at + event.count])
        slice.copyBytes(from: event)
        messages.append(UnsafeRawBufferPointer(slice))
        at += event.count
    }
    return messages
}

func standardEvents(count: Int) -> [[UInt8]] {
    var random = SplitMix64(seed: 3)
    func uniform() -> Double { Double.random(in: 0..<1, using: &random) }
    /// Irwin–Hall: the sum of 12 uniforms − 6, normal-ish.
    func normal() -> Double { (0..<12).reduce(0) { sum, _ in sum + uniform() } - 6 }
    return (0..<count).map { index in
        var features: [String] = []
        for i in 0..<20 {
            let name = String(format: "num_%02d", i)
            if uniform() < 0.01 {
                features.append("\"\(name)\":null")
            } else {
                features.append(String(format: "\"%@\":%.7f", name, 10.0 * Double(i + 1) + (2.0 + Double(i)) * normal()))
            }
        }
        for (i, names) in categories.enumerated() {
            features.append("\"cat_\(i)\":\"\(names[Int(random.next() % UInt64(names.count))])\"")
        }
        let score = uniform()
        let label = uniform() < score ? 1 : 0
        let event = String(format: "{\"model\":\"bench\",\"id\":\"evt-%012d\",\"ts\":%lld,\"features\":{%@},\"prediction\":%.6f,\"label\":%d}",
                           index, 1_764_000_000_000 + Int64(index / 20), features.joined(separator: ","), score, label)
        return Array(event.utf8)
    }
}

let benchSchema = ModelSchema(
    name: "bench",
    features: (0..<20).map { .init(name: String(format: "num_%02d", $0), kind: .numeric) } + (0..<5).map { .init(name: "cat_\($0)", kind: .categorical) },
    prediction: .numeric, label: .numeric)

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, eventsPerSecond],
        warmupIterations: 5,
        maxDuration: .seconds(3),
        maxIterations: 1000
    )
    let events = messages(count: 4096)
    for (label, paths) in [("scanner", ExtractorPaths.all), ("DOM", ExtractorPaths.dom), ("On-Demand", ExtractorPaths())] {
        Benchmark("decode: 4096 standard events, \(label) first", configuration: configuration) { (benchmark: Benchmark, decoder: EventDecoder) in
            for _ in benchmark.scaledIterations {
                let start = ContinuousClock.now
                decoder.prepare(events)
                for (offset, event) in events.enumerated() {
                    blackHole(decoder.decode(event, partition: 0, offset: Int64(offset), processingTimeMillis: 1_764_000_000_000))
                }
                blackHole(decoder.takeBatches())
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                if seconds > 0 { benchmark.measurement(eventsPerSecond, Int(Double(events.count) / seconds)) }
            }
        } setup: {
            var decoderConfiguration = DecoderConfiguration(models: [benchSchema])
            decoderConfiguration.extractorPaths = paths
            let decoder = EventDecoder(configuration: decoderConfiguration)
            // Warm: category dictionaries filled, columns and parse buffers at their capacity, the key order learnt.
            decoder.prepare(events)
            for event in events { _ = decoder.decode(event, partition: 0, offset: 0, processingTimeMillis: 0) }
            _ = decoder.takeBatches()
            return decoder
        }
    }
}
