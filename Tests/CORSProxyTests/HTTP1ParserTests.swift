import NIOCore
import NIOHTTP1
import Testing

@testable import CORSProxy

/// The gateway's own HTTP/1 parser and writer, byte by byte: framing, strictness where smuggling
/// starts, and the same events however the bytes are split across reads.
@Suite struct HTTP1ParserTests {
    /// What a parser makes of `text` fed in pieces of `piece` bytes (0: all at once), as readable lines.
    static func events(
        _ text: String,
        role: HTTP1Parser.Role = .request,
        piece: Int = 0,
        answersHEAD: Bool = false,
        atEOF: Bool = false
    ) throws
        -> [String]
    {
        var parser = HTTP1Parser(role: role, maximumHeadBytes: 4096)
        parser.answersHEAD = answersHEAD
        let bytes = Array(text.utf8)
        var out: [String] = []
        func drain(_ parser: inout HTTP1Parser) throws {
            while let event = try parser.next() { out.append(describe(event)) }
        }
        let step = piece == 0 ? max(bytes.count, 1) : piece
        for start in stride(from: 0, to: bytes.count, by: step) {
            parser.append(ByteBuffer(bytes: bytes[start..<min(start + step, bytes.count)]))
            try drain(&parser)
        }
        if atEOF, let event = try parser.endOfInput() { out.append(describe(event)) }
        // Body pieces split by the reads are joined, so every split reads the same.
        var joined: [String] = []
        for event in out {
            if event.hasPrefix("body "), let last = joined.last, last.hasPrefix("body ") {
                joined[joined.count - 1] = last + event.dropFirst(5)
            } else {
                joined.append(event)
            }
        }
        return joined
    }

    static func describe(_ event: HTTP1Event) -> String {
        switch event {
        case .requestHead(let head, let keepAlive):
            return "\(head.method.rawValue) \(head.uri) 1.\(head.version.minor)\(keepAlive ? "" : " close") "
                + head.headers.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
        case .responseHead(let head, let keepAlive):
            return "\(head.status.code) 1.\(head.version.minor)\(keepAlive ? "" : " close") "
                + head.headers.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
        case .body(let buffer): return "body " + String(buffer: buffer)
        case .end(let trailers): return "end" + (trailers.map { " " + $0.map { "\($0.name)=\($0.value)" }.joined(separator: ";") } ?? "")
        }
    }

    static func failure(_ text: String, role: HTTP1Parser.Role = .request, atEOF: Bool = false) -> HTTP1ParseError? {
        do {
            _ = try events(text, role: role, atEOF: atEOF)
            return nil
        } catch {
            return error as? HTTP1ParseError
        }
    }

    @Test(arguments: [0, 1, 2, 7])
    func pipelinedRequestsWithLengthAndChunkedBodiesReadTheSameHoweverTheBytesAreSplit(piece: Int) throws {
        let text =
            "GET /a HTTP/1.1\r\nHost: x\r\nOrigin:  https://app.example \t\r\n\r\n"
            + "POST /b?q=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
            + "PUT /c HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Sum: 9\r\n\r\n"
        #expect(
            try Self.events(text, piece: piece) == [
                "GET /a 1.1 Host=x;Origin=https://app.example", "end",
                "POST /b?q=1 1.1 Content-Length=5", "body hello", "end",
                "PUT /c 1.0 close Transfer-Encoding=chunked", "body abc0123456789", "end X-Sum=9",
            ]
        )
    }

    @Test func theConnectionPersistsIn11UnlessToldToCloseAndIn10OnlyWhenToldToKeepAlive() throws {
        #expect(
            try Self.events("GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n") == ["GET / 1.1 close Connection=Keep-Alive, CLOSE", "end"]
        )
        #expect(try Self.events("GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n") == ["GET / 1.1 Connection=upgrade", "end"])
        #expect(try Self.events("GET / HTTP/1.0\r\nConnection:  keep-alive \r\n\r\n") == ["GET / 1.0 Connection=keep-alive", "end"])
        #expect(try Self.events("GET / HTTP/1.0\r\n\r\n") == ["GET / 1.0 close ", "end"])
    }

    @Test func eachFieldsSpanCarriesTheRoleOfItsOwnName() throws {
        // The readers of a head act on these roles (drop, rewrite, frame) without looking at names.
        let head =
            "POST / HTTP/1.1\r\nX-A: 1\r\nCONTENT-LENGTH: 0\r\nAccess-Control-Allow-Origin: *\r\nte: trailers\r\n"
            + "Vary: Origin\r\nx-forwarded-for: 1.2.3.4\r\nHost: a.example\r\nSet-Cookie: a=b\r\nConnection: x-a\r\n\r\n"
        var parser = HTTP1Parser(role: .request, maximumHeadBytes: 8192)
        parser.append(ByteBuffer(string: head))
        guard case .requestHead(let request, _)? = try parser.next() else {
            Issue.record("not a request head")
            return
        }
        #expect(
            request.fields.spans.map(\.role) == [
                .other, .contentLength, .accessControl, .hopByHop, .vary, .forwarding, .host, .setCookie, .connection,
            ]
        )
    }

    @Test func emptyLinesBeforeARequestAreIgnored() throws {
        #expect(try Self.events("\r\n\r\nGET / HTTP/1.1\r\n\r\n") == ["GET / 1.1 ", "end"])
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\nHost: x\r\n\r\n", HTTP1ParseError.lineEndNotCRLF),  // bare LF ends no line
        ("GET / HTTP/1.1\r\nHost: x\n\n", HTTP1ParseError.lineEndNotCRLF),
        ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", HTTP1ParseError.lineEndNotCRLF),  // bare CR in a value
        ("GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", HTTP1ParseError.invalidFieldName),  // obs-fold
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", HTTP1ParseError.invalidFieldName),  // space before the colon
        ("GET / HTTP/1.1\r\n: x\r\n\r\n", HTTP1ParseError.invalidFieldName),
        ("GET / HTTP/1.1\r\nX-A: \u{1}\r\n\r\n", HTTP1ParseError.invalidFieldValue),
        ("G(T / HTTP/1.1\r\n\r\n", HTTP1ParseError.invalidMethod),
        ("GET /a b HTTP/1.1\r\n\r\n", HTTP1ParseError.invalidVersion),
        ("GET /\u{7F} HTTP/1.1\r\n\r\n", HTTP1ParseError.invalidTarget),
        ("GET / HTTP/2.0\r\n\r\n", HTTP1ParseError.invalidVersion),
        ("GET / HTTP/1.1 \r\n\r\n", HTTP1ParseError.invalidVersion),
    ])
    func malformedRequestHeadsAreRefused(text: String, error: HTTP1ParseError) {
        #expect(Self.failure(text) == error)
    }

    @Test(arguments: [
        ("POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP1ParseError.contentLengthWithTransferEncoding),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n", HTTP1ParseError.contentLengthWithTransferEncoding),
        ("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", HTTP1ParseError.invalidContentLength),
        ("POST / HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\n", HTTP1ParseError.invalidContentLength),
        ("POST / HTTP/1.1\r\nContent-Length: +4\r\n\r\n", HTTP1ParseError.invalidContentLength),
        ("POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n", HTTP1ParseError.invalidContentLength),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", HTTP1ParseError.unsupportedTransferEncoding),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", HTTP1ParseError.unsupportedTransferEncoding),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP1ParseError.unsupportedTransferEncoding),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", HTTP1ParseError.invalidChunk),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", HTTP1ParseError.invalidChunk),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY", HTTP1ParseError.invalidChunk),
    ])
    func requestFramingThatCouldSmuggleIsRefused(text: String, error: HTTP1ParseError) {
        #expect(Self.failure(text) == error)
    }

    @Test func aRepeatedContentLengthIsRefusedEvenWithTheSameValueAndChunkedIsReadInAnyCase() throws {
        #expect(Self.failure("POST / HTTP/1.1\r\ncontent-length: 2\r\nContent-Length: 2\r\n\r\nok") == .invalidContentLength)
        #expect(try Self.events("POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \r\n\r\n2\r\nok\r\n0\r\n\r\n").suffix(2) == ["body ok", "end"])
    }

    @Test(arguments: ["0x1f", "5zz", "1 1", "3\t,x", "-1"])
    func aChunkSizeFollowedByAnythingButWhitespaceAnExtensionOrTheLineEndIsRefused(size: String) {
        // "0x1f" read as 0 would end the body where a peer reading 31 does not: smuggling.
        #expect(Self.failure("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nX:a\r\n\r\n") == .invalidChunk)
    }

    @Test func chunkSizesMayCarryLeadingZerosWhitespaceAndExtensions() throws {
        let text = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000000002 \t;a=b\r\nok\r\n0 \r\n\r\n"
        #expect(try Self.events(text).suffix(2) == ["body ok", "end"])
    }

    @Test func anHTTP10MessageWithTransferEncodingClosesTheConnectionAfterIt() throws {
        #expect(
            try Self.events("POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").first
                == "POST / 1.0 close Connection=keep-alive;Transfer-Encoding=chunked"
        )
    }

    @Test func onlyUnreadBytesAreCarriedOverBetweenReads() throws {
        var parser = HTTP1Parser(role: .request, maximumHeadBytes: 4096)
        // Each read ends with the first byte of the next request: nothing of the earlier reads is kept.
        parser.append(ByteBuffer(string: "G"))
        for _ in 0..<2000 {
            parser.append(ByteBuffer(string: "ET / HTTP/1.1\r\n\r\nG"))
            while try parser.next() != nil {}
        }
        #expect(parser.hasBufferedBytes)
        #expect(parser.bufferCapacity < 1024, "the parser holds \(parser.bufferCapacity) bytes for one unread byte")
        #expect(!parser.isBetweenMessages)
        parser.append(ByteBuffer(string: "ET / HTTP/1.1\r\n\r\n\r\n"))
        while try parser.next() != nil {}
        #expect(parser.isBetweenMessages)
    }

    @Test func aHeadLargerThanTheLimitOverflowsEvenBeforeItEnds() {
        #expect(Self.failure("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 5000)) == .headTooLarge)
        #expect(Self.failure("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 5000) + "\r\n\r\n") == .headTooLarge)
    }

    @Test(arguments: [0, 1, 100])
    func onlyTheFirstLimitBytesOfAHeadAreLookedAtSoTheVerdictIsTheSameHoweverItArrives(piece: Int) {
        // A bare LF past the limit is never reached: too large, not malformed, in one read or many.
        let text = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 5000) + "\n\r\n\r\n"
        #expect(throws: HTTP1ParseError.headTooLarge) { try Self.events(text, piece: piece) }
    }

    @Test func aRequestCutMidBodyIsAnEOFErrorAndOneCutBetweenRequestsIsNot() throws {
        #expect(Self.failure("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", atEOF: true) == .cutShort)
        #expect(Self.failure("GET / HTTP/1.1\r\nHost: x", atEOF: true) == .cutShort)
        #expect(try Self.events("GET / HTTP/1.1\r\n\r\n\r\n", atEOF: true) == ["GET / 1.1 ", "end"])
    }

    @Test(arguments: [0, 1, 3])
    func responsesAreFramedByLengthChunksOrTheClose(piece: Int) throws {
        #expect(
            try Self.events(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\nHTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
                role: .response,
                piece: piece
            )
                == ["200 1.1 Content-Length=2", "body ok", "end", "404 1.1 Content-Length=0", "end"]
        )
        #expect(
            try Self.events("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", role: .response, piece: piece)
                == ["200 1.1 Transfer-Encoding=chunked", "body ok", "end"]
        )
        #expect(
            try Self.events("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the close", role: .response, piece: piece, atEOF: true)
                == ["200 1.0 close Server=old", "body until the close", "end"]
        )
    }

    @Test func interimResponsesComeBeforeTheFinalOneAndBodilessStatusesHaveNoBody() throws {
        #expect(
            try Self.events("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", role: .response)
                == ["100 1.1 ", "204 1.1 Content-Length=9", "end"]
        )
        #expect(
            try Self.events("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", role: .response, answersHEAD: true) == [
                "200 1.1 Content-Length=9", "end",
            ]
        )
        #expect(try Self.events("HTTP/1.1 304 Not Modified\r\n\r\n", role: .response) == ["304 1.1 ", "end"])
    }

    @Test(arguments: [
        ("SSH-2.0-OpenSSH_9.6\r\n\r\n", HTTP1ParseError.invalidVersion),
        ("HTTP/1.1 20 OK\r\n\r\n", HTTP1ParseError.invalidStatus),
        ("HTTP/1.1 099 Low\r\n\r\n", HTTP1ParseError.invalidStatus),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP1ParseError.contentLengthWithTransferEncoding),
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", HTTP1ParseError.unaskedSwitchingProtocols),
    ])
    func malformedResponsesAreRefused(text: String, error: HTTP1ParseError) {
        #expect(Self.failure(text, role: .response) == error)
    }

    @Test func aResponseCutMidBodyIsAnEOFError() {
        #expect(Self.failure("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", role: .response, atEOF: true) == .cutShort)
        #expect(Self.failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", role: .response, atEOF: true) == .cutShort)
    }

    @Test func aResponseIsWrittenWithItsStatusFieldsAndChunkedFramingForAnHTTP11Client() {
        var headers = HTTPHeaders([("Vary", "Origin")])
        let framing = HTTP1BodyFraming.forResponse(&headers, status: .ok, requestMethod: .GET, version: .http1_1)
        var buffer = ByteBuffer()
        HTTP1Writer.writeResponseHead(version: .http1_1, status: .ok, headers: headers, into: &buffer)
        var written: [ByteBuffer] = []
        framing.write(ByteBuffer(string: String(repeating: "x", count: 300)), { written.append($0) }, allocator: .init())
        written.append(framing.end(trailers: nil, allocator: .init()))
        for var piece in written { buffer.writeBuffer(&piece) }
        #expect(
            String(buffer: buffer)
                == "HTTP/1.1 200 OK\r\nVary: Origin\r\ntransfer-encoding: chunked\r\n\r\n12c\r\n" + String(repeating: "x", count: 300)
                + "\r\n0\r\n\r\n"
        )
    }

    @Test func anHTTP10ClientsBodyOfUnknownLengthEndsWithTheCloseAndHEADGetsNoBody() {
        var headers = HTTPHeaders()
        #expect(HTTP1BodyFraming.forResponse(&headers, status: .ok, requestMethod: .GET, version: .http1_0).framing == .untilClose)
        #expect(HTTP1BodyFraming.forResponse(&headers, status: .ok, requestMethod: .HEAD, version: .http1_1).framing == .none)
        #expect(HTTP1BodyFraming.forResponse(&headers, status: .noContent, requestMethod: .GET, version: .http1_1).framing == .none)
        #expect(headers.isEmpty)
    }
}
