#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import VigilEvents
import VigilExposition
@testable import VigilAgent

/// Issue 10, parts 2 and 3, through `Pipelines` (decoder, windows and metrics together, as `run`
/// and `replay` use them): bad input interleaved with valid events, far-past and future
/// timestamps, and high-cardinality floods. The decoder-level matrix is `BadInputMatrixTests`;
/// Kafka tombstones and headers over a real broker are in `IntegrationTests`.
@Suite struct BadInputPipelineTests {
    static let now: Int64 = 1_790_000_000_000
    /// The golden set's model on a 5m/1m sliding window (the defaults of SPEC §4).
    static let yaml = """
        models:
          - name: credit
            features:
              - {name: income, type: numeric}
              - {name: age, type: numeric}
              - {name: utilization, type: numeric}
              - {name: balance, type: numeric}
              - {name: score_delta, type: numeric}
              - {name: num_accounts, type: numeric}
              - {name: is_foreign, type: categorical}
              - {name: channel, type: categorical}
              - {name: region, type: categorical}
            window: {size: 5m, slide: 1m, lateness: 30s}
        """

    static func pipelines(_ yaml: String = yaml) throws -> (Pipelines, MetricsRegistry) {
        let configuration = try Configuration.parse(yaml: yaml)
        let metrics = MetricsRegistry(maxSeries: configuration.http.maxSeries, processMetrics: false)
        return (Pipelines(configuration: configuration, metrics: metrics, byTopic: false), metrics)
    }

    static func event(ts: Int64, income: String = "45.68", extra: String = "") -> String {
        #"{"model":"credit","id":"e-\#(ts)","ts":\#(ts),"features":{"income":\#(income),"age":56,"utilization":0.4793,"balance":7.325,"score_delta":1.944,"num_accounts":0,"is_foreign":false,"channel":"web","region":"CA"\#(extra)},"prediction":0.3251,"label":0}"#
    }

    /// 100,000 unknown features with four-character keys, so that the event fits in 1 MiB.
    static let unknownFeatures: String = {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        var text = ""
        for i in 0..<100_000 {
            text += #","_"# + String([digits[i % 36], digits[i / 36 % 36], digits[i / 1296 % 36], digits[i / 46656]]) + #"":1"#
        }
        return text
    }()

    enum Expected: Equatable {
        case accepted
        /// Accepted, with `income` counted `non_finite`.
        case acceptedNonFinite
        case rejected(RejectionReason)
    }

    /// Every kind of bad input of issue 10, in one stream. `ts` is the event time valid events use
    /// at that point (they are in order, so none of them is late).
    static func badInputs(ts: Int64) -> [(name: String, bytes: [UInt8], expected: Expected)] {
        func text(_ name: String, _ json: String, _ expected: Expected) -> (String, [UInt8], Expected) { (name, Array(json.utf8), expected) }
        let valid = event(ts: ts)
        let shell = event(ts: ts, extra: #","pad":"""#)
        let oneMebibyte = Array(event(ts: ts, extra: #","pad":""# + String(repeating: "p", count: (1 << 20) - shell.utf8.count) + "\"").utf8)
        let unknownFeatures = Self.unknownFeatures
        return [
            text("truncated", String(valid.dropLast(20)), .rejected(.malformed)),
            text("trailing garbage", valid + "x", .rejected(.malformed)),
            text("non-object", "[" + valid + "]", .rejected(.malformed)),
            text("features not an object", #"{"model":"credit","ts":\#(ts),"features":[1,2]}"#, .rejected(.malformed)),
            text("duplicate keys", #"{"model":"credit","ts":\#(ts),"features":{"income":1},"features":{"age":2}}"#, .accepted),
            ("invalid UTF-8 key", Array(#"{"model":"credit","ts":\#(ts),"features":{""#.utf8) + [0xFF] + Array(#"":1}}"#.utf8), .rejected(.malformed)),
            ("invalid UTF-8 value", Array(#"{"model":"credit","ts":\#(ts),"features":{"channel":""#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8), .rejected(.malformed)),
            ("overlong UTF-8", Array(#"{"model":"credit","ts":\#(ts),"features":{"channel":""#.utf8) + [0xE0, 0x80, 0xAF] + Array(#""}}"#.utf8), .rejected(.malformed)),
            text("lone surrogate escape", #"{"model":"credit","ts":\#(ts),"features":{"channel":"\udc01"}}"#, .rejected(.malformed)),
            ("raw NUL", Array(#"{"model":"credit","ts":\#(ts),"features":{"channel":"a"#.utf8) + [0] + Array(#""}}"#.utf8), .rejected(.malformed)),
            text("escaped NUL", #"{"model":"credit","ts":\#(ts),"features":{"channel":"a\u0000"}}"#, .accepted),
            ("exactly 1 MiB", oneMebibyte, .accepted),
            ("1 MiB + 1", oneMebibyte + [0x20], .rejected(.tooLarge)),
            text("10,000 nested arrays", #"{"model":"credit","ts":\#(ts),"features":{"income":"# + String(repeating: "[", count: 10_000)
                + String(repeating: "]", count: 10_000) + "}}", .rejected(.malformed)),
            text("100,000 unknown features", event(ts: ts, extra: unknownFeatures), .accepted),
            text("1e400", event(ts: ts, income: "1e400"), .acceptedNonFinite),
            text("-0", event(ts: ts, income: "-0"), .accepted),
            text("1.0000000000000000000001", event(ts: ts, income: "1.0000000000000000000001"), .accepted),
            text("2^64", event(ts: ts, income: "18446744073709551616"), .accepted),
            text("10^30", event(ts: ts, income: "1000000000000000000000000000000"), .accepted),
            text("NaN", event(ts: ts, income: "NaN"), .acceptedNonFinite),
            text("Infinity", event(ts: ts, income: "Infinity"), .acceptedNonFinite),
            text("-Infinity", event(ts: ts, income: "-Infinity"), .acceptedNonFinite),
            text("ts 2h in the future", event(ts: now + 2 * 3_600_000), .rejected(.badTimestamp)),
            text("ts year 9999", event(ts: 253_402_300_799_999), .rejected(.badTimestamp)),
            text("ts not a time", #"{"model":"credit","ts":"soon"}"#, .rejected(.badTimestamp)),
            text("ts in 1970", event(ts: 1_000), .rejected(.late)),
            text("ts in year 1", #"{"model":"credit","ts":"0001-01-01T00:00:00Z"}"#, .rejected(.late)),
            text("empty message", "", .rejected(.malformed)),
            text("unknown model", #"{"model":"fraud","ts":\#(ts)}"#, .rejected(.unknownModel)),
        ]
    }

    @Test func interleavedBadInputIsCountedByReasonAndEveryValidEventCounted() async throws {
        let (pipelines, metrics) = try Self.pipelines()
        var expectedAccepted = 0, expectedNonFinite = 0
        var expectedRejected: [RejectionReason: Int] = [:]
        func expect(_ expected: Expected) {
            switch expected {
            case .accepted: expectedAccepted += 1
            case .acceptedNonFinite: expectedAccepted += 1; expectedNonFinite += 1
            case .rejected(let reason): expectedRejected[reason, default: 0] += 1
            }
        }
        var offset: Int64 = 0
        func send(_ bytes: UnsafeRawBufferPointer) {
            offset += 1
            _ = pipelines.decode(input: 0, bytes, partition: 0, offset: offset, nowMillis: Self.now)
        }
        // Ten rounds over 20 minutes of event time: valid events every second, each bad input once per round.
        let start = Self.now - 20 * 60_000
        for round in 0..<10 {
            let base = start + Int64(round) * 120_000
            for second in 0..<120 {
                let ts = base + Int64(second) * 1000
                Array(Self.event(ts: ts).utf8).withUnsafeBytes(send)
                expect(.accepted)
                if second == 60 {
                    for input in Self.badInputs(ts: ts) {
                        if input.name == "exactly 1 MiB" { #expect(input.bytes.count == 1 << 20) }
                        input.bytes.withUnsafeBytes(send)
                        expect(input.expected)
                    }
                    // A Kafka tombstone: `KafkaMessage.payload` is (nil, 0).
                    send(UnsafeRawBufferPointer(start: nil, count: 0))
                    expect(.rejected(.malformed))
                }
            }
            pipelines.flush(nowMillis: Self.now)
            await Task.yield()         // long synchronous work: share the thread with other tests
        }
        // And a 100 MB message, mapped PROT_NONE: rejected without a byte being read.
        let size = 100 << 20
        let mapping = try #require(mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, size) }
        send(UnsafeRawBufferPointer(start: mapping, count: size))
        expect(.rejected(.tooLarge))
        pipelines.flush(nowMillis: Self.now)

        #expect(expectedAccepted == 10 * (120 + 12))
        #expect(pipelines.acceptedTotal == expectedAccepted)
        #expect(metrics.value(MetricCatalog.eventsTotal, labels: ["credit"]) == Double(expectedAccepted))
        for reason in RejectionReason.allCases {
            #expect(pipelines.rejectedTotals[reason] == expectedRejected[reason] ?? 0, "\(reason)")
            let counted = (metrics.value(MetricCatalog.eventsRejectedTotal, labels: ["", reason.rawValue]) ?? 0)
                + (metrics.value(MetricCatalog.eventsRejectedTotal, labels: ["credit", reason.rawValue]) ?? 0)
            #expect(counted == Double(expectedRejected[reason] ?? 0), "\(reason)")
        }
        #expect(metrics.value(MetricCatalog.featureValuesInvalidTotal, labels: ["credit", "income", "non_finite"]) == Double(expectedNonFinite))
        #expect(expectedNonFinite == 40)
        #expect(offset == 10 * (120 + 31) + 1)
    }

    /// Far-past events are not the decoder's business (SPEC §5 lateness is): accepted by it, then
    /// counted `late`. One at the very start of a stream opens a 1970 window, and the jump to the
    /// present skips the empty gap instead of evaluating ~29 million empty one-minute windows.
    @Test func farPastEventsAreLateAndDoNotCreateMillionsOfWindows() throws {
        let (pipelines, metrics) = try Self.pipelines()
        var windows = 0
        pipelines.onWindow = { _ in windows += 1 }
        func send(_ json: String) { Array(json.utf8).withUnsafeBytes { _ = pipelines.decode(input: 0, $0, partition: 0, offset: 0, nowMillis: Self.now) } }
        send(Self.event(ts: 0))                                      // the first event of the stream, in 1970
        pipelines.flush(nowMillis: Self.now)
        for second in 0..<600 { send(Self.event(ts: Self.now - 600_000 + Int64(second) * 1000)) }
        pipelines.flush(nowMillis: Self.now)
        send(Self.event(ts: 1))                                      // 1970 again, now that windows have closed
        send(Self.event(ts: -62_135_596_800_000))                    // year 1
        send(#"{"model":"credit","ts":"1900-01-01T00:00:00Z"}"#)
        pipelines.flush(nowMillis: Self.now)
        pipelines.closeAll()
        #expect(pipelines.acceptedTotal == 601)
        #expect(pipelines.rejectedTotals[.late] == 3)
        #expect(metrics.value(MetricCatalog.eventsRejectedTotal, labels: ["credit", "late"]) == 3)
        #expect(windows < 200, "\(windows) windows")
    }

    @Test func maxClockSkewComesFromTheConfiguration() throws {
        let strict = Self.yaml + "\n    max_clock_skew: 1s"
        let off = Self.yaml + "\n    max_clock_skew: 0s"
        for (yaml, accepted) in [(Self.yaml, 2), (strict, 1), (off, 3)] {
            let (pipelines, _) = try Self.pipelines(yaml)
            for ts in [Self.now + 1000, Self.now + 3_600_000, Self.now + 3_600_001] {
                Array(Self.event(ts: ts).utf8).withUnsafeBytes { _ = pipelines.decode(input: 0, $0, partition: 0, offset: 0, nowMillis: Self.now) }
            }
            pipelines.flush(nowMillis: Self.now)
            #expect(pipelines.acceptedTotal == accepted, "\(yaml.suffix(20))")
            #expect(pipelines.rejectedTotals[.badTimestamp] == 3 - accepted)
        }
    }

    // MARK: Resource limits

    /// A flood of distinct categorical values and multiclass classes: the decoder keeps at most
    /// `max_categories` names per feature and for the classes, pools the rest as `__other__` and
    /// counts them, so the per-class series (`vigil_prediction_class_ratio`) stay bounded too.
    @Test func highCardinalityFloodKeepsCategoriesAndSeriesBounded() async throws {
        let yaml = """
            models:
              - name: zoo
                task: multiclass
                features:
                  - {name: x, type: numeric}
                  - {name: tag, type: categorical}
                window: {events: 50000}
                max_categories: 1000
            """
        let (pipelines, metrics) = try Self.pipelines(yaml)
        var event = Array(#"{"ts":1790000000000,"features":{"x":1,"tag":"t000000"},"prediction":"c000000"}"#.utf8)
        let tagStart = Self.index(of: #""t000000""#, in: event) + 2
        let classStart = Self.index(of: #""c000000""#, in: event) + 2
        let distinct = 200_000
        for i in 0..<distinct {
            var n = i
            for k in (0..<6).reversed() {
                event[tagStart + k] = UInt8(ascii: "0") + UInt8(n % 10)
                event[classStart + k] = event[tagStart + k]
                n /= 10
            }
            event.withUnsafeBytes { _ = pipelines.decode(input: 0, $0, partition: 0, offset: Int64(i), nowMillis: Self.now) }
            if i % 10_000 == 9_999 {
                pipelines.flush(nowMillis: Self.now)
                await Task.yield()
            }
        }
        pipelines.flush(nowMillis: Self.now)
        #expect(pipelines.acceptedTotal == distinct)
        #expect(metrics.value(MetricCatalog.featureValuesInvalidTotal, labels: ["zoo", "tag", "category_overflow"]) == Double(distinct - 1000))
        #expect(metrics.value(MetricCatalog.featureValuesInvalidTotal, labels: ["zoo", "tag", "type_error"]) == 0)
        let text = String(decoding: metrics.render(.prometheus), as: UTF8.self)
        let classSeries = text.split(separator: "\n").filter { $0.hasPrefix("vigil_prediction_class_ratio{") }
        #expect(classSeries.count <= 1001 && classSeries.count > 900, "\(classSeries.count) class series")
        #expect(classSeries.contains { $0.contains(#"class="__other__""#) })
        #expect(metrics.sampleCount < 1500)
        #expect(metrics.value(MetricCatalog.seriesDroppedTotal, labels: []) == 0)
    }

    /// `http.max_series` holds when the label values flood in (here: a multiclass model whose
    /// classes may each create a `vigil_prediction_class_ratio` series): beyond the cap series are
    /// dropped and counted, and what exists keeps updating.
    @Test func maxSeriesHoldsUnderAFloodOfClasses() async throws {
        let yaml = """
            http: {max_series: 300}
            models:
              - name: zoo
                task: multiclass
                features: [{name: x, type: numeric}]
                window: {events: 5000}
            """
        let (pipelines, metrics) = try Self.pipelines(yaml)
        for i in 0..<20_000 {
            Array(#"{"features":{"x":1},"prediction":"c\#(i)"}"#.utf8).withUnsafeBytes {
                _ = pipelines.decode(input: 0, $0, partition: 0, offset: Int64(i), nowMillis: Self.now)
            }
            if i % 5_000 == 4_999 {
                pipelines.flush(nowMillis: Self.now)
                await Task.yield()
            }
        }
        #expect(metrics.sampleCount <= 300)
        #expect(try #require(metrics.value(MetricCatalog.seriesDroppedTotal, labels: [])) > 0)
        #expect(metrics.value(MetricCatalog.eventsTotal, labels: ["zoo"]) == 20_000)
        #expect(metrics.value(MetricCatalog.windowEvents, labels: ["zoo"]) == 5000)
    }

    static func index(of needle: String, in haystack: [UInt8]) -> Int {
        let bytes = Array(needle.utf8)
        return (0...(haystack.count - bytes.count)).first { haystack[$0..<($0 + bytes.count)].elementsEqual(bytes) }!
    }
}
