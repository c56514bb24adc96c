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
}
