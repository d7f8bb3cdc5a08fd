import FuzzSupport
import NIOCore
import NIOHTTP1

// The gateway's HTTP/1 parser and writer (`cors proxy`), compiled here from the gateway's own
// files (HTTP1Parser.swift and HTTP1Writer.swift are links to Sources/CORSProxy), so the fuzzer
// runs exactly the code that parses what clients and upstreams send:
// - any bytes, as requests or as responses (to a GET or a HEAD): never a crash, and the same
//   events and the same error however the bytes are split into reads (the input chooses where),
//   the end of input included;
// - a request or response the input builds (method, target, fields, a body framed by length, by
//   chunks with trailers, or not at all) written by HTTP1Writer reads back as what was written.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1Parser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        switch input.byte() % 4 {
        case 0: checkAnyBytes(&input, role: .request, answersHEAD: false)
        case 1: checkAnyBytes(&input, role: .response, answersHEAD: input.bool())
        case 2: checkWrittenRequest(&input)
        default: checkWrittenResponse(&input)
        }
    }
}

/// What a parser made of some bytes: its events (body pieces joined) and how it stopped.
struct Reading: Equatable {
    var events: [String] = []
    var error: HTTP1ParseError?
    var endOfInput = ""
}

func describe(_ event: HTTP1Event) -> String {
    func fields(_ headers: HTTPHeaders) -> String { headers.map { "\($0.name)=\($0.value)" }.joined(separator: "\u{0}") }
    switch event {
    case .requestHead(let head, let keepAlive):
        return "request \(head.method.rawValue) \(head.uri) \(head.version) \(keepAlive) \(fields(head.headers))"
    case .responseHead(let head, let keepAlive): return "response \(head.status.code) \(head.version) \(keepAlive) \(fields(head.headers))"
    case .body(let buffer): return "body " + hex(buffer.readableBytesView)
    case .end(let trailers): return "end " + (trailers.map(fields) ?? "-")
    }
}

/// Bytes as two hex digits each (pieces of a body join into the whole; no UTF-8 decoding in between).
func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
}

/// Parses `bytes` cut at `cuts` (offsets, any order), with a head limit of `limit`, then ends the input.
func read(_ bytes: [UInt8], cuts: [Int], role: HTTP1Parser.Role, answersHEAD: Bool, limit: Int) -> Reading {
    var parser = HTTP1Parser(role: role, maximumHeadBytes: limit)
    parser.answersHEAD = answersHEAD
    var reading = Reading()
    func add(_ event: HTTP1Event) {
        let text = describe(event)
        if text.hasPrefix("body "), let last = reading.events.last, last.hasPrefix("body ") {
            reading.events[reading.events.count - 1] = last + text.dropFirst(5)
        } else {
            reading.events.append(text)
        }
    }
    var start = 0
    for cut in (cuts.filter { $0 > 0 && $0 < bytes.count } + [bytes.count]).sorted() where cut > start {
        parser.append(ByteBuffer(bytes: bytes[start..<cut]))
        start = cut
        do {
            while let event = try parser.next() { add(event) }
        } catch let error as HTTP1ParseError {
            reading.error = error
            return reading
        } catch {
            disagreement("an error that is not an HTTP1ParseError: \(error)")
        }
        // Nothing more comes out of a failed parser, however much is appended.
    }
    do {
        reading.endOfInput = try parser.endOfInput().map(describe) ?? "nil"
    } catch {
        reading.endOfInput = "\(error)"
    }
    return reading
}

func checkAnyBytes(_ input: inout FuzzInput, role: HTTP1Parser.Role, answersHEAD: Bool) {
    let limit = input.pick([64, 256, 4096])
    let cuts = (0..<input.int(in: 0...6)).map { _ in input.int(in: 0...255) }
    let bytes = input.rest()
    let whole = read(bytes, cuts: [], role: role, answersHEAD: answersHEAD, limit: limit)
    let split = read(bytes, cuts: cuts, role: role, answersHEAD: answersHEAD, limit: limit)
    require(
        whole == split,
        "split at \(cuts.sorted()) reads \(split), whole \(whole), for \(String(decoding: bytes, as: UTF8.self).debugDescription)"
    )
    let byteByByte = read(bytes, cuts: Array(bytes.indices), role: role, answersHEAD: answersHEAD, limit: limit)
    require(whole == byteByByte, "byte by byte reads \(byteByByte), whole \(whole)")
}

let methods = ["GET", "POST", "PUT", "OPTIONS", "DELETE", "PATCH", "HEAD", "PROPFIND", "M-SEARCH"]
let names = ["Host", "Origin", "Content-Type", "X-A", "accept", "Vary", "Access-Control-Request-Headers", "X-Forwarded-For"]
let tokenBytes = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".utf8)
let targetBytes = Array("abcXYZ0189/?=&%-._~:@!$'()*+,;".utf8)

/// A field value as a sender may write it: visible ASCII, spaces and tabs inside, obs-text.
func value(_ input: inout FuzzInput) -> String {
    let inner = (0..<input.int(in: 0...20)).map { _ -> UInt8 in
        let byte = input.byte()
        return byte == 0x7F || (byte < 0x20 && byte != 0x09) ? UInt8(ascii: "v") : byte
    }
    // Leading and trailing whitespace is not part of a value: keep it off both ends.
    var trimmed = inner[...]
    while let first = trimmed.first, first == 0x20 || first == 0x09 { trimmed = trimmed.dropFirst() }
    while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed = trimmed.dropLast() }
    // Bytes that are not UTF-8 read back as U+FFFD on both sides; compare what a String keeps.
    return String(decoding: trimmed, as: UTF8.self)
}

func fields(_ input: inout FuzzInput) -> [(String, String)] {
    (0..<input.int(in: 0...6)).map { _ in
        let name = input.bool() ? input.pick(names) : String(decoding: (0..<input.int(in: 1...12)).map { _ in input.pick(tokenBytes) }, as: UTF8.self)
        return (name, value(&input))
    }
}

/// Framing and keep-alive fields are the writer's to add; generated fields never name them.
func isFraming(_ name: String) -> Bool {
    ["content-length", "transfer-encoding", "connection"].contains(name.lowercased())
}

/// A body in pieces (each a write), and trailers for a chunked one.
func body(_ input: inout FuzzInput) -> [[UInt8]] {
    (0..<input.int(in: 0...4)).map { _ in input.bytes(maximum: 40) }
}

func written(_ pieces: [ByteBuffer]) -> [UInt8] {
    var all = ByteBuffer()
    for var piece in pieces { all.writeBuffer(&piece) }
    return Array(all.readableBytesView)
}

func checkWrittenRequest(_ input: inout FuzzInput) {
    let method = input.pick(methods)
    let target = "/" + String(decoding: (0..<input.int(in: 0...16)).map { _ in input.pick(targetBytes) }, as: UTF8.self)
    var headers = HTTPHeaders(fields(&input).filter { !isFraming($0.0) })
    let pieces = body(&input)
    let total = pieces.reduce(0) { $0 + $1.count }
    let chunked = input.bool()
    let trailers = chunked && input.bool() ? HTTPHeaders(fields(&input).filter { !isFraming($0.0) }) : nil
    if chunked {
        headers.add(name: "transfer-encoding", value: "chunked")
    } else if total > 0 || input.bool() {
        headers.add(name: "content-length", value: String(total))
    }
    let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target, headers: headers)
    var out: [ByteBuffer] = []
    var first = ByteBuffer()
    HTTP1Writer.writeRequestHead(head, into: &first)
    out.append(first)
    let framing = HTTP1BodyFraming.forRequest(chunked: headers.contains(name: "transfer-encoding"))
    for piece in pieces { framing.write(ByteBuffer(bytes: piece), { out.append($0) }, allocator: .init()) }
    out.append(framing.end(trailers: trailers, allocator: .init()))
    let bytes = written(out)

    var expected = ["request \(method) \(target) HTTP/1.1 true \(headers.map { "\($0.name)=\($0.value)" }.joined(separator: "\u{0}"))"]
    if total > 0 { expected.append("body " + hex(pieces.joined())) }
    expected.append("end " + (trailers.flatMap { $0.isEmpty ? nil : $0.map { "\($0.name)=\($0.value)" }.joined(separator: "\u{0}") } ?? "-"))
    let reading = read(bytes, cuts: [input.int(in: 0...255)], role: .request, answersHEAD: false, limit: 1 << 16)
    require(
        reading.error == nil && reading.events == expected && reading.endOfInput == "nil",
        "written \(String(decoding: bytes, as: UTF8.self).debugDescription) read as \(reading), expected \(expected)"
    )
}

func checkWrittenResponse(_ input: inout FuzzInput) {
    let status = HTTPResponseStatus(statusCode: input.pick([200, 201, 204, 304, 404, 418, 500, 502]))
    let method: HTTPMethod = input.pick([.GET, .HEAD, .POST])
    let version: HTTPVersion = input.bool() ? .http1_1 : .http1_0
    var headers = HTTPHeaders(fields(&input).filter { !isFraming($0.0) })
    let pieces = body(&input)
    let total = pieces.reduce(0) { $0 + $1.count }
    if input.bool() { headers.add(name: "content-length", value: String(total)) }
    let framing = HTTP1BodyFraming.forResponse(&headers, status: status, requestMethod: method, version: version)
    let trailers = framing.framing == .chunked && input.bool() ? HTTPHeaders(fields(&input).filter { !isFraming($0.0) }) : nil
    var out: [ByteBuffer] = []
    var first = ByteBuffer()
    HTTP1Writer.writeResponseHead(version: version, status: status, headers: headers, into: &first)
    out.append(first)
    for piece in pieces { framing.write(ByteBuffer(bytes: piece), { out.append($0) }, allocator: .init()) }
    out.append(framing.end(trailers: trailers, allocator: .init()))
    let bytes = written(out)

    let bodiless = method == .HEAD || status.code == 204 || status.code == 304
    let keepAlive = version == .http1_1
    var expected = ["response \(status.code) \(version) \(keepAlive) \(headers.map { "\($0.name)=\($0.value)" }.joined(separator: "\u{0}"))"]
    if !bodiless, total > 0 { expected.append("body " + hex(pieces.joined())) }
    var end = "end " + (trailers.flatMap { $0.isEmpty ? nil : $0.map { "\($0.name)=\($0.value)" }.joined(separator: "\u{0}") } ?? "-")
    let reading = read(bytes, cuts: [input.int(in: 0...255)], role: .response, answersHEAD: method == .HEAD, limit: 1 << 16)
    // A body delimited by the close (HTTP/1.0, no length) ends with the input, not before it.
    if case .untilClose = framing.framing {
        expected.append(end)
        end = "nil"
        require(
            reading.error == nil && reading.events == Array(expected.dropLast()) && reading.endOfInput == expected.last,
            "written \(String(decoding: bytes, as: UTF8.self).debugDescription) read as \(reading), expected \(expected) at the close"
        )
        return
    }
    expected.append(end)
    require(
        reading.error == nil && reading.events == expected && reading.endOfInput == "nil",
        "written \(String(decoding: bytes, as: UTF8.self).debugDescription) read as \(reading), expected \(expected)"
    )
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzHTTP1Parser) }
}
