#if Hummingbird
import CORS
import CORSHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The Hummingbird adapter, driven through Hummingbird's own router and middleware chain.
@Suite struct HummingbirdMiddlewareTests {
    static let policy = CORSPolicy(
        allowOrigins: ["https://app.example.com"],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["Content-Type"],
        exposeHeaders: ["X-Request-Id"],
        allowCredentials: true,
        maxAge: 600
    )

    struct Teapot: HTTPResponseError {
        var status: HTTPResponse.Status { .init(code: 418) }
        func response(from request: Request, context: some RequestContext) throws -> Response {
            Response(status: status, headers: [.contentType: "text/plain"])
        }
    }

    /// An app with GET /items/:id only (no OPTIONS handler), a route that throws, one that sets Vary.
    static func app(
        _ middleware: CORSPolicyMiddleware<BasicRequestContext>,
        logger: Logger? = nil
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: middleware)
        router.get("/items/:id") { _, _ in "item" }
        router.get("/throws") { _, _ -> String in throw Teapot() }
        router.get("/http-error") { _, _ -> String in throw HTTPError(.unauthorized) }
        router.get("/varies") { _, _ in
            Response(status: .ok, headers: [.vary: "Accept-Encoding"], body: .init(byteBuffer: ByteBuffer(string: "v")))
        }
        router.get("/sets-cors") { _, _ in
            Response(status: .ok, headers: [.accessControlAllowOrigin: "*", .vary: "*"], body: .init(byteBuffer: ByteBuffer(string: "s")))
        }
        router.get("/public/data") { _, _ in "public" }
        router.get("/api/me") { _, _ in "me" }
        router.get("/api/admin/users") { _, _ in "users" }
        router.on("/passthrough", method: .options) { _, _ in Response(status: .ok, headers: [.allow: "GET, PUT"]) }
        return Application(router: router, logger: logger)
    }

    static func preflight(_ origin: String, _ method: String, _ headers: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.origin: origin, .accessControlRequestMethod: method]
        if let headers { fields[.accessControlRequestHeaders] = headers }
        return fields
    }

    @Test func preflightSucceedsForARouteWithNoOptionsHandler() async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/items/1",
                method: .options,
                headers: Self.preflight("https://app.example.com", "PUT", "content-type"),
                body: nil
            )
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(response.headers[.accessControlAllowCredentials] == "true")
            #expect(response.headers[.accessControlAllowMethods] == "PUT, DELETE")
            #expect(response.headers[.accessControlAllowHeaders] == "Content-Type")
            #expect(response.headers[.accessControlMaxAge] == "600")
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test func preflightToAnUnknownPathIsAnsweredToo() async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/nowhere",
                method: .options,
                headers: Self.preflight("https://app.example.com", "DELETE"),
                body: nil
            )
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
        }
    }

    @Test(arguments: [
        ("https://evil.example.com", "PUT", "content-type"), ("https://app.example.com", "PATCH", "content-type"),
        ("https://app.example.com", "PUT", "x-secret"),
    ])
    func disallowedPreflightIs403WithoutAllowHeaders(_ origin: String, _ method: String, _ headers: String) async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/items/1",
                method: .options,
                headers: Self.preflight(origin, method, headers),
                body: nil
            )
            #expect(response.status == .forbidden)
            #expect(response.headers[.accessControlAllowOrigin] == nil)
            #expect(response.headers[.accessControlAllowMethods] == nil)
            #expect(response.headers[.vary] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        }
    }

    @Test func actualRequestsAreDecoratedAndRefusedOnesHandedOnUntouched() async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            let allowed = try await client.executeRequest(
                uri: "/items/1",
                method: .get,
                headers: [.origin: "https://app.example.com"],
                body: nil
            )
            #expect(allowed.status == .ok)
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(allowed.headers[.accessControlAllowCredentials] == "true")
            #expect(allowed.headers[.accessControlExposeHeaders] == "X-Request-Id")
            #expect(allowed.headers[.vary] == "Origin")
            let refused = try await client.executeRequest(
                uri: "/items/1",
                method: .get,
                headers: [.origin: "https://evil.example.com"],
                body: nil
            )
            #expect(refused.status == .ok)
            #expect(String(buffer: refused.body) == "item")
            #expect(refused.headers[.accessControlAllowOrigin] == nil)
            #expect(refused.headers[.vary] == "Origin")
        }
    }

    @Test func errorsAnd404sCarryTheHeaders() async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            for (uri, status) in [("/throws", 418), ("/http-error", 401), ("/nowhere", 404)] {
                let response = try await client.executeRequest(
                    uri: uri,
                    method: .get,
                    headers: [.origin: "https://app.example.com"],
                    body: nil
                )
                #expect(response.status.code == status, "\(uri)")
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com", "\(uri)")
                #expect(response.headers[.vary] == "Origin", "\(uri)")
            }
        }
    }

    @Test func varyIsMergedWithTheApplications() async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/varies",
                method: .get,
                headers: [.origin: "https://app.example.com"],
                body: nil
            )
            #expect(response.headers[values: .vary] == ["Accept-Encoding, Origin"])
        }
    }

    @Test func requestsWithoutAnOriginGetOnlyTheVaryACacheNeeds() async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            let plain = try await client.executeRequest(uri: "/items/1", method: .get, headers: [:], body: nil)
            #expect(plain.status == .ok)
            #expect(plain.headers[values: .vary] == ["Origin"])
            #expect(plain.headers[.accessControlAllowOrigin] == nil)
            let varies = try await client.executeRequest(uri: "/varies", method: .get, headers: [:], body: nil)
            #expect(varies.headers[values: .vary] == ["Accept-Encoding, Origin"])
            // Not a CORS request: the application's own Access-Control-* fields are left alone.
            let setsCORS = try await client.executeRequest(uri: "/sets-cors", method: .get, headers: [:], body: nil)
            #expect(setsCORS.headers[values: .vary] == ["*"])
            #expect(setsCORS.headers[values: .accessControlAllowOrigin] == ["*"])
            let options = try await client.executeRequest(uri: "/passthrough", method: .options, headers: [:], body: nil)
            #expect(options.status == .ok)
            #expect(options.headers[.allow] == "GET, PUT")
            #expect(options.headers[values: .vary] == ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"])
            let missing = try await client.executeRequest(uri: "/nowhere", method: .get, headers: [:], body: nil)
            #expect(missing.status == .notFound)
            #expect(missing.headers[values: .vary] == ["Origin"])
        }
        try await Self.app(try CORSPolicyMiddleware(policy: CORSPolicy(allowOrigins: ["*"]))).test(.router) { client in
            let open = try await client.executeRequest(uri: "/items/1", method: .get, headers: [:], body: nil)
            #expect(open.status == .ok)
            #expect(open.headers[values: .vary] == [])
        }
    }

    @Test func headersTheApplicationSetAreReplacedAndVaryStarKept() async throws {
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy)).test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/sets-cors",
                method: .get,
                headers: [.origin: "https://app.example.com"],
                body: nil
            )
            #expect(response.headers[values: .accessControlAllowOrigin] == ["https://app.example.com"])
            #expect(response.headers[values: .vary] == ["*"])
        }
    }

    @Test func passthroughLetsTheApplicationAnswerAllowedPreflights() async throws {
        var policy = Self.policy
        policy.preflightPassthrough = true
        try await Self.app(try CORSPolicyMiddleware(policy: policy)).test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/passthrough",
                method: .options,
                headers: Self.preflight("https://app.example.com", "PUT"),
                body: nil
            )
            #expect(response.status == .ok)
            #expect(response.headers[.allow] == "GET, PUT")
            #expect(response.headers[.accessControlAllowMethods] == "PUT, DELETE")
            let refused = try await client.executeRequest(
                uri: "/passthrough",
                method: .options,
                headers: Self.preflight("https://evil.example.com", "PUT"),
                body: nil
            )
            #expect(refused.status == .forbidden)
            #expect(refused.headers[.allow] == nil)
        }
    }

    @Test func perRoutePoliciesPickTheLongestPrefix() async throws {
        let routes = try CORSRoutes([
            "/public": CORSPolicy(allowOrigins: ["*"]),
            "/api": CORSPolicy(allowOrigins: ["https://app.example.com"], allowCredentials: true),
            "/api/admin": CORSPolicy(allowOrigins: ["https://admin.example.com"], allowCredentials: true),
        ])
        try await Self.app(CORSPolicyMiddleware(routes: routes)).test(.router) { client in
            func allowOrigin(_ uri: String, _ origin: String) async throws -> String? {
                try await client.executeRequest(uri: uri, method: .get, headers: [.origin: origin], body: nil)
                    .headers[.accessControlAllowOrigin]
            }
            #expect(try await allowOrigin("/public/data", "https://anyone.test") == "*")
            #expect(try await allowOrigin("/api/me", "https://app.example.com") == "https://app.example.com")
            #expect(try await allowOrigin("/api/me", "https://anyone.test") == nil)
            #expect(try await allowOrigin("/api/admin/users", "https://admin.example.com") == "https://admin.example.com")
            // The nested policy replaces its parent's whole: /api's origin is not allowed under /api/admin.
            #expect(try await allowOrigin("/api/admin/users", "https://app.example.com") == nil)
            // No policy covers /items: no CORS handling at all.
            let uncovered = try await client.executeRequest(
                uri: "/items/1",
                method: .get,
                headers: [.origin: "https://app.example.com"],
                body: nil
            )
            #expect(uncovered.headers[.accessControlAllowOrigin] == nil && uncovered.headers[.vary] == nil)
        }
    }

    @Test func asyncPredicateDecidesAndItsCacheBoundsLookups() async throws {
        let tenants = CachedOriginPredicate(capacity: 8, timeToLive: .seconds(60)) { origin in
            try? await Task.sleep(for: .milliseconds(1))
            return origin.host.hasSuffix(".tenant.test")
        }
        let policy = CORSPolicy(allowOrigins: [], allowOriginPredicate: tenants.predicate, allowMethods: ["PUT"])
        try await Self.app(try CORSPolicyMiddleware(policy: policy)).test(.router) { client in
            for _ in 0..<3 {
                let response = try await client.executeRequest(
                    uri: "/items/1",
                    method: .options,
                    headers: Self.preflight("https://a.tenant.test", "PUT"),
                    body: nil
                )
                #expect(response.headers[.accessControlAllowOrigin] == "https://a.tenant.test")
            }
            let refused = try await client.executeRequest(
                uri: "/items/1",
                method: .get,
                headers: [.origin: "https://b.other.test"],
                body: nil
            )
            #expect(refused.headers[.accessControlAllowOrigin] == nil)
        }
        #expect(tenants.lookupCount == 2)
    }

    @Test func debugLogsExplainEveryRejection() async throws {
        let lines = CapturedLog()
        var logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .debug
        try await Self.app(try CORSPolicyMiddleware(policy: Self.policy), logger: logger).test(.router) { client in
            _ = try await client.executeRequest(
                uri: "/items/1",
                method: .options,
                headers: Self.preflight("https://app.example.com", "PUT", "x-secret"),
                body: nil
            )
            _ = try await client.executeRequest(uri: "/items/1", method: .get, headers: [.origin: "https://evil.test"], body: nil)
            _ = try await client.executeRequest(uri: "/items/1", method: .get, headers: [.origin: "https://App.example.com"], body: nil)
            _ = try await client.executeRequest(uri: "/items/1", method: .get, headers: [.origin: "https://app.example.com"], body: nil)
        }
        let text = lines.all.joined(separator: "\n")
        #expect(text.contains("CORS preflightRejected: request header x-secret is not allowed: allowHeaders is [Content-Type]"))
        #expect(text.contains("CORS actualRejected: origin https://evil.test is not allowed"))
        #expect(text.contains("CORS actualRejected: Origin \"https://App.example.com\" is not a single serialized origin"))
        // One line per rejection, none for the allowed request.
        #expect(lines.all.filter { $0.contains("CORS ") }.count == 3)
    }
}

final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let lines: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.append("\(event.level): \(event.message)") }
}
#endif
