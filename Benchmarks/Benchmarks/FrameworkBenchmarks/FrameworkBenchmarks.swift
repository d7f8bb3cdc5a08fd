import Benchmark
import CORS
import CORSHummingbird
import CORSVapor
import HTTPTypes
import Hummingbird
import Logging
import Vapor

/// Issue #3: each request driven in-process through the framework's router and middleware chain
/// to a trivial handler, with swift-cors' adapter, the framework's own CORSMiddleware, and no CORS
/// at all. The figure that matters is the overhead over the no-CORS baseline.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    let origin = "https://app.example.com"
    let policy = CORSPolicy(
        allowOrigins: [origin], allowMethods: ["PUT", "DELETE"], allowHeaders: ["Content-Type", "X-Request-Id"],
        exposeHeaders: ["X-Total-Count"], allowCredentials: true, maxAge: 600)

    /// The four request kinds, as (method, extra headers).
    let kinds: [(name: String, method: String, headers: [(String, String)])] = [
        ("allowed actual", "GET", [("Origin", origin)]),
        ("preflight, two headers", "OPTIONS",
         [("Origin", origin), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "content-type,x-request-id")]),
        ("disallowed origin", "GET", [("Origin", "https://evil.example.net")]),
        ("no Origin", "GET", []),
    ]
    let common = [("Accept", "application/json"), ("User-Agent", "Mozilla/5.0 Chrome/131.0"), ("Accept-Language", "en-US")]

    // MARK: Hummingbird

    struct BenchSource: RequestContextSource { var logger: Logging.Logger }
    struct BenchContext: RequestContext {
        typealias Source = BenchSource
        var coreContext: CoreRequestContextStorage
        init(source: BenchSource) { coreContext = .init(source: source) }
    }
    let logger = Logging.Logger(label: "bench")

    /// A middleware that does nothing: the floor any middleware pays in this harness.
    struct EmptyHummingbirdMiddleware: RouterMiddleware {
        typealias Context = BenchContext
        func handle(
            _ request: Hummingbird.Request, context: BenchContext,
            next: (Hummingbird.Request, BenchContext) async throws -> Hummingbird.Response
        ) async throws -> Hummingbird.Response {
            try await next(request, context)
        }
    }
    /// Writes exactly the fields swift-cors writes for each request kind of this benchmark, decided
    /// by one string comparison: the floor of decorating through `HTTPFields`, without a policy.
    struct HeadersOnlyHummingbirdMiddleware: RouterMiddleware {
        typealias Context = BenchContext
        let origin: String
        let actualTail: [HTTPTypes.HTTPField] = [
            .init(name: .accessControlAllowCredentials, value: "true"), .init(name: .accessControlExposeHeaders, value: "X-Total-Count"),
            .init(name: .vary, value: "Origin"),
        ]
        let preflightTail: [HTTPTypes.HTTPField] = [
            .init(name: .accessControlAllowCredentials, value: "true"), .init(name: .accessControlAllowMethods, value: "PUT, DELETE"),
            .init(name: .accessControlAllowHeaders, value: "Content-Type, X-Request-Id"), .init(name: .accessControlMaxAge, value: "600"),
            .init(name: .vary, value: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        ]
        let vary = HTTPTypes.HTTPField(name: .vary, value: "Origin")
        func handle(
            _ request: Hummingbird.Request, context: BenchContext,
            next: (Hummingbird.Request, BenchContext) async throws -> Hummingbird.Response
        ) async throws -> Hummingbird.Response {
            let requestOrigin = request.headers[.origin]
            if requestOrigin == origin, request.method == .options {
                var fields = HTTPTypes.HTTPFields()
                fields.append(HTTPTypes.HTTPField(name: .accessControlAllowOrigin, value: origin))
                fields.append(contentsOf: preflightTail)
                return Hummingbird.Response(status: .noContent, headers: fields)
            }
            var response = try await next(request, context)
            if requestOrigin == origin {
                response.headers.append(HTTPTypes.HTTPField(name: .accessControlAllowOrigin, value: origin))
                response.headers.append(contentsOf: actualTail)
            } else {
                response.headers.append(vary)
            }
            return response
        }
    }
    final class EmptyVaporMiddleware: Vapor.Middleware {
        func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
            next.respond(to: request)
        }
    }

    func hummingbird(_ configure: (Hummingbird.Router<BenchContext>) -> Void) -> RouterResponder<BenchContext> {
        let router = Hummingbird.Router(context: BenchContext.self)
        configure(router)
        router.get("/items/:id") { _, _ in "item" }
        router.on("/items/:id", method: .options) { _, _ in Hummingbird.Response(status: .noContent) }
        return router.buildResponder()
    }
    let hummingbirdVariants: [(String, RouterResponder<BenchContext>)] = [
        ("baseline", hummingbird { _ in }),
        ("empty middleware", hummingbird { $0.add(middleware: EmptyHummingbirdMiddleware()) }),
        ("headers only", hummingbird { $0.add(middleware: HeadersOnlyHummingbirdMiddleware(origin: origin)) }),
        ("swift-cors", hummingbird { $0.add(middleware: try! CORSPolicyMiddleware<BenchContext>(policy: policy)) }),
        ("built-in", hummingbird {
            $0.add(
                middleware: Hummingbird.CORSMiddleware<BenchContext>(
                    allowOrigin: .oneOf(origin), allowHeaders: [.contentType, HTTPTypes.HTTPField.Name("X-Request-Id")!],
                    allowMethods: [.get, .put, .delete], allowCredentials: true, exposedHeaders: ["X-Total-Count"],
                    maxAge: .seconds(600)))
        }),
    ]
    for kind in kinds {
        var fields = HTTPTypes.HTTPFields()
        for (name, value) in common + kind.headers { fields.append(HTTPTypes.HTTPField(name: HTTPTypes.HTTPField.Name(name)!, value: value)) }
        let head = HTTPTypes.HTTPRequest(
            method: HTTPTypes.HTTPRequest.Method(kind.method)!, scheme: "http", authority: "api.test", path: "/items/1",
            headerFields: fields)
        for (variant, responder) in hummingbirdVariants {
            Benchmark("Hummingbird \(variant): \(kind.name)") { benchmark in
                let context = BenchContext(source: BenchSource(logger: logger))
                for _ in benchmark.scaledIterations {
                    let request = Hummingbird.Request(head: head, body: .init(buffer: ByteBuffer()))
                    blackHole(try await responder.respond(to: request, context: context))
                }
            }
        }
    }

    // MARK: Vapor

    func vapor(_ middleware: (any Vapor.Middleware)?) -> Vapor.Application {
        let app = Vapor.Application(.testing)
        app.logger.logLevel = .error
        if let middleware { app.middleware.use(middleware, at: .beginning) }
        app.get("items", ":id") { _ in "item" }
        app.on(.OPTIONS, "items", ":id") { _ in Vapor.Response(status: .noContent) }
        try! app.boot()
        return app
    }
    let vaporVariants: [(String, Vapor.Application)] = [
        ("baseline", vapor(nil)),
        ("empty middleware", vapor(EmptyVaporMiddleware())),
        ("swift-cors", vapor(try! CORSVapor.CORSPolicyMiddleware(policy: policy))),
        ("built-in", vapor(
            Vapor.CORSMiddleware(
                configuration: .init(
                    allowedOrigin: .any([origin]), allowedMethods: [.GET, .PUT, .DELETE],
                    allowedHeaders: [.contentType, "X-Request-Id"], allowCredentials: true, cacheExpiration: 600,
                    exposedHeaders: ["X-Total-Count"])))),
    ]
    for kind in kinds {
        let headers = HTTPHeaders(common + kind.headers)
        let method = HTTPMethod(rawValue: kind.method)
        for (variant, app) in vaporVariants {
            Benchmark("Vapor \(variant): \(kind.name)") { benchmark in
                // The whole batch runs on one event loop, as a server's requests do, so the figure is
                // the chain's own cost, not an async hop per request from the benchmark's thread.
                let responder = app.responder
                let eventLoop = app.eventLoopGroup.any()
                let responses = try await eventLoop.flatSubmit { () -> EventLoopFuture<[Vapor.Response]> in
                    var futures: [EventLoopFuture<Vapor.Response>] = []
                    futures.reserveCapacity(benchmark.scaledIterations.count)
                    for _ in benchmark.scaledIterations {
                        let request = Vapor.Request(
                            application: app, method: method, url: "/items/1", headers: headers, logger: app.logger,
                            on: eventLoop)
                        futures.append(responder.respond(to: request))
                    }
                    return EventLoopFuture.whenAllSucceed(futures, on: eventLoop)
                }.get()
                blackHole(responses)
            }
        }
    }
}
