import CORS
import CORSProxy
import Testing

/// Several routes: the longest prefix that covers a path by whole segments picks the upstream,
/// the policy and the handling of upstream CORS headers.
@Suite struct RoutingTests {
    @Test func theLongestCoveringPrefixPicksTheUpstreamAndThePolicy() async throws {
        let own: UpstreamBehaviour = { request in
            Reply.response(200, [("Access-Control-Allow-Origin", "https://upstream-own")], body: "api \(request.uri)")
        }
        try await withUpstream({ request in Reply.response(200, body: "site \(request.uri)") }) { site in
            try await withUpstream(own) { api in
                let routes = [
                    ProxyRoute(prefix: "/", upstream: site.url, responder: TestPolicy.responder(CORSPolicy(allowOrigins: ["https://site.example"]))),
                    ProxyRoute(
                        prefix: "/api",
                        upstream: api.url,
                        responder: TestPolicy.responder(CORSPolicy(allowOrigins: ["https://app.example"])),
                        upstreamCORS: .replace
                    ),
                    ProxyRoute(
                        prefix: "/api/legacy",
                        upstream: api.url,
                        responder: TestPolicy.responder(CORSPolicy(allowOrigins: ["https://app.example"])),
                        upstreamCORS: .keep
                    ),
                ]
                try await withGateway(testConfiguration(routes: routes)) { gateway in
                    func get(_ path: String, _ origin: String) async throws -> RawResponse {
                        try await fetch(gateway.port, "GET", path, headers: [("Origin", origin)])
                    }
                    let api = try await get("/api/items", "https://app.example")
                    #expect(api.text == "api /api/items")
                    #expect(api.values("Access-Control-Allow-Origin") == ["https://app.example"])
                    let bare = try await get("/api", "https://app.example")
                    #expect(bare.text == "api /api")
                    let notASegment = try await get("/apis", "https://site.example")
                    #expect(notASegment.text == "site /apis")
                    #expect(notASegment.values("Access-Control-Allow-Origin") == ["https://site.example"])
                    let wrongPolicy = try await get("/api/items", "https://site.example")
                    #expect(wrongPolicy.accessControlNames == [])
                    let legacy = try await get("/api/legacy/x", "https://app.example")
                    #expect(legacy.values("Access-Control-Allow-Origin") == ["https://upstream-own"])
                    // A preflight answered at the gateway is logged with its route too.
                    let preflight = try await fetch(
                        gateway.port,
                        "OPTIONS",
                        "/api/legacy/x",
                        headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "PUT")]
                    )
                    #expect(preflight.status == 403)
                    let log = try await gateway.awaitLog(count: 6)
                    #expect(log.map { $0["route"] } == ["/api", "/api", "/", "/api", "/api/legacy", "/api/legacy"])
                }
            }
        }
    }
}
