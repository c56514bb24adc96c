package import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HTTPTypes
package import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP server of SPEC §8 (`/metrics`, health, readiness and the JSON API) as a `Service`.
///
/// Runs a Hummingbird application, over HTTPS when `security.usesTLS` and behind
/// `AuthenticationMiddleware` when `security.requiresAuthentication`; graceful shutdown of the
/// enclosing `ServiceGroup` stops it after in-flight requests. Put it first in the group so it
/// shuts down last (STYLE §3).
package struct ExpositionServer: Service {
    private let host: String
    private let port: Int
    private let registry: MetricsRegistry
    private let routes: ExpositionRoutes
    private let middleware: [any MiddlewareProtocol<Request, Response, BasicRequestContext>]
    private let logger: Logger
    private let onListening: @Sendable (Int) -> Void
    private let security: HTTPSecurity
    private let limits: HTTPLimits

    /// - Parameters:
    ///   - port: 0 binds an ephemeral port; `onListening` receives the bound one.
    ///   - security: `http.tls` and `http.auth` (SPEC §4).
    ///   - limits: timeouts and request size limits against slow or oversized requests.
    ///   - middleware: runs before every route, in order, after authentication.
    ///   - onListening: called once the socket is bound, with the bound port.
    package init(
        host: String,
        port: Int,
        registry: MetricsRegistry,
        routes: ExpositionRoutes = ExpositionRoutes(),
        security: HTTPSecurity = HTTPSecurity(),
        limits: HTTPLimits = HTTPLimits(),
        middleware: [any MiddlewareProtocol<Request, Response, BasicRequestContext>] = [],
        logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.routes = routes
        self.security = security
        self.limits = limits
        self.middleware = middleware
        self.logger = logger
        self.onListening = onListening
    }

    /// Serves until graceful shutdown. Throws `HTTPSecurityError` before binding when the TLS
    /// certificate or key cannot be used.
    package func run() async throws {
        let router = Self.makeRouter(registry: registry, routes: routes, security: security, middleware: middleware)
        let tls: TLSConfiguration?
        do {
            tls = try security.serverTLSConfiguration()
        } catch {
            logger.error("HTTP server cannot start: unusable TLS certificate or key.", metadata: ["error": "\(error)", "error.code": "\(error.code)"])
            throw error
        }
        let limits = limits
        let http1 = HTTPServerBuilder.http1(configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestLimitsHandler(limits: limits)],
            idleTimeout: .nanoseconds(limits.idleTimeout.nanosecondsForNIO),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderFieldBytes,
                maxHeaderListSize: limits.maxHeaderListBytes,
                maxHeaderFieldCount: limits.maxHeaderFieldCount)))
        let server: HTTPServerBuilder = try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1
        let (host, port, logger, onListening) = (host, port, logger, onListening)
        let scheme = tls == nil ? "http" : "https"
        let authentication = security.requiresAuthentication ? "required" : "off"
        let app = Application(
            router: router,
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.debug("HTTP server listening.", metadata: [
                    "http.host": "\(host)", "http.port": "\(bound)", "http.scheme": "\(scheme)", "http.auth": "\(authentication)",
                ])
                onListening(bound)
            },
            logger: logger
        )
        try await app.run()
    }

    /// The paths of SPEC §8 (`:model` is a parameter).
    package static let paths = ["/metrics", "/healthz", "/readyz", "/api/v1/status", "/api/v1/alerts", "/api/v1/windows/:model"]

    /// The routes of SPEC §8 on a router (also what `app.test(.router)` tests drive). Every route
    /// answers GET and HEAD; another method on one of these paths is 405 with `Allow: GET, HEAD`;
    /// anything else is 404.
    /// - Parameters:
    ///   - security: with `http.auth` set, `AuthenticationMiddleware` guards every path but `/healthz`
    ///     (unknown paths included). TLS is the server's business, not the router's.
    ///   - middleware: added before the routes (after authentication), so it applies to all of them.
    package static func makeRouter(
        registry: MetricsRegistry,
        routes: ExpositionRoutes,
        security: HTTPSecurity = HTTPSecurity(),
        middleware: [any MiddlewareProtocol<Request, Response, BasicRequestContext>] = []
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        if security.requiresAuthentication {
            router.add(middleware: AuthenticationMiddleware<BasicRequestContext>(security))
        }
        router.add(middleware: MethodNotAllowedMiddleware<BasicRequestContext>(paths: paths))
        for item in middleware { router.add(middleware: item) }

        router.get("/metrics") { request, _ -> Response in
            let format = ContentNegotiation.format(accept: request.headers[.accept])
            var body = registry.render(format)
            var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
            if ContentNegotiation.acceptsGzip(request.headers[.acceptEncoding]) {
                body = Gzip.compress(body)
                headers[.contentEncoding] = "gzip"
            }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/healthz") { _, _ -> Response in
            await routes.isHealthy()
                ? text(.ok, "ok\n")
                : text(.serviceUnavailable, "unhealthy\n")
        }
        router.get("/readyz") { _, _ -> Response in
            let (ready, reason) = await routes.readiness()
            return ready
                ? json(.ok, Array("{\"ready\":true}".utf8))
                : json(.serviceUnavailable, Array("{\"ready\":false,\"reason\":\(JSONText.string(reason))}".utf8))
        }
        router.get("/api/v1/status") { _, _ -> Response in
            json(.ok, await routes.status())
        }
        router.get("/api/v1/alerts") { _, _ -> Response in
            json(.ok, await routes.alerts())
        }
        router.get("/api/v1/windows/:model") { _, context -> Response in
            let model = context.parameters.get("model") ?? ""
            guard let body = await routes.window(model) else {
                return json(.notFound, Array("{\"error\":\"unknown model\",\"model\":\(JSONText.string(model))}".utf8))
            }
            return json(.ok, body)
        }
        return router
    }
}

// swift-service-lifecycle logs services with "\(service)"; the default would dump every field.
extension ExpositionServer: CustomStringConvertible {
    package var description: String {
        "ExpositionServer(\(security.usesTLS ? "https" : "http")://\(host):\(port), auth: \(security.requiresAuthentication ? "required" : "off"))"
    }
}

private func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
    Response(
        status: status,
        headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
}

private func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
    Response(
        status: status,
        headers: [.contentType: "text/plain; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
}
