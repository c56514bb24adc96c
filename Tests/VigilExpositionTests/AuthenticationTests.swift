import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import Testing
@testable import VigilExposition

/// `http.auth` on the routes (SPEC §8): every path but `/healthz` needs a bearer token or basic
/// credentials, else 401 with the configured challenges.
@Suite struct AuthenticationMiddlewareTests {
    static let token = "s3cret-token_0123456789"
    /// A password may contain ':' (only the user name may not, RFC 7617).
    static let users = ["prometheus": "p@ss:word", "grafana": "other-password"]
    static let both = HTTPSecurity(bearerToken: token, basicAuthUsers: users)

    static func app(_ security: HTTPSecurity) -> some ApplicationProtocol {
        Application(router: ExpositionServer.makeRouter(
            registry: ExpositionServerTests.registry(), routes: ExpositionServerTests.routes, security: security))
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + base64(Array("\(user):\(password)".utf8))
    }

    /// Plain base64 for building test headers (independent of the decoder under test).
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let chunk = Array(bytes[start..<min(start + 3, bytes.count)]) + [0, 0]
            let n = UInt32(chunk[0]) << 16 | UInt32(chunk[1]) << 8 | UInt32(chunk[2])
            let count = min(3, bytes.count - start)
            for i in 0..<4 { out.append(i <= count ? alphabet[Int(n >> UInt32(18 - 6 * i) & 63)] : "=") }
        }
        return out
    }

    @Test(arguments: [
        ("/metrics", nil),
        ("/metrics", "Bearer wrong-token"),
        ("/metrics", "Bearer s3cret-token_012345678"),          // one byte short
        ("/metrics", "Bearer s3cret-token_01234567890"),        // one byte long
        ("/metrics", "Bearer s3cret-token_0123456789s3cret-token_0123456789"),  // the token twice
        ("/metrics", "Bearer"),
        ("/metrics", "Bearer "),
        ("/metrics", "s3cret-token_0123456789"),
        ("/metrics", "Token s3cret-token_0123456789"),
        ("/metrics", "Basic s3cret-token_0123456789"),
        ("/metrics", basic("prometheus", "wrong")),
        ("/metrics", basic("prometheus", "p@ss")),
        ("/metrics", basic("nobody", "p@ss:word")),
        ("/metrics", basic("grafana", "p@ss:word")),             // another user's password
        ("/metrics", "Basic !!!not-base64!!!"),
        ("/metrics", "Bearer " + base64(Array("prometheus:p@ss:word".utf8))),
        ("/readyz", nil),
        ("/api/v1/status", "Bearer wrong"),
        ("/api/v1/alerts", nil),
        ("/api/v1/windows/fraud", nil),
        ("/unknown", nil),
        ("/healthz/", nil),
    ] as [(String, String?)])
    func rejectsMissingOrWrongCredentialsWith401(path: String, authorization: String?) async throws {
        try await Self.app(Self.both).test(.router) { client in
            var headers: HTTPFields = [:]
            if let authorization { headers[.authorization] = authorization }
            try await client.execute(uri: path, method: .get, headers: headers) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[values: .wwwAuthenticate] == [#"Bearer realm="vigil""#, #"Basic realm="vigil""#])
                #expect(!String(buffer: response.body).contains("vigil_"))
            }
        }
    }

    @Test(arguments: [
        "Bearer s3cret-token_0123456789",
        "bearer s3cret-token_0123456789",
        "BEARER   s3cret-token_0123456789  ",
        basic("prometheus", "p@ss:word"),
        basic("grafana", "other-password"),
        "basic " + base64(Array("grafana:other-password".utf8)).replacingOccurrences(of: "=", with: ""),
    ])
    func acceptsTheBearerTokenOrABasicUser(authorization: String) async throws {
        try await Self.app(Self.both).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: authorization]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.wwwAuthenticate] == nil)
                #expect(String(buffer: response.body).contains("vigil_events_total{model=\"fraud\"} 42\n"))
            }
            try await client.execute(uri: "/api/v1/windows/fraud", method: .get, headers: [.authorization: authorization]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func authenticatedUnknownPathIs404() async throws {
        try await Self.app(Self.both).test(.router) { client in
            try await client.execute(uri: "/unknown", method: .get, headers: [.authorization: "Bearer \(Self.token)"]) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func healthzStaysOpen() async throws {
        try await Self.app(Self.both).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.authorization: "Bearer wrong"]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func bearerOnlyChallengesBearerAndRefusesBasic() async throws {
        try await Self.app(HTTPSecurity(bearerToken: Self.token)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: Self.basic("prometheus", "p@ss:word")]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[values: .wwwAuthenticate] == [#"Bearer realm="vigil""#])
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.token)"]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func basicOnlyChallengesBasicAndRefusesBearer() async throws {
        try await Self.app(HTTPSecurity(basicAuthUsers: Self.users)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.token)"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[values: .wwwAuthenticate] == [#"Basic realm="vigil""#])
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: Self.basic("prometheus", "p@ss:word")]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func withoutAuthConfiguredEverythingIsOpen() async throws {
        #expect(!HTTPSecurity().requiresAuthentication)
        try await Self.app(HTTPSecurity()).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/status", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func authenticationRunsBeforeOtherMiddleware() async throws {
        struct Accept202: RouterMiddleware {
            typealias Context = BasicRequestContext
            @concurrent func handle(
                _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
            ) async throws -> Response {
                Response(status: .accepted)
            }
        }
        let router = ExpositionServer.makeRouter(
            registry: ExpositionServerTests.registry(), routes: ExpositionServerTests.routes,
            security: HTTPSecurity(bearerToken: Self.token), middleware: [Accept202()])
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.token)"]) {
                #expect($0.status == .accepted)
            }
        }
    }
}

@Suite struct ConstantTimeTests {
    @Test(arguments: [
        ("", "", true),
        ("a", "a", true),
        ("s3cret-token", "s3cret-token", true),
        ("", "secret", false),
        ("secret", "", false),
        ("secreT", "secret", false),
        ("Secret", "secret", false),
        ("secre", "secret", false),
        ("secrets", "secret", false),
        ("secretsecret", "secret", false),      // the secret repeated: equal bytes, different length
        ("abc", "abcabc", false),
        ("\u{0}", "", false),
        ("ü", "u", false),
    ])
    func equalsOnlyForIdenticalBytes(presented: String, secret: String, equal: Bool) {
        #expect(ConstantTime.equals(Array(presented.utf8), Array(secret.utf8)) == equal)
    }

    @Test(arguments: 0..<64)
    func everySingleBitFlipIsNoticed(bit: Int) {
        let secret = Array("0123456789abcdef0123456789ABCDEF".utf8)
        var presented = secret
        presented[bit % secret.count] ^= UInt8(1 << (bit % 8))
        #expect(!ConstantTime.equals(presented, secret))
        #expect(ConstantTime.equals(secret, secret))
    }
}

@Suite struct Base64Tests {
    @Test(arguments: [
        // RFC 4648 §10 test vectors, padded and unpadded.
        ("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"), ("Zm9vYmE=", "fooba"),
        ("Zm9vYmFy", "foobar"), ("Zg", "f"), ("Zm8", "fo"), ("Zm9vYg", "foob"),
        ("cHJvbWV0aGV1czpwQHNzOndvcmQ=", "prometheus:p@ss:word"),
        ("+/+/", "\u{FB}\u{FF}\u{BF}"),
    ])
    func decodesStandardBase64(text: String, decoded: String) throws {
        let bytes = try #require(Base64.decode(Array(text.utf8)))
        let expected: [UInt8] = decoded.unicodeScalars.allSatisfy { $0.value < 0x80 }
            ? Array(decoded.utf8) : decoded.unicodeScalars.map { UInt8($0.value) }
        #expect(bytes == expected)
    }

    @Test(arguments: ["Z", "Zg=", "Zg===", "Zm9v!", "Zm9v YmFy", "Zh==", "Zm9=", "-_-_", "Zg==Zg=="])
    func rejectsInvalidBase64(text: String) {
        #expect(Base64.decode(Array(text.utf8)) == nil)
    }
}

@Suite struct HTTPSecurityTests {
    /// swift-service-lifecycle logs every service with "\(service)": no secret may show there.
    @Test func descriptionsNeverShowSecrets() {
        let security = HTTPSecurity(certificatePath: "/etc/vigil/cert.pem", keyPath: "/etc/vigil/key.pem",
                                    bearerToken: "token-VALUE-1", basicAuthUsers: ["scraper": "password-VALUE-2"])
        var dumped = ""
        dump(security, to: &dumped)
        let server = ExpositionServer(host: "0.0.0.0", port: 9877, registry: MetricsRegistry(processMetrics: false),
                                      security: security, logger: Logger(label: "test"))
        var dumpedServer = ""
        dump(server, to: &dumpedServer)
        for text in ["\(security)", String(reflecting: security), dumped, "\(server)", String(reflecting: server), dumpedServer] {
            #expect(!text.contains("VALUE"), "\(text)")
        }
        #expect("\(security)".contains("scraper") && "\(security)".contains("/etc/vigil/cert.pem"))
        #expect("\(server)" == "ExpositionServer(https://0.0.0.0:9877, auth: required)")
    }

    @Test func tlsNeedsBothFilesAndAuthNeedsASecret() {
        #expect(!HTTPSecurity(certificatePath: "c").usesTLS)
        #expect(!HTTPSecurity(keyPath: "k").usesTLS)
        #expect(HTTPSecurity(certificatePath: "c", keyPath: "k").usesTLS)
        #expect(!HTTPSecurity(certificatePath: "c", keyPath: "k").requiresAuthentication)
        #expect(HTTPSecurity(bearerToken: "t").requiresAuthentication)
        #expect(HTTPSecurity(basicAuthUsers: ["u": "p"]).requiresAuthentication)
    }

    @Test func withoutTLSThereIsNothingToLoad() throws {
        #expect(try HTTPSecurity(bearerToken: "t").serverTLSConfiguration() == nil)
        try HTTPSecurity().validateTLSFiles()
    }
}
