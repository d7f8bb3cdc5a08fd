import CORS
import CORSHummingbird
import CORSVapor
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Vapor

/// The setups issue #3's framework benchmarks compare, shared by the ordo-one benchmark target and
/// the alternating harness: one policy, four request kinds, and for each framework a no-CORS
/// baseline, an empty middleware, a "headers only" floor, the built-in CORSMiddleware and swift-cors.
public enum FrameworkVariants {
    public static let origin = "https://app.example.com"
    public static let policy = CORSPolicy(
        allowOrigins: [origin],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["Content-Type", "X-Request-Id"],
        exposeHeaders: ["X-Total-Count"],
        allowCredentials: true,
        maxAge: 600
    )

    /// A request kind: its method and the headers besides the ordinary ones.
    public struct Kind: Sendable {
        public let name: String
        public let method: String
        public let headers: [(String, String)]
    }

    public static let kinds: [Kind] = [
        Kind(name: "allowed actual", method: "GET", headers: [("Origin", origin)]),
        Kind(
            name: "preflight, two headers",
            method: "OPTIONS",
            headers: [
                ("Origin", origin), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "content-type,x-request-id"),
            ]
        ),
        Kind(name: "disallowed origin", method: "GET", headers: [("Origin", "https://evil.example.net")]),
        Kind(name: "no Origin", method: "GET", headers: []),
    ]
    static let common = [("Accept", "application/json"), ("User-Agent", "Mozilla/5.0 Chrome/131.0"), ("Accept-Language", "en-US")]

    // MARK: Hummingbird

    public struct BenchSource: RequestContextSource {
        public var logger: Logging.Logger
        public init(logger: Logging.Logger) { self.logger = logger }
    }
    public struct BenchContext: RequestContext {
        public typealias Source = BenchSource
        public var coreContext: CoreRequestContextStorage
        public init(source: BenchSource) { coreContext = .init(source: source) }
    }

    /// A middleware that does nothing: the floor any middleware pays in this harness.
    struct EmptyHummingbirdMiddleware: RouterMiddleware {
        typealias Context = BenchContext
        func handle(
            _ request: Hummingbird.Request,
            context: BenchContext,
            next: (Hummingbird.Request, BenchContext) async throws -> Hummingbird.Response
        ) async throws -> Hummingbird.Response {
            try await next(request, context)
        }
    }

    /// Writes exactly the fields swift-cors writes for each request kind of this benchmark, decided
    /// by one string comparison: the floor of decorating through `HTTPFields`, without a policy.
    struct HeadersOnlyHummingbirdMiddleware: RouterMiddleware {
        typealias Context = BenchContext
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
            _ request: Hummingbird.Request,
            context: BenchContext,
            next: (Hummingbird.Request, BenchContext) async throws -> Hummingbird.Response
        ) async throws -> Hummingbird.Response {
            let requestOrigin = request.headers[.origin]
            if requestOrigin == FrameworkVariants.origin, request.method == .options {
                var fields = HTTPTypes.HTTPFields()
                fields.append(HTTPTypes.HTTPField(name: .accessControlAllowOrigin, value: FrameworkVariants.origin))
                fields.append(contentsOf: preflightTail)
                return Hummingbird.Response(status: .noContent, headers: fields)
            }
            var response = try await next(request, context)
            if requestOrigin == FrameworkVariants.origin {
                response.headers.append(HTTPTypes.HTTPField(name: .accessControlAllowOrigin, value: FrameworkVariants.origin))
                response.headers.append(contentsOf: actualTail)
            } else {
                response.headers.append(vary)
            }
            return response
        }
    }

    /// Experiment: swift-cors' decision alone (`stage` 0), or decision then `apply` (1), to attribute
    /// the adapter's cost. Only listed when `CORS_BENCH_EXPERIMENTS` is set.
    struct StagedHummingbirdMiddleware: RouterMiddleware {
        typealias Context = BenchContext
        let responder = try! CORSResponder(policy: policy)
        let stage: Int
        let vary = HTTPTypes.HTTPField(name: .vary, value: "Origin")
        func handle(
            _ request: Hummingbird.Request,
            context: BenchContext,
            next: (Hummingbird.Request, BenchContext) async throws -> Hummingbird.Response
        ) async throws -> Hummingbird.Response {
            if stage == 2 {
                let allowed = responder.decideSynchronously(CORSRequestHead(request.head))!.outcome == .actualAllowed
                var response = try await next(request, context)
                if allowed { response.headers.append(vary) }
                return response
            }
            if stage == 4 { return try await next(request, context) }
            if stage == 5 {
                let hasOrigin = CORSRequestHead(request.head).origin != nil
                var response = try await next(request, context)
                if hasOrigin { response.headers.append(vary) }
                return response
            }
            if stage == 6 {
                var hasOrigin = false
                for field in request.headers where field.name == .origin { hasOrigin = true }
                var response = try await next(request, context)
                if hasOrigin { response.headers.append(vary) }
                return response
            }
            if stage == 7 {
                let hasOrigin = request.method == .options
                var response = try await next(request, context)
                if hasOrigin { response.headers.append(vary) }
                return response
            }
            if stage == 3 {
                let head = CORSRequestHead(request.head)
                var response = try await next(request, context)
                if head.origin != nil { response.headers.append(vary) }
                return response
            }
            let decision = responder.decideSynchronously(CORSRequestHead(request.head))!
            var response = try await next(request, context)
            if stage > 0 { decision.apply(to: &response.headers) }
            return response
        }
    }

    static func hummingbird(_ configure: (Hummingbird.Router<BenchContext>) -> Void) -> RouterResponder<BenchContext> {
        let router = Hummingbird.Router(context: BenchContext.self)
        configure(router)
        router.get("/items/:id") { _, _ in "item" }
        router.on("/items/:id", method: .options) { _, _ in Hummingbird.Response(status: .noContent) }
        return router.buildResponder()
    }

    /// Each Hummingbird setup's responder, by name.
    public static func hummingbirdVariants() -> [(name: String, responder: RouterResponder<BenchContext>)] {
        let experiments: [(name: String, responder: RouterResponder<BenchContext>)] =
            ProcessInfo.processInfo.environment["CORS_BENCH_EXPERIMENTS"] == nil
            ? []
            : [
                ("x decide only", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 0)) }),
                ("x decide+apply", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 1)) }),
                ("x decide, keep Bool", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 2)) }),
                ("x head only", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 3)) }),
                ("x nothing, same struct", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 4)) }),
                ("x head to Bool", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 5)) }),
                ("x scan to Bool", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 6)) }),
                ("x method only", hummingbird { $0.add(middleware: StagedHummingbirdMiddleware(stage: 7)) }),
            ]
        return experiments + [
            ("baseline", hummingbird { _ in }),
            ("empty middleware", hummingbird { $0.add(middleware: EmptyHummingbirdMiddleware()) }),
            ("headers only", hummingbird { $0.add(middleware: HeadersOnlyHummingbirdMiddleware()) }),
            ("swift-cors", hummingbird { $0.add(middleware: try! CORSHummingbird.CORSPolicyMiddleware<BenchContext>(policy: policy)) }),
            (
                "built-in",
                hummingbird {
                    $0.add(
                        middleware: Hummingbird.CORSMiddleware<BenchContext>(
                            allowOrigin: .oneOf(origin),
                            allowHeaders: [.contentType, HTTPTypes.HTTPField.Name("X-Request-Id")!],
                            allowMethods: [.get, .put, .delete],
                            allowCredentials: true,
                            exposedHeaders: ["X-Total-Count"],
                            maxAge: .seconds(600)
                        )
                    )
                }
            ),
        ]
    }

    /// The request head of `kind` for Hummingbird (`GET /items/1` and the kind's headers).
    public static func hummingbirdHead(_ kind: Kind) -> HTTPTypes.HTTPRequest {
        var fields = HTTPTypes.HTTPFields()
        for (name, value) in common + kind.headers { fields.append(HTTPTypes.HTTPField(name: HTTPTypes.HTTPField.Name(name)!, value: value)) }
        return HTTPTypes.HTTPRequest(
            method: HTTPTypes.HTTPRequest.Method(kind.method)!,
            scheme: "http",
            authority: "api.test",
            path: "/items/1",
            headerFields: fields
        )
    }

    /// Drives `count` requests through `responder`, one after another.
    public static func runHummingbird(_ responder: RouterResponder<BenchContext>, head: HTTPTypes.HTTPRequest, count: Int) async throws {
        let context = BenchContext(source: BenchSource(logger: logger))
        for _ in 0..<count {
            let request = Hummingbird.Request(head: head, body: .init(buffer: ByteBuffer()))
            _ = try await responder.respond(to: request, context: context)
        }
    }

    static let logger = Logging.Logger(label: "bench")

    // MARK: Vapor

    final class EmptyVaporMiddleware: Vapor.Middleware {
        func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
            next.respond(to: request)
        }
    }

    /// Vapor's "headers only" floor: swift-cors' fields for each kind, after one lookup of the
    /// Origin, written with Vapor's own header API in one future stage; no policy.
    final class HeadersOnlyVaporMiddleware: Vapor.Middleware {
        func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
            let allowed = request.headers.first(name: "Origin") == FrameworkVariants.origin
            if allowed, request.method == .OPTIONS {
                let headers: HTTPHeaders = [
                    "Access-Control-Allow-Origin": FrameworkVariants.origin, "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": "PUT, DELETE", "Access-Control-Allow-Headers": "Content-Type, X-Request-Id",
                    "Access-Control-Max-Age": "600", "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                ]
                return request.eventLoop.makeSucceededFuture(Vapor.Response(status: .noContent, headers: headers))
            }
            return next.respond(to: request).map { response in
                var headers = response.headers
                if allowed {
                    headers.add(name: "Access-Control-Allow-Origin", value: FrameworkVariants.origin)
                    headers.add(name: "Access-Control-Allow-Credentials", value: "true")
                    headers.add(name: "Access-Control-Expose-Headers", value: "X-Total-Count")
                }
                headers.add(name: "Vary", value: "Origin")
                response.headers = headers
                return response
            }
        }
    }

    /// Experiment: swift-cors' decision, the response decorated in place from a callback on the
    /// application's own future (no promise of its own); fast path only (no Vary, no Access-Control-*).
    final class InPlaceVaporMiddleware: Vapor.Middleware {
        let responder = try! CORSResponder(policy: policy)
        func respond(to request: Vapor.Request, chainingTo next: any Vapor.Responder) -> EventLoopFuture<Vapor.Response> {
            var head = CORSRequestHead(isOptions: request.method == .OPTIONS)
            for (name, value) in request.headers { head.record(name: name, value: value) }
            let decision = responder.decideSynchronously(head)!
            if decision.answersWithoutApplication {
                let response = Vapor.Response(
                    status: HTTPResponseStatus(statusCode: decision.preflightStatus.code),
                    headers: HTTPHeaders(decision.preflightAnswerPairs)
                )
                return request.eventLoop.makeSucceededFuture(response)
            }
            let future = next.respond(to: request)
            let pairs = decision.accessControlPairs
            let vary = decision.varyPair
            future.whenSuccess { response in
                var headers = response.headers
                if !pairs.isEmpty { headers.add(contentsOf: HTTPHeaders(pairs)) }
                if let vary { headers.add(name: vary.0, value: vary.1) }
                response.headers = headers
            }
            return future
        }
    }

    static func vapor(_ middleware: (any Vapor.Middleware)?) -> Vapor.Application {
        let app = Vapor.Application(.testing)
        app.logger.logLevel = .error
        if let middleware { app.middleware.use(middleware, at: .beginning) }
        app.get("items", ":id") { _ in "item" }
        app.on(.OPTIONS, "items", ":id") { _ in Vapor.Response(status: .noContent) }
        try! app.boot()
        return app
    }

    /// A booted Vapor application and the responder its server would use.
    public struct VaporSetup: @unchecked Sendable {
        public let app: Vapor.Application
        /// `app.responder.current`, built once as Vapor's server builds it at boot: calling
        /// `app.responder.respond(to:)` instead would build a new responder (routes, middleware
        /// chain) for every request, which is what an earlier version of this harness measured.
        public let responder: any Vapor.Responder
        init(_ app: Vapor.Application) {
            self.app = app
            responder = app.responder.current
        }
    }

    /// Each Vapor setup, booted, by name (shut the applications down when done).
    public static func vaporVariants() -> [(name: String, setup: VaporSetup)] {
        let experiments: [(name: String, setup: VaporSetup)] =
            ProcessInfo.processInfo.environment["CORS_BENCH_EXPERIMENTS"] == nil
            ? []
            : [
                ("x in place", VaporSetup(vapor(InPlaceVaporMiddleware())))
            ]
        return experiments + [
            ("baseline", VaporSetup(vapor(nil))),
            ("empty middleware", VaporSetup(vapor(EmptyVaporMiddleware()))),
            ("headers only", VaporSetup(vapor(HeadersOnlyVaporMiddleware()))),
            ("swift-cors", VaporSetup(vapor(try! CORSVapor.CORSPolicyMiddleware(policy: policy)))),
            (
                "built-in",
                VaporSetup(
                    vapor(
                        Vapor.CORSMiddleware(
                            configuration: .init(
                                allowedOrigin: .any([origin]),
                                allowedMethods: [.GET, .PUT, .DELETE],
                                allowedHeaders: [.contentType, "X-Request-Id"],
                                allowCredentials: true,
                                cacheExpiration: 600,
                                exposedHeaders: [HTTPHeaders.Name("X-Total-Count")]
                            )
                        )
                    )
                )
            ),
        ]
    }

    /// Drives `count` requests of `kind` through `app`'s responder on one event loop, as a server's
    /// requests run, so the figure is the chain's own cost, not an async hop per request.
    public static func runVapor(_ setup: VaporSetup, _ kind: Kind, count: Int) async throws {
        let headers = HTTPHeaders(common + kind.headers)
        let method = HTTPMethod(rawValue: kind.method)
        let app = setup.app
        let responder = setup.responder
        let eventLoop = app.eventLoopGroup.any()
        _ = try await eventLoop.flatSubmit { () -> EventLoopFuture<[Vapor.Response]> in
            var futures: [EventLoopFuture<Vapor.Response>] = []
            futures.reserveCapacity(count)
            for _ in 0..<count {
                let request = Vapor.Request(application: app, method: method, url: "/items/1", headers: headers, logger: app.logger, on: eventLoop)
                futures.append(responder.respond(to: request))
            }
            return EventLoopFuture.whenAllSucceed(futures, on: eventLoop)
        }.get()
    }
}
