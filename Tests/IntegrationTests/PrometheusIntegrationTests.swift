import Foundation
import Testing
import TestSupport
import VigilKafka

/// Debian's real Prometheus scraping the `vigil` binary: over plain HTTP, then over HTTPS with a
/// bearer token and basic credentials (SPEC §4 `http.tls` / `http.auth`, §8). What Prometheus
/// stores must equal what Vigil's own `/metrics` shows.
@Suite(.serialized) struct PrometheusIntegrationTests {
    static let model = "prom"
    static let topic = "prom-events"
    static let events = 2_000

    /// Reference: x = i mod 100, c cycles a, b, c. Live: x shifted by 25 and c mostly "a", so
    /// both features have a clearly non-zero PSI.
    static func referenceEvent(_ i: Int) -> String {
        #"{"model":"prom","id":"r-\#(i)","ts":\#(1_790_000_000_000 + i),"features":{"x":\#(i % 100),"c":"\#(["a", "b", "c"][i % 3])"},"prediction":0.25}"#
    }

    static func liveEvent(_ i: Int) -> String {
        #"{"model":"prom","id":"e-\#(i)","ts":\#(1_790_000_000_000 + i),"features":{"x":\#(i % 100 + 25),"c":"\#(i % 4 == 0 ? "b" : "a")"},"prediction":0.75}"#
    }

    @Test(.timeLimit(.minutes(2)))
    func prometheusScrapesPlainHTTP() async throws {
        guard let tools = try Self.tools() else { return }
        let fixture = try await Fixture.make(vigil: tools.vigil)
        defer { fixture.close() }

        let agent = try fixture.startAgent(http: #"listen: "127.0.0.1:0""#)
        defer { agent.kill() }
        let port = try await agent.waitForPort(timeout: .seconds(60))
        let exposed = try await waitForWindow(agent: agent) { try await Self.curl(["http://127.0.0.1:\(port)/metrics"]) }

        let prometheus = try await Prometheus.start(binary: tools.prometheus, in: fixture.dir, scrapeConfigs: """
              - job_name: vigil
                static_configs: [{targets: ["127.0.0.1:\(port)"]}]
            """)
        defer { prometheus.stop() }
        try await prometheus.waitForTargets(["vigil": "up"])
        try await expectStored(prometheus, job: "vigil", equalTo: exposed)

        #expect(try await agent.terminate(timeout: .seconds(20)) == 0, "\(agent.stderrTail)")
    }

    @Test(.timeLimit(.minutes(2)))
    func prometheusScrapesHTTPSWithBearerTokenAndBasicAuth() async throws {
        guard let tools = try Self.tools() else { return }
        let fixture = try await Fixture.make(vigil: tools.vigil)
        defer { fixture.close() }
        let dir = fixture.dir
        let certificate = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let openssl = try await Self.offPool { try TestSupport.run(tools.openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ]) }
        try #require(openssl.status == 0, "openssl: \(openssl.stderr)")
        let token = "prom-token-\(UUID().uuidString)", password = "pw:\(UUID().uuidString)"
        let tokenFile = dir.appendingPathComponent("token"), passwordFile = dir.appendingPathComponent("password")
        try "\(token)\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        try password.write(to: passwordFile, atomically: true, encoding: .utf8)

        let agent = try fixture.startAgent(http: """
            listen: "127.0.0.1:0"
              tls: {cert_file: "\(certificate)", key_file: "\(key)"}
              auth: {bearer_token_file: "\(tokenFile.path)", basic_auth_users: {scraper_file: "\(passwordFile.path)"}}
            """)
        defer { agent.kill() }
        let port = try await agent.waitForPort(timeout: .seconds(60))
        let base = "https://127.0.0.1:\(port)"
        let exposed = try await waitForWindow(agent: agent) {
            try await Self.curl(["--cacert", certificate, "-H", "Authorization: Bearer \(token)", "\(base)/metrics"])
        }

        // Vigil itself: 401 without or with wrong credentials, basic works, /healthz stays open.
        let anonymous = try await Self.curl(["-k", "\(base)/metrics"])
        #expect(anonymous.status == 401)
        #expect(anonymous.headers.contains(#"www-authenticate: bearer realm="vigil""#))
        #expect(anonymous.headers.contains(#"www-authenticate: basic realm="vigil""#))
        #expect(try await Self.curl(["-k", "-H", "Authorization: Bearer \(token)x", "\(base)/metrics"]).status == 401)
        #expect(try await Self.curl(["-k", "-u", "scraper:wrong", "\(base)/api/v1/status"]).status == 401)
        #expect(try await Self.curl(["-k", "-u", "scraper:\(password)", "\(base)/api/v1/status"]).status == 200)
        #expect(try await Self.curl(["-k", "\(base)/healthz"]).status == 200)
        #expect(!agent.stderrText.contains(token) && !agent.stderrText.contains(password), "a secret reached the log")

        let prometheus = try await Prometheus.start(binary: tools.prometheus, in: dir, scrapeConfigs: """
              - job_name: vigil-bearer
                scheme: https
                tls_config: {ca_file: "\(certificate)"}
                authorization: {credentials_file: "\(tokenFile.path)"}
                static_configs: [{targets: ["127.0.0.1:\(port)"]}]
              - job_name: vigil-basic
                scheme: https
                tls_config: {ca_file: "\(certificate)"}
                basic_auth: {username: scraper, password_file: "\(passwordFile.path)"}
                static_configs: [{targets: ["127.0.0.1:\(port)"]}]
              - job_name: vigil-anonymous
                scheme: https
                tls_config: {ca_file: "\(certificate)"}
                static_configs: [{targets: ["127.0.0.1:\(port)"]}]
            """)
        defer { prometheus.stop() }
        let targets = try await prometheus.waitForTargets(["vigil-bearer": "up", "vigil-basic": "up", "vigil-anonymous": "down"])
        #expect(targets["vigil-anonymous"]?.contains("401") == true, "anonymous scrape error: \(targets["vigil-anonymous"] ?? "")")
        try await expectStored(prometheus, job: "vigil-bearer", equalTo: exposed)
        try await expectStored(prometheus, job: "vigil-basic", equalTo: exposed)

        #expect(try await agent.terminate(timeout: .seconds(20)) == 0, "\(agent.stderrTail)")
    }

    @Test(.timeLimit(.minutes(1)), arguments: ["certificate", "key"])
    func unusableTLSFileFailsStartupWithAClearError(broken: String) async throws {
        guard let tools = try Self.tools() else { return }
        let dir = try TestSupport.temporaryDirectory()
        let certificate = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let openssl = try await Self.offPool { try TestSupport.run(tools.openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-keyout", key, "-out", certificate,
        ]) }
        try #require(openssl.status == 0, "openssl: \(openssl.stderr)")
        let brokenPath = broken == "certificate" ? certificate : key
        try "-----BEGIN GARBAGE-----\nnot base64\n".write(toFile: brokenPath, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("vigil.yaml")
        try """
            kafka: {brokers: "127.0.0.1:9", idle_timeout: 2s}
            http:
              listen: "127.0.0.1:0"
              tls: {cert_file: "\(certificate)", key_file: "\(key)"}
            models:
              - name: m
                topic: t
                features: [{name: x, type: numeric}]
            """.write(to: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(binary: tools.vigil, arguments: ["run", "--config", config.path, "--log-format", "json"])
        defer { agent.kill() }
        // waitForPort throws "exited early" once the process is gone without having listened.
        await #expect(throws: (any Error).self, "vigil listened with an unusable TLS \(broken)") {
            _ = try await agent.waitForPort(timeout: .seconds(20))
        }
        // 1 (runtime failure) when the server finds out; 2 if the configuration check does.
        let status = try await agent.terminate(timeout: .seconds(5))
        #expect(status == 1 || status == 2, "\(agent.stderrTail)")
        let configKey = broken == "certificate" ? "http.tls.cert_file" : "http.tls.key_file"
        #expect(agent.stderrText.contains(configKey) && agent.stderrText.contains(brokenPath), "\(agent.stderrTail)")
        #expect(!agent.stderrText.contains("Fatal error"), "\(agent.stderrTail)")
        #expect(!agent.stderrText.contains("HTTP server listening."))
    }

    // MARK: - Steps

    /// Polls `/metrics` (through `fetch`) until the count window of all events has been evaluated;
    /// returns the samples then.
    func waitForWindow(agent: AgentProcess, fetch: () async throws -> Curl) async throws -> [String: Double] {
        let deadline = ContinuousClock.now + .seconds(60)
        var samples: [String: Double] = [:]
        while ContinuousClock.now < deadline {
            let response = try await fetch()
            if response.status == 200 {
                samples = TestSupport.parseExposition(response.body)
                if samples[#"vigil_window_events{model="prom"}"#] == Double(Self.events),
                   samples[#"vigil_feature_psi{model="prom",feature="x"}"#] != nil { return samples }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestError("the window did not close within 60 s; last samples: \(samples.count); \(agent.stderrTail)")
    }

    /// Prometheus' latest values equal Vigil's own exposition; events_total is exactly the number produced.
    func expectStored(_ prometheus: Prometheus, job: String, equalTo exposed: [String: Double]) async throws {
        #expect(exposed[#"vigil_events_total{model="prom"}"#] == Double(Self.events))
        let queries: [(promql: String, exposition: String)] = [
            (#"vigil_events_total{job="\#(job)",model="prom"}"#, #"vigil_events_total{model="prom"}"#),
            (#"vigil_window_events{job="\#(job)",model="prom"}"#, #"vigil_window_events{model="prom"}"#),
            (#"vigil_feature_psi{job="\#(job)",model="prom",feature="x"}"#, #"vigil_feature_psi{model="prom",feature="x"}"#),
            (#"vigil_feature_psi{job="\#(job)",model="prom",feature="c"}"#, #"vigil_feature_psi{model="prom",feature="c"}"#),
        ]
        for (promql, exposition) in queries {
            let stored = try await prometheus.query(promql)
            let expected = try #require(exposed[exposition], "Vigil does not expose \(exposition)")
            #expect(stored == expected, "\(promql): Prometheus \(String(describing: stored)), Vigil \(expected)")
        }
        #expect(try await prometheus.query(#"vigil_events_total{job="\#(job)"}"#) == Double(Self.events))
        let psi = try #require(exposed[#"vigil_feature_psi{model="prom",feature="x"}"#])
        #expect(psi > 0.1, "PSI of the shifted feature: \(psi)")
    }

    // MARK: - Tools

    struct Tools { let vigil: String, prometheus: String, openssl: String, curl: String }

    /// The binaries (STYLE §9: environment variable, then PATH). Missing under CI fails; elsewhere
    /// the test is cancelled (skipped) with the reason.
    static func tools() throws -> Tools? {
        let vigil = TestSupport.vigilBinary
        let prometheus = TestSupport.findExecutable(env: "PROMETHEUS", names: ["prometheus"])
        let openssl = TestSupport.findExecutable(env: "OPENSSL", names: ["openssl"])
        let curl = TestSupport.findExecutable(env: "CURL", names: ["curl"])
        if let vigil, let prometheus, let openssl, let curl { return Tools(vigil: vigil, prometheus: prometheus, openssl: openssl, curl: curl) }
        let missing = [vigil == nil ? "vigil (swift build, or VIGIL_BINARY)" : nil,
                       prometheus == nil ? "prometheus (Debian's prometheus package, or PROMETHEUS)" : nil,
                       openssl == nil ? "openssl" : nil, curl == nil ? "curl" : nil].compactMap { $0 }.joined(separator: ", ")
        guard TestSupport.isCI || vigil == nil else { try Test.cancel("skipped: not found: \(missing)") }
        Issue.record("not found: \(missing)")
        return nil
    }

    typealias Curl = (status: Int?, headers: String, body: String)

    /// curl with `arguments`; the header lines come back lower-cased (names and values), one per line.
    static func curl(_ arguments: [String]) async throws -> Curl {
        let curl = try #require(TestSupport.findExecutable(env: "CURL", names: ["curl"]))
        let result = try await offPool { try TestSupport.run(curl, ["-sS", "-i", "--max-time", "10"] + arguments) }
        guard result.status == 0, let split = result.stdout.range(of: "\r\n\r\n") else { return (nil, "", result.stderr) }
        let head = result.stdout[..<split.lowerBound].components(separatedBy: "\r\n")
        let parts = head[0].split(separator: " ")
        return (parts.count > 1 ? Int(parts[1]) : nil, head.dropFirst().joined(separator: "\n").lowercased(), String(result.stdout[split.upperBound...]))
    }

    /// Blocking work (child processes, sockets) on a thread of its own, off the cooperative pool.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw TestError("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A mock Kafka cluster holding the live events, and a reference profile built by `vigil baseline`.
struct Fixture {
    let vigil: String
    let dir: URL
    let cluster: MockCluster
    let profile: String

    static func make(vigil: String) async throws -> Fixture {
        let dir = try TestSupport.temporaryDirectory("vigil-prometheus")
        let cluster = try MockCluster(brokers: 1)
        do {
            try cluster.createTopic(PrometheusIntegrationTests.topic, partitions: 2)
            let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
            for i in 0..<PrometheusIntegrationTests.events {
                try producer.send(topic: PrometheusIntegrationTests.topic, key: Array("k\(i)".utf8), value: Array(PrometheusIntegrationTests.liveEvent(i).utf8))
            }
            try producer.flush(timeout: .seconds(30))
            let failures = producer.deliveryFailures
            producer.close()
            guard failures == 0 else { throw TestError("\(failures) events were not delivered to the mock cluster") }

            let reference = dir.appendingPathComponent("reference.jsonl")
            try (0..<PrometheusIntegrationTests.events).map(PrometheusIntegrationTests.referenceEvent).joined(separator: "\n")
                .write(to: reference, atomically: true, encoding: .utf8)
            let baselineConfig = dir.appendingPathComponent("baseline.yaml")
            try """
                models:
                  - name: prom
                    features:
                      - {name: x, type: numeric}
                      - {name: c, type: categorical}
                """.write(to: baselineConfig, atomically: true, encoding: .utf8)
            let profile = dir.appendingPathComponent("prom.json").path
            let baseline = try await PrometheusIntegrationTests.offPool {
                try TestSupport.run(vigil, ["baseline", "--config", baselineConfig.path, "--model", "prom", "--input", reference.path, "--out", profile])
            }
            guard baseline.status == 0 else { throw TestError("vigil baseline failed (\(baseline.status)): \(baseline.stderr)") }
            return Fixture(vigil: vigil, dir: dir, cluster: cluster, profile: profile)
        } catch {
            cluster.close()
            throw error
        }
    }

    /// `vigil run` over the whole topic with a count window of all events; `http` is the body of
    /// the `http:` section (its first line unindented).
    func startAgent(http: String) throws -> AgentProcess {
        let config = dir.appendingPathComponent("vigil-\(UUID().uuidString).yaml")
        try """
            kafka:
              brokers: "\(cluster.bootstrapServers)"
              group_id: "prom-\(UUID().uuidString)"
              start_from: earliest
              idle_timeout: 2s
            http:
              \(http)
            models:
              - name: prom
                topic: \(PrometheusIntegrationTests.topic)
                features:
                  - {name: x, type: numeric}
                  - {name: c, type: categorical}
                reference: {path: "\(profile)"}
                window: {events: \(PrometheusIntegrationTests.events)}
                drift: {method: psi}
            """.write(to: config, atomically: true, encoding: .utf8)
        return try AgentProcess(binary: vigil, arguments: ["run", "--config", config.path, "--log-format", "json"])
    }

    func close() { cluster.close() }
}

/// A `prometheus` server scraping every second, with its storage in a temporary folder.
final class Prometheus: Sendable {
    let port: Int
    private let process: AgentProcess

    private init(port: Int, process: AgentProcess) {
        self.port = port
        self.process = process
    }

    /// Starts Prometheus with `scrapeConfigs` (YAML list items, indented by two) and waits until
    /// its API answers.
    static func start(binary: String, in dir: URL, scrapeConfigs: String) async throws -> Prometheus {
        let config = dir.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
            \(scrapeConfigs)
            """.write(to: config, atomically: true, encoding: .utf8)
        let port = try PrometheusIntegrationTests.freePort()
        let process = try AgentProcess(binary: binary, arguments: [
            "--config.file=\(config.path)",
            "--storage.tsdb.path=\(dir.appendingPathComponent("prometheus-data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
        ])
        let prometheus = Prometheus(port: port, process: process)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await prometheus.get("/-/ready"))?.status == 200 { return prometheus }
            if process.stderrText.contains("level=error") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        prometheus.stop()
        throw TestError("prometheus did not become ready: \(process.stderrTail)")
    }

    /// Waits until every job's target has the wanted health (`up`/`down`); returns each job's last error.
    @discardableResult
    func waitForTargets(_ wanted: [String: String]) async throws -> [String: String] {
        let deadline = ContinuousClock.now + .seconds(60)
        var seen: [String: (health: String, error: String)] = [:]
        while ContinuousClock.now < deadline {
            let json = try await getJSON("/api/v1/targets")
            let active = ((json["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]]) ?? []
            for target in active {
                guard let job = (target["labels"] as? [String: String])?["job"] else { continue }
                seen[job] = (target["health"] as? String ?? "", target["lastError"] as? String ?? "")
            }
            if wanted.allSatisfy({ seen[$0.key]?.health == $0.value }) { return seen.mapValues(\.error) }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestError("targets not \(wanted) within 60 s: \(seen); \(process.stderrTail)")
    }

    /// The value of an instant query with one series (waits up to 60 s for it to appear).
    func query(_ promql: String) async throws -> Double? {
        var components = URLComponents()
        components.path = "/api/v1/query"
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let path = try #require(components.percentEncodedQuery.map { "/api/v1/query?" + $0.replacingOccurrences(of: "+", with: "%2B") })
        let deadline = ContinuousClock.now + .seconds(60)
        var last: Any = ""
        while ContinuousClock.now < deadline {
            let json = try await getJSON(path)
            last = json
            if let result = (json["data"] as? [String: Any])?["result"] as? [[String: Any]], let first = result.first {
                guard result.count == 1 else { throw TestError("\(promql): \(result.count) series") }
                return ((first["value"] as? [Any])?.last as? String).flatMap(Double.init)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestError("\(promql): no result within 60 s: \(last)")
    }

    func stop() {
        process.kill()
    }

    private func get(_ path: String) async throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        let port = port
        return try await PrometheusIntegrationTests.offPool { try TestSupport.httpGet(port: port, path: path) }
    }

    private func getJSON(_ path: String) async throws -> [String: Any] {
        let response = try await get(path)
        guard response.status == 200, let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw TestError("GET \(path): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return json
    }
}
