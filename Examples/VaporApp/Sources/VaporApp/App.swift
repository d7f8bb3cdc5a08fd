import CORS
import CORSVapor
import Vapor

/// What GET /items/:id answers, as JSON.
struct Item: Content {
    let id: String
    let name: String
}

/// One JSON route under a CORS policy, on 127.0.0.1.
/// The port is the first argument, else $PORT, else 8080.
@main
enum VaporApp {
    static func main() async throws {
        let portText = CommandLine.arguments.dropFirst().first ?? Environment.get("PORT") ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            print("usage: VaporApp [PORT]   (or PORT=... VaporApp); \"\(portText)\" is not a port")
            exit(2)
        }

        // The port is ours, so Vapor's own command line gets no arguments: it runs `serve`.
        var environment = Environment(name: "development", arguments: [CommandLine.arguments[0]])
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = port

        // Pages at these two origins may read the API; a preflight may ask for PUT or DELETE with a
        // Content-Type header, and its answer is cached for ten minutes.
        let policy = CORSPolicy(
            allowOrigins: ["https://app.example.com", "http://localhost:3000"],
            allowMethods: ["PUT", "DELETE"],
            allowHeaders: ["Content-Type"],
            maxAge: 600
        )
        // At the beginning, outside ErrorMiddleware: errors and 404s get the headers too.
        app.middleware.use(try CORSPolicyMiddleware(policy: policy), at: .beginning)
        app.get("items", ":id") { request in
            Item(id: try request.parameters.require("id"), name: "example")
        }

        do {
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
