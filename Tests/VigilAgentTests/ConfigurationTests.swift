import Foundation
import Testing
import TestSupport
import VigilEvents
@testable import VigilAgent

@Suite struct ConfigurationTests {
    static let minimal = """
        models:
          - name: fraud
            topic: fraud-predictions
            features:
              - {name: amount, type: numeric}
              - {name: merchant_category, type: categorical}
        """

    @Test func minimalConfigurationGetsSpecDefaults() throws {
        let c = try Configuration.parse(yaml: Self.minimal)
        #expect(c.models.count == 1)
        let m = c.models[0]
        #expect(m.task == .binaryClassification)
        #expect(m.window == .time(size: .seconds(300), slide: .seconds(60), lateness: .seconds(30)))
        #expect(m.maxWindowSamples == 100_000)
        #expect(m.drift.psiBins == 10 && m.drift.datasetDriftShare == 0.5)
        #expect(c.kafka.groupId == "vigil" && c.kafka.startFrom == .window && c.kafka.idleTimeout == .seconds(30))
        #expect(c.http.port == 9877 && c.http.maxSeries == 50_000)
        #expect(c.alerts == nil)
    }

    @Test func goldenConfigurationParses() throws {
        let path = try #require(Bundle.module.path(forResource: "config", ofType: "yaml", inDirectory: "Fixtures/golden"))
        let c = try Configuration.load(path: path)
        #expect(c.models[0].name == "credit")
        #expect(c.models[0].features.map(\.name) == ["income", "age", "utilization", "balance", "score_delta", "num_accounts", "is_foreign", "channel", "region"])
        #expect(c.models[0].window == .time(size: .seconds(3600), slide: .seconds(3600), lateness: .zero))
        #expect(c.models[0].anomaly.thresholdQuantile == 0.99)
        #expect(c.models[0].reference.path?.hasSuffix("/Fixtures/golden/reference.json") == true)
    }

    @Test func interpolatesEnvironmentVariables() throws {
        let yaml = """
            kafka: {brokers: "${BROKERS}", client_id: "vigil-${HOSTNAME:-local}", group_id: "g-${EMPTY:-fallback}", dead_letter_topic: "a$$b"}
            models: [{name: m, features: [{name: x, type: numeric}]}]
            """
        let c = try Configuration.parse(yaml: yaml, environment: ["BROKERS": "k1:9092,k2:9092", "EMPTY": ""])
        #expect(c.kafka.brokers == "k1:9092,k2:9092")
        #expect(c.kafka.clientId == "vigil-local")
        #expect(c.kafka.groupId == "g-fallback")
        #expect(c.kafka.deadLetterTopic == "a$b")
    }

    /// Found writing the configuration fuzz target (Fuzz/FuzzConfiguration): nested aliases
    /// ("billion laughs") expand exponentially and the parser walked every copy: these five levels
    /// (10^6 values) took 7 s in a debug build, each further level ten times longer. Unfixed, this
    /// test reports only the unknown keys a0…a5 (or runs into its time limit).
    @Test(.timeLimit(.minutes(1)))
    func aliasBombIsAnErrorNotAHang() throws {
        var lines = [#"a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]"#]
        for level in 1...5 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let error = #expect(throws: ConfigurationError.self) {
            try Configuration.parse(yaml: lines.joined(separator: "\n") + "\n" + Self.minimal)
        }
        #expect(error?.description.contains("more than 100000 values") == true)
    }

    @Test func unsetVariableWithoutDefaultIsAnError() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try Configuration.parse(yaml: "kafka: {brokers: \"${NOPE}\"}\n" + Self.minimal)
        }
        #expect(error?.description.contains("kafka.brokers: environment variable NOPE is not set") == true)
    }

    @Test func fileSecretsAreRead() throws {
        let dir = try TestSupport.temporaryDirectory()
        try "s3cret\n".write(to: dir.appendingPathComponent("pw"), atomically: true, encoding: .utf8)
        try "tok\n".write(to: dir.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        let yaml = """
            kafka: {properties: {sasl.username: u, sasl.password_file: pw}}
            http: {auth: {bearer_token_file: token, basic_auth_users: {alice_file: pw, bob: plain}}}
            """ + "\n" + Self.minimal
        let c = try Configuration.parse(yaml: yaml, baseDirectory: dir.path)
        #expect(c.kafka.properties == ["sasl.username": "u", "sasl.password": "s3cret"])
        #expect(c.http.bearerToken == "tok")
        #expect(c.http.basicAuthUsers == ["alice": "s3cret", "bob": "plain"])
        let rendered = EffectiveConfiguration.render(c)
        #expect(!rendered.contains("s3cret") && !rendered.contains("tok\""))
        #expect(rendered.contains("\"sasl.password\": \"<redacted>\""))
    }

    /// Each class of error, with the key path the message must name (SPEC §2).
    @Test(arguments: [
        ("models:\n  - name: m\n    features: [{name: x, type: numeric}]\n    window: {size: 5x}", "models[0].window.size: \"5x\" is not a duration"),
        ("models:\n  - name: m\n    colour: red\n    features: [{name: x, type: numeric}]", "models[0].colour: unknown key"),
        ("kafka: {brokers: [a, b]}\n" + minimal, "kafka.brokers: expected a string, found a list"),
        ("models:\n  - features: [{name: x, type: numeric}]", "models[0].name: required"),
        ("models:\n  - name: m\n    task: clustering\n    features: [{name: x, type: numeric}]", "models[0].task: \"clustering\" is not one of"),
        ("models:\n  - name: m\n    features: [{name: x, type: text}]", "models[0].features[0].type: \"text\" is not one of numeric | categorical"),
        ("models:\n  - name: m\n    features: [{name: x, type: numeric}]\n    window: {size: 5m, slide: 2m}", "models[0].window.slide: size 5m is not a multiple of slide 2m"),
        ("models:\n  - name: m\n    features: [{name: x, type: numeric}]\n    max_window_samples: lots", "models[0].max_window_samples: \"lots\" is not an integer"),
        ("models:\n  - name: m\n    features: [{name: x, type: numeric}]\n  - name: m\n    features: [{name: x, type: numeric}]", "models[1].name: duplicate model name"),
        ("models:\n  - name: m", "models[0].features: required when the model has no reference profile"),
        ("http: {listen: nowhere}\n" + minimal, "http.listen: \"nowhere\" is not host:port"),
        ("alerts:\n  - {name: A, metric: feature_psi, op: \">>\", threshold: 1}\n" + minimal, "alerts[0].op: \">>\" is not one of"),
        ("alerts:\n  - {name: A, metric: bogus, op: \">\", threshold: 1}\n" + minimal, "alerts[0].metric: \"bogus\" is not a report metric"),
        ("notify: {alertmanager: {urls: [\"ftp://x\"]}}\n" + minimal, "notify.alertmanager.urls[0]: \"ftp://x\" is not an http(s) URL"),
        ("models: {name: m}", "models: expected a list, found a mapping"),
        ("models: [\n", "invalid YAML"),
    ])
    func rejectsWithKeyPath(yaml: String, expected: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try Configuration.parse(yaml: yaml) }
        let message = error?.description ?? ""
        #expect(message.contains(expected), "message was: \(message)")
    }

    @Test func collectsEveryProblem() throws {
        let yaml = """
            kafka: {idle_timeout: soon, surprise: 1}
            models:
              - name: m
                features: [{name: x, type: numeric}]
                window: {size: 0s}
            """
        let error = #expect(throws: ConfigurationError.self) { try Configuration.parse(yaml: yaml) }
        let problems = error?.problems ?? []
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("kafka.idle_timeout:") })
        #expect(problems.contains { $0.hasPrefix("kafka.surprise: unknown key") })
        #expect(problems.contains { $0.hasPrefix("models[0].window.size: must be positive") })
    }

    @Test func maxCategoriesAndMaxClockSkewHaveDefaultsAndReachTheSchema() throws {
        let defaults = try Configuration.parse(yaml: Self.minimal).models[0]
        #expect(defaults.maxCategories == 10_000 && defaults.maxClockSkew == .seconds(3600))
        #expect(defaults.schema.maxCategories == 10_000 && defaults.schema.maxClockSkewMillis == 3_600_000)
        let set = try Configuration.parse(yaml: Self.minimal + "\n    max_categories: 50\n    max_clock_skew: 5m").models[0]
        #expect(set.schema.maxCategories == 50 && set.schema.maxClockSkewMillis == 300_000)
        let off = try Configuration.parse(yaml: Self.minimal + "\n    max_clock_skew: 0s").models[0]
        #expect(off.maxClockSkew == .zero && off.schema.maxClockSkewMillis == nil)
    }

    @Test(arguments: [
        ("max_categories: 0", "models[0].max_categories: 0 is out of range"),
        ("max_categories: 2000000", "models[0].max_categories: 2000000 is out of range"),
        ("max_categories: many", "models[0].max_categories: \"many\" is not an integer"),
        ("max_clock_skew: 1x", "models[0].max_clock_skew: \"1x\" is not a duration"),
        ("max_clock_skew: -1h", "models[0].max_clock_skew: \"-1h\" is not a duration"),
    ])
    func badResourceLimitsAreConfigurationErrors(line: String, expected: String) {
        let error = #expect(throws: ConfigurationError.self) { try Configuration.parse(yaml: Self.minimal + "\n    " + line) }
        #expect(error?.problems.contains { $0.hasPrefix(expected) } == true, "\(error?.problems ?? [])")
    }

    @Test(arguments: [("500ms", 500), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("1d", 86_400_000), ("1h30m", 5_400_000)] as [(String, Int64)])
    func parsesDurations(text: String, millis: Int64) {
        #expect(ConfigDuration.parse(text)?.milliseconds == millis)
    }

    @Test(arguments: ["5x", "", "m", "-1s", "1.5s", "10"])
    func rejectsBadDurations(text: String) {
        #expect(ConfigDuration.parse(text) == nil)
    }
}
