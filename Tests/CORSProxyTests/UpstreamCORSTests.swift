import CORS
import CORSProxy
import Testing

/// An upstream that sends its own Access-Control-* headers: replaced by the policy's (exactly one
/// Allow-Origin, ours), or, under `keep`, passed through untouched with none of ours added.
@Suite struct UpstreamCORSTests {
    static let upstreamOwn: UpstreamBehaviour = { _ in
        Reply.response(
            200,
            [
                ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Origin", "https://other"),
                ("Access-Control-Expose-Headers", "X-Upstream-Secret"), ("Access-Control-Max-Age", "99"),
                ("X-Upstream-Secret", "s"),
            ],
            body: "own"
        )
    }

    @Test func replaceLeavesExactlyOneAllowOriginThePolicys() async throws {
        try await withProxy(upstream: Self.upstreamOwn, upstreamCORS: .replace) { proxy in
            let response = try await fetch(proxy.port, "GET", "/", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 200)
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(response.values("Access-Control-Expose-Headers") == ["X-Request-Id"])
            #expect(response.values("Access-Control-Allow-Credentials") == ["true"])
            #expect(response.values("Access-Control-Max-Age") == [])
            #expect(response.values("X-Upstream-Secret") == ["s"])
            #expect(response.values("Vary") == ["Origin"])

            // A refused origin gets none of the upstream's either.
            let refused = try await fetch(proxy.port, "GET", "/", headers: [("Origin", "https://other")])
            #expect(refused.accessControlNames == [])
        }
    }

    @Test func keepPassesTheUpstreamsOwnHeadersUntouchedAndAddsNone() async throws {
        try await withProxy(upstream: Self.upstreamOwn, upstreamCORS: .keep) { proxy in
            let response = try await fetch(proxy.port, "GET", "/", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 200)
            let accessControl = response.headers.filter { $0.name.lowercased().hasPrefix("access-control-") }
            #expect(
                accessControl.map { "\($0.name): \($0.value)" } == [
                    "Access-Control-Allow-Origin: *", "Access-Control-Allow-Origin: https://other",
                    "Access-Control-Expose-Headers: X-Upstream-Secret", "Access-Control-Max-Age: 99",
                ]
            )
        }
    }

    @Test func keepStillDecoratesAResponseThatHasNoneOfItsOwn() async throws {
        try await withProxy(upstream: Reply.ok, upstreamCORS: .keep) { proxy in
            let response = try await fetch(proxy.port, "GET", "/", headers: [("Origin", TestPolicy.origin)])
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(response.values("Vary") == ["Origin"])
        }
    }
}
