import HummingbirdTLS
import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SPEC §4 `http.tls` and `http.auth`: HTTPS from PEM files, and bearer-token or basic
/// authentication on every path but `/healthz`.
package struct HTTPSecurity: Sendable, Equatable {
    /// PEM certificate chain and private key; both set means HTTPS.
    package var certificatePath: String?
    package var keyPath: String?
    /// Accepted `Authorization: Bearer <token>`.
    package var bearerToken: String?
    /// Accepted `Authorization: Basic` users: name → password.
    package var basicAuthUsers: [String: String]

    package init(certificatePath: String? = nil, keyPath: String? = nil, bearerToken: String? = nil, basicAuthUsers: [String: String] = [:]) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.bearerToken = bearerToken
        self.basicAuthUsers = basicAuthUsers
    }

    package var usesTLS: Bool { certificatePath != nil && keyPath != nil }
    package var requiresAuthentication: Bool { bearerToken != nil || !basicAuthUsers.isEmpty }

    /// Checks that the TLS files can be used, as the server will at startup (for configuration
    /// checks that want to fail before anything starts).
    package func validateTLSFiles() throws(HTTPSecurityError) {
        _ = try serverTLSConfiguration()
    }

    /// Loads and checks the certificate chain and key (nil without TLS): files that cannot be
    /// read, hold no PEM certificate or key, or a key that does not match the certificate throw
    /// here, at startup, with the configuration key and the file in the message.
    /// Reads files (blocking): call once at startup, not on an event loop.
    func serverTLSConfiguration() throws(HTTPSecurityError) -> TLSConfiguration? {
        guard usesTLS, let certificatePath, let keyPath else { return nil }
        try Self.checkReadable(certificatePath, key: "http.tls.cert_file", code: .certificate)
        try Self.checkReadable(keyPath, key: "http.tls.key_file", code: .privateKey)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw HTTPSecurityError(.certificate, "http.tls.cert_file: no PEM certificate in \"\(certificatePath)\" (\(error))")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw HTTPSecurityError(.privateKey, "http.tls.key_file: no unencrypted PEM private key in \"\(keyPath)\" (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        // What the server builds per listener; BoringSSL checks here that the key fits the certificate.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw HTTPSecurityError(.keyMismatch, "http.tls: the key in \"\(keyPath)\" does not fit the certificate in \"\(certificatePath)\" (\(error))")
        }
        return configuration
    }

    private static func checkReadable(_ path: String, key: String, code: HTTPSecurityError.Code) throws(HTTPSecurityError) {
        guard access(path, R_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw HTTPSecurityError(code, "\(key): cannot read \"\(path)\": \(reason)")
        }
    }
}

// Secrets never reach a log: swift-service-lifecycle logs services with "\(service)", and a
// struct's default description (and `dump`) would print the token and passwords.
extension HTTPSecurity: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String {
        let tls = usesTLS ? "cert_file: \(certificatePath ?? ""), key_file: \(keyPath ?? "")" : "off"
        let users = basicAuthUsers.keys.sorted().joined(separator: ",")
        return "HTTPSecurity(tls: \(tls), bearer_token: \(bearerToken == nil ? "unset" : "<redacted>"), basic_auth_users: [\(users)])"
    }

    package var debugDescription: String { description }

    package var customMirror: Mirror {
        Mirror(self, children: ["description": description], displayStyle: .struct)
    }
}

/// A TLS certificate or key that cannot be used; startup fails with it (never a crash).
package struct HTTPSecurityError: Error, CustomStringConvertible, Equatable {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        package static let certificate = Code(name: "tls_certificate")
        package static let privateKey = Code(name: "tls_private_key")
        package static let keyMismatch = Code(name: "tls_key_mismatch")
        package var description: String { name }
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
