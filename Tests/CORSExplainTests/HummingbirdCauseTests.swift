#if Hummingbird
import CORS
import CORSExplain
import CORSHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Hummingbird apps built to fail the way people's do, and the cause `cors check` names.
@Suite struct HummingbirdCauseTests {
    /// Refuses every request without an Authorization header, as an authenticator does.
    struct RequireAuthorization<Context: RequestContext>: RouterMiddleware {
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard request.headers[.authorization] != nil else { return Response(status: .unauthorized) }
            return try await next(request, context)
        }
    }

    static let policy = try! CORSPolicy(allowOrigins: [pageOrigin], allowMethods: ["PUT"], allowHeaders: ["Content-Type", "Authorization"])

    static func serve(_ router: Router<BasicRequestContext>, _ body: @Sendable (String) async throws -> Void) async throws {
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)") }
    }

    @Test func authenticationBeforeTheCORSMiddlewareRefusesThePreflight() async throws {
        let router = Router()
        router.add(middleware: RequireAuthorization())
        router.add(middleware: try CORSPolicyMiddleware(policy: Self.policy))
        router.put("/api/items") { _, _ in "{}" }
        try await Self.serve(router) { base in
            let (outcome, causes) = try await check(base + "/api/items", method: "PUT", headers: [("Content-Type", "application/json")], body: "{}")
            // The 401 carries no CORS headers, and browsers report that before the status.
            #expect(outcome.blockReason == .missingAllowOriginHeader(preflight: true))
            #expect(outcome.preflightStatus == 401)
            #expect(causes.contains { if case .preflightRejectedByAuthentication(401, _) = $0 { true } else { false } })
        }
    }

    @Test func aCORSMiddlewareOnARouteGroupLeavesOptionsUnrouted() async throws {
        let router = Router()
        router.group("api").add(middleware: try CORSPolicyMiddleware(policy: Self.policy)).put("items") { _, _ in "{}" }
        try await Self.serve(router) { base in
            let (outcome, causes) = try await check(base + "/api/items", method: "PUT", headers: [("Content-Type", "application/json")], body: "{}")
            #expect(outcome.blockReason == .missingAllowOriginHeader(preflight: true))
            let status = try #require(outcome.preflightStatus)
            #expect(status == 404 || status == 405)
            #expect(causes.contains { if case .preflightNotRouted(status, _) = $0 { true } else { false } })
        }
    }

    @Test func theMiddlewareFirstShowsNoCause() async throws {
        let router = Router()
        router.add(middleware: try CORSPolicyMiddleware(policy: Self.policy))
        router.add(middleware: RequireAuthorization())
        router.put("/api/items") { _, _ in "{}" }
        try await Self.serve(router) { base in
            let (outcome, causes) = try await check(
                base + "/api/items",
                method: "PUT",
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer t")],
                body: "{}"
            )
            #expect(outcome.allowed)
            #expect(causes.isEmpty)
        }
    }
}
#endif
