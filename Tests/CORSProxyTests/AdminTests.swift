import CORS
import CORSProxy
import Foundation
import Testing

/// The admin address: `/health` and `/metrics`, apart from the proxied paths.
@Suite struct AdminTests {
    static func withAdmin(_ body: (Harness, Int) async throws -> Void) async throws {
        try await withProxy(configure: { $0.admin = ListenAddress(host: "127.0.0.1", port: 0) }) { proxy in
            let admin = try #require(proxy.gateway.server.adminAddress?.port)
            try await body(proxy, admin)
        }
    }

    @Test func healthAnswersJSONWithStatusOk() async throws {
        try await Self.withAdmin { proxy, admin in
            let response = try await fetch(admin, "GET", "/health")
            #expect(response.status == 200)
            #expect(response.values("Content-Type") == ["application/json"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(json["status"] as? String == "ok")
            #expect(json["generation"] as? Int == 1)
            #expect(json["routes"] as? Int == 1)
            #expect(json["open"] as? Bool == false)

            let unknown = try await fetch(admin, "GET", "/nothing")
            #expect(unknown.status == 404)
            // The proxied address has no /health of its own: it goes to the upstream.
            _ = try await fetch(proxy.port, "GET", "/health")
            #expect(proxy.upstream.requests.map(\.uri) == ["/health"])
        }
    }

    @Test func metricsCountTheRequestsByCORSOutcome() async throws {
        try await Self.withAdmin { proxy, admin in
            let allowed = [("Origin", TestPolicy.origin)]
            let refused = [("Origin", "https://evil.example")]
            for _ in 0..<3 { _ = try await fetch(proxy.port, "GET", "/", headers: allowed) }
            for _ in 0..<2 { _ = try await fetch(proxy.port, "GET", "/", headers: refused) }
            _ = try await fetch(proxy.port, "GET", "/")
            _ = try await fetch(proxy.port, "OPTIONS", "/", headers: allowed + [("Access-Control-Request-Method", "PUT")])
            _ = try await fetch(proxy.port, "OPTIONS", "/", headers: allowed + [("Access-Control-Request-Method", "PATCH")])
            _ = try await proxy.gateway.awaitLog(count: 8)

            let metrics = try await fetch(admin, "GET", "/metrics")
            #expect(metrics.status == 200)
            let lines = metrics.text.split(separator: "\n").map(String.init)
            func count(_ outcome: String) -> String? {
                let prefix = "cors_proxy_requests_total{cors=\"\(outcome)\"} "
                return lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            }
            #expect(count("allowed") == "3", "\(metrics.text)")
            #expect(count("rejected") == "2")
            #expect(count("not-cors") == "1")
            #expect(count("preflight-allowed") == "1")
            #expect(count("preflight-rejected") == "1")
        }
    }
}
