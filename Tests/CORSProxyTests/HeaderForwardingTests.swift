import CORS
import CORSProxy
import TestHarness
import Testing

/// What crosses the gateway in the headers: hop-by-hop fields stop at it (both ways, with every
/// field Connection names), forwarding headers say who asked (trusted peers' own kept, everyone
/// else's replaced), header rules apply, and redirects reach the client unfollowed.
@Suite struct HeaderForwardingTests {
    @Test func hopByHopRequestHeadersAndThoseConnectionNamesNeverReachTheUpstream() async throws {
        try await withProxy { proxy in
            let response = try await fetch(
                proxy.port,
                "GET",
                "/",
                headers: [
                    ("Connection", "keep-alive, X-Secret-Hop"), ("X-Secret-Hop", "1"), ("Keep-Alive", "timeout=5"),
                    ("TE", "trailers"), ("Proxy-Authorization", "Basic Zm9vOmJhcg=="), ("Upgrade", "websocket"),
                    ("Proxy-Connection", "keep-alive"), ("Trailer", "X-Checksum"), ("X-End-To-End", "kept"),
                ]
            )
            #expect(response.status == 200)
            let received = try #require(proxy.upstream.requests.first)
            for name in ["connection", "x-secret-hop", "keep-alive", "te", "proxy-authorization", "upgrade", "proxy-connection", "trailer"] {
                #expect(!received.names.contains(name), "\(name) reached the upstream: \(received.headers)")
            }
            #expect(received.values("X-End-To-End") == ["kept"])
        }
    }

    @Test func hopByHopResponseHeadersAndThoseConnectionNamesNeverReachTheClient() async throws {
        let upstream: UpstreamBehaviour = { _ in
            Reply.response(
                200,
                [
                    ("Connection", "X-Up-Hop"), ("X-Up-Hop", "1"), ("Keep-Alive", "timeout=5, max=100"),
                    ("Proxy-Authenticate", "Basic realm=\"upstream\""), ("Upgrade", "h2c"), ("X-End-To-End", "kept"),
                ],
                body: "ok"
            )
        }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await fetch(proxy.port, "GET", "/")
            #expect(response.status == 200)
            for name in ["x-up-hop", "keep-alive", "proxy-authenticate", "upgrade"] {
                #expect(!response.names.contains(name), "\(name) reached the client: \(response.headers)")
            }
            #expect(response.values("Connection").allSatisfy { $0.lowercased() == "close" }, "\(response.headers)")
            #expect(response.values("X-End-To-End") == ["kept"])
            #expect(response.text == "ok")
        }
    }

    static let spoofed: [(String, String)] = [
        ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "7.7.7.7"), ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "evil.example"), ("Forwarded", "for=1.2.3.4"),
    ]

    @Test func anUntrustedPeersForwardingHeadersAreReplacedByWhatTheGatewaySaw() async throws {
        try await withProxy { proxy in
            _ = try await fetch(proxy.port, "GET", "/", headers: Self.spoofed)
            let received = try #require(proxy.upstream.requests.first)
            #expect(received.values("X-Forwarded-For") == ["127.0.0.1"])
            #expect(received.values("X-Forwarded-Proto") == ["http"])
            #expect(received.values("X-Forwarded-Host") == ["127.0.0.1:\(proxy.port)"])
            #expect(received.values("Forwarded") == [])
            #expect(received.values("Host") == ["127.0.0.1:\(proxy.upstream.port)"])
        }
    }

    @Test func aTrustedPeersForwardingHeadersAreKeptAndAppendedTo() async throws {
        try await withProxy(configure: { $0.trustedProxies = [IPAddressRange("127.0.0.0/8")!] }) { proxy in
            _ = try await fetch(proxy.port, "GET", "/", headers: Self.spoofed)
            let received = try #require(proxy.upstream.requests.first)
            #expect(received.values("X-Forwarded-For") == ["6.6.6.6, 7.7.7.7, 127.0.0.1"])
            #expect(received.values("X-Forwarded-Proto") == ["https"])
            #expect(received.values("X-Forwarded-Host") == ["evil.example"])
        }
    }

    @Test func theForwardedStyleSendsOneRFC7239ElementAndNoXForwardedHeaders() async throws {
        try await withProxy(configure: { $0.forwardedStyle = .forwarded }) { proxy in
            _ = try await fetch(proxy.port, "GET", "/", headers: Self.spoofed)
            let received = try #require(proxy.upstream.requests.first)
            #expect(received.values("Forwarded") == ["for=127.0.0.1;proto=http;host=\"127.0.0.1:\(proxy.port)\""])
            #expect(!received.names.contains { $0.hasPrefix("x-forwarded-") }, "\(received.headers)")
        }
    }

    @Test func headerRulesFromAConfigurationFileSetValuesFromTheEnvironmentAndRemoveHeaders() async throws {
        try await withUpstream(Reply.ok) { upstream in
            let text = """
                {
                  "listen": "127.0.0.1:0",
                  "routes": [{
                    "prefix": "/",
                    "upstream": "http://127.0.0.1:\(upstream.port)",
                    "policy": {"allowOrigins": ["https://app.example"]},
                    "requestHeaders": {
                      "set": {"Authorization": {"env": "API_TOKEN"}, "X-Api-Version": "2"},
                      "remove": ["Referer", "Cookie"]
                    }
                  }]
                }
                """
            var configuration = try ProxyConfigurationFile.read(
                text,
                directory: "",
                environment: ["API_TOKEN": "Bearer from-the-environment"],
                readFile: { _ in nil }
            ).get()
            configuration.accessLog = .off
            try await withGateway(configuration) { gateway in
                let response = try await fetch(
                    gateway.port,
                    "GET",
                    "/",
                    headers: [
                        ("Origin", "https://app.example"), ("Authorization", "Bearer the-clients-own"),
                        ("Referer", "https://app.example/page"), ("Cookie", "session=1"), ("X-Api-Version", "1"),
                    ]
                )
                #expect(response.status == 200)
                #expect(response.values("Access-Control-Allow-Origin") == ["https://app.example"])
                let received = try #require(upstream.requests.first)
                #expect(received.values("Authorization") == ["Bearer from-the-environment"])
                #expect(received.values("X-Api-Version") == ["2"])
                #expect(received.values("Referer") == [])
                #expect(received.values("Cookie") == [])
                #expect(received.values("Origin") == ["https://app.example"])
            }
        }
    }

    @Test func aRedirectIsPassedToTheClientNotFollowed() async throws {
        let upstream: UpstreamBehaviour = { request in
            request.uri == "/old" ? Reply.response(302, [("Location", "/new")]) : Reply.response(200, body: "new")
        }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await fetch(proxy.port, "GET", "/old", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 302)
            #expect(response.values("Location") == ["/new"])
            #expect(response.values("Access-Control-Allow-Origin") == [TestPolicy.origin])
            #expect(proxy.upstream.requests.map(\.uri) == ["/old"])
        }
    }

    @Test func aHEADResponsesContentLengthIsRelayedWithoutABodyAndTheConnectionStaysInStep() async throws {
        let upstream: UpstreamBehaviour = { request in
            request.method == "HEAD" ? [.send(Reply.head(200, [("Content-Length", "1234")]))] : Reply.response(200, body: "after")
        }
        try await withProxy(upstream: upstream) { proxy in
            let (head, after) = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                return (try connection.request("HEAD", "/"), try connection.request("GET", "/after"))
            }
            #expect(head.status == 200)
            #expect(head.values("Content-Length") == ["1234"])
            #expect(head.bodyCount == 0)
            #expect(after.status == 200)
            #expect(after.text == "after")
        }
    }

    /// The upstream receives the client's end-to-end fields byte for byte, in their order, names
    /// as written and repeats kept, then the gateway's forwarding fields and the upstream's Host;
    /// the body follows unchanged.
    @Test func theUpstreamRequestIsTheClientsEndToEndFieldsInOrderThenTheGatewaysOwn() async throws {
        try await withProxy { proxy in
            let response = try await fetch(
                proxy.port,
                "POST",
                "/items/7?x=1",
                headers: [
                    ("Host", "api.example"), ("Origin", TestPolicy.origin), ("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"),
                    ("Accept", "application/json"), ("Content-Type", "text/plain"), ("Content-Length", "5"), ("Cookie", "a=1"),
                    ("X-Forwarded-For", "6.6.6.6"), ("Accept", "text/html"), ("TE", "trailers"),
                ],
                body: Array("hello".utf8)
            )
            #expect(response.status == 200)
            let expected =
                "POST /items/7?x=1 HTTP/1.1\r\n" + "Origin: \(TestPolicy.origin)\r\n" + "Accept: application/json\r\n"
                + "Content-Type: text/plain\r\n" + "Content-Length: 5\r\n" + "Cookie: a=1\r\n" + "Accept: text/html\r\n"
                + "x-forwarded-for: 127.0.0.1\r\n" + "x-forwarded-proto: http\r\n" + "x-forwarded-host: api.example\r\n"
                + "host: 127.0.0.1:\(proxy.upstream.port)\r\n" + "\r\n" + "hello"
            let received = String(decoding: proxy.upstream.record.rawBytes(connection: 1), as: UTF8.self)
            #expect(received == expected)
        }
    }

    /// The client receives the upstream's end-to-end fields in their order (Set-Cookie twice, not
    /// joined), without hop-by-hop fields or the upstream's own Access-Control-*, then the
    /// policy's fields and the upstream's Vary with Origin added.
    @Test func theClientsResponseIsTheUpstreamsEndToEndFieldsInOrderThenThePolicys() async throws {
        let upstream: UpstreamBehaviour = { _ in
            Reply.response(
                200,
                [
                    ("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("Connection", "X-Up-Hop"), ("X-Up-Hop", "1"),
                    ("Access-Control-Allow-Origin", "*"), ("Vary", "Accept-Encoding"), ("Set-Cookie", "b=2"),
                    ("Keep-Alive", "timeout=5"), ("X-Request-Id", "r-1"),
                ],
                body: "{}"
            )
        }
        try await withProxy(upstream: upstream) { proxy in
            let response = try await fetch(proxy.port, "GET", "/items", headers: [("Origin", TestPolicy.origin)])
            #expect(response.status == 200)
            let expected = [
                "Content-Type: application/json", "Set-Cookie: a=1", "Set-Cookie: b=2", "X-Request-Id: r-1", "Content-Length: 2",
                "Access-Control-Allow-Origin: \(TestPolicy.origin)", "Access-Control-Allow-Credentials: true",
                "Access-Control-Expose-Headers: X-Request-Id", "vary: Accept-Encoding, Origin",
            ]
            #expect(response.headers.map { "\($0.name): \($0.value)" } == expected)
            #expect(response.text == "{}")
        }
    }
}
