#if Hummingbird
import ChromiumHarness
import CORS
import CORSBrowser
import CORSHummingbird
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The server side in a real browser: an API served by swift-cors' Hummingbird middleware under a
/// policy, and Chromium making every request of a matrix from an allowed origin and a disallowed
/// one. Chromium's verdict must be what the policy means, computed here the obvious way.
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
            policy.allowOrigins == ["*"] ? !credentialed
            : policy.allowOrigins.contains { (try? OriginPattern(parsing: $0))?.matches(origin) ?? false }
        guard originAllowed, !credentialed || policy.allowCredentials else { return (false, []) }
        let unsafe = CORSSafelist.unsafeNames(shape.headers.map { ($0.key, $0.value) })
        let methodAllowed = ["GET", "HEAD", "POST"].contains(shape.method) || policy.allowMethods.contains(shape.method)
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

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func chromiumDoesWhatThePolicyMeans() async throws {
        try await Self.pageServer().test(.live) { pageClient in
            let port = pageClient.port!
            let allowedPage = "http://127.0.0.1:\(port)"
            let otherPage = "http://localhost:\(port)"  // the same server, another origin
            let policies: [(String, CORSPolicy)] = [
                ("any origin", CORSPolicy(allowOrigins: ["*"], allowMethods: ["PUT"], allowHeaders: ["X-A"], exposeHeaders: ["X-Total"])),
                ("exact origin with credentials", CORSPolicy(
                    allowOrigins: [allowedPage], allowMethods: ["PUT", "DELETE"], allowHeaders: ["Content-Type", "X-A"],
                    allowCredentials: true, maxAge: 600)),
                ("port pattern, wildcards", CORSPolicy(
                    allowOrigins: ["http://127.0.0.1:*"], allowMethods: ["*"], allowHeaders: ["*"], exposeHeaders: ["*"])),
                ("subdomain pattern that covers neither page", CORSPolicy(allowOrigins: ["http://*.example.test"], allowMethods: ["PUT"])),
            ]
            var agree = 0
            var total = 0
            var allowedSeen = 0
            var failures: [String] = []
            for (name, policy) in policies {
                let router = Router()
                router.add(middleware: try CORSPolicyMiddleware(policy: policy))
                for method in [HTTPRequest.Method.get, .put, .post, .delete, .patch] {
                    router.on("/**", method: method) { _, _ in
                        Response(status: .ok, headers: [HTTPField.Name("X-Total")!: "3", .contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
                    }
                }
                let api = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
                let checks: [(ok: Bool, allowed: Bool, failure: String?)] = try await api.test(.live) { apiClient in
                    var checks: [(ok: Bool, allowed: Bool, failure: String?)] = []
                    let apiBase = "http://127.0.0.1:\(apiClient.port!)"
                    let pages = [allowedPage, otherPage]
                    let observed = try await Chromium.session { browser in
                        let tab = try browser.newPage()
                        return try pages.map { page in
                            try tab.navigate(to: page + "/page.html")
                            let cases = Self.shapes.enumerated().map { index, shape in
                                Case(path: "/\(page.hasPrefix("http://localhost") ? "l" : "a")\(index)", method: shape.method, headers: shape.headers,
                                     body: shape.body, credentials: shape.credentials)
                            }
                            return try Self.observe(cases, in: tab, api: apiBase, recorder: nil).map(\.result)
                        }
                    }
                    for (page, results) in zip(pages, observed) {
                        try #require(results.count == Self.shapes.count, "\(name) from \(page): Chromium ran \(results.count) of \(Self.shapes.count)")
                        for (index, shape) in Self.shapes.enumerated() {
                            let want = Self.expected(policy, origin: page, shape)
                            let got = results[index]
                            let readable = Set(got.headers ?? [])
                            // "Every header": at least the app's own and the server's Date.
                            let readableAsMeant = want.readable.map { readable == $0 } ?? readable.isSuperset(of: ["x-total", "date", "content-type"])
                            if got.ok == want.allowed && (!got.ok || readableAsMeant) {
                                checks.append((true, got.ok, nil))
                            } else {
                                checks.append((false, got.ok, "\(name), \(shape.method) \(shape.headers) \(shape.credentials) from \(page): Chromium \(got.ok) \(readable.sorted()), policy means \(want.allowed) \(want.readable.map { $0.sorted().description } ?? "all")"))
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
            print("Chromium vs policy: \(agree)/\(total) requests as the policy means (\(allowedSeen) allowed)")
            for failure in failures { print("  mismatch: \(failure)") }
            #expect(agree == total, "\(failures.joined(separator: "\n"))")
            #expect(allowedSeen >= 10)
        }
    }
}
#endif
