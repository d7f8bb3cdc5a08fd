import CORS
import CORSProxy
import NIOCore
import TestHarness
import Testing

/// The bounds on what a client may send: bodies (413, before anything is forwarded when
/// Content-Length says so) and headers (431).
@Suite struct LimitTests {
    static var small: ProxyLimits {
        var limits = ProxyLimits.quick
        limits.requestBodyBytes = 1 << 20
        limits.requestHeaderBytes = 4096
        return limits
    }

    @Test func aContentLengthAboveTheLimitIs413AndNothingIsForwarded() async throws {
        try await withProxy(limits: Self.small) { proxy in
            let (response, closed) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.sendHead(
                    method: "POST",
                    path: "/upload",
                    headers: [("Origin", TestPolicy.origin), ("Content-Length", String((1 << 20) + 1))]
                )
                let response = try connection.readResponse()
                return (response, connection.waitForEnd())
            }
            #expect(response.status == 413)
            #expect(response.text.hasPrefix(#"{"error":"request-body-too-large""#), "\(response.text)")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(closed, "the unread body leaves the connection unusable: it is closed")
            #expect(proxy.upstream.record.acceptedConnections == 0)
        }
    }

    @Test func aBodyOfExactlyTheLimitIsForwarded() async throws {
        let upstream: UpstreamBehaviour = { request in Reply.response(200, body: "\(request.bodyCount)") }
        try await withProxy(upstream: upstream, limits: Self.small) { proxy in
            let response = try await fetch(proxy.port, "POST", "/upload", body: BytePattern.bytes(count: 1 << 20))
            #expect(response.status == 200)
            #expect(response.text == String(1 << 20))
        }
    }

    @Test func aChunkedBodyThatGrowsPastTheLimitIsRefusedAndNeverReachesTheUpstreamWhole() async throws {
        try await withProxy(limits: Self.small) { proxy in
            let outcome = try await blocking { [port = proxy.port] () -> String in
                let connection = try RawConnection(port: port)
                try connection.sendHead(method: "POST", path: "/upload", headers: [("Transfer-Encoding", "chunked")])
                do {
                    try connection.sendPattern(count: 4 << 20, chunked: true)
                } catch {
                    // The gateway may close before the body is all sent: then the answer may be lost too.
                }
                do {
                    return "status \(try connection.readResponse().status)"
                } catch RawHTTPError.closedBeforeHead {
                    return "aborted"
                }
            }
            #expect(outcome == "status 413" || outcome == "aborted", "\(outcome)")
            #expect(proxy.upstream.requests.allSatisfy { !$0.ended && $0.bodyCount <= 1 << 20 })
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["fault"] == "request-body-too-large")
        }
    }

    @Test func headersLargerThanTheLimitAre431() async throws {
        try await withProxy(limits: Self.small) { proxy in
            let response = try await fetch(
                proxy.port,
                "GET",
                "/",
                headers: [("Origin", TestPolicy.origin), ("X-Big", String(repeating: "a", count: 5000))]
            )
            #expect(response.status == 431)
            #expect(response.text.hasPrefix(#"{"error":"request-headers-too-large""#), "\(response.text)")
            #expect(proxy.upstream.record.acceptedConnections == 0)
            // Just under the limit passes.
            let fits = try await fetch(proxy.port, "GET", "/", headers: [("X-Big", String(repeating: "a", count: 3000))])
            #expect(fits.status == 200)
        }
    }

    @Test func headersBeyondWhatTheParserTakesAre431Too() async throws {
        try await withProxy { proxy in
            let response = try await fetch(proxy.port, "GET", "/", headers: [("X-Huge", String(repeating: "a", count: 200_000))])
            #expect(response.status == 431)
            #expect(proxy.upstream.requests.isEmpty)
        }
    }
}
