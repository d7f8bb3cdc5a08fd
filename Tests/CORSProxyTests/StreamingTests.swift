import CORS
import CORSProxy
import NIOCore
import TestHarness
import Testing

/// Bodies stream through the gateway, both ways, byte for byte and with backpressure: it never
/// holds a whole body, and reads from one side only as fast as the other side takes it.
@Suite(.serialized) struct StreamingTests {
    static let size = 64 << 20

    static var bigBodies: ProxyLimits {
        var limits = ProxyLimits.quick
        limits.requestBodyBytes = Int64(size) * 2
        return limits
    }

    static let countingUpstream: UpstreamBehaviour = { request in
        Reply.response(200, [("Content-Type", "text/plain")], body: "\(request.bodyCount)")
    }

    @Test(arguments: [true, false])
    func a64MiBUploadArrivesAtTheUpstreamByteForByte(chunked: Bool) async throws {
        try await withProxy(upstream: Self.countingUpstream, limits: Self.bigBodies) { proxy in
            let response = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                let framing = chunked ? ("Transfer-Encoding", "chunked") : ("Content-Length", String(Self.size))
                try connection.sendHead(method: "POST", path: "/upload", headers: [("Origin", TestPolicy.origin), framing])
                try connection.sendPattern(count: Self.size, chunked: chunked)
                return try connection.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.text == String(Self.size))
            let received = try #require(proxy.upstream.requests.first)
            #expect(received.ended)
            #expect(received.pattern.isExactly(Self.size), "\(received.pattern)")
            if chunked {
                #expect(received.values("Transfer-Encoding") == ["chunked"])
                #expect(received.values("Content-Length") == [])
            } else {
                #expect(received.values("Content-Length") == [String(Self.size)])
                #expect(received.values("Transfer-Encoding") == [])
            }
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["bytes_in"] == String(Self.size))
        }
    }

    @Test(arguments: [false, true])
    func a64MiBDownloadIsReceivedByteForByte(chunked: Bool) async throws {
        let upstream: UpstreamBehaviour = { _ in
            let framing = chunked ? ("Transfer-Encoding", "chunked") : ("Content-Length", String(Self.size))
            return [.send(Reply.head(200, [("Content-Type", "application/octet-stream"), framing])), .pattern(count: Self.size, chunked: chunked)]
        }
        try await withProxy(upstream: upstream) { proxy in
            let (response, check) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                var check = PatternCheck()
                try connection.sendHead(method: "GET", path: "/download", headers: [("Origin", TestPolicy.origin)])
                let response = try connection.readResponse(storeLimit: 0) { check.consume($0) }
                return (response, check)
            }
            #expect(response.status == 200)
            #expect(response.complete)
            #expect(response.framing == (chunked ? .chunked : .contentLength(Self.size)))
            #expect(check.isExactly(Self.size), "\(check)")
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            let log = try await proxy.gateway.awaitLog(count: 1)
            #expect(log.first?["bytes_out"] == String(Self.size))
        }
    }

    /// An upstream that stops reading: the gateway stops reading the client too, so what the
    /// client could send is bounded by socket buffers, not by the body's size; once the upstream
    /// reads again the whole body arrives intact.
    @Test func anUploadToAnUpstreamThatStopsReadingIsHeldBackNotBufferedByTheGateway() async throws {
        let gate = Gate()
        let upstream = try await TestUpstream.start(readGate: gate, Self.countingUpstream)
        defer { gate.open() }
        do {
            let route = ProxyRoute(prefix: "/", upstream: upstream.url, responder: TestPolicy.responder())
            try await withGateway(testConfiguration(routes: [route], limits: Self.bigBodies)) { gateway in
                let connection = try await blocking { [port = gateway.port] in
                    let connection = try RawConnection(port: port)
                    try connection.sendHead(method: "POST", path: "/upload", headers: [("Content-Length", String(Self.size))])
                    return connection
                }
                #expect(try await eventually { upstream.record.requestCount == 1 })
                let reached = try await blocking {
                    connection.setSendTimeout(milliseconds: 500)
                    return connection.sendPatternUntilBlocked(from: 0, to: Self.size)
                }
                #expect(reached < 40 << 20, "the client could send \(reached) bytes to an upstream that reads nothing")
                gate.open()
                let response = try await blocking {
                    connection.setSendTimeout(milliseconds: 10_000)
                    try connection.sendPattern(from: reached, count: Self.size, chunked: false)
                    return try connection.readResponse()
                }
                #expect(response.status == 200)
                #expect(upstream.requests.first?.pattern.isExactly(Self.size) == true, "\(String(describing: upstream.requests.first?.pattern))")
            }
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }

    /// A client that stops reading: the gateway stops reading the upstream, whose writes then
    /// stall well short of the body's size; once the client reads again it gets every byte.
    @Test func aDownloadToAClientThatStopsReadingStallsTheUpstreamNotTheGatewaysMemory() async throws {
        let upstream: UpstreamBehaviour = { _ in
            [.send(Reply.head(200, [("Content-Length", String(Self.size))])), .pattern(count: Self.size, chunked: false)]
        }
        try await withProxy(upstream: upstream) { proxy in
            let connection = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.sendHead(method: "GET", path: "/download")
                return connection
            }
            // Wait until the upstream's writes stop advancing (unchanged for 300 ms).
            var last = -1
            var stableSince = ContinuousClock.now
            let settled = try await eventually(timeout: .seconds(10)) {
                let sent = proxy.upstream.record.patternBytesSent
                if sent != last {
                    last = sent
                    stableSince = .now
                }
                return sent > 0 && ContinuousClock.now - stableSince > .milliseconds(300)
            }
            #expect(settled)
            #expect(last < 40 << 20, "the upstream could write \(last) bytes to a client that reads nothing")
            let check = try await blocking {
                var check = PatternCheck()
                let response = try connection.readResponse(storeLimit: 0) { check.consume($0) }
                return response.complete ? check : PatternCheck()
            }
            #expect(check.isExactly(Self.size), "\(check)")
        }
    }
}
