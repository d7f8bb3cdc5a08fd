import CORS
import CORSHummingbird
import HTTPTypes
import Hummingbird
import Logging

// A Hummingbird server answering GET /items/:id, with swift-cors, Hummingbird's CORSMiddleware,
// a "headers only" middleware (writes swift-cors' fields for the allowed origin, decides nothing:
// the floor of decorating), or no CORS. Usage: LoadTestServer none|swift-cors|built-in|headers-only PORT
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
case "headers-only":
    router.add(middleware: HeadersOnlyMiddleware(origin: origin))
case "none":
    break
default:
    fatalError("mode must be none, swift-cors, built-in or headers-only")
}
router.get("/items/:id") { _, _ in "item" }
var logger = Logger(label: "load")
logger.logLevel = .error
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await app.runService()

/// Appends the four fields swift-cors writes on an allowed credentialed request, after one string
/// comparison of the Origin: what decorating costs with no policy behind it.
struct HeadersOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    let origin: String
    let fields: [HTTPField]
    init(origin: String) {
        self.origin = origin
        fields = [
            HTTPField(name: .accessControlAllowOrigin, value: origin), HTTPField(name: .accessControlAllowCredentials, value: "true"),
            HTTPField(name: .accessControlExposeHeaders, value: "X-Total-Count"), HTTPField(name: .vary, value: "Origin"),
        ]
    }
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.headers[.origin] == origin {
            response.headers.append(contentsOf: fields)
        } else {
            response.headers.append(fields[3])
        }
        return response
    }
}
