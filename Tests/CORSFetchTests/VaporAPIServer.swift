#if Vapor
import CORS
import CORSVapor
import Vapor

/// The API of the server-side Chromium suite served by Vapor with swift-cors' Vapor middleware:
/// every path answers GET, PUT, POST, DELETE and PATCH with `ok`, `X-Total: 3` and `Content-Type`.
/// Kept in a file of its own: Vapor's and Hummingbird's type names collide.
enum VaporAPIServer {
    /// Starts the API on 127.0.0.1 with a free port, runs `body` with its base URL, and stops it.
    static func withAPI<T: Sendable>(routes: CORSRoutes, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        app.middleware.use(CORSPolicyMiddleware(routes: routes), at: .beginning)
        for method in [HTTPMethod.GET, .PUT, .POST, .DELETE, .PATCH] {
            app.on(method, "**") { _ -> Response in
                Response(status: .ok, headers: ["X-Total": "3", "Content-Type": "text/plain"], body: .init(string: "ok"))
            }
        }
        do {
            try app.server.start()
            guard let port = app.http.server.shared.localAddress?.port else { throw StartFailure() }
            let result = try await body("http://127.0.0.1:\(port)")
            await app.server.shutdown()
            try await app.asyncShutdown()
            return result
        } catch {
            await app.server.shutdown()
            try? await app.asyncShutdown()
            throw error
        }
    }

    struct StartFailure: Error {}
}
#endif
