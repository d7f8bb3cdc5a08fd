import CORS
import CORSHummingbird
import HTTPTypes
import Hummingbird
import Logging

// A Hummingbird server answering GET /items/:id, with swift-cors, Hummingbird's CORSMiddleware,
// a "headers only" middleware (writes swift-cors' fields for the allowed origin, decides nothing:
// the floor of decorating), no CORS, or no middleware at all but the handler's response already
// carrying the same four fields ("wire-floor"), beside the same prebuilt response without them
// ("prebuilt"): the pair measures what sending the four fields costs, with nothing decided or
// appended. Usage: LoadTestServer none|swift-cors|built-in|headers-only|prebuilt|wire-floor PORT
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
                allowOrigins: [origin],
                allowMethods: ["PUT", "DELETE"],
                allowHeaders: ["Content-Type"],
                exposeHeaders: ["X-Total-Count"],
                allowCredentials: true,
                maxAge: 600
            )
        )
    )
case "built-in":
    router.add(
        middleware: CORSMiddleware(
            allowOrigin: .oneOf(origin),
            allowHeaders: [.contentType],
            allowMethods: [.get, .put, .delete],
            allowCredentials: true,
            exposedHeaders: ["X-Total-Count"],
            maxAge: .seconds(600)
        )
    )
case "headers-only":
    router.add(middleware: HeadersOnlyMiddleware(origin: origin))
case "none", "prebuilt", "wire-floor":
    break
default:
    fatalError("mode must be none, swift-cors, built-in, headers-only, prebuilt or wire-floor")
}
if mode == "prebuilt" || mode == "wire-floor" {
    // The headers the String response has (Content-Type, Content-Length), and swift-cors' four, built once.
    var fields: HTTPFields = [.contentType: "text/plain; charset=utf-8", .contentLength: "4"]
    if mode == "wire-floor" {
        fields[.accessControlAllowOrigin] = origin
        fields[.accessControlAllowCredentials] = "true"
        fields[.accessControlExposeHeaders] = "X-Total-Count"
        fields[.vary] = "Origin"
    }
    let headers = fields
    let body = ByteBuffer(string: "item")
    router.get("/items/:id") { _, _ in Response(status: .ok, headers: headers, body: .init(byteBuffer: body)) }
} else {
    router.get("/items/:id") { _, _ in "item" }
}
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
