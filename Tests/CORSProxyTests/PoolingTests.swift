import CORS
import CORSProxy
import TestHarness
import Testing

/// Upstream connections are kept alive and reused; a connection the upstream says it closes is not.
@Suite struct PoolingTests {
    static let echoPath: UpstreamBehaviour = { request in Reply.response(200, body: request.uri) }

    @Test func fiftySequentialRequestsOnOneClientConnectionShareOneUpstreamConnection() async throws {
        try await withProxy(upstream: Self.echoPath, threads: 2) { proxy in
            let bodies = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                return try (0..<50).map { index in try connection.request("GET", "/item/\(index)", headers: [("Origin", TestPolicy.origin)]).text }
            }
            #expect(bodies == (0..<50).map { "/item/\($0)" })
            #expect(proxy.upstream.record.acceptedConnections == 1)
            #expect(Set(proxy.upstream.requests.map(\.connection)).count == 1)
        }
    }

    @Test func sequentialClientConnectionsReuseTheIdleUpstreamConnection() async throws {
        try await withProxy(upstream: Self.echoPath) { proxy in
            for index in 0..<5 {
                let response = try await fetch(proxy.port, "GET", "/c/\(index)")
                #expect(response.text == "/c/\(index)")
            }
            #expect(proxy.upstream.record.acceptedConnections == 1)
        }
    }

    @Test func anUpstreamConnectionThatSaysCloseIsNotReused() async throws {
        let upstream: UpstreamBehaviour = { request in Reply.response(200, [("Connection", "close")], body: request.uri) + [.close] }
        try await withProxy(upstream: upstream) { proxy in
            let bodies = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                return try (0..<3).map { index in try connection.request("GET", "/\(index)").text }
            }
            #expect(bodies == ["/0", "/1", "/2"])
            #expect(proxy.upstream.record.acceptedConnections == 3)
        }
    }

    @Test func pipelinedRequestsWithBodiesAndPreflightsAreAnsweredInOrder() async throws {
        let echo: UpstreamBehaviour = { request in Reply.response(200, body: "\(request.method) \(request.uri) \(request.text)") }
        try await withProxy(upstream: echo) { proxy in
            let answers = try await blocking { [port = proxy.port] () -> [String] in
                let connection = try RawConnection(port: port)
                let origin = "Origin: \(TestPolicy.origin)\r\n"
                try connection.send(
                    "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                        + "OPTIONS /p HTTP/1.1\r\nHost: x\r\n\(origin)Access-Control-Request-Method: PUT\r\n\r\n"
                        + "OPTIONS /q HTTP/1.1\r\nHost: x\r\n\(origin)Access-Control-Request-Method: PATCH\r\n\r\n"
                        + "PUT /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                        + (0..<20).map { "GET /c/\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined()
                )
                return try (0..<24).map { _ in
                    let response = try connection.readResponse()
                    return "\(response.status) \(response.text)"
                }
            }
            #expect(answers == ["200 POST /a hello", "204 ", "403 ", "200 PUT /b abc"] + (0..<20).map { "200 GET /c/\($0) " })
            #expect(proxy.upstream.requests.map(\.uri) == ["/a", "/b"] + (0..<20).map { "/c/\($0)" })
        }
    }

    @Test func tenThousandPipelinedPreflightsBehindAForwardedRequestAreAnsweredInOrderWithoutNesting() async throws {
        // Each answered preflight used to start the next from inside the last: a stack frame per
        // request, enough of them to overflow the event loop's stack and kill the process.
        let count = 10_000
        // The first answer comes late, so the preflights arrive while it is in flight (a gate the
        // client opened only after sending would deadlock: the gateway stops reading meanwhile).
        let slow: UpstreamBehaviour = { _ in [.pause(.milliseconds(300))] + Reply.response(200, body: "first") }
        try await withProxy(upstream: slow) { proxy in
            let statuses = try await blocking { [port = proxy.port] () -> [Int] in
                let connection = try RawConnection(port: port)
                let preflight = "OPTIONS /p HTTP/1.1\r\nOrigin: \(TestPolicy.origin)\r\nAccess-Control-Request-Method: PUT\r\n\r\n"
                try connection.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n" + String(repeating: preflight, count: count))
                return try (0...count).map { _ in try connection.readResponse().status }
            }
            #expect(statuses.first == 200)
            #expect(statuses.dropFirst().allSatisfy { $0 == 204 })
            #expect(statuses.count == count + 1)
            #expect(try await fetch(proxy.port, "GET", "/after").status == 200)
        }
    }

    @Test func aMalformedPipelinedRequestIsRefusedOnlyAfterTheOneBeforeItIsAnswered() async throws {
        let gate = Gate()
        let slow: UpstreamBehaviour = { _ in [.wait(gate)] + Reply.response(200, body: "valid") }
        try await withProxy(upstream: slow) { proxy in
            let (first, second) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                try connection.send("GET /valid HTTP/1.1\r\nHost: x\r\n\r\nG(T /bad HTTP/1.1\r\n\r\n")
                gate.open()
                return (try connection.readResponse(), try connection.readResponse())
            }
            #expect(first.status == 200 && first.text == "valid")
            #expect(second.status == 400)
            #expect(proxy.upstream.requests.map(\.uri) == ["/valid"])
        }
    }

    @Test func anUpstreamConnectionWithBytesBeyondItsResponseIsNotReusedForTheNextClient() async throws {
        // An upstream that sends more than the response (here a body after a 204, which has none):
        // the extra bytes must never be read as another client's response.
        let sloppy: UpstreamBehaviour = { request in
            request.uri == "/sloppy"
                ? [.send(Array("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 418 Poisoned\r\nX-A: ".utf8))]
                : Reply.response(200, body: "clean")
        }
        try await withProxy(upstream: sloppy) { proxy in
            #expect(try await fetch(proxy.port, "GET", "/sloppy").status == 204)
            let next = try await fetch(proxy.port, "POST", "/next", body: Array("x".utf8))
            #expect(next.status == 200 && next.text == "clean")
            #expect(proxy.upstream.record.acceptedConnections == 2)
        }
    }
}
