import CORS
import CORSHummingbird
import Foundation  // exit
import Hummingbird

/// What GET /items/:id answers, as JSON.
struct Item: ResponseEncodable {
    let id: String
    let name: String
}

/// One JSON route under a CORS policy, on 127.0.0.1.
/// The port is the first argument, else $PORT, else 8080.
@main
struct HummingbirdApp {
    static func main() async throws {
        let portText = CommandLine.arguments.dropFirst().first ?? Environment().get("PORT") ?? "8080"
        guard let port = Int(portText), (0...65535).contains(port) else {
            print("usage: HummingbirdApp [PORT]   (or PORT=... HummingbirdApp); \"\(portText)\" is not a port")
            exit(2)
        }

        // Pages at these two origins may read the API; a preflight may ask for PUT or DELETE with a
        // Content-Type header, and its answer is cached for ten minutes.
        let policy = CORSPolicy(
            allowOrigins: ["https://app.example.com", "http://localhost:3000"],
            allowMethods: ["PUT", "DELETE"],
            allowHeaders: ["Content-Type"],
            maxAge: 600
        )

        let router = Router()
        // On the router, not a route group: preflights are answered for every path, and errors
        // and 404s get the headers too.
        router.add(middleware: try CORSPolicyMiddleware(policy: policy))
        router.get("/items/:id") { _, context in
            Item(id: try context.parameters.require("id"), name: "example")
        }

        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port))
        )
        try await app.runService()
    }
}
