#if Vapor
import CORS
import CORSExplain
import CORSVapor
import Testing
import Vapor

/// Vapor apps built to fail the way people's do, and the cause `cors check` names. (A file of
/// its own: Vapor's and Hummingbird's type names collide.)
@Suite struct VaporCauseTests {
    /// Redirects a path without a trailing slash to the one with it, as some sites do.
    struct TrailingSlashRedirect: AsyncMiddleware {
        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let path = request.url.path
            if !path.hasSuffix("/") { return request.redirect(to: path + "/", redirectType: .permanent) }
            return try await next.respond(to: request)
        }
    }

    static let policy = try! CORSPolicy(allowOrigins: [pageOrigin], allowMethods: ["PUT"], allowHeaders: ["Content-Type"])

    static func serve(_ configure: (Application) throws -> Void, _ body: @Sendable (String) async throws -> Void) async throws {
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        do {
            try configure(app)
            try app.server.start()
            guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
            try await body("http://127.0.0.1:\(port)")
        } catch {
            await app.server.shutdown()
            try? await app.asyncShutdown()
            throw error
        }
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    @Test func aTrailingSlashRedirectBeforeCORSRedirectsThePreflight() async throws {
        try await Self.serve({ app in
            app.middleware.use(TrailingSlashRedirect(), at: .beginning)
            app.middleware.use(try CORSPolicyMiddleware(policy: Self.policy))
            app.put("api", "items", "") { _ in "{}" }
        }) { base in
            let (outcome, causes) = try await check(base + "/api/items", method: "PUT", headers: [("Content-Type", "application/json")], body: "{}")
            #expect(outcome.blockReason == .preflightDisallowedRedirect)
            #expect(causes.contains(.preflightRedirected(.trailingSlash, location: "/api/items/")))
        }
    }

    @Test func aCORSMiddlewareAfterVaporsErrorMiddlewareLeavesErrorsBare() async throws {
        // `use(cors)` without `at: .beginning` puts it after ErrorMiddleware: a thrown 404 never gets the headers.
        try await Self.serve({ app in
            app.middleware.use(try CORSPolicyMiddleware(policy: Self.policy))
            app.get("api", "items") { _ in "{}" }
        }) { base in
            let (outcome, causes) = try await check(base + "/api/items")
            #expect(outcome.allowed)
            // Vapor sends no Server header; its error body names it, so the fix is in Vapor's terms.
            #expect(causes.contains(.headersOnlyOnSuccess(status: 404, server: .vapor)))
        }
    }
}
#endif
