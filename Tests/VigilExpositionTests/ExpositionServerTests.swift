import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
@testable import VigilExposition

@Suite struct ExpositionServerTests {
    static func registry() -> MetricsRegistry {
        let registry = MetricsRegistry(processMetrics: false)
        registry.increment(MetricCatalog.eventsTotal, labels: ["fraud"], by: 42)
        registry.set(MetricCatalog.buildInfo, labels: ["1.2.3", "6.3"], 1)
        return registry
    }

    static let routes = ExpositionRoutes(
        isHealthy: { true },
        readiness: { (false, "reference \"fraud\" not loaded") },
        status: { Array("{\"version\":\"1.2.3\"}".utf8) },
        alerts: { Array("[{\"name\":\"FeatureDrift\"}]".utf8) },
        window: { model in model == "fraud" ? Array("{\"events\":10}".utf8) : nil })

    static func app(routes: ExpositionRoutes = routes) -> some ApplicationProtocol {
        Application(router: ExpositionServer.makeRouter(registry: registry(), routes: routes))
    }

    @Test(arguments: [
        (nil, "text/plain; version=0.0.4; charset=utf-8"),
        ("text/plain", "text/plain; version=0.0.4; charset=utf-8"),
        ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3", "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        ("application/openmetrics-text", "application/openmetrics-text; version=1.0.0; charset=utf-8"),
    ] as [(String?, String)])
    func metricsContentTypeFollowsAccept(accept: String?, contentType: String) async throws {
        try await Self.app().test(.router) { client in
            var headers: HTTPFields = [:]
            if let accept { headers[.accept] = accept }
            try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == contentType)
                #expect(response.headers[.contentEncoding] == nil)
                let body = String(buffer: response.body)
                #expect(body.contains("vigil_events_total{model=\"fraud\"} 42\n"))
                #expect(body.contains("vigil_build_info{version=\"1.2.3\",swift_version=\"6.3\"} 1\n"))
                #expect(body.hasSuffix("# EOF\n") == contentType.hasPrefix("application/openmetrics-text"))
            }
        }
    }

    @Test(arguments: ["gzip", "gzip, deflate, br", "*"])
    func metricsAreGzippedWhenAccepted(acceptEncoding: String) async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: acceptEncoding]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentEncoding] == "gzip")
                let body = try Gzip.decompress(Array(buffer: response.body))
                #expect(String(decoding: body, as: UTF8.self).contains("vigil_events_total{model=\"fraud\"} 42\n"))
            }
        }
    }

    @Test(arguments: ["gzip;q=0", "identity", "deflate"])
    func metricsAreNotGzippedWhenRefused(acceptEncoding: String) async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: acceptEncoding]) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body).hasPrefix("# HELP"))
            }
        }
    }

    @Test func healthzIsOK() async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
        }
    }

    @Test func healthzIs503WhenUnhealthy() async throws {
        try await Self.app(routes: ExpositionRoutes(isHealthy: { false })).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test func readyzIs503WithJSONReason() async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/json")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(object["ready"] as? Bool == false)
                #expect(object["reason"] as? String == "reference \"fraud\" not loaded")
            }
        }
    }

    @Test func readyzIs200WhenReady() async throws {
        try await Self.app(routes: ExpositionRoutes()).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "{\"ready\":true}")
            }
        }
    }

    @Test(arguments: [
        ("/api/v1/status", "{\"version\":\"1.2.3\"}"),
        ("/api/v1/alerts", "[{\"name\":\"FeatureDrift\"}]"),
        ("/api/v1/windows/fraud", "{\"events\":10}"),
    ])
    func jsonEndpoints(path: String, body: String) async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == body)
            }
        }
    }

    @Test func unknownModelWindowIs404JSON() async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/windows/unknown", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(object["model"] as? String == "unknown")
            }
        }
    }

    @Test func middlewareRunsBeforeRoutes() async throws {
        struct Deny: RouterMiddleware {
            typealias Context = BasicRequestContext
            // Under NonisolatedNonsendingByDefault, Hummingbird's requirement (built without it) is matched
            // by a @concurrent method taking a @concurrent `next`.
            @concurrent func handle(
                _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
            ) async throws -> Response {
                request.uri.path == "/healthz" ? try await next(request, context) : Response(status: .unauthorized)
            }
        }
        let router = ExpositionServer.makeRouter(registry: Self.registry(), routes: Self.routes, middleware: [Deny()])
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func servesMetricsOnAnEphemeralPort() async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let server = ExpositionServer(
            host: "127.0.0.1", port: 0, registry: Self.registry(), routes: Self.routes, logger: logger,
            onListening: { continuation.yield($0) })
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            #expect(port > 0)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
            let (data, response) = try await URLSession.shared.data(from: url)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200)
            #expect(http.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(String(decoding: data, as: UTF8.self).contains("vigil_events_total{model=\"fraud\"} 42\n"))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}

extension Array where Element == UInt8 {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}
