import CORS
import CORSProxy
import Foundation
import TestHarness
import Testing

/// Responses relayed from the upstream, and the gateway's own error answers: each carries the
/// policy's CORS headers and a Vary merged into the upstream's, so a page can read even a 502.
@Suite struct ActualResponseTests {
    @Test(arguments: [200, 404, 500])
    func anAllowedOriginsResponseGetsTheCORSHeadersAndOneMergedVaryWhateverItsStatus(status: Int) async throws {
        let upstream: UpstreamBehaviour = { _ in
            Reply.response(status, [("Vary", "Accept-Encoding"), ("X-Request-Id", "r-1")], body: "status \(status)")
        }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await fetch(proxy.port, "GET", "/items?page=2", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == status)
            #expect(response.text == "status \(status)")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(response.values("Access-Control-Allow-Credentials") == ["true"])
            #expect(response.values("Access-Control-Expose-Headers") == ["X-Request-Id"])
            #expect(response.values("Vary") == ["Accept-Encoding, Origin"])
            #expect(response.values("X-Request-Id") == ["r-1"])
            #expect(proxy.upstream.requests.map(\.uri) == ["/items?page=2"])
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["cors"] == "allowed")
            #expect(log.first?["status"] == String(status))
            #expect(log.first?["upstream_status"] == String(status))
            #expect(log.first?["path"] == "/items")
        }
    }

    @Test func aRefusedOriginGetsNoAllowHeadersButStillVaryOrigin() async throws {
        let upstream: UpstreamBehaviour = { request in
            request.uri == "/merged" ? Reply.response(200, [("Vary", "Accept-Encoding")]) : Reply.response(200)
        }
        try await withProxy(upstream: upstream) { proxy in
            let plain = try await fetch(proxy.port, "GET", "/plain", headers: [("Origin", "https://evil.example")])
            #expect(plain.status == 200)
            #expect(plain.accessControlNames == [])
            #expect(plain.values("Vary") == ["Origin"])
            let merged = try await fetch(proxy.port, "GET", "/merged", headers: [("Origin", "https://evil.example")])
            #expect(merged.accessControlNames == [])
            #expect(merged.values("Vary") == ["Accept-Encoding, Origin"])
            // Refused, yet handed on: CORS guards reading, not the server.
            #expect(proxy.upstream.requests.map(\.uri) == ["/plain", "/merged"])
            let log = try await proxy.gateway.awaitLog(count: 2)
            #expect(log.map { $0["cors"] } == ["rejected", "rejected"])
            #expect(log.map { $0["reason"] } == ["origin-not-allowed", "origin-not-allowed"])
        }
    }

    @Test func aRequestWithoutOriginIsNotCORSAndStillVariesOnOrigin() async throws {
        try await withProxy { proxy in
            let response = try await fetch(proxy.port, "GET", "/")
            #expect(response.status == 200)
            #expect(response.accessControlNames == [])
            #expect(response.values("Vary") == ["Origin"])
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["cors"] == "not-cors")
        }
    }

    @Test func anUnreachableUpstreamIsA502WithTheCORSHeadersAndAJSONCause() async throws {
        let closed = ServerProcess.closedPort
        let route = ProxyRoute(
            prefix: "/",
            upstream: UpstreamURL(scheme: .http, host: "127.0.0.1", port: closed),
            responder: TestPolicy.responder()
        )
        try await withGateway(testConfiguration(routes: [route])) { gateway in
            let response = try await fetch(gateway.port, "GET", "/items", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 502)
            #expect(response.values("Content-Type") == ["application/json"])
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(response.values("Access-Control-Allow-Credentials") == ["true"])
            #expect(response.values("Access-Control-Expose-Headers") == ["X-Request-Id"])
            #expect(response.values("Vary") == ["Origin"])
            #expect(response.text.hasPrefix(#"{"error":"upstream-unreachable","detail":"#), "\(response.text)")
            #expect(response.complete)
            let log = try await gateway.awaitLog(count: 1)
            #expect(log.first?["fault"] == "upstream-unreachable")
            #expect(log.first?["status"] == "502")
        }
    }

    @Test func anUpstreamThatNeverAnswersIsA504AfterTheResponseHeadTimeoutWithTheCORSHeaders() async throws {
        var limits = ProxyLimits.quick
        limits.responseHeadTimeout = .milliseconds(300)
        try await withProxy(upstream: { _ in [.hold] }, limits: limits) { proxy in
            let (response, seconds) = try await timed {
                try await fetch(proxy.port, "GET", "/slow", headers: [("Origin", TestPolicy.origin)])
            }
            #expect(response.status == 504)
            #expect(seconds >= 0.25 && seconds < 10, "answered after \(seconds) s")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(response.values("Vary") == ["Origin"])
            #expect(response.text.hasPrefix(#"{"error":"upstream-response-timeout""#), "\(response.text)")
            #expect(proxy.upstream.requests.count == 1)
            // The held upstream connection is given up, not pooled.
            #expect(try await eventually { proxy.upstream.record.openConnections == 0 })
        }
    }

    @Test func anUploadSlowerThanTheResponseHeadTimeoutIsNotCutWhileItsBodyStillFlows() async throws {
        // The response-head timeout counts from the end of the request, as nginx's read timeout
        // does: a body still streaming up is the idle timeout's business.
        var limits = ProxyLimits.quick
        limits.responseHeadTimeout = .milliseconds(300)
        let counting: UpstreamBehaviour = { request in Reply.response(200, [("Content-Type", "text/plain")], body: "\(request.bodyCount)") }
        try await withProxy(upstream: counting, limits: limits) { proxy in
            let (response, seconds) = try await timed {
                try await blocking { [port = proxy.port] in
                    let connection = try RawConnection(port: port)
                    try connection.sendHead(method: "POST", path: "/upload", headers: [("Origin", TestPolicy.origin), ("Content-Length", "6000")])
                    for piece in 0..<6 {
                        Thread.sleep(forTimeInterval: 0.15)
                        try connection.sendPattern(from: piece * 1000, count: (piece + 1) * 1000, chunked: false)
                    }
                    return try connection.readResponse()
                }
            }
            #expect(seconds >= 0.8, "the upload took \(seconds) s")
            #expect(response.status == 200, "\(response.text)")
            #expect(response.text == "6000")
        }
    }

    @Test func anAccessLogLineStaysOneJSONObjectWhateverTheRequestCarries() async throws {
        try await withProxy { proxy in
            let crafted = #"https://evil.example","status":200,"injected":"yes"#
            _ = try await fetch(proxy.port, "GET", "/a%22b", headers: [("Origin", crafted)])
            let log = try await proxy.gateway.awaitLog(count: 1)
            let line = try #require(log.first)
            #expect(line["origin"] == crafted, "\(line)")
            #expect(line["injected"] == nil)
            #expect(line["status"] == "200")
            #expect(line["path"] == "/a%22b")
        }
    }

    @Test func aPathNoRouteCoversIsA404FromTheGateway() async throws {
        try await withUpstream(Reply.ok) { upstream in
            let route = ProxyRoute(prefix: "/api", upstream: upstream.url, responder: TestPolicy.responder())
            try await withGateway(testConfiguration(routes: [route])) { gateway in
                let outside = try await fetch(gateway.port, "GET", "/apis/x", headers: [("Origin", TestPolicy.origin)])
                #expect(outside.status == 404)
                #expect(outside.text.hasPrefix(#"{"error":"no-route""#))
                let inside = try await fetch(gateway.port, "GET", "/api/x", headers: [("Origin", TestPolicy.origin)])
                #expect(inside.status == 200)
                #expect(upstream.requests.map(\.uri) == ["/api/x"])
            }
        }
    }
}
