import CORS
import Testing

/// `CORSRoutes` on its own: which policy a path gets, the fallback, and how a bad route is refused.
@Suite struct RoutesTests {
    static func policy(_ origin: String) -> CORSPolicy { CORSPolicy(allowOrigins: [origin]) }

    /// The one allowed origin of the policy `routes` picks for `path`, or nil when none covers it.
    static func origin(_ routes: CORSRoutes, _ path: String) -> String? {
        routes.responder(forPath: path).map { $0.policy.allowOrigins.joined(separator: " ") }
    }

    @Test func pathsNoPrefixCoversGetTheFallbackAndWithoutOneNoPolicy() throws {
        let withFallback = try CORSRoutes(["/api": Self.policy("https://api.example")], fallback: Self.policy("https://any.example"))
        #expect(Self.origin(withFallback, "/api/users") == "https://api.example")
        #expect(Self.origin(withFallback, "/apis") == "https://any.example")
        #expect(Self.origin(withFallback, "/") == "https://any.example")
        let without = try CORSRoutes(["/api": Self.policy("https://api.example")])
        #expect(Self.origin(without, "/apis") == nil)
        #expect(Self.origin(without, "/") == nil)
        // Only a fallback: every path gets it.
        let onlyFallback = try CORSRoutes([:], fallback: Self.policy("https://any.example"))
        #expect(Self.origin(onlyFallback, "/anything/at/all") == "https://any.example")
    }

    @Test func aTrailingSlashOnAPrefixIsDroppedAndSlashAloneCoversEveryPath() throws {
        let routes = try CORSRoutes([
            "/api/": Self.policy("https://api.example"), "/": Self.policy("https://root.example"),
            "/api/admin/": Self.policy("https://admin.example"),
        ])
        #expect(Self.origin(routes, "/api") == "https://api.example")
        #expect(Self.origin(routes, "/api/admin") == "https://admin.example")
        #expect(Self.origin(routes, "/api/admin/users") == "https://admin.example")
        #expect(Self.origin(routes, "/api/administrators") == "https://api.example")
        #expect(Self.origin(routes, "/apis") == "https://root.example")
        #expect(Self.origin(routes, "/") == "https://root.example")
    }

    @Test func anInvalidRoutePolicyIsRefusedNamingItsRoute() {
        let credentialedStar = CORSPolicy(allowOrigins: ["*"], allowCredentials: true)
        let expectedLines = credentialedStar.validate().lines
        #expect(!expectedLines.isEmpty)
        do {
            _ = try CORSRoutes(["/public": Self.policy("https://a.example"), "/api": credentialedStar])
            Issue.record("an invalid route policy was accepted")
        } catch {
            guard case .invalidPolicy(let route, _) = error else {
                Issue.record("refused as \(error)")
                return
            }
            #expect(route == "/api")
            #expect(error.description == expectedLines.map { "the policy for /api: \($0)" }.joined(separator: "\n"))
        }
    }

    @Test func anInvalidFallbackIsRefusedAsTheFallbackPolicy() {
        let credentialedStar = CORSPolicy(allowOrigins: ["*"], allowCredentials: true)
        do {
            _ = try CORSRoutes(["/api": Self.policy("https://a.example")], fallback: credentialedStar)
            Issue.record("an invalid fallback was accepted")
        } catch {
            guard case .invalidPolicy(let route, _) = error else {
                Issue.record("refused as \(error)")
                return
            }
            #expect(route == nil)
            #expect(error.description.hasPrefix("the fallback policy: error: allowCredentials: "), "\(error)")
        }
    }

    @Test func aPrefixWithoutALeadingSlashIsRefusedWithTheFix() {
        do {
            _ = try CORSRoutes(["api": Self.policy("https://a.example")])
            Issue.record("a prefix that is not a path was accepted")
        } catch {
            guard case .prefixNotAPath(let prefix) = error else {
                Issue.record("refused as \(error)")
                return
            }
            #expect(prefix == "api")
            #expect(error.description == #"route prefix "api" is not a path; write it with a leading slash: "/api""#)
        }
    }
}
