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
            return text.withUTF8 { ASCIIBytes.equal(UnsafeRawBufferPointer($0), text: lowercase) }
        }
        #expect(equal("X-Api_Key", "x-api_key"))
        #expect(!equal("x-api\u{7F}key", "x-api_key"))  // `_` is not DEL in another case
        #expect(!equal("x-api-key", "x-api_key"))
        #expect(!equal("x-api-ke", "x-api-key"))
        #expect(FieldRole("Access-Control-Allow-Origin") == .accessControl)
        #expect(FieldRole("Access-Control") == .other)
        // Eight bytes at a time: every byte at every offset, against the rule byte by byte (only
        // A-Z fold). In a 17-byte name, through both overloads; and in a text of the letters'
        // neighbours, where `@` and `[` must not fold into `` ` `` and `{`.
        let neighbours = "`{@[\\]^_|~-09az!#xyz"
        for expected in ["transfer-encoding", neighbours] {
            let word = Array(expected.utf8)
            for position in word.indices {
                for byte in UInt8.min...UInt8.max {
                    var name = word
                    name[position] = byte
                    let folded = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                    let matches = folded == word[position]
                    #expect(name.withUnsafeBytes { ASCIIBytes.equal($0, text: expected) } == matches, "byte \(byte) at \(position)")
                    if expected != neighbours {
                        #expect(name.withUnsafeBytes { ASCIIBytes.equal($0, "transfer-encoding") } == matches, "byte \(byte) at \(position)")
                    }
                }
            }
        }
    }

    /// The value scan reads eight bytes at a time: every byte kind at every offset of a word, in
    /// values of every length up to three words, gives what the one-byte-at-a-time rule gives
    /// (RFC 9110 §5.5: HTAB, SP, visible ASCII and obs-text allowed; other controls and DEL not;
    /// surrounding whitespace not part of the value).
    @Test func fieldValuesAreCheckedAndTrimmedAtEveryOffsetOfAWord() throws {
        let kinds: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0B, 0x1F, 0x20, 0x21, 0x41, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0xFF]
        for length in 1...24 {
            for position in 0..<length {
                for kind in kinds {
                    var value = [UInt8](repeating: UInt8(ascii: "v"), count: length)
                    value[position] = kind
                    if kind == 0x20 || kind == 0x09 { value[length - 1] = kind }  // trailing whitespace too
                    var request = ByteBuffer(string: "GET / HTTP/1.1\r\nX-V:")
                    request.writeBytes(value)
                    request.writeString("\r\nHost: x\r\n\r\n")
                    var parser = HTTP1Parser(role: .request, maximumHeadBytes: 4096)
                    parser.append(request)
                    let valid = value.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
                    if !valid {
                        // A bare LF ends the line early: the line end, not the byte, is the error.
                        let expected: HTTP1ParseError = kind == 0x0A ? .lineEndNotCRLF : .invalidFieldValue
                        #expect(throws: expected, "byte \(kind) at \(position) of \(length)") { try parser.next() }
                        continue
                    }
                    guard case .requestHead(let head, _)? = try parser.next() else {
                        Issue.record("no head for byte \(kind) at \(position) of \(length)")
                        continue
                    }
                    var first = 0
                    var last = value.count
                    while first < last, value[first] == 0x20 || value[first] == 0x09 { first += 1 }
                    while last > first, value[last - 1] == 0x20 || value[last - 1] == 0x09 { last -= 1 }
                    let read = head.fields.withBytes { raw in Array(HTTP1Fields.value(raw, head.fields.spans[0])) }
                    #expect(read == Array(value[first..<last]), "byte \(kind) at \(position) of \(length)")
                    #expect(head.fields.count == 2)
                }
            }
        }
    }

    /// The name scan reads eight bytes at a time while they are letters, digits or `-`: every
    /// other tchar, a colon and non-tchar bytes at every offset of a word, in names of every
    /// length up to three words, give what the one-byte-at-a-time rule gives (RFC 9110 §5.6.2).
    @Test func fieldNamesAreCheckedAtEveryOffsetOfAWord() throws {
        let tchars = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        let kinds: [UInt8] =
            Array("Az09-!#$%&'*+.^_`|~:".utf8) + [0x00, 0x09, 0x0D, 0x20, 0x22, 0x28, 0x2C, 0x2F, 0x40, 0x5B, 0x7B, 0x7F, 0x80, 0xFF]
        for length in 1...24 {
            for position in 0..<length {
                for kind in kinds {
                    var name = [UInt8](repeating: UInt8(ascii: "n"), count: length)
                    name[position] = kind
                    var request = ByteBuffer(string: "GET / HTTP/1.1\r\n")
                    request.writeBytes(name)
                    request.writeString(": v\r\nHost: x\r\n\r\n")
                    var parser = HTTP1Parser(role: .request, maximumHeadBytes: 4096)
                    parser.append(request)
                    let before = name.firstIndex(of: UInt8(ascii: ":")).map { Array(name[..<$0]) } ?? name
                    if before.isEmpty || !before.allSatisfy(tchars.contains) {
                        #expect(throws: HTTP1ParseError.invalidFieldName, "byte \(kind) at \(position) of \(length)") { try parser.next() }
                        continue
                    }
                    guard case .requestHead(let head, _)? = try parser.next() else {
                        Issue.record("no head for byte \(kind) at \(position) of \(length)")
                        continue
                    }
                    let read = head.fields.withBytes { raw in Array(HTTP1Fields.name(raw, head.fields.spans[0])) }
                    #expect(read == before, "byte \(kind) at \(position) of \(length)")
                    #expect(head.fields.count == 2)
                }
            }
        }
    }
}

/// The status and request lines, each copied into the buffer in one piece: the exact bytes, after
/// whatever the buffer already held.
@Suite struct HTTP1LineWritingTests {
    @Test(arguments: [
        (HTTPVersion.http1_1, HTTPResponseStatus.ok, "HTTP/1.1 200 OK\r\n"),
        (.http1_0, .noContent, "HTTP/1.0 204 No Content\r\n"),
        (.http1_1, .custom(code: 599, reasonPhrase: ""), "HTTP/1.1 599 \r\n"),
        (.http1_1, .custom(code: 101, reasonPhrase: "Switching Protocols Now"), "HTTP/1.1 101 Switching Protocols Now\r\n"),
        (.http1_1, .gatewayTimeout, "HTTP/1.1 504 Gateway Timeout\r\n"),
    ])
    func statusLinesAreWrittenExactly(version: HTTPVersion, status: HTTPResponseStatus, expected: String) {
        var buffer = ByteBuffer(string: "before|")
        HTTP1Writer.writeStatusLine(version: version, status: status, into: &buffer)
        #expect(String(buffer: buffer) == "before|" + expected)
    }

    @Test(arguments: [
        (HTTPMethod.GET, "/items/1", "GET /items/1 HTTP/1.1\r\n"),
        (.OPTIONS, "*", "OPTIONS * HTTP/1.1\r\n"),
        (.RAW(value: "PROPPATCH"), "/a?b=c&d=%20", "PROPPATCH /a?b=c&d=%20 HTTP/1.1\r\n"),
        (.PUT, String(repeating: "/x", count: 3000), "PUT " + String(repeating: "/x", count: 3000) + " HTTP/1.1\r\n"),
    ])
    func requestLinesAreWrittenExactly(method: HTTPMethod, uri: String, expected: String) {
        var buffer = ByteBuffer(string: "before|")
        HTTP1Writer.writeRequestLine(method: method, uri: uri, into: &buffer)
        #expect(String(buffer: buffer) == "before|" + expected)
    }
}
