import CORS
import CORSProxy
import TestHarness
import Testing

/// Preflights at the gateway: answered from the policy and never forwarded, unless the policy
/// passes them through; an OPTIONS that is not a preflight goes to the upstream like any request.
@Suite struct PreflightTests {
    static let preflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

    @Test func anAllowedPreflightIsAnsweredByTheGatewayWithThePolicysStatusAndHeadersAndNotForwarded() async throws {
        var policy = TestPolicy.standard
        policy.preflightStatus = 200
        try await withProxy(policy: policy) { proxy in
            let (preflight, after) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                let preflight = try connection.request(
                    "OPTIONS",
                    "/items/1",
                    headers: [
                        ("Origin", TestPolicy.origin), ("Access-Control-Request-Method", "PUT"),
                        ("Access-Control-Request-Headers", "x-token"),
                    ]
                )
                // The same connection goes on to an actual request, which is forwarded: the
                // upstream's count then shows the preflight never reached it.
                let after = try connection.request("PUT", "/items/1", headers: [("Origin", TestPolicy.origin)], body: [])
                return (preflight, after)
            }
            #expect(preflight.status == 200)
            #expect(preflight.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(preflight.values("Access-Control-Allow-Credentials") == ["true"])
            #expect(preflight.values("Access-Control-Allow-Methods") == ["PUT, DELETE"])
            #expect(preflight.values("Access-Control-Allow-Headers") == ["X-Token, Content-Type"])
            #expect(preflight.values("Access-Control-Max-Age") == ["600"])
            #expect(preflight.values("Vary") == [Self.preflightVary])
            #expect(preflight.values("Content-Length") == ["0"])
            #expect(preflight.complete && preflight.body.isEmpty)
            #expect(after.status == 200)
            #expect(proxy.upstream.requests.map(\.method) == ["PUT"])

            let log = try await proxy.gateway.awaitLog(count: 2)
            #expect(log.first?["cors"] == "preflight-allowed")
            #expect(log.first?["upstream_status"] == "null")
        }
    }

    @Test(arguments: [
        ("https://evil.example", "PUT", "x-token", "origin-not-allowed"),
        (TestPolicy.origin, "PATCH", "x-token", "method-not-allowed"),
        (TestPolicy.origin, "PUT", "x-token, x-secret", "header-not-allowed"),
    ])
    func aRefusedPreflightIs403WithoutAllowHeadersNotForwardedAndLoggedWithItsReason(
        origin: String,
        method: String,
        requestHeaders: String,
        reason: String
    ) async throws {
        try await withProxy { proxy in
            let refused = try await fetch(
                proxy.port,
                "OPTIONS",
                "/items/1",
                headers: [
                    ("Origin", origin), ("Access-Control-Request-Method", method),
                    ("Access-Control-Request-Headers", requestHeaders),
                ]
            )
            #expect(refused.status == 403)
            #expect(!refused.names.contains { $0.hasPrefix("access-control-allow-") }, "\(refused.headers)")
            #expect(refused.values("Vary") == [Self.preflightVary])
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.count == 1)
            #expect(log.first?["cors"] == "preflight-rejected")
            #expect(log.first?["reason"] == reason)
            #expect(log.first?["status"] == "403")
            #expect(log.first?["origin"] == origin)
            // An actual request afterwards reaches the upstream, alone.
            _ = try await fetch(proxy.port, "GET", "/after")
            #expect(proxy.upstream.requests.map(\.uri) == ["/after"])
        }
    }

    @Test func anOptionsRequestWithoutAccessControlRequestMethodIsForwardedAndDecorated() async throws {
        try await withProxy(upstream: { _ in Reply.response(200, [("Allow", "GET, OPTIONS")]) }) { proxy in
            let response = try await fetch(proxy.port, "OPTIONS", "/items/1", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 200)
            #expect(response.values("Allow") == ["GET, OPTIONS"])
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(response.values("Vary") == [Self.preflightVary])
            #expect(proxy.upstream.requests.map(\.method) == ["OPTIONS"])
            #expect(proxy.upstream.requests.first?.value("Origin") == TestPolicy.origin)
        }
    }

    @Test func underPreflightPassthroughAnAllowedPreflightIsForwardedAndTheUpstreamsAnswerDecorated() async throws {
        var policy = TestPolicy.standard
        policy.preflightPassthrough = true
        let upstream: UpstreamBehaviour = { _ in Reply.response(200, [("X-Upstream", "answered"), ("Vary", "Accept-Encoding")]) }
        try await withProxy(upstream: upstream, policy: policy) { proxy in
            let response = try await fetch(
                proxy.port,
                "OPTIONS",
                "/items/1",
                headers: [("Origin", TestPolicy.origin), ("Access-Control-Request-Method", "DELETE")]
            )
            #expect(response.status == 200)
            #expect(response.values("X-Upstream") == ["answered"])
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(response.values("Access-Control-Allow-Methods") == ["PUT, DELETE"])
            #expect(response.values("Access-Control-Allow-Credentials") == ["true"])
            #expect(response.values("Vary") == ["Accept-Encoding, " + Self.preflightVary])
            let forwarded = try #require(proxy.upstream.requests.first)
            #expect(proxy.upstream.requests.count == 1)
            #expect(forwarded.method == "OPTIONS")
            #expect(forwarded.value("Access-Control-Request-Method") == "DELETE")
        }
    }
}
