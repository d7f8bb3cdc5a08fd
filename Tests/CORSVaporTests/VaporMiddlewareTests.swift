#if Vapor
import CORS
import CORSVapor
import Synchronization
import Vapor
import VaporTesting
import Testing

/// Every log line a test's application wrote, with its level (as the Hummingbird tests' `CapturedLog`).
final class CapturedLogs: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])
    var messages: [(level: Logger.Level, message: String)] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { logs.lines.withLock { $0.append((event.level, "\(event.message)")) } }
    }
}

/// The Vapor adapter, driven through Vapor's own responder chain in memory.
@Suite struct VaporMiddlewareTests {
    static let policy = CORSPolicy(
        allowOrigins: ["https://app.example.com"],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["Content-Type"],
        exposeHeaders: ["X-Request-Id"],
        allowCredentials: true,
        maxAge: 600
    )

    struct Teapot: AbortError {
        var status: HTTPResponseStatus { .imATeapot }
        var reason: String { "short and stout" }
    }

    /// GET /items/:id only (no OPTIONS handler), routes that throw, one that sets Vary.
    static func withCORSApp(
        _ middleware: CORSPolicyMiddleware,
        at position: Middlewares.Position = .beginning,
        logs: CapturedLogs? = nil,
        _ test: (TestingApplicationTester) async throws -> Void
    ) async throws {
        try await withApp { app in
            if let logs { app.logger = Logger(label: "test") { _ in CapturedLogs.Handler(logs: logs) } }
            app.middleware.use(middleware, at: position)
            app.get("items", ":id") { _ in "item" }
            app.get("throws") { _ -> String in throw Teapot() }
            app.get("http-error") { _ -> String in throw Abort(.unauthorized) }
            app.get("varies") { _ in
                Response(status: .ok, headers: ["Vary": "Accept-Encoding"], body: .init(string: "v"))
            }
            app.get("sets-cors") { _ in
                Response(status: .ok, headers: ["access-control-allow-origin": "*", "Vary": "*"], body: .init(string: "s"))
            }
            app.on(.OPTIONS, "passthrough") { _ in Response(status: .ok, headers: ["Allow": "GET, PUT"]) }
            app.get("public", "data") { _ in "public" }
            app.get("api", "me") { _ in "me" }
            app.get("api", "admin", "users") { _ in "users" }
            try await test(try app.testing())
        }
    }

    static func send(
        _ tester: TestingApplicationTester,
        _ method: HTTPMethod,
        _ path: String,
        _ headers: HTTPHeaders
    ) async throws -> TestingHTTPResponse {
        var captured: TestingHTTPResponse?
        try await tester.test(method, path, headers: headers) { captured = $0 }
        return try #require(captured)
    }

    static func preflight(_ origin: String, _ method: String, _ headers: String? = nil) -> HTTPHeaders {
        var fields: HTTPHeaders = ["Origin": origin, "Access-Control-Request-Method": method]
        if let headers { fields.add(name: "Access-Control-Request-Headers", value: headers) }
        return fields
    }

    @Test func preflightSucceedsForARouteWithNoOptionsHandlerAndForUnknownPaths() async throws {
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy)) { tester in
            for path in ["/items/1", "/nowhere"] {
                let response = try await Self.send(
                    tester,
                    .OPTIONS,
                    path,
                    Self.preflight("https://app.example.com", "PUT", "content-type")
                )
                #expect(response.status == .noContent, "\(path)")
                #expect(response.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example.com")
                #expect(response.headers.first(name: "Access-Control-Allow-Credentials") == "true")
                #expect(response.headers.first(name: "Access-Control-Allow-Methods") == "PUT, DELETE")
                #expect(response.headers.first(name: "Access-Control-Allow-Headers") == "Content-Type")
                #expect(response.headers.first(name: "Access-Control-Max-Age") == "600")
                #expect(
                    response.headers.first(name: "Vary")
                        == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
                )
            }
        }
    }

    @Test(arguments: [
        ("https://evil.example.com", "PUT", "content-type"), ("https://app.example.com", "PATCH", "content-type"),
        ("https://app.example.com", "PUT", "x-secret"),
    ])
    func disallowedPreflightIs403WithoutAllowHeaders(_ origin: String, _ method: String, _ headers: String) async throws {
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy)) { tester in
            let response = try await Self.send(tester, .OPTIONS, "/items/1", Self.preflight(origin, method, headers))
            #expect(response.status == .forbidden)
            #expect(!response.headers.contains { $0.name.lowercased().hasPrefix("access-control-allow") })
        }
    }

    @Test func actualRequestsAreDecoratedAndRefusedOnesHandedOnUntouched() async throws {
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy)) { tester in
            let allowed = try await Self.send(tester, .GET, "/items/1", ["Origin": "https://app.example.com"])
            #expect(allowed.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example.com")
            #expect(allowed.headers.first(name: "Access-Control-Expose-Headers") == "X-Request-Id")
            #expect(allowed.headers.first(name: "Vary") == "Origin")
            let refused = try await Self.send(tester, .GET, "/items/1", ["Origin": "https://evil.example.com"])
            #expect(refused.status == .ok)
            #expect(refused.body.string == "item")
            #expect(refused.headers.first(name: "Access-Control-Allow-Origin") == nil)
            #expect(refused.headers.first(name: "Vary") == "Origin")
        }
    }

    @Test func errorsAnd404sCarryTheHeadersWhenRegisteredOutsideErrorMiddleware() async throws {
        let logs = CapturedLogs()
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy), at: .beginning, logs: logs) { tester in
            for (path, status) in [("/throws", 418), ("/http-error", 401), ("/nowhere", 404)] {
                let response = try await Self.send(tester, .GET, path, ["Origin": "https://app.example.com"])
                #expect(response.status.code == UInt(status), "\(path)")
                #expect(response.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example.com", "\(path)")
            }
        }
        // Where it belongs, it says nothing about its placement.
        #expect(!logs.messages.contains { $0.level == .warning && $0.message.contains("CORSPolicyMiddleware") })
    }

    @Test func registeredInsideErrorMiddlewareItWarnsOnceWithTheFix() async throws {
        let logs = CapturedLogs()
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy), at: .end, logs: logs) { tester in
            // Said at the first request, before any error: the middleware list shows the placement.
            let first = try await Self.send(tester, .GET, "/items/1", [:])
            #expect(first.status == .ok)
            #expect(logs.messages.filter { $0.level == .warning && $0.message.contains("CORSPolicyMiddleware") }.count == 1)
            for path in ["/throws", "/nowhere", "/http-error"] {
                let response = try await Self.send(tester, .GET, path, ["Origin": "https://app.example.com"])
                #expect(response.headers.first(name: "Access-Control-Allow-Origin") == nil, "\(path)")
            }
            // Successful responses are still decorated there.
            let ok = try await Self.send(tester, .GET, "/items/1", ["Origin": "https://app.example.com"])
            #expect(ok.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example.com")
        }
        let warnings = logs.messages.filter { $0.level == .warning && $0.message.contains("CORSPolicyMiddleware") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("app.middleware.use(cors, at: .beginning)") == true)
    }

    @Test func debugLogsExplainEveryRejection() async throws {
        let logs = CapturedLogs()
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy), logs: logs) { tester in
            _ = try await Self.send(tester, .OPTIONS, "/items/1", Self.preflight("https://app.example.com", "PUT", "x-secret"))
            _ = try await Self.send(tester, .GET, "/items/1", ["Origin": "https://evil.test"])
            _ = try await Self.send(tester, .GET, "/items/1", ["Origin": "https://App.example.com"])
            _ = try await Self.send(tester, .GET, "/items/1", ["Origin": "https://app.example.com"])
        }
        let lines = logs.messages.filter { $0.level == .debug && $0.message.hasPrefix("CORS ") }.map(\.message)
        #expect(lines.contains { $0.contains("CORS preflightRejected: request header x-secret is not allowed: allowHeaders is [Content-Type]") })
        #expect(lines.contains { $0.contains("CORS actualRejected: origin https://evil.test is not allowed") })
        #expect(lines.contains { $0.contains("CORS actualRejected: Origin \"https://App.example.com\" is not a single serialized origin") })
        // One line per rejection, none for the allowed request.
        #expect(lines.count == 3, "\(lines)")
    }

    @Test func varyIsMergedWithTheApplications() async throws {
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy)) { tester in
            let response = try await Self.send(tester, .GET, "/varies", ["Origin": "https://app.example.com"])
            #expect(response.headers["Vary"] == ["Accept-Encoding, Origin"])
        }
    }

    @Test func requestsWithoutAnOriginGetOnlyTheVaryACacheNeeds() async throws {
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy)) { tester in
            let plain = try await Self.send(tester, .GET, "/items/1", [:])
            #expect(plain.status == .ok)
            #expect(plain.headers["Vary"] == ["Origin"])
            #expect(plain.headers["Access-Control-Allow-Origin"] == [])
            let varies = try await Self.send(tester, .GET, "/varies", [:])
            #expect(varies.headers["Vary"] == ["Accept-Encoding, Origin"])
            // Not a CORS request: the application's own Access-Control-* fields are left alone.
            let setsCORS = try await Self.send(tester, .GET, "/sets-cors", [:])
            #expect(setsCORS.headers["Vary"] == ["*"])
            #expect(setsCORS.headers["Access-Control-Allow-Origin"] == ["*"])
            let options = try await Self.send(tester, .OPTIONS, "/passthrough", [:])
            #expect(options.status == .ok)
            #expect(options.headers.first(name: "Allow") == "GET, PUT")
            #expect(options.headers["Vary"] == ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"])
            let missing = try await Self.send(tester, .GET, "/nowhere", [:])
            #expect(missing.status == .notFound)
            #expect(missing.headers["Vary"] == ["Origin"])
        }
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: CORSPolicy(allowOrigins: ["*"]))) { tester in
            let open = try await Self.send(tester, .GET, "/items/1", [:])
            #expect(open.status == .ok)
            #expect(open.headers["Vary"] == [])
        }
    }

    @Test func headersTheApplicationSetAreReplacedAndVaryStarKept() async throws {
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy)) { tester in
            let response = try await Self.send(tester, .GET, "/sets-cors", ["Origin": "https://app.example.com"])
            #expect(response.headers["Access-Control-Allow-Origin"] == ["https://app.example.com"])
            #expect(response.headers["Vary"] == ["*"])
        }
    }

    @Test func passthroughLetsTheApplicationAnswerAllowedPreflights() async throws {
        var policy = Self.policy
        policy.preflightPassthrough = true
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: policy)) { tester in
            let response = try await Self.send(tester, .OPTIONS, "/passthrough", Self.preflight("https://app.example.com", "PUT"))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Allow") == "GET, PUT")
            #expect(response.headers.first(name: "Access-Control-Allow-Methods") == "PUT, DELETE")
        }
    }

    @Test func perRoutePoliciesPickTheLongestPrefix() async throws {
        let routes = try CORSRoutes([
            "/public": CORSPolicy(allowOrigins: ["*"]),
            "/api": CORSPolicy(allowOrigins: ["https://app.example.com"], allowCredentials: true),
            "/api/admin": CORSPolicy(allowOrigins: ["https://admin.example.com"], allowCredentials: true),
        ])
        try await Self.withCORSApp(CORSPolicyMiddleware(routes: routes)) { tester in
            func allowOrigin(_ path: String, _ origin: String) async throws -> String? {
                try await Self.send(tester, .GET, path, ["Origin": origin]).headers.first(name: "Access-Control-Allow-Origin")
            }
            let publicData = try await allowOrigin("/public/data", "https://anyone.test")
            let me = try await allowOrigin("/api/me", "https://app.example.com")
            let adminByAdmin = try await allowOrigin("/api/admin/users", "https://admin.example.com")
            let adminByApp = try await allowOrigin("/api/admin/users", "https://app.example.com")
            let uncovered = try await allowOrigin("/items/1", "https://app.example.com")
            #expect(publicData == "*")
            #expect(me == "https://app.example.com")
            #expect(adminByAdmin == "https://admin.example.com")
            // The nested policy replaces its parent's whole.
            #expect(adminByApp == nil)
            #expect(uncovered == nil)
        }
    }

    @Test func asyncPredicateDecidesAndItsCacheBoundsLookups() async throws {
        let tenants = CachedOriginPredicate(capacity: 8, timeToLive: .seconds(60)) { origin in
            try? await Task.sleep(for: .milliseconds(1))
            return origin.host.hasSuffix(".tenant.test")
        }
        let policy = CORSPolicy(allowOriginPredicate: tenants.predicate, allowMethods: ["PUT"])
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: policy)) { tester in
            for _ in 0..<3 {
                let response = try await Self.send(tester, .OPTIONS, "/items/1", Self.preflight("https://a.tenant.test", "PUT"))
                #expect(response.headers.first(name: "Access-Control-Allow-Origin") == "https://a.tenant.test")
            }
            let refused = try await Self.send(tester, .GET, "/items/1", ["Origin": "https://b.other.test"])
            #expect(refused.headers.first(name: "Access-Control-Allow-Origin") == nil)
        }
        #expect(tenants.lookupCount == 2)
    }

    @Test func mixedCaseHeaderNamesFromTheWireAreRecognized() async throws {
        try await Self.withCORSApp(try CORSPolicyMiddleware(policy: Self.policy)) { tester in
            let response = try await Self.send(
                tester,
                .OPTIONS,
                "/items/1",
                ["oRiGiN": "https://app.example.com", "access-control-request-METHOD": "PUT"]
            )
            #expect(response.status == .noContent)
        }
    }
}
#endif
