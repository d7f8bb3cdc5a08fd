import CORS
import CORSProxy
import Testing

/// Open mode: `/<absolute URL>` goes to that URL only when the allowlist admits it and, unless
/// private targets are allowed, only to public addresses; cookies never cross; a redirect comes
/// back through the gateway, so its target is checked again.
@Suite struct OpenModeTests {
    static func openConfiguration(allow: [String], allowPrivate: Bool) throws -> ProxyConfiguration {
        let patterns = try allow.map { try OriginPattern(parsing: $0) }
        let open = OpenMode(allowTargets: patterns, allowPrivateTargets: allowPrivate, responder: try CORSResponder(policy: OpenMode.defaultPolicy))
        return testConfiguration(routes: [], openMode: open)
    }

    static func withOpenGateway(
        _ behaviour: @escaping UpstreamBehaviour = Reply.ok,
        allow: [String] = ["http://127.0.0.1:*"],
        allowPrivate: Bool = true,
        _ body: (TestUpstream, Gateway) async throws -> Void
    ) async throws {
        try await withUpstream(behaviour) { upstream in
            try await withGateway(try openConfiguration(allow: allow, allowPrivate: allowPrivate)) { gateway in
                try await body(upstream, gateway)
            }
        }
    }

    @Test func anAllowedTargetIsReachedWithItsPathQueryAndHost() async throws {
        try await Self.withOpenGateway { upstream, gateway in
            let response = try await fetch(
                gateway.port,
                "GET",
                "/http://127.0.0.1:\(upstream.port)/v1/items?page=2",
                headers: [("Origin", "https://any.example")]
            )
            #expect(response.status == 200)
            #expect(response.text == "ok")
            #expect(response.values("Access-Control-Allow-Origin") == ["*"])
            let received = try #require(upstream.requests.first)
            #expect(received.uri == "/v1/items?page=2")
            #expect(received.values("Host") == ["127.0.0.1:\(upstream.port)"])
            let log = try await gateway.awaitLog(count: 1)
            #expect(log.first?["route"] == "open")
        }
    }

    @Test func aTargetOutsideTheAllowlistIs403AndNeverContacted() async throws {
        try await Self.withOpenGateway(allow: ["http://localhost:*"]) { upstream, gateway in
            let response = try await fetch(gateway.port, "GET", "/http://127.0.0.1:\(upstream.port)/", headers: [("Origin", "https://any.example")])
            #expect(response.status == 403)
            #expect(response.text.hasPrefix(#"{"error":"target-not-allowed""#), "\(response.text)")
            #expect(response.values("Access-Control-Allow-Origin") == ["*"])
            let otherScheme = try await fetch(gateway.port, "GET", "/https://localhost:\(upstream.port)/")
            #expect(otherScheme.status == 403)
            #expect(upstream.record.acceptedConnections == 0)
            // Open mode's policy decided them: the log names the route.
            let log = try await gateway.awaitLog(count: 2)
            #expect(log.map { $0["route"] } == ["open", "open"])
            #expect(log.map { $0["fault"] } == ["target-not-allowed", "target-not-allowed"])
        }
    }

    @Test func aLoopbackTargetIs403WhenPrivateTargetsAreNotAllowed() async throws {
        try await Self.withOpenGateway(allowPrivate: false) { upstream, gateway in
            let response = try await fetch(gateway.port, "GET", "/http://127.0.0.1:\(upstream.port)/")
            #expect(response.status == 403)
            #expect(response.text.hasPrefix(#"{"error":"target-address-not-public""#), "\(response.text)")
            #expect(response.text.contains("loopback"))
            #expect(upstream.record.acceptedConnections == 0)
        }
    }

    @Test func aHostNameTargetIsResolvedAndTheCheckedAddressConnectedTo() async throws {
        try await Self.withOpenGateway(allow: ["http://localhost:*"]) { upstream, gateway in
            let response = try await fetch(gateway.port, "GET", "/http://localhost:\(upstream.port)/named")
            #expect(response.status == 200)
            #expect(upstream.requests.first?.uri == "/named")
            #expect(upstream.requests.first?.values("Host") == ["localhost:\(upstream.port)"])
        }
    }

    @Test func aHostNameThatResolvesToLoopbackIs403WhenPrivateTargetsAreNotAllowed() async throws {
        try await Self.withOpenGateway(allow: ["http://localhost:*"], allowPrivate: false) { upstream, gateway in
            let response = try await fetch(gateway.port, "GET", "/http://localhost:\(upstream.port)/")
            #expect(response.status == 403)
            #expect(response.text.hasPrefix(#"{"error":"target-address-not-public""#), "\(response.text)")
            #expect(response.text.contains("localhost resolves to 127.0.0.1, a loopback address"), "\(response.text)")
            #expect(upstream.record.acceptedConnections == 0)
        }
    }

    @Test func cookiesAreStrippedTowardTheTargetAndSetCookieTowardTheClient() async throws {
        let upstream: UpstreamBehaviour = { _ in Reply.response(200, [("Set-Cookie", "tracker=1; Path=/"), ("X-Kept", "yes")], body: "ok") }
        try await Self.withOpenGateway(upstream) { upstream, gateway in
            let response = try await fetch(
                gateway.port,
                "GET",
                "/http://127.0.0.1:\(upstream.port)/",
                headers: [("Cookie", "session=secret"), ("Origin", "https://any.example")]
            )
            #expect(response.status == 200)
            #expect(response.values("Set-Cookie") == [])
            #expect(response.values("X-Kept") == ["yes"])
            #expect(upstream.requests.first?.values("Cookie") == [])
        }
    }

    @Test func aRedirectIsRewrittenThroughTheGatewayAndItsTargetCheckedAgain() async throws {
        let upstream: UpstreamBehaviour = { request in
            switch request.uri {
            case "/away": return Reply.response(302, [("Location", "http://127.0.0.2:\(request.value("Host")!.split(separator: ":").last!)/next")])
            case "/here": return Reply.response(302, [("Location", "/next?x=1")])
            default: return Reply.response(200, body: request.uri)
            }
        }
        try await Self.withOpenGateway(upstream) { upstream, gateway in
            let away = try await fetch(gateway.port, "GET", "/http://127.0.0.1:\(upstream.port)/away")
            #expect(away.status == 302)
            let location = try #require(away.value("Location"))
            #expect(location == "/http://127.0.0.2:\(upstream.port)/next")
            let followed = try await fetch(gateway.port, "GET", location)
            #expect(followed.status == 403)
            #expect(followed.text.hasPrefix(#"{"error":"target-not-allowed""#), "\(followed.text)")

            let here = try await fetch(gateway.port, "GET", "/http://127.0.0.1:\(upstream.port)/here")
            #expect(here.value("Location") == "/http://127.0.0.1:\(upstream.port)/next?x=1")
            let next = try await fetch(gateway.port, "GET", here.value("Location")!)
            #expect(next.text == "/next?x=1")
            #expect(upstream.requests.map(\.uri) == ["/away", "/here", "/next?x=1"])
        }
    }

    @Test func aPathThatIsNoAbsoluteURLIsNotForwardedInOpenMode() async throws {
        try await Self.withOpenGateway { upstream, gateway in
            let response = try await fetch(gateway.port, "GET", "/relative/path")
            #expect(response.status == 404)
            let userInfo = try await fetch(gateway.port, "GET", "/http://user@127.0.0.1:\(upstream.port)/")
            #expect(userInfo.status == 404)
            #expect(upstream.record.acceptedConnections == 0)
        }
    }
}
