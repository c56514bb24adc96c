import HTTPTypes
package import Hummingbird
import NIOCore

/// SPEC §4 `http.auth` / §8: every path but `/healthz` needs `Authorization: Bearer <token>` (when a
/// token is configured) or `Authorization: Basic base64(user:password)` (when users are); either
/// works when both are. Anything else is answered 401 with a `WWW-Authenticate` challenge per
/// configured scheme.
///
/// Secrets are compared in constant time (`ConstantTime.equals`) and never logged.
package struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The path that stays open (liveness probes carry no credentials).
    static var openPath: String { "/healthz" }

    private let bearerToken: [UInt8]?
    /// `user:password` of every basic user, as it appears once decoded.
    private let basicCredentials: [[UInt8]]
    private let challenges: [String]

    package init(bearerToken: String?, basicAuthUsers: [String: String]) {
        self.bearerToken = bearerToken.map { Array($0.utf8) }
        self.basicCredentials = basicAuthUsers.sorted { $0.key < $1.key }.map { Array("\($0.key):\($0.value)".utf8) }
        var challenges: [String] = []
        if bearerToken != nil { challenges.append(#"Bearer realm="vigil""#) }
        if !basicAuthUsers.isEmpty { challenges.append(#"Basic realm="vigil""#) }
        self.challenges = challenges
    }

    package init(_ security: HTTPSecurity) {
        self.init(bearerToken: security.bearerToken, basicAuthUsers: security.basicAuthUsers)
    }

    // Under NonisolatedNonsendingByDefault, Hummingbird's requirement (built without it) is matched
    // by a @concurrent method taking a @concurrent `next`.
    @concurrent package func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == Self.openPath || isAuthorized(request.headers[.authorization]) {
            return try await next(request, context)
        }
        return unauthorized()
    }

    /// Whether an `Authorization` header value carries accepted credentials.
    func isAuthorized(_ header: String?) -> Bool {
        guard let header else { return false }
        // `<scheme> <credentials>`, surrounding spaces ignored.
        let space = UInt8(ascii: " ")
        var bytes = Array(header.utf8)
        while bytes.last == space { bytes.removeLast() }
        guard let start = bytes.firstIndex(where: { $0 != space }),
              let gap = bytes[start...].firstIndex(of: space),
              let credentialsStart = bytes[gap...].firstIndex(where: { $0 != space })
        else { return false }
        let scheme = bytes[start..<gap]
        let presented = Array(bytes[credentialsStart...])
        if let bearerToken, Self.schemeIs(scheme, "bearer") {
            return ConstantTime.equals(presented, bearerToken)
        }
        if !basicCredentials.isEmpty, Self.schemeIs(scheme, "basic") {
            guard let decoded = Base64.decode(presented) else { return false }
            // Every user is compared, so the time taken does not tell which name exists.
            var matches = 0
            for candidate in basicCredentials where ConstantTime.equals(decoded, candidate) { matches += 1 }
            return matches > 0
        }
        return false
    }

    private func unauthorized() -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        for challenge in challenges { headers.append(HTTPField(name: .wwwAuthenticate, value: challenge)) }
        return Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "unauthorized\n")))
    }

    /// Auth schemes are case-insensitive (RFC 9110 §11.1); `lowercase` is ASCII lower case.
    private static func schemeIs(_ scheme: ArraySlice<UInt8>, _ lowercase: String) -> Bool {
        scheme.elementsEqual(lowercase.utf8) { ($0 | 0x20) == $1 }
    }
}

/// Comparison of secrets whose running time does not depend on the secret.
package enum ConstantTime {
    /// Whether `presented` equals `secret`. Every byte of `presented` is XORed against the secret
    /// (cycled) and the differences accumulated, with no early exit, and the length difference is
    /// folded in: the time depends only on the presented length, never on the secret's bytes or
    /// length.
    @inline(never)
    package static func equals(_ presented: [UInt8], _ secret: [UInt8]) -> Bool {
        guard !secret.isEmpty else { return presented.isEmpty }
        var difference = UInt(bitPattern: presented.count ^ secret.count)
        presented.withUnsafeBufferPointer { p in
            secret.withUnsafeBufferPointer { s in
                let count = s.count
                for i in 0..<p.count {
                    difference |= UInt(p[i] ^ s[i % count])
                }
            }
        }
        return difference == 0
    }
}

/// Standard base64 (RFC 4648 §4) decoding, padding optional, for `Authorization: Basic`.
enum Base64 {
    /// The decoded bytes, or nil when `text` is not base64.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        var end = text.count
        var padding = 0
        while end > 0, text[end - 1] == UInt8(ascii: "="), padding < 2 { end -= 1; padding += 1 }
        if padding > 0, text.count % 4 != 0 { return nil }
        guard end % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(end / 4 * 3 + 2)
        var accumulator: UInt32 = 0
        var bits = 0
        for i in 0..<end {
            guard let value = sextet(text[i]) else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero (canonical encoding).
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }

    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
