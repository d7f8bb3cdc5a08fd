import NIOCore
import NIOHTTP1
import Testing

@testable import CORSProxy

/// Parsed fields kept as ranges of the head's bytes: what they read back as, and the byte helpers
/// the relaying reads them with.
@Suite struct HTTP1FieldsTests {
    @Test func parsedFieldsReadBackAsTheNamesAndTrimmedValuesSent() throws {
        var parser = HTTP1Parser(role: .request, maximumHeadBytes: 4096)
        parser.append(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\nX-Long-Field-Name:   spaced value \t\r\nACCEPT:*/*\r\nx-empty:\r\n\r\n"))
        guard case .requestHead(let head, _)? = try parser.next() else {
            Issue.record("no head")
            return
        }
        #expect(head.fields.count == 4)
        #expect(head.headers.map { "\($0.name)=\($0.value)" } == ["Host=x", "X-Long-Field-Name=spaced value", "ACCEPT=*/*", "x-empty="])
        #expect(head.fields.first("accept") == "*/*")
        #expect(head.fields.first("x-long-field-name") == "spaced value")
        #expect(head.fields.first("missing") == nil)
    }

    @Test(arguments: [
        ("GET", HTTPMethod.GET), ("PUT", .PUT), ("POST", .POST), ("HEAD", .HEAD), ("PATCH", .PATCH), ("DELETE", .DELETE),
        ("OPTIONS", .OPTIONS), ("get", .RAW(value: "get")), ("PROPFIND", .PROPFIND), ("GETS", .RAW(value: "GETS")),
        ("OPTIONZ", .RAW(value: "OPTIONZ")),
    ])
    func methodsAreReadCaseSensitively(token: String, method: HTTPMethod) throws {
        var parser = HTTP1Parser(role: .request, maximumHeadBytes: 4096)
        parser.append(ByteBuffer(string: "\(token) / HTTP/1.1\r\nHost: x\r\n\r\n"))
        guard case .requestHead(let head, _)? = try parser.next() else {
            Issue.record("no head")
            return
        }
        #expect(head.method == method)
    }

    @Test func fieldsBuiltFromHeadersKeepOrderRepeatsAndCase() {
        let headers = HTTPHeaders([("Vary", "Origin"), ("X-A", "1"), ("vary", "Accept"), ("Set-Cookie", "a=1; Path=/")])
        let fields = HTTP1Fields(headers)
        #expect(fields.headers.map { "\($0.name)=\($0.value)" } == ["Vary=Origin", "X-A=1", "vary=Accept", "Set-Cookie=a=1; Path=/"])
        #expect(fields.values("vary") == ["Origin", "Accept"])
        #expect(HTTP1Fields(HTTPHeaders()).count == 0)
    }

    @Test func aValueThatIsNotUTF8IsRelayedByteForByte() throws {
        var request = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf")
        request.writeBytes([0xE9, 0x20, 0xFF])  // Latin-1 "é", a space, a byte no UTF-8 has
        request.writeString("\r\n\r\n")
        var parser = HTTP1Parser(role: .request, maximumHeadBytes: 4096)
        parser.append(request)
        guard case .requestHead(let head, _)? = try parser.next() else {
            Issue.record("no head")
            return
        }
        var out = ByteBuffer()
        _ = UpstreamRequestHead.write(
            method: head.method,
            uri: head.uri,
            clientFields: head.fields,
            hostHeader: "upstream",
            rules: RequestHeaderRules(),
            peer: .init(text: "127.0.0.1", trusted: false),
            style: .xForwarded,
            into: &out
        )
        let written = Array(out.readableBytesView)
        let expected: [UInt8] = Array("X-Name: caf".utf8) + [0xE9, 0x20, 0xFF, 0x0D, 0x0A]
        #expect(written.firstRange(of: expected) != nil, "\(String(decoding: written, as: UTF8.self))")
    }

    @Test func listItemsAreTrimmedAndEmptyOnesSkipped() {
        func items(_ text: String) -> [String] {
            var found: [String] = []
            var text = text
            text.withUTF8 { ASCIIBytes.forEachListItem(UnsafeRawBufferPointer($0)) { found.append($0.text) } }
            return found
        }
        #expect(items("a, b ,\tc") == ["a", "b", "c"])
        #expect(items(" , ,x,, ") == ["x"])
        #expect(items("") == [])
        #expect(items("keep-alive") == ["keep-alive"])
    }

    @Test func byteComparisonsIgnoreASCIICaseOnly() {
        func equal(_ text: String, _ lowercase: String) -> Bool {
            var text = text
            return text.withUTF8 { ASCIIBytes.equal(UnsafeRawBufferPointer($0), lowercase) }
        }
        #expect(equal("X-Api_Key", "x-api_key"))
        #expect(!equal("x-api\u{7F}key", "x-api_key"))  // `_` is not DEL in another case
        #expect(!equal("x-api-key", "x-api_key"))
        #expect(!equal("x-api-ke", "x-api-key"))
        #expect(FieldRole("Access-Control-Allow-Origin") == .accessControl)
        #expect(FieldRole("Access-Control") == .other)
    }
}
