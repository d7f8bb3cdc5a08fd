import NIOCore
import NIOHTTP1
import Testing

@testable import CORSProxy

/// The one-pass head writers: what the upstream and the client are sent, field by field, and that
/// what they write reads back as HTTP/1 with the gateway's own parser.
@Suite struct RelayedHeadsTests {
    static func requestHead(
        _ fields: [(String, String)],
        rules: RequestHeaderRules = RequestHeaderRules(),
        trusted: Bool = false,
        style: ForwardedStyle = .xForwarded
    ) throws -> (text: String, chunked: Bool, reread: HTTP1RequestHead) {
        var buffer = ByteBuffer()
        let chunked = UpstreamRequestHead.write(
            method: .POST,
            uri: "/items?q=1",
            clientFields: HTTP1Fields(HTTPHeaders(fields)),
            hostHeader: "api.internal:8080",
            rules: rules,
            peer: .init(text: "203.0.113.7", trusted: trusted),
            style: style,
            into: &buffer
        )
        let text = String(buffer: buffer)
        var parser = HTTP1Parser(role: .request, maximumHeadBytes: 8192)
        parser.append(buffer)
        guard case .requestHead(let head, _)? = try parser.next() else {
            Issue.record("not a request head: \(text)")
            throw HTTP1ParseError.invalidMethod
        }
        return (text, chunked, head)
    }

    @Test func hopByHopFieldsAndWhatConnectionNamesAreDroppedInAnyCaseAndPosition() throws {
        let (text, chunked, head) = try Self.requestHead([
            ("X-Secret-Hop", "1"),
            ("Connection", "Keep-Alive, x-secret-hop"),
            ("connection", "X-Other"),
            ("x-other", "2"),
            ("TE", "trailers"),
            ("Keep-Alive", "timeout=5"),
            ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
            ("Upgrade", "h2c"),
            ("Expect", "100-continue"),
            ("Content-Length", "3"),
            ("Accept", "application/json"),
        ])
        #expect(!chunked)
        #expect(head.method == .POST && head.uri == "/items?q=1" && head.version == .http1_1)
        let names = head.headers.map { $0.name.lowercased() }
        for dropped in ["x-secret-hop", "connection", "x-other", "te", "keep-alive", "proxy-authorization", "upgrade", "expect"] {
            #expect(!names.contains(dropped), "\(dropped) relayed: \(text)")
        }
        #expect(head.headers["content-length"] == ["3"])
        #expect(head.headers["accept"] == ["application/json"])
    }

    @Test func connectionCannotNameContentLengthOrHostAway() throws {
        let (_, _, head) = try Self.requestHead([("Connection", "content-length, host"), ("Content-Length", "0"), ("Host", "a.example")])
        #expect(head.headers["content-length"] == ["0"])
        #expect(head.headers["host"] == ["api.internal:8080"])
    }

    @Test func theGatewaySetsHostAndTheForwardingHeadersOnceReplacingAnUntrustedPeersOwn() throws {
        let (_, _, head) = try Self.requestHead([
            ("Host", "public.example"),
            ("X-Forwarded-For", "6.6.6.6"),
            ("x-forwarded-host", "evil.example"),
            ("Forwarded", "for=6.6.6.6"),
        ])
        #expect(head.headers["host"] == ["api.internal:8080"])
        #expect(head.headers["x-forwarded-for"] == ["203.0.113.7"])
        #expect(head.headers["x-forwarded-proto"] == ["http"])
        #expect(head.headers["x-forwarded-host"] == ["public.example"])
        #expect(head.headers["forwarded"].isEmpty)
    }

    @Test func aTrustedPeersChainIsAppendedToUnlessItsConnectionFieldNamesIt() throws {
        let kept = try Self.requestHead([("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-Proto", "https")], trusted: true).reread
        #expect(kept.headers["x-forwarded-for"] == ["198.51.100.1, 203.0.113.7"])
        #expect(kept.headers["x-forwarded-proto"] == ["https"])
        let named = try Self.requestHead([("Connection", "x-forwarded-for"), ("X-Forwarded-For", "198.51.100.1")], trusted: true).reread
        #expect(named.headers["x-forwarded-for"] == ["203.0.113.7"])
    }

    @Test func theForwardedStyleWritesOneElementAndNoXForwardedFields() throws {
        let (_, _, head) = try Self.requestHead([("Host", "public.example"), ("X-Forwarded-For", "6.6.6.6")], style: .forwarded)
        #expect(head.headers["forwarded"] == ["for=203.0.113.7;proto=http;host=\"public.example\""])
        #expect(head.headers["x-forwarded-for"].isEmpty)
    }

    @Test func theClientsHostGoesIntoEveryForwardingStyleAsItsBytesWereRead() throws {
        // An obs-text byte (0xE9) in Host: relayed as read, as every field value is, never as U+FFFD.
        var raw = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: caf")
        raw.writeInteger(UInt8(0xE9))
        raw.writeString(".example\r\n\r\n")
        var parser = HTTP1Parser(role: .request, maximumHeadBytes: 8192)
        parser.append(raw)
        guard case .requestHead(let client, _)? = try parser.next() else {
            Issue.record("the raw head did not parse")
            return
        }
        let host: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".example".utf8)
        for (style, trusted, name, value) in [
            (ForwardedStyle.xForwarded, false, "x-forwarded-host", host),
            (.xForwarded, true, "x-forwarded-host", host),
            (.forwarded, false, "forwarded", Array("for=203.0.113.7;proto=http;host=\"".utf8) + host + [0x22]),
        ] {
            var buffer = ByteBuffer()
            _ = UpstreamRequestHead.write(
                method: .GET,
                uri: "/",
                clientFields: client.fields,
                hostHeader: "api.internal",
                rules: RequestHeaderRules(),
                peer: .init(text: "203.0.113.7", trusted: trusted),
                style: style,
                into: &buffer
            )
            let line = Array("\r\n\(name): ".utf8) + value + Array("\r\n".utf8)
            let bytes = Array(buffer.readableBytesView)
            #expect(bytes.indices.contains { bytes[$0...].starts(with: line) }, "\(style), trusted \(trusted): \(String(buffer: buffer))")
        }
    }

    @Test func rulesRemoveAndReplaceFieldsWhateverTheirCase() throws {
        let rules = RequestHeaderRules(set: [(name: "X-Api-Key", value: "k")], remove: ["Referer"])
        let (_, _, head) = try Self.requestHead([("REFERER", "https://a.example/"), ("x-api-key", "client's"), ("Accept", "*/*")], rules: rules)
        #expect(head.headers["referer"].isEmpty)
        #expect(head.headers["x-api-key"] == ["k"])
        #expect(head.headers["accept"] == ["*/*"])
    }

    /// The upstream's head byte for byte: the client's end-to-end fields in the client's order and
    /// spelling, then the chunked redeclaration, the forwarding headers, Host and the rules' fields.
    /// The other tests reread the head, which would not see a reordering or a respelled name.
    @Test func theUpstreamHeadKeepsTheClientsFieldsInOrderThenWritesTheGatewaysOwn() throws {
        let rules = RequestHeaderRules(set: [(name: "X-Api-Key", value: "k")], remove: ["referer"])
        let (text, chunked, _) = try Self.requestHead(
            [
                ("Accept", "application/json"), ("X-Forwarded-For", "6.6.6.6"), ("Host", "public.example"),
                ("Transfer-Encoding", "chunked"), ("Referer", "https://a.example/"), ("x-Trace", "a b"),
                ("Connection", "keep-alive"), ("Cookie", "id=1"), ("X-API-KEY", "client's"),
            ],
            rules: rules
        )
        #expect(chunked)
        #expect(
            text == "POST /items?q=1 HTTP/1.1\r\nAccept: application/json\r\nx-Trace: a b\r\nCookie: id=1\r\n"
                + "transfer-encoding: chunked\r\nx-forwarded-for: 203.0.113.7\r\nx-forwarded-proto: http\r\n"
                + "x-forwarded-host: public.example\r\nhost: api.internal:8080\r\nx-api-key: k\r\n\r\n"
        )
    }

    @Test func aChunkedRequestIsRedeclaredChunkedAfterItsTransferEncodingIsDropped() throws {
        let (text, chunked, head) = try Self.requestHead([("Transfer-Encoding", "chunked")])
        #expect(chunked)
        #expect(head.headers["transfer-encoding"] == ["chunked"], "\(text)")
    }

    static func responseHead(_ fields: [(String, String)], _ rewrite: ClientResponseHead.Rewrite) throws -> HTTP1ResponseHead {
        let upstream = HTTPHeaders(fields)
        let scanned = UpstreamResponseFields(upstream)
        var buffer = ByteBuffer()
        ClientResponseHead.write(version: .http1_1, status: .ok, upstreamFields: HTTP1Fields(upstream), named: scanned.named, rewrite, into: &buffer)
        var parser = HTTP1Parser(role: .response, maximumHeadBytes: 8192)
        parser.append(buffer)
        guard case .responseHead(let head, _)? = try parser.next() else {
            Issue.record("not a response head: \(String(buffer: buffer))")
            throw HTTP1ParseError.invalidStatus
        }
        return head
    }

    static let replace = ClientResponseHead.Rewrite(
        dropAccessControl: true,
        accessControl: Array("access-control-allow-origin: https://app.example\r\n".utf8),
        vary: Array("vary: Accept-Encoding, Origin\r\n".utf8),
        replacesVary: true,
        dropSetCookie: false,
        location: nil,
        connection: nil,
        chunked: true
    )

    @Test func theUpstreamsAccessControlFieldsAndVaryLinesAreReplacedNotDuplicated() throws {
        let head = try Self.responseHead(
            [
                ("Access-Control-Allow-Origin", "*"), ("ACCESS-CONTROL-ALLOW-CREDENTIALS", "true"), ("Vary", "Accept-Encoding"),
                ("Connection", "keep-alive"), ("Transfer-Encoding", "chunked"), ("Content-Type", "application/json"),
            ],
            Self.replace
        )
        #expect(head.headers["access-control-allow-origin"] == ["https://app.example"])
        #expect(head.headers["access-control-allow-credentials"].isEmpty)
        #expect(head.headers["vary"] == ["Accept-Encoding, Origin"])
        #expect(head.headers["transfer-encoding"] == ["chunked"])
        #expect(head.headers["connection"].isEmpty)
        #expect(head.headers["content-type"] == ["application/json"])
    }

    @Test func theScanSeesOnlyWhatIsRelayed() {
        let scanned = UpstreamResponseFields(
            HTTPHeaders([
                ("Connection", "vary, access-control-allow-origin"), ("Vary", "Origin"), ("Access-Control-Allow-Origin", "*"),
                ("Content-Length", "2"),
            ])
        )
        #expect(scanned.vary.isEmpty)
        #expect(scanned.accessControlCount == 0)
        #expect(scanned.hasContentLength)
    }

    @Test func openModeDropsSetCookieAndMovesTheRewrittenLocation() throws {
        var rewrite = Self.replace
        rewrite.dropSetCookie = true
        rewrite.location = "/https://next.example/a"
        rewrite.chunked = false
        let head = try Self.responseHead(
            [("Set-Cookie", "a=1"), ("location", "https://next.example/a"), ("Content-Length", "0")],
            rewrite
        )
        #expect(head.headers["set-cookie"].isEmpty)
        #expect(head.headers["location"] == ["/https://next.example/a"])
    }

    @Test func fieldRolesAreToldApartInAnyCase() {
        #expect(FieldRole("TE") == .hopByHop)
        #expect(FieldRole("Proxy-Connection") == .hopByHop)
        #expect(FieldRole("X-FORWARDED-PROTO") == .forwarding)
        #expect(FieldRole("access-control-max-age") == .accessControl)
        #expect(FieldRole("Access-Control-") == .other)  // the prefix alone is no CORS field
        #expect(FieldRole("Content-Length") == .contentLength)
        #expect(FieldRole("Vary") == .vary)
        #expect(FieldRole("Hosts") == .other)
    }
}
