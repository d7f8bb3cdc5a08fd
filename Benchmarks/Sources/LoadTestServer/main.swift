import CORS
import CORSHummingbird
import Hummingbird
import Logging

// A Hummingbird server answering GET /items/:id, with swift-cors, Hummingbird's CORSMiddleware,
// or no CORS. Usage: LoadTestServer none|swift-cors|built-in PORT
let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "none"
let port = arguments.count > 2 ? Int(arguments[2]) ?? 8081 : 8081
let origin = "https://app.example.com"

let router = Router()
switch mode {
case "swift-cors":
    router.add(
        middleware: try CORSPolicyMiddleware(
            policy: CORSPolicy(
                allowOrigins: [origin], allowMethods: ["PUT", "DELETE"], allowHeaders: ["Content-Type"],
                exposeHeaders: ["X-Total-Count"], allowCredentials: true, maxAge: 600)))
case "built-in":
    router.add(
        middleware: CORSMiddleware(
            allowOrigin: .oneOf(origin), allowHeaders: [.contentType], allowMethods: [.get, .put, .delete],
            allowCredentials: true, exposedHeaders: ["X-Total-Count"], maxAge: .seconds(600)))
case "none":
    break
default:
    fatalError("mode must be none, swift-cors or built-in")
}
router.get("/items/:id") { _, _ in "item" }
var logger = Logger(label: "load")
logger.logLevel = .error
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await app.runService()
