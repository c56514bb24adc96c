import HTTPTypes
package import Hummingbird
import NIOCore

/// A method other than GET or HEAD on a path of SPEC §8 is answered 405 with `Allow: GET, HEAD`
/// (RFC 9110 §15.5.6); unknown paths stay 404, whatever the method.
package struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    static var allow: String { "GET, HEAD" }
    /// Path patterns split on `/`; a component starting with `:` matches any one component.
    private let patterns: [[Substring]]

    package init(paths: [String]) {
        patterns = paths.map { $0.split(separator: "/") }
    }

    // Under NonisolatedNonsendingByDefault, Hummingbird's requirement (built without it) is matched
    // by a @concurrent method taking a @concurrent `next`.
    @concurrent package func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get, request.method != .head, isKnown(request.uri.path) else {
            return try await next(request, context)
        }
        return Response(
            status: .methodNotAllowed,
            headers: [.allow: Self.allow, .contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "method not allowed\n")))
    }

    func isKnown(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        return patterns.contains { pattern in
            pattern.count == components.count
                && zip(pattern, components).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }
    }
}
