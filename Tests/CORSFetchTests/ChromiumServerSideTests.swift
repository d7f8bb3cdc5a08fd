#if Hummingbird
import BrowserHarness
import CORS
import CORSBrowser
import CORSHummingbird
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The server side in a real browser: an API served by swift-cors' Hummingbird and Vapor middleware
/// under a set of policies (any origin, exact list, patterns, credentials, exposed headers,
/// max-age, per route), and Chromium making every request of a matrix from an allowed origin and a
/// disallowed one. Chromium's verdict must be what the policy means, computed here the obvious way.
extension ChromiumAgreementTests {

    struct Shape {
        var method: String
        var headers: [String: String] = [:]
        var body: String?
        var credentials = "same-origin"
    }

    static let shapes: [Shape] = [
        Shape(method: "GET"), Shape(method: "GET", headers: ["X-A": "1"]), Shape(method: "PUT"),
        Shape(method: "PUT", headers: ["X-A": "1"]), Shape(method: "DELETE"),
        Shape(method: "POST", headers: ["Content-Type": "application/json"], body: "{}"),
        Shape(method: "GET", credentials: "include"), Shape(method: "PUT", credentials: "include"),
        Shape(method: "PATCH", headers: ["X-B": "1"]),
    ]

    /// What a policy means for one request: the obvious reading of each key. `readable` is the
    /// set of names a script reads, or `nil` for "every header" (`exposeHeaders: *`).
    static func expected(_ policy: CORSPolicy, origin: String, _ shape: Shape) -> (allowed: Bool, readable: Set<String>?) {
        let credentialed = shape.credentials == "include"
        let originAllowed =
            policy.allowOrigins == ["*"]
            ? !credentialed
            : policy.allowOrigins.contains { (try? OriginPattern(parsing: $0))?.matches(origin) ?? false }
        guard originAllowed, !credentialed || policy.allowCredentials else { return (false, []) }
        let unsafe = CORSSafelist.unsafeNames(shape.headers.map { ($0.key, $0.value) })
        let methodAllowed =
            ["GET", "HEAD", "POST"].contains(shape.method) || policy.allowMethods.contains(shape.method)
            || (policy.allowMethods == ["*"] && !credentialed)
        let headersAllowed = unsafe.allSatisfy { name in
            policy.allowHeaders.contains { $0.lowercased() == name } || (policy.allowHeaders.contains("*") && !credentialed)
        }
        guard methodAllowed, headersAllowed else { return (false, []) }
        if policy.exposeHeaders == ["*"] && !credentialed { return (true, nil) }
        var readable: Set<String> = ["content-type", "content-length"]
        if policy.exposeHeaders.contains(where: { $0.lowercased() == "x-total" }) { readable.insert("x-total") }
        return (true, readable)
    }

    /// A policy setup under test: one policy for every path, or one per route prefix.
    struct Setup {
        var name: String
        var routes: [(prefix: String, policy: CORSPolicy)]
        func policy(for path: String) -> CORSPolicy {
            routes.filter { path.hasPrefix($0.prefix) }.max { $0.prefix.count < $1.prefix.count }!.policy
        }
        func corsRoutes() throws -> CORSRoutes {
            try CORSRoutes(Dictionary(uniqueKeysWithValues: routes.map { ($0.prefix, $0.policy) }))
        }
    }

    static func setups(allowedPage: String) -> [Setup] {
        [
            Setup(
                name: "any origin, exposed header",
                routes: [
                    (
                        "/",
                        CORSPolicy(
                            allowOrigins: ["*"],
                            allowMethods: ["PUT"],
                            allowHeaders: ["X-A"],
                            exposeHeaders: ["X-Total"]
                        )
                    )
                ]
            ),
            Setup(
                name: "exact list with credentials and max-age",
                routes: [
                    (
                        "/",
                        CORSPolicy(
                            allowOrigins: ["https://app.example", allowedPage],
                            allowMethods: ["PUT", "DELETE"],
                            allowHeaders: ["Content-Type", "X-A"],
                            allowCredentials: true,
                            maxAge: 600
                        )
                    )
                ]
            ),
            Setup(
                name: "port pattern, wildcards",
                routes: [
                    (
                        "/",
                        CORSPolicy(
                            allowOrigins: ["http://127.0.0.1:*"],
                            allowMethods: ["*"],
                            allowHeaders: ["*"],
                            exposeHeaders: ["*"]
                        )
                    )
                ]
            ),
            Setup(
                name: "subdomain pattern that covers neither page",
                routes: [
                    (
                        "/",
                        CORSPolicy(
                            allowOrigins: ["http://*.example.test"],
                            allowMethods: ["PUT"]
                        )
                    )
                ]
            ),
            Setup(
                name: "per route: public read-only, private with credentials",
                routes: [
                    ("/public", CORSPolicy(allowOrigins: ["*"], allowMethods: ["GET"], exposeHeaders: ["X-Total"])),
                    (
                        "/private",
                        CORSPolicy(
                            allowOrigins: [allowedPage],
                            allowMethods: ["PUT", "PATCH"],
                            allowHeaders: ["X-B"],
                            allowCredentials: true
                        )
                    ),
                ]
            ),
        ]
    }

    /// Serves the suite's API under `setup` with the Hummingbird or the Vapor adapter.
    static func withAPI<T: Sendable>(_ adapter: String, _ setup: Setup, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let routes = try setup.corsRoutes()
        if adapter == "Vapor" {
            #if Vapor
            return try await VaporAPIServer.withAPI(routes: routes, body)
            #else
            throw Chromium.DriverError.launchFailed("built without the Vapor trait")
            #endif
        }
        let router = Router()
        router.add(middleware: CORSPolicyMiddleware(routes: routes))
        for method in [HTTPRequest.Method.get, .put, .post, .delete, .patch] {
            router.on("/**", method: method) { _, _ in
                Response(
                    status: .ok,
                    headers: [HTTPField.Name("X-Total")!: "3", .contentType: "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: "ok"))
                )
            }
        }
        let api = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await api.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)") }
    }

    #if Vapor
    static let adapters = ["Hummingbird", "Vapor"]
    #else
    static let adapters = ["Hummingbird"]
    #endif

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func chromiumDoesWhatThePolicyMeans() async throws {
        try await AgreementMatrix.pageServer().test(.live) { pageClient in
            let port = pageClient.port!
            let allowedPage = "http://127.0.0.1:\(port)"
            let otherPage = "http://localhost:\(port)"  // the same server, another origin
            let pages = [allowedPage, otherPage]
            var agree = 0
            var total = 0
            var allowedSeen = 0
            var failures: [String] = []
            for adapter in Self.adapters {
                for setup in Self.setups(allowedPage: allowedPage) {
                    let prefixes = setup.routes.map(\.prefix)
                    let checks: [(ok: Bool, allowed: Bool, failure: String?)] = try await Self.withAPI(adapter, setup) { apiBase in
                        let observed = try await Chromium.session { browser in
                            let tab = try browser.newPage()
                            return try pages.map { page in
                                try tab.navigate(to: page + "/page.html")
                                let cases = prefixes.flatMap { prefix in
                                    Self.shapes.enumerated().map { index, shape in
                                        Case(
                                            path: "\(prefix == "/" ? "" : prefix)/\(page.hasPrefix("http://localhost") ? "l" : "a")\(index)",
                                            method: shape.method,
                                            headers: shape.headers,
                                            body: shape.body,
                                            credentials: shape.credentials
                                        )
                                    }
                                }
                                return try zip(cases, Self.observe(cases, in: tab, api: apiBase, recorder: nil)).map { ($0.path, $1.result) }
                            }
                        }
                        var checks: [(ok: Bool, allowed: Bool, failure: String?)] = []
                        for (page, results) in zip(pages, observed) {
                            for (offset, (path, got)) in results.enumerated() {
                                let shape = Self.shapes[offset % Self.shapes.count]
                                let want = Self.expected(setup.policy(for: path), origin: page, shape)
                                let readable = Set(got.headers ?? [])
                                // "Every header": at least the app's own and the server's Date.
                                let readableAsMeant =
                                    want.readable.map { readable == $0 } ?? readable.isSuperset(of: ["x-total", "date", "content-type"])
                                if got.ok == want.allowed && (!got.ok || readableAsMeant) {
                                    checks.append((true, got.ok, nil))
                                } else {
                                    checks.append(
                                        (
                                            false, got.ok,
                                            "\(adapter), \(setup.name), \(shape.method) \(path) \(shape.headers) \(shape.credentials) from \(page): Chromium \(got.ok) \(readable.sorted()), policy means \(want.allowed) \(want.readable.map { $0.sorted().description } ?? "all")"
                                        )
                                    )
                                }
                            }
                        }
                        return checks
                    }
                    for check in checks {
                        total += 1
                        if check.ok { agree += 1 }
                        if check.ok && check.allowed { allowedSeen += 1 }
                        if let failure = check.failure { failures.append(failure) }
                    }
                }
            }
            print(
                "Chromium vs policy: \(agree)/\(total) requests as the policy means (\(allowedSeen) allowed; adapters \(Self.adapters.joined(separator: ", ")))"
            )
            for failure in failures { print("  mismatch: \(failure)") }
            #expect(agree == total, "\(failures.joined(separator: "\n"))")
            #expect(allowedSeen >= 20 * Self.adapters.count)
        }
    }
}
#endif
