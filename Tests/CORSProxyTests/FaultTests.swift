import CORS
import CORSProxy
import NIOCore
import TestHarness
import Testing

/// What goes wrong on either side: a response cut short reaches the client cut short (never as a
/// complete short body), silence and slowness are bounded, garbage is refused, and the gateway
/// goes on serving after each.
@Suite struct FaultTests {
    @Test func aContentLengthResponseTheUpstreamCutsShortReachesTheClientIncomplete() async throws {
        let upstream: UpstreamBehaviour = { _ in
            [.send(Reply.head(200, [("Content-Length", "100000")]) + BytePattern.bytes(count: 1000)), .close]
        }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await fetch(proxy.port, "GET", "/cut", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 200)
            #expect(response.framing == .contentLength(100_000))
            #expect(!response.complete)
            #expect(response.bodyCount == 1000)
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["fault"] == "aborted")
        }
    }

    @Test func aChunkedResponseTheUpstreamCutsShortReachesTheClientWithoutItsLastChunk() async throws {
        let upstream: UpstreamBehaviour = { _ in
            [.send(Reply.head(200, [("Transfer-Encoding", "chunked")]) + Array("5\r\nhello\r\n".utf8)), .close]
        }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await fetch(proxy.port, "GET", "/cut")
            #expect(response.status == 200)
            #expect(response.framing == .chunked)
            #expect(!response.complete)
            #expect(response.text == "hello")
        }
    }

    @Test func aCloseDelimitedResponseIsRelayedWholeWhenTheUpstreamCloses() async throws {
        let upstream: UpstreamBehaviour = { _ in [.send(Reply.head(200, [("Connection", "close")]) + Array("all of it".utf8)), .close] }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await fetch(proxy.port, "GET", "/")
            #expect(response.status == 200)
            #expect(response.complete)
            #expect(response.text == "all of it")
        }
    }

    @Test func anUpstreamThatClosesWithoutAnsweringIsA502() async throws {
        try await withProxy(upstream: { _ in [.close] }) { proxy in
            let response = try await fetch(proxy.port, "GET", "/", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 502)
            #expect(response.text.hasPrefix(#"{"error":"upstream-closed-early""#), "\(response.text)")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
        }
    }

    @Test func aSilentDownloadIsCutAfterTheIdleTimeout() async throws {
        var limits = ProxyLimits.quick
        limits.idleTimeout = .milliseconds(300)
        let upstream: UpstreamBehaviour = { _ in [.send(Reply.head(200, [("Content-Length", "1000")]) + BytePattern.bytes(count: 10)), .hold] }
        try await withProxy(upstream: upstream, limits: limits) { proxy in
            let (response, seconds) = try await timed { try await fetch(proxy.port, "GET", "/slow") }
            #expect(response.status == 200)
            #expect(!response.complete)
            #expect(response.bodyCount == 10)
            #expect(seconds >= 0.25 && seconds < 10, "cut after \(seconds) s")
            #expect(try await eventually { proxy.upstream.record.openConnections == 0 })
            // The cut is logged (and counted) by its cause, not as a bare abort.
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["fault"] == "idle-timeout")
        }
    }

    @Test func aDownloadThatNeverFallsSilentIsStillCutAtTheDeadline() async throws {
        var limits = ProxyLimits.quick
        limits.deadline = .seconds(2)
        limits.idleTimeout = .seconds(5)
        let upstream: UpstreamBehaviour = { _ in
            [.send(Reply.head(200, [("Content-Length", "100000")])), .trickle(Array("0123456789".utf8), times: 10_000, every: .milliseconds(20))]
        }
        try await withProxy(upstream: upstream, limits: limits) { proxy in
            let (response, seconds) = try await timed { try await fetch(proxy.port, "GET", "/trickle") }
            #expect(response.status == 200)
            #expect(!response.complete)
            #expect(response.bodyCount > 0)
            // Cut at the 2 s deadline (the bound allows a loaded machine).
            #expect(seconds >= 1.9 && seconds < 10, "cut after \(seconds) s")
        }
    }

    @Test func anExchangeWhoseHeadComesTooLateIsA504DeadlineExceeded() async throws {
        var limits = ProxyLimits.quick
        limits.deadline = .milliseconds(300)
        limits.responseHeadTimeout = .seconds(10)
        try await withProxy(upstream: { _ in [.hold] }, limits: limits) { proxy in
            let (response, seconds) = try await timed {
                try await fetch(proxy.port, "GET", "/", headers: [("Origin", TestPolicy.origin)])
            }
            #expect(response.status == 504)
            #expect(response.text.hasPrefix(#"{"error":"deadline-exceeded""#), "\(response.text)")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            // At the deadline, well before the 10 s head timeout (the bound allows a loaded machine).
            #expect(seconds >= 0.25 && seconds < 8)
        }
    }

    /// `abort`: the client's socket is reset; otherwise it is closed in the ordinary way (a FIN,
    /// which the gateway first sees as the client sending no more).
    @Test(arguments: [true, false])
    func aClientThatVanishesMidDownloadLeavesTheGatewayServing(abort: Bool) async throws {
        let size = 64 << 20
        let upstream: UpstreamBehaviour = { request in
            request.uri == "/big"
                ? [.send(Reply.head(200, [("Content-Length", String(size))])), .pattern(count: size, chunked: false)]
                : Reply.response(200, body: "still here")
        }
        try await withProxy(upstream: upstream) { proxy in
            let partial = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.sendHead(method: "GET", path: "/big")
                var response = try connection.readHead()
                try connection.readBody(into: &response, storeLimit: 0, stopAfter: 100_000)
                if abort { connection.abort() } else { connection.close() }
                return response
            }
            #expect(partial.status == 200 && !partial.complete)
            // The gateway gives up the upstream connection it can no longer use...
            #expect(try await eventually { proxy.upstream.record.openConnections == 0 })
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["fault"] == "aborted")
            // ...and serves the next client.
            let next = try await fetch(proxy.port, "GET", "/next")
            #expect(next.status == 200)
            #expect(next.text == "still here")
        }
    }

    @Test func garbageFromTheUpstreamIsA502() async throws {
        try await withProxy(upstream: { _ in [.send(Array("SSH-2.0-OpenSSH_9.6\r\n\r\n".utf8))] }) { proxy in
            let response = try await fetch(proxy.port, "GET", "/", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 502)
            #expect(response.text.hasPrefix(#"{"error":"upstream-malformed-response""#), "\(response.text)")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(try await eventually { proxy.upstream.record.openConnections == 0 })
        }
    }

    @Test func anUnaskedSwitchingProtocolsFromTheUpstreamIsA502() async throws {
        // The gateway never forwards Upgrade, so a 101 is the upstream out of step, not a tunnel.
        let switching: UpstreamBehaviour = { _ in [.send(Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".utf8))] }
        try await withProxy(upstream: switching) { proxy in
            let response = try await fetch(proxy.port, "GET", "/", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 502)
            #expect(response.text.hasPrefix(#"{"error":"upstream-malformed-response""#), "\(response.text)")
        }
    }

    @Test func garbageFromTheClientIsA400AndTheGatewayKeepsServing() async throws {
        try await withProxy { proxy in
            let (response, closed) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.send("\u{1}\u{2}GARBAGE \u{7F}\r\n\r\n")
                let response = try connection.readResponse()
                return (response, connection.waitForEnd())
            }
            #expect(response.status == 400)
            #expect(response.text.hasPrefix(#"{"error":"malformed-request""#), "\(response.text)")
            #expect(closed)
            #expect(proxy.upstream.requests.isEmpty)
            let next = try await fetch(proxy.port, "GET", "/next")
            #expect(next.status == 200)
            #expect(proxy.upstream.requests.map(\.uri) == ["/next"])
        }
    }

    @Test func aRequestWithBothContentLengthAndChunkedIsRefusedNotForwarded() async throws {
        try await withProxy { proxy in
            let response = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.send(
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
                )
                return try connection.readResponse()
            }
            #expect(response.status == 400)
            #expect(proxy.upstream.requests.isEmpty)
        }
    }
}
