import CORS
import CORSProxy
import Synchronization
import TestHarness
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client's connection as HTTP/1.1 (and 1.0) clients really use it: half-closes, upgrade
/// requests the gateway does not honour, Expect: 100-continue, HTTP/1.0 framing, stale pooled
/// upstream connections, stalled uploads.
@Suite struct ClientConnectionTests {
    @Test func aClientThatHalfClosesAfterItsRequestStillGetsTheAnswer() async throws {
        try await withProxy(upstream: { _ in Reply.response(200, body: "answered") }) { proxy in
            let (response, ended) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.send("GET /half HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
                shutdown(connection.fd, Int32(SHUT_WR))
                let first = try connection.readResponse()
                let second = try connection.readResponse()
                return ([first, second], connection.waitForEnd())
            }
            #expect(response.map(\.status) == [200, 200])
            #expect(response.map(\.text) == ["answered", "answered"])
            #expect(ended, "the gateway closes once it has answered a client that sends no more")
            #expect(proxy.upstream.requests.map(\.uri) == ["/half", "/second"])
        }
    }

    @Test func aClientThatHalfClosesMidBodyIsAnsweredOrCutNeverLeftWaiting() async throws {
        try await withProxy { proxy in
            let outcome = try await blocking { [port = proxy.port] () -> String in
                let connection = try RawConnection(port: port, timeoutSeconds: 5)
                try connection.sendHead(method: "POST", path: "/", headers: [("Content-Length", "100")])
                try connection.send("ten bytes!")
                shutdown(connection.fd, Int32(SHUT_WR))
                do {
                    return "status \(try connection.readResponse().status)"
                } catch RawHTTPError.closedBeforeHead {
                    return "closed"
                }
            }
            #expect(outcome == "status 400" || outcome == "closed", "\(outcome)")
            #expect(proxy.upstream.requests.allSatisfy { !$0.ended })
        }
    }

    /// The gateway does not upgrade (Upgrade is hop-by-hop): it answers the request as plain
    /// HTTP, and since its parser treats the connection as switched after such a request, it
    /// closes it rather than leave a next request unanswered.
    @Test(arguments: ["websocket", "h2c"])
    func anUpgradeRequestIsAnsweredAsPlainHTTPAndTheConnectionClosedNotLeftHanging(upgrade: String) async throws {
        try await withProxy { proxy in
            let outcome = try await blocking { [port = proxy.port] () -> (RawResponse, String) in
                let connection = try RawConnection(port: port, timeoutSeconds: 3)
                let first = try connection.request(
                    "GET",
                    "/ws",
                    headers: [("Connection", "Upgrade, HTTP2-Settings"), ("Upgrade", upgrade), ("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA")]
                )
                do {
                    _ = try connection.request("GET", "/after")
                    return (first, "answered")
                } catch RawHTTPError.closedBeforeHead {
                    return (first, "closed")
                } catch RawHTTPError.send {
                    return (first, "closed")
                }
            }
            #expect(outcome.0.status == 200)
            #expect(outcome.0.values("Connection").map { $0.lowercased() } == ["close"])
            #expect(outcome.1 == "closed")
            let received = try #require(proxy.upstream.requests.first)
            #expect(received.values("Upgrade") == [] && received.values("HTTP2-Settings") == [])
            let next = try await fetch(proxy.port, "GET", "/next")
            #expect(next.status == 200)
        }
    }

    @Test func expect100ContinueIsAnsweredByTheGatewayAndNotForwarded() async throws {
        let upstream: UpstreamBehaviour = { request in Reply.response(200, body: "\(request.bodyCount)") }
        try await withProxy(upstream: upstream) { proxy in
            let (interim, final) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.sendHead(method: "POST", path: "/", headers: [("Content-Length", "5"), ("Expect", "100-continue")])
                let interim = try connection.readHead()
                try connection.send("hello")
                return (interim, try connection.readResponse())
            }
            #expect(interim.status == 100)
            #expect(final.status == 200)
            #expect(final.text == "5")
            #expect(proxy.upstream.requests.first?.values("Expect") == [])
        }
    }

    @Test func anExpect100ContinueAboveTheBodyLimitIs413WithoutAContinue() async throws {
        var limits = ProxyLimits.quick
        limits.requestBodyBytes = 10
        try await withProxy(limits: limits) { proxy in
            let response = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.sendHead(method: "POST", path: "/", headers: [("Content-Length", "11"), ("Expect", "100-continue")])
                return try connection.readResponse()
            }
            #expect(response.interim == [])
            #expect(response.status == 413)
        }
    }

    @Test func anHTTP10ClientGetsAChunkedUpstreamBodyDelimitedByTheClose() async throws {
        let upstream: UpstreamBehaviour = { _ in [.send(Reply.head(200, [("Transfer-Encoding", "chunked")]) + Reply.chunked(["hello ", "world"]))] }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.sendHead(method: "GET", path: "/", headers: [("Connection", "keep-alive")], version: "HTTP/1.0")
                return try connection.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.values("Transfer-Encoding") == [])
            #expect(response.framing == .untilClose)
            #expect(response.complete && response.text == "hello world")
        }
    }

    @Test func aPooledConnectionTheUpstreamDroppedIsRetriedOnAFreshOneForABodilessRequest() async throws {
        // The upstream drops each connection's second request unanswered, as one that timed out an
        // idle connection just as it was reused.
        let perConnection = Mutex<[Int: Int]>([:])
        let upstream: UpstreamBehaviour = { request in
            let number = perConnection.withLock { counts in
                counts[request.connection, default: 0] += 1
                return counts[request.connection]!
            }
            return number == 2 ? [.close] : Reply.response(200, body: "connection \(request.connection)")
        }
        try await withProxy(upstream: upstream) { proxy in
            let first = try await fetch(proxy.port, "GET", "/1")
            let second = try await fetch(proxy.port, "GET", "/2")
            #expect(first.text == "connection 1")
            #expect(second.status == 200)
            #expect(second.text == "connection 2")
            #expect(proxy.upstream.requests.map(\.uri) == ["/1", "/2", "/2"])

            // A request whose body has gone is not sent twice: the upstream may have acted on it.
            let third = try await fetch(proxy.port, "POST", "/3", body: Array("data".utf8))
            #expect(third.status == 502)
            #expect(proxy.upstream.requests.map(\.uri) == ["/1", "/2", "/2", "/3"])
        }
    }

    @Test func aStalledUploadIsA504AfterTheIdleTimeout() async throws {
        var limits = ProxyLimits.quick
        limits.idleTimeout = .milliseconds(300)
        try await withProxy(limits: limits) { proxy in
            let (response, seconds) = try await timed {
                try await blocking { [port = proxy.port] in
                    let connection = try RawConnection(port: port)
                    try connection.sendHead(method: "POST", path: "/", headers: [("Origin", TestPolicy.origin), ("Content-Length", "1000")])
                    try connection.send("only this much")
                    return try connection.readResponse()
                }
            }
            #expect(response.status == 504)
            #expect(response.text.hasPrefix(#"{"error":"idle-timeout""#), "\(response.text)")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(seconds >= 0.25 && seconds < 10)
            #expect(proxy.upstream.requests.first?.ended == false)
        }
    }
}
