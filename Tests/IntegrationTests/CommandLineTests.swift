import Foundation
import Testing
import TestSupport
import VigilKafka
import Logging

/// The `vigil` binary's contract (SPEC §2): exit codes, messages, files in config/.
@Suite struct CommandLineTests {
    static func vigil() throws -> String {
        try #require(TestSupport.vigilBinary, "vigil binary not found (swift build, or set VIGIL_BINARY)")
    }

    @Test func printsTheVersion() throws {
        let result = try TestSupport.run(try Self.vigil(), ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    /// Every `config/*.yaml` with the model it configures (DeploymentTests checks that this
    /// list covers the folder).
    static let shippedConfigurations: [(file: String, model: String)] = [
        ("demo.yaml", "demo"), ("minimal.yaml", "fraud"), ("full.yaml", "fraud"), ("golden.yaml", "credit"),
    ]

    @Test(arguments: shippedConfigurations)
    func shippedConfigurationsPassCheckConfig(file: String, model: String) throws {
        let path = TestSupport.packageRoot.appendingPathComponent("config/\(file)").path
        let result = try TestSupport.run(try Self.vigil(), ["check-config", "--config", path, "--log-format", "json"])
        #expect(result.status == 0, "\(file): \(result.stderr)")
        #expect(result.stdout.contains("name: \"\(model)\""), "\(file)")
        // Secrets read through `_file` keys never reach the printed configuration.
        #expect(!result.stdout.contains("dummy-"), "\(file)")
    }

    @Test func configurationErrorsExitTwoWithTheKeyPath() throws {
        let dir = try TestSupport.temporaryDirectory()
        let config = dir.appendingPathComponent("bad.yaml")
        try "models:\n  - name: m\n    features: [{name: x, type: numeric}]\n    window: {size: 5x}\n".write(to: config, atomically: true, encoding: .utf8)
        for command in [["check-config"], ["replay", "--input", "/dev/null"], ["run"]] {
            let result = try TestSupport.run(try Self.vigil(), command + ["--config", config.path])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("models[0].window.size: \"5x\" is not a duration"), "\(command): \(result.stderr)")
        }
    }

    @Test(arguments: [["bogus"], ["replay"], ["run", "--config"], ["demo", "--rate", "many"], ["replay", "--config", "x", "--input", "y", "--log-level", "loud"]])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try TestSupport.run(try Self.vigil(), arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
    }

    @Test func runtimeFailuresExitOne() throws {
        let dir = try TestSupport.temporaryDirectory()
        let config = dir.appendingPathComponent("ok.yaml")
        try "models:\n  - name: m\n    features: [{name: x, type: numeric}]\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try TestSupport.run(try Self.vigil(), ["replay", "--config", config.path, "--input", dir.appendingPathComponent("missing.jsonl").path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("missing.jsonl"))
    }

    @Test func replayReadsStandardInputAndWritesTheReport() throws {
        let dir = try TestSupport.temporaryDirectory()
        let config = dir.appendingPathComponent("ok.yaml")
        try "models:\n  - name: m\n    features: [{name: x, type: numeric}]\n    window: {size: 1m, slide: 1m, lateness: 0s}\n".write(to: config, atomically: true, encoding: .utf8)
        // x = 1, 2, 3, 4 in one minute: mean 2.5, sample stddev sqrt(5/3) (by hand).
        let input = (1...4).map { #"{"model":"m","ts":\#(1_790_000_000_000 + $0),"features":{"x":\#($0)}}"# }.joined(separator: "\n")
        let report = dir.appendingPathComponent("report.json")
        let result = try TestSupport.run(try Self.vigil(), ["replay", "--config", config.path, "--input", "-", "--report", report.path], input: Data(input.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSON.parse(contentsOf: report.path) as? [String: Any]
        let window = ((json?["models"] as? [[String: Any]])?.first?["windows"] as? [[String: Any]])?.first
        let x = (window?["features"] as? [String: [String: Any]])?["x"]
        #expect(window?["events"] as? Int == 4)
        #expect(JSON.number(x?["mean"]) == 2.5)
        #expect(isClose(JSON.number(x?["stddev"]), (5.0 / 3).squareRoot(), relative: 1e-15))
    }
}

@Suite struct MockBrokerAndProduceTests {
    /// `vigil mock-broker` prints BOOTSTRAP= then READY and serves Kafka; `vigil produce` sends
    /// a JSON Lines file to it, one message per line (checked with a consumer).
    @Test(.timeLimit(.minutes(2)))
    func produceSendsEveryLineToTheMockBroker() async throws {
        let vigil = try CommandLineTests.vigil()
        let dir = try TestSupport.temporaryDirectory()
        let broker = try AgentProcess(binary: vigil, arguments: ["mock-broker", "--topic", "lines:2", "--bootstrap-file", dir.appendingPathComponent("bootstrap").path], captureStdout: true)
        defer { broker.kill() }
        let deadline = ContinuousClock.now + .seconds(20)
        while !broker.stdoutText.contains("READY") && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        let bootstrap = try #require(broker.stdoutText.split(separator: "\n").first { $0.hasPrefix("BOOTSTRAP=") }?.dropFirst(10))
        #expect(try String(contentsOf: dir.appendingPathComponent("bootstrap"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == String(bootstrap))

        let input = dir.appendingPathComponent("in.jsonl")
        try (0..<500).map { #"{"n":\#($0)}"# }.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let produce = try TestSupport.run(vigil, ["produce", "--brokers", String(bootstrap), "--topic", "lines", "--input", input.path])
        #expect(produce.status == 0, "\(produce.stderr)")

        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": String(bootstrap), "group.id": "check", "auto.offset.reset": "earliest"], logger: .init(label: "test"))
        defer { consumer.close() }
        try consumer.subscribe(["lines"])
        var seen = Set<String>()
        while seen.count < 500 && ContinuousClock.now < deadline + .seconds(30) {
            _ = try consumer.poll(maxMessages: 1000, timeoutMillis: 100) { seen.insert(String(decoding: $0.payload, as: UTF8.self)) }
        }
        #expect(seen.count == 500)
        #expect(seen.contains(#"{"n":499}"#))
        #expect(try await broker.terminate(timeout: .seconds(10)) == 0)
    }
}
