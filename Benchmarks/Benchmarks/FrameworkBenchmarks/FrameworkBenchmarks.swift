import Benchmark
import CORS
import CORSHummingbird
import CORSVapor
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

    func hummingbird(_ middleware: (any RouterMiddleware<BenchContext>)?) -> RouterResponder<BenchContext> {
        let router = Router(context: BenchContext.self)
        if let middleware { router.add(middleware: middleware) }
        router.get("/items/:id") { _, _ in "item" }
        router.on("/items/:id", method: .options) { _, _ in Hummingbird.Response(status: .noContent) }
        return router.buildResponder()
    }
    let hummingbirdVariants: [(String, RouterResponder<BenchContext>)] = [
        ("baseline", hummingbird(nil)),
        ("swift-cors", hummingbird(try! CORSPolicyMiddleware<BenchContext>(policy: policy))),
        ("built-in", hummingbird(
            Hummingbird.CORSMiddleware<BenchContext>(
                allowOrigin: .oneOf(origin), allowHeaders: [.contentType, HTTPField.Name("X-Request-Id")!],
                allowMethods: [.get, .put, .delete], allowCredentials: true, exposedHeaders: ["X-Total-Count"],
                maxAge: .seconds(600)))),
    ]
    for kind in kinds {
        var fields = HTTPFields()
        for (name, value) in common + kind.headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        let head = HTTPRequest(
            method: HTTPRequest.Method(kind.method)!, scheme: "http", authority: "api.test", path: "/items/1",
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
                let responder = app.responder
                let eventLoop = app.eventLoopGroup.any()
                for _ in benchmark.scaledIterations {
                    let request = Vapor.Request(
                        application: app, method: method, url: "/items/1", headers: headers, logger: app.logger,
                        on: eventLoop)
                    blackHole(try await responder.respond(to: request).get())
                }
            }
        }
    }
}
