import Foundation
import Logging
import ServiceLifecycle
import Testing
import TestSupport
@testable import VigilExposition

/// `http.tls` on a live socket: HTTPS with a self-signed certificate made by openssl, fetched with
/// curl; certificates and keys that cannot be used fail `run()` before it binds.
@Suite struct ExpositionTLSTests {
    static let token = "tls-test-token"

    @Test(.timeLimit(.minutes(1)))
    func servesMetricsOverHTTPSBehindAuthentication() async throws {
        guard let tools = try Tools.find() else { return }
        let dir = try TestSupport.temporaryDirectory()
        let (certificate, key) = try await tools.selfSignedCertificate(in: dir)
        let security = HTTPSecurity(certificatePath: certificate, keyPath: key, bearerToken: Self.token)
        try await withServer(security) { port in
            let base = "https://127.0.0.1:\(port)"
            // Verified against the certificate itself (its subjectAltName is IP:127.0.0.1).
            let metrics = try await tools.curl("\(base)/metrics", caFile: certificate, headers: ["Authorization: Bearer \(Self.token)"])
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.body.contains("vigil_events_total{model=\"fraud\"} 42\n"))

            let anonymous = try await tools.curl("\(base)/metrics", insecure: true)
            #expect(anonymous.status == 401)
            #expect(anonymous.headers["www-authenticate"] == #"Bearer realm="vigil""#)
            #expect(!anonymous.body.contains("vigil_events_total"))

            let wrong = try await tools.curl("\(base)/api/v1/status", insecure: true, headers: ["Authorization: Bearer tls-test-tokeN"])
            #expect(wrong.status == 401)

            let health = try await tools.curl("\(base)/healthz", insecure: true)
            #expect(health.status == 200)
            #expect(health.body == "ok\n")

            // Plain HTTP on the TLS port gets no HTTP answer.
            let plain = try await tools.curl("http://127.0.0.1:\(port)/healthz", insecure: true)
            #expect(plain.status == nil)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func plainHTTPWithoutTLSSettings() async throws {
        guard let tools = try Tools.find() else { return }
        try await withServer(HTTPSecurity()) { port in
            let metrics = try await tools.curl("http://127.0.0.1:\(port)/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("vigil_events_total{model=\"fraud\"} 42\n"))
        }
    }

    enum BadFile: String, CaseIterable {
        case missingCertificate, missingKey, certificateNotPEM, keyNotPEM, keyIsACertificate, keyOfAnotherCertificate
    }

    @Test(.timeLimit(.minutes(1)), arguments: BadFile.allCases)
    func unusableCertificateOrKeyFailsStartup(bad: BadFile) async throws {
        guard let tools = try Tools.find() else { return }
        let dir = try TestSupport.temporaryDirectory()
        var (certificate, key) = try await tools.selfSignedCertificate(in: dir)
        let garbage = dir.appendingPathComponent("garbage.pem").path
        try "not a PEM file\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let expected: HTTPSecurityError.Code
        switch bad {
        case .missingCertificate: certificate = dir.appendingPathComponent("missing.pem").path; expected = .certificate
        case .missingKey: key = dir.appendingPathComponent("missing.key").path; expected = .privateKey
        case .certificateNotPEM: certificate = garbage; expected = .certificate
        case .keyNotPEM: key = garbage; expected = .privateKey
        case .keyIsACertificate: key = certificate; expected = .privateKey
        case .keyOfAnotherCertificate:
            let other = dir.appendingPathComponent("other")
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            key = try await tools.selfSignedCertificate(in: other).key
            expected = .keyMismatch
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = ExpositionServer(
            host: "127.0.0.1", port: 0, registry: ExpositionServerTests.registry(),
            security: HTTPSecurity(certificatePath: certificate, keyPath: key, bearerToken: Self.token),
            logger: logger, onListening: { _ in Issue.record("listened despite an unusable TLS file") })
        let error = await #expect(throws: HTTPSecurityError.self) { try await server.run() }
        #expect(error?.code == expected)
        let path = expected == .certificate ? certificate : key
        #expect(error?.description.contains(path) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix(expected == .certificate ? "http.tls.cert_file: " : expected == .privateKey ? "http.tls.key_file: " : "http.tls: ") == true)
        #expect(error?.description.contains(Self.token) == false)
    }

    /// Runs an `ExpositionServer` on an ephemeral port for `body`, then shuts it down.
    func withServer(_ security: HTTPSecurity, _ body: (Int) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let server = ExpositionServer(
            host: "127.0.0.1", port: 0, registry: ExpositionServerTests.registry(), routes: ExpositionServerTests.routes,
            security: security, logger: logger, onListening: { continuation.yield($0) })
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// openssl and curl, found like every external tool (STYLE §9): missing under CI fails the test,
/// elsewhere the test is cancelled (skipped) with the reason.
struct Tools {
    let openssl: String
    let curl: String

    static func find() throws -> Tools? {
        let openssl = ExternalTool.find("openssl", environmentVariable: "OPENSSL")
        let curl = ExternalTool.find("curl", environmentVariable: "CURL")
        guard let openssl, let curl else {
            let missing = [openssl == nil ? "openssl" : nil, curl == nil ? "curl" : nil].compactMap { $0 }.joined(separator: ", ")
            guard ExternalTool.isCI else { try Test.cancel("skipped: \(missing) not found") }
            Issue.record("\(missing) not found (install Debian's openssl and curl)")
            return nil
        }
        return Tools(openssl: openssl, curl: curl)
    }

    /// A self-signed RSA certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) and its key.
    func selfSignedCertificate(in dir: URL) async throws -> (certificate: String, key: String) {
        let certificate = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let result = try await Self.run(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        guard result.status == 0 else { throw TestError("openssl req failed (\(result.status)): \(result.stderr)") }
        return (certificate, key)
    }

    /// GET with curl; `status` is nil when no HTTP response came back (e.g. a TLS or protocol error).
    func curl(_ url: String, caFile: String? = nil, insecure: Bool = false, headers: [String] = []) async throws
        -> (status: Int?, headers: [String: String], body: String)
    {
        var arguments = ["-sS", "-i", "--max-time", "10"]
        if insecure { arguments.append("-k") }
        if let caFile { arguments += ["--cacert", caFile] }
        for header in headers { arguments += ["-H", header] }
        let result = try await Self.run(curl, arguments + [url])
        guard result.status == 0, let split = result.stdout.range(of: "\r\n\r\n") else { return (nil, [:], result.stderr) }
        let head = result.stdout[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        var parsed: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (statusParts.count > 1 ? Int(statusParts[1]) : nil, parsed, String(result.stdout[split.upperBound...]))
    }

    /// `TestSupport.run` on a thread of its own: waiting for a child process must not hold one of
    /// the few cooperative threads the in-process server needs to answer that very child.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try TestSupport.run(executable, arguments) }) }.start()
        }
    }
}
