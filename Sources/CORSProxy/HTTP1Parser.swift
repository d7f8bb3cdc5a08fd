import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One step of an HTTP/1.x message as the gateway's parser reads it: the head, body pieces
/// (slices of the bytes read, never copied), then the end with any trailers.
enum HTTP1Event {
    /// `keepAlive`: whether the connection persists after this message (RFC 9112 §9.3): in 1.1
    /// unless Connection says `close`, in 1.0 only when it says `keep-alive`.
    case requestHead(HTTP1RequestHead, keepAlive: Bool)
    case responseHead(HTTP1ResponseHead, keepAlive: Bool)
    case body(ByteBuffer)
    case end(HTTPHeaders?)
}

/// Why bytes are not an HTTP/1 message the gateway relays (RFC 9112).
enum HTTP1ParseError: Error, Equatable {
    /// The head (start line and fields) is larger than the limit, or never ends within it.
    case headTooLarge
    /// A line ends in LF without CR, or a CR is not followed by LF.
    case lineEndNotCRLF
    case invalidMethod
    /// The request target holds a space, a control byte or a non-ASCII byte.
    case invalidTarget
    /// Not `HTTP/1.0` or `HTTP/1.1`.
    case invalidVersion
    case invalidStatus
    /// A field name that is not a token: whitespace before the colon, obs-fold, an empty name.
    case invalidFieldName
    /// A control byte in a field value.
    case invalidFieldValue
    /// Content-Length is not one decimal number, or is given more than once.
    case invalidContentLength
    /// Both Content-Length and Transfer-Encoding: how request smuggling starts (RFC 9112 §6.1).
    case contentLengthWithTransferEncoding
    /// A request coding other than one final `chunked`: its length cannot be known.
    case unsupportedTransferEncoding
    /// A chunk size that is not hex, too large, or a chunk not followed by CRLF.
    case invalidChunk
    /// The connection ended inside a message.
    case cutShort
    /// A 101 response, though the gateway never forwards a request to upgrade.
    case unaskedSwitchingProtocols
}

extension HTTP1ParseError: CustomStringConvertible {
    /// What the fault's JSON body says.
    var description: String {
        switch self {
        case .headTooLarge: "the head is larger than the limit"
        case .lineEndNotCRLF: "a line does not end in CRLF"
        case .invalidMethod: "the method is not a token"
        case .invalidTarget: "the request target has a space, control or non-ASCII byte"
        case .invalidVersion: "not HTTP/1.0 or HTTP/1.1"
        case .invalidStatus: "the status line is malformed"
        case .invalidFieldName: "a field name is not a token (whitespace before the colon, or a folded line)"
        case .invalidFieldValue: "a field value has a control byte"
        case .invalidContentLength: "Content-Length is not one decimal number, or is given more than once"
        case .contentLengthWithTransferEncoding: "both Content-Length and Transfer-Encoding"
        case .unsupportedTransferEncoding: "a Transfer-Encoding other than one final chunked"
        case .invalidChunk: "a malformed chunk"
        case .cutShort: "the connection ended inside a message"
        case .unaskedSwitchingProtocols: "101 Switching Protocols, though no upgrade was asked for"
        }
    }
}

/// How a message's body is delimited (RFC 9112 §6).
enum HTTP1Framing: Equatable {
    case none
    case length(Int64)
    case chunked
    /// A response without length or chunking: its body ends when the connection does.
    case untilClose
}

/// The gateway's own HTTP/1.x parser, on the bytes as read (RFC 9112). Strict where a lenient
/// parser opens request smuggling: one Content-Length field, no
/// Content-Length beside Transfer-Encoding, only `chunked` as a request's coding, CRLF line ends
/// only (no bare LF or CR), no obs-fold, token names, no control bytes in values. An error
/// (`HTTP1ParseError`) leaves the parser failed: it reads no more.
/// Pull-based (`append`, then `next()` until `nil`), so the handler may change `answersHEAD` or
/// the limit between two events.
struct HTTP1Parser {
    enum Role { case request, response }

    let role: Role
    /// A head larger than this (the request line or status line included) fails with `.headTooLarge`.
    var maximumHeadBytes: Int
    /// Response role: the request answered was HEAD, so the response has no body whatever its head says.
    var answersHEAD = false
    /// The framing of the message being read (set with its head).
    private(set) var framing: HTTP1Framing = .none

    private var pending: ByteBuffer?
    private var state = State.head
    /// How many bytes of the pending head were searched for its end already (a slow head is not rescanned).
    private var scanned = 0
    /// The array the last head's spans went into, reused for the next head's.
    private var spanStorage: [HTTP1FieldSpan] = []

    private enum State {
        case head
        case body(remaining: Int64)
        case chunkSize
        case chunkData(remaining: Int64)
        case chunkDataEnd
        case trailers
        case untilClose
        case end
        case failed
        /// After a body delimited by the close: nothing more is parsed.
        case stopped
    }

    init(role: Role, maximumHeadBytes: Int) {
        self.role = role
        self.maximumHeadBytes = maximumHeadBytes
    }

    /// Takes the bytes just read; `next()` then returns what they complete. Only unread bytes
    /// are carried over (never the whole history of the connection), and they grow in place (the
    /// storage doubles when full): a head sent a byte at a time costs linear time, where copying
    /// the unread bytes into a new buffer on every read cost quadratic.
    mutating func append(_ bytes: ByteBuffer) {
        guard var unread = pending, unread.readableBytes > 0 else {
            pending = bytes
            return
        }
        pending = nil  // `unread` is then the storage's only holder here: written in place, not copied
        if unread.readerIndex > 0 { unread.discardReadBytes() }
        unread.writeImmutableBuffer(bytes)
        pending = unread
    }

    /// The capacity of the buffer holding unread bytes (what the parser keeps in memory).
    var bufferCapacity: Int { pending?.capacity ?? 0 }

    /// Bytes are waiting that `next()` has not turned into events.
    var hasBufferedBytes: Bool { (pending?.readableBytes ?? 0) > 0 }

    /// Between two messages with nothing but empty lines read of the next (a connection in this
    /// state may carry another exchange; one holding more bytes is out of step).
    var isBetweenMessages: Bool {
        guard case .head = state else { return false }
        return pending.map { Self.onlyLineEnds($0) } ?? true
    }

    /// The next event the bytes so far complete, or `nil` when more bytes are needed.
    mutating func next() throws -> HTTP1Event? {
        do {
            return try step()
        } catch {
            state = .failed
            pending = nil
            throw error
        }
    }

    /// The input ended: the end of a body delimited by the close, `nil` between messages, or
    /// `.cutShort` when a message was cut.
    mutating func endOfInput() throws -> HTTP1Event? {
        switch state {
        case .untilClose:
            state = .stopped
            return .end(nil)
        case .failed, .stopped: return nil
        case .head where pending.map({ Self.onlyLineEnds($0) }) ?? true: return nil
        default:
            state = .failed
            throw HTTP1ParseError.cutShort
        }
    }

    private static func onlyLineEnds(_ buffer: ByteBuffer) -> Bool {
        buffer.readableBytesView.allSatisfy { $0 == cr || $0 == lf }
    }

    private mutating func step() throws -> HTTP1Event? {
        while true {
            switch state {
            case .failed, .stopped: return nil
            case .end:
                state = .head
                return .end(nil)
            case .head:
                return try parseHead()
            case .body(let remaining):
                guard let slice = takeBody(upTo: remaining) else { return nil }
                let left = remaining - Int64(slice.readableBytes)
                state = left == 0 ? .end : .body(remaining: left)
                return .body(slice)
            case .untilClose:
                guard let slice = takeBody(upTo: .max) else { return nil }
                return .body(slice)
            case .chunkData(let remaining):
                guard let slice = takeBody(upTo: remaining) else { return nil }
                let left = remaining - Int64(slice.readableBytes)
                state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .body(slice)
            case .chunkDataEnd:
                guard let bytes = pending, bytes.readableBytes >= 2 else { return nil }
                guard bytes.getInteger(at: bytes.readerIndex, as: UInt16.self) == 0x0D0A else { throw HTTP1ParseError.invalidChunk }
                pending!.moveReaderIndex(forwardBy: 2)
                state = .chunkSize
            case .chunkSize:
                guard let size = try parseChunkSize() else { return nil }
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .trailers:
                guard let bytes = pending, bytes.readableBytes >= 2 else { return nil }
                if bytes.getInteger(at: bytes.readerIndex, as: UInt16.self) == 0x0D0A {
                    pending!.moveReaderIndex(forwardBy: 2)
                    state = .head
                    return .end(nil)
                }
                guard let end = try findHeadEnd() else { return nil }
                let trailerBytes = pending!.getSlice(at: pending!.readerIndex, length: end + 2)!
                let spans = try trailerBytes.withUnsafeReadableBytes { raw in
                    var index = 0
                    var framing = FramingFields()
                    var spans: [HTTP1FieldSpan] = []
                    try Self.parseFields(raw, &index, &framing, into: &spans)
                    return spans
                }
                let trailers = HTTP1Fields(bytes: trailerBytes, spans: spans).headers
                pending!.moveReaderIndex(forwardBy: end + 4)
                state = .head
                return .end(trailers)
            }
        }
    }

    private mutating func takeBody(upTo limit: Int64) -> ByteBuffer? {
        guard let readable = pending?.readableBytes, readable > 0 else { return nil }
        let length = Int(min(Int64(readable), limit))
        return pending!.readSlice(length: length)
    }

    // MARK: heads

    /// The offset of the CRLFCRLF that ends the head being read, `nil` when it has not arrived;
    /// throws on a bare LF (RFC 9112 §2.2: a recipient may not take LF alone as a line end here),
    /// and `.headTooLarge` when the first `maximumHeadBytes` bytes hold no end. Only those bytes
    /// are looked at, so the outcome does not depend on how the bytes arrived.
    private mutating func findHeadEnd() throws -> Int? {
        let from = scanned  // each LF found looks back at the three bytes before it
        let limit = maximumHeadBytes
        let (found, searched): (Int?, Int) = try pending!.withUnsafeReadableBytes { raw in
            let window = min(raw.count, limit)
            guard let base = raw.baseAddress else { return (nil, window) }
            var index = from
            // Line by line: libc's memchr finds each LF many bytes at a time.
            while index < window, let found = memchr(base + index, Int32(Self.lf), window - index) {
                index = base.distance(to: UnsafeRawPointer(found))
                guard index > 0, raw[index - 1] == Self.cr else { throw HTTP1ParseError.lineEndNotCRLF }
                if index >= 3, raw[index - 2] == Self.lf, raw[index - 3] == Self.cr { return (index - 3, index) }
                index += 1
            }
            return (nil, window)
        }
        if let found {
            scanned = 0
            return found
        }
        scanned = searched
        guard searched < limit else { throw HTTP1ParseError.headTooLarge }
        return nil
    }

    private mutating func parseHead() throws -> HTTP1Event? {
        guard pending != nil else { return nil }
        // Empty lines before a message are ignored (RFC 9112 §2.2): a client may send one after a
        // body, and some servers do after a response.
        while let pair = pending!.getInteger(at: pending!.readerIndex, as: UInt16.self), pair == 0x0D0A {
            pending!.moveReaderIndex(forwardBy: 2)
            scanned = 0
        }
        guard pending!.readableBytes > 0, let end = try findHeadEnd() else { return nil }
        let role = self.role
        let answersHEAD = self.answersHEAD
        // The head's bytes are kept as a slice (shared, not copied): its fields are ranges of it.
        let bytes = pending!.getSlice(at: pending!.readerIndex, length: end + 2)!
        // The spans go into the array the last head used, when its reader has let it go (the
        // usual case): no allocation per head.
        var spans = spanStorage
        spanStorage = []
        spans.removeAll(keepingCapacity: true)
        let (event, framing) = try bytes.withUnsafeReadableBytes { head in
            role == .request
                ? try Self.parseRequestHead(head, bytes, &spans)
                : try Self.parseResponseHead(head, bytes, &spans, answersHEAD: answersHEAD)
        }
        // Kept for the next head only when small: one head of thousands of tiny fields must not
        // leave its array held by the connection for its whole life.
        spanStorage = spans.capacity <= 64 ? spans : []
        pending!.moveReaderIndex(forwardBy: end + 4)
        if pending!.readableBytes == 0 { pending = nil }  // the read buffer goes back to NIO's pool sooner
        self.framing = framing
        switch framing {
        case .none:
            // An interim answer: the final one follows on the same connection.
            if case .responseHead(let head, _) = event, head.status.code < 200 { return event }
            state = .end
        case .length(let length): state = .body(remaining: length)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
        return event
    }

    /// Content-Length and Transfer-Encoding as the fields of one head state them.
    fileprivate struct FramingFields {
        var contentLength: Int64?
        var transferEncoding = false
        /// The last coding of the last Transfer-Encoding field is `chunked`.
        var chunkedLast = false
        /// Some coding other than a final `chunked` was named.
        var otherCoding = false
        /// Connection named `close` / `keep-alive`.
        var close = false
        var keepAlive = false

        /// RFC 9112 §9.3; and an HTTP/1.0 message with Transfer-Encoding has faulty framing for a
        /// 1.0 hop, so the connection closes after it (§6.1).
        func persists(_ version: HTTPVersion) -> Bool {
            guard version.minor >= 1 else { return keepAlive && !close && !transferEncoding }
            return !close
        }
    }

    private static func parseRequestHead(
        _ raw: UnsafeRawBufferPointer,
        _ bytes: ByteBuffer,
        _ fields: inout [HTTP1FieldSpan]
    ) throws -> (HTTP1Event, HTTP1Framing) {
        var index = 0
        while index < raw.count, raw[index] != space {
            guard isTokenByte(raw[index]) else { throw HTTP1ParseError.invalidMethod }
            index += 1
        }
        guard index > 0, index < raw.count else { throw HTTP1ParseError.invalidMethod }
        let method = method(UnsafeRawBufferPointer(rebasing: raw[..<index]))
        index += 1
        let targetStart = index
        while index < raw.count, raw[index] != space {
            guard raw[index] > space, raw[index] < 0x7F else { throw HTTP1ParseError.invalidTarget }
            index += 1
        }
        guard index > targetStart, index < raw.count else { throw HTTP1ParseError.invalidTarget }
        let uri = String(decoding: UnsafeRawBufferPointer(rebasing: raw[targetStart..<index]), as: UTF8.self)
        index += 1
        let version = try parseVersion(raw, &index)
        guard index + 1 < raw.count, raw[index] == cr, raw[index + 1] == lf else { throw HTTP1ParseError.invalidVersion }
        index += 2
        var framingFields = FramingFields()
        try parseFields(raw, &index, &framingFields, into: &fields)
        let framing: HTTP1Framing
        if framingFields.transferEncoding {
            // RFC 9112 §6.1: both in a request is how smuggling starts; only chunked frames a request.
            guard framingFields.contentLength == nil else { throw HTTP1ParseError.contentLengthWithTransferEncoding }
            guard framingFields.chunkedLast, !framingFields.otherCoding else { throw HTTP1ParseError.unsupportedTransferEncoding }
            framing = .chunked
        } else if let length = framingFields.contentLength, length > 0 {
            framing = .length(length)
        } else {
            framing = .none
        }
        let head = HTTP1RequestHead(method: method, uri: uri, version: version, fields: HTTP1Fields(bytes: bytes, spans: fields))
        return (.requestHead(head, keepAlive: framingFields.persists(version)), framing)
    }

    private static func parseResponseHead(
        _ raw: UnsafeRawBufferPointer,
        _ bytes: ByteBuffer,
        _ fields: inout [HTTP1FieldSpan],
        answersHEAD: Bool
    ) throws -> (HTTP1Event, HTTP1Framing) {
        var index = 0
        let version = try parseVersion(raw, &index)
        guard index + 4 <= raw.count, raw[index] == space else { throw HTTP1ParseError.invalidStatus }
        var code = 0
        for offset in 1...3 {
            let digit = raw[index + offset] &- UInt8(ascii: "0")
            guard digit < 10 else { throw HTTP1ParseError.invalidStatus }
            code = code * 10 + Int(digit)
        }
        index += 4
        guard code >= 100 else { throw HTTP1ParseError.invalidStatus }
        // The gateway never forwards Upgrade, so a 101 was not asked for: the upstream is out of step.
        guard code != 101 else { throw HTTP1ParseError.unaskedSwitchingProtocols }
        // The reason phrase is not relayed (the gateway writes the standard one); it only has to be text.
        if index < raw.count, raw[index] == space {
            while index < raw.count, raw[index] != cr {
                guard raw[index] == tab || (raw[index] >= space && raw[index] != 0x7F) else { throw HTTP1ParseError.invalidStatus }
                index += 1
            }
        }
        guard index + 1 < raw.count, raw[index] == cr, raw[index + 1] == lf else { throw HTTP1ParseError.invalidStatus }
        index += 2
        var framingFields = FramingFields()
        try parseFields(raw, &index, &framingFields, into: &fields)
        let framing: HTTP1Framing
        if answersHEAD || code < 200 || code == 204 || code == 304 {
            framing = .none
        } else if framingFields.transferEncoding {
            // Both: a response splitting attempt or a broken upstream (RFC 9112 §6.3 item 3); refused.
            guard framingFields.contentLength == nil else { throw HTTP1ParseError.contentLengthWithTransferEncoding }
            framing = framingFields.chunkedLast ? .chunked : .untilClose
        } else if let length = framingFields.contentLength {
            framing = length > 0 ? .length(length) : .none
        } else {
            framing = .untilClose
        }
        let head = HTTP1ResponseHead(
            version: version,
            status: HTTPResponseStatus(statusCode: code),
            fields: HTTP1Fields(bytes: bytes, spans: fields)
        )
        return (.responseHead(head, keepAlive: framingFields.persists(version)), framing)
    }

    /// The method token: the common ones told by their bytes (methods are case-sensitive, RFC 9110
    /// §9.1), any other through a `String`.
    private static func method(_ token: UnsafeRawBufferPointer) -> HTTPMethod {
        func spells(_ name: StaticString) -> Bool {
            guard token.count == name.utf8CodeUnitCount else { return false }
            for index in 0..<token.count where token[index] != name.utf8Start[index] { return false }
            return true
        }
        switch token.count {
        case 3: if spells("GET") { return .GET } else if spells("PUT") { return .PUT }
        case 4: if spells("POST") { return .POST } else if spells("HEAD") { return .HEAD }
        case 5: if spells("PATCH") { return .PATCH }
        case 6: if spells("DELETE") { return .DELETE }
        case 7: if spells("OPTIONS") { return .OPTIONS }
        default: break
        }
        return HTTPMethod(rawValue: String(decoding: token, as: UTF8.self))
    }

    /// `HTTP/1.0` or `HTTP/1.1` (another major version is not HTTP/1).
    private static func parseVersion(_ raw: UnsafeRawBufferPointer, _ index: inout Int) throws -> HTTPVersion {
        guard index + 8 <= raw.count else { throw HTTP1ParseError.invalidVersion }
        // "HTTP/1." as one little-endian word (its eighth byte, the minor digit, masked off).
        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        guard word & 0x00FF_FFFF_FFFF_FFFF == 0x002E_312F_5054_5448 else { throw HTTP1ParseError.invalidVersion }
        let minor = raw[index + 7] &- UInt8(ascii: "0")
        guard minor < 10 else { throw HTTP1ParseError.invalidVersion }
        index += 8
        return HTTPVersion(major: 1, minor: Int(minor))
    }

    /// Field lines up to the end of `raw` (each ends in CRLF), as ranges of `raw`; values trimmed
    /// of surrounding whitespace. A line starting with whitespace (obs-fold) fails as an invalid name.
    fileprivate static func parseFields(
        _ raw: UnsafeRawBufferPointer,
        _ index: inout Int,
        _ framing: inout FramingFields,
        into fields: inout [HTTP1FieldSpan]
    ) throws {
        while index < raw.count {
            let nameStart = index
            index = try nameEnd(raw, from: index)
            guard index > nameStart, index < raw.count else { throw HTTP1ParseError.invalidFieldName }
            let nameBytes = UnsafeRawBufferPointer(rebasing: raw[nameStart..<index])
            index += 1
            while index < raw.count, raw[index] == space || raw[index] == tab { index += 1 }
            let valueStart = index
            index = try valueEnd(raw, from: index)
            guard index + 1 < raw.count, raw[index + 1] == lf else { throw HTTP1ParseError.lineEndNotCRLF }
            var valueEnd = index
            while valueEnd > valueStart, raw[valueEnd - 1] == space || raw[valueEnd - 1] == tab { valueEnd -= 1 }
            let valueBytes = UnsafeRawBufferPointer(rebasing: raw[valueStart..<valueEnd])
            index += 2
            let role = FieldRole(nameBytes)
            // Only Content-Length, Connection and Transfer-Encoding frame a message.
            switch role {
            case .contentLength, .connection, .transferEncoding: try framing.record(role, value: valueBytes)
            default: break
            }
            fields.append(
                HTTP1FieldSpan(
                    nameStart: Int32(nameStart),
                    nameLength: Int32(nameBytes.count),
                    valueStart: Int32(valueStart),
                    valueLength: Int32(valueEnd - valueStart),
                    role: role
                )
            )
        }
    }

    /// The offset of the colon that ends the field name starting at `start` (`raw.count` when
    /// there is none); throws on a byte that is not a tchar. Eight bytes at a time while all are
    /// letters, digits or `-` (most names); any other byte is then looked at alone.
    @inline(__always)
    fileprivate static func nameEnd(_ raw: UnsafeRawBufferPointer, from start: Int) throws -> Int {
        var index = start
        while true {
            if index + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let x = word & ~ASCIIBytes.wordHigh
                let letters = ASCIIBytes.inRange(x, 0x41, 0x5A) | ASCIIBytes.inRange(x, 0x61, 0x7A)
                let digits = ASCIIBytes.inRange(x, 0x30, 0x39)
                let hyphens = ASCIIBytes.inRange(x, 0x2D, 0x2D)
                let common = (letters | digits | hyphens) & ~word & ASCIIBytes.wordHigh
                if common == ASCIIBytes.wordHigh {
                    index += 8
                    continue
                }
                index += (~common & ASCIIBytes.wordHigh).trailingZeroBitCount >> 3  // the first other byte
            }
            guard index < raw.count else { return index }
            let byte = raw[index]
            if byte == colon { return index }
            guard isTokenByte(byte) else { throw HTTP1ParseError.invalidFieldName }
            index += 1
        }
    }

    /// The offset of the CR that ends the field value starting at `start` (`raw.count` when there
    /// is none); throws on a control byte other than HTAB, or DEL (RFC 9110 §5.5). Eight bytes at
    /// a time while none of them is below 0x20 or DEL (bytes from 0x80 are obs-text, allowed).
    @inline(__always)
    fileprivate static func valueEnd(_ raw: UnsafeRawBufferPointer, from start: Int) throws -> Int {
        var index = start
        while true {
            if index + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                // The high bit of a byte below 0x20, or of a DEL. A borrow can flag a byte above
                // a flagged one, never below: the lowest flagged byte is one of them.
                let del = word ^ ASCIIBytes.wordOnes &* 0x7F
                let flagged = ((word &- ASCIIBytes.wordOnes &* 0x20) | (del &- ASCIIBytes.wordOnes)) & ~word & ASCIIBytes.wordHigh
                if flagged == 0 {
                    index += 8
                    continue
                }
                index += flagged.trailingZeroBitCount >> 3
            }
            guard index < raw.count else { return index }
            let byte = raw[index]
            if byte == cr { return index }
            guard byte >= space ? byte != 0x7F : byte == tab else { throw HTTP1ParseError.invalidFieldValue }
            index += 1
        }
    }

    /// Chunk size in hex, an optional extension (ignored), CRLF (RFC 9112 §7.1).
    private mutating func parseChunkSize() throws -> Int64? {
        guard pending != nil else { return nil }
        let result: (size: Int64, length: Int)? = try pending!.withUnsafeReadableBytes { raw in
            var index = 0
            var size: Int64 = 0
            var significant = 0
            while index < raw.count, let digit = Self.hexValue(raw[index]) {
                if size > 0 || digit > 0 { significant += 1 }
                guard significant <= 15, index < 1024 else { throw HTTP1ParseError.invalidChunk }
                size = size << 4 | Int64(digit)
                index += 1
            }
            guard index < raw.count else { return nil }
            guard index > 0 else { throw HTTP1ParseError.invalidChunk }
            // chunk-size [ BWS ";" chunk-ext ] CRLF: after the digits only whitespace, then an
            // extension or the line's end ("0x1f" or "5 5" is not a size, it is a smuggling attempt).
            while index < raw.count, raw[index] == Self.space || raw[index] == Self.tab {
                guard index < 1024 else { throw HTTP1ParseError.invalidChunk }
                index += 1
            }
            guard index < raw.count else { return nil }
            guard raw[index] == Self.semicolon || raw[index] == Self.cr else { throw HTTP1ParseError.invalidChunk }
            while index < raw.count, raw[index] != Self.cr {
                let byte = raw[index]
                guard index < 1024, byte >= Self.space ? byte != 0x7F : byte == Self.tab else { throw HTTP1ParseError.invalidChunk }
                index += 1
            }
            guard index + 1 < raw.count else { return nil }
            guard raw[index + 1] == Self.lf else { throw HTTP1ParseError.lineEndNotCRLF }
            return (size, index + 2)
        }
        guard let result else { return nil }
        pending!.moveReaderIndex(forwardBy: result.length)
        return result.size
    }

    // MARK: bytes

    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let semicolon = UInt8(ascii: ";")

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// tchar (RFC 9110 §5.6.2): letters, digits and `!#$%&'*+-.^_`|~`, as a bit per byte below
    /// 128 (constants, so a check is two instructions and no lazy table).
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0..<64: return (0x03FF_6CFA_0000_0000 as UInt64) >> UInt64(byte) & 1 == 1
        case 64..<128: return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> UInt64(byte - 64) & 1 == 1
        default: return false
        }
    }
}

extension HTTP1Parser.FramingFields {
    /// Notes a Content-Length, Connection or Transfer-Encoding field (`role` says which); a
    /// Content-Length that is not one number, or that is repeated, fails (RFC 9112 §6.3 item 5).
    fileprivate mutating func record(_ role: FieldRole, value: UnsafeRawBufferPointer) throws {
        switch role {
        case .contentLength:
            var length: Int64 = 0
            guard value.count > 0, value.count <= 18 else { throw HTTP1ParseError.invalidContentLength }
            for byte in value {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { throw HTTP1ParseError.invalidContentLength }
                length = length * 10 + Int64(digit)
            }
            // A repeated Content-Length is refused even with the same value (as nginx does):
            // forwarding both would leave the next hop to choose.
            guard contentLength == nil else { throw HTTP1ParseError.invalidContentLength }
            contentLength = length
        case .connection:
            ASCIIBytes.forEachListItem(value) { option in
                if ASCIIBytes.equal(option, "close") { close = true }
                if ASCIIBytes.equal(option, "keep-alive") { keepAlive = true }
            }
        case .transferEncoding:
            transferEncoding = true
            // Codings are comma-separated, repeated fields continue the list; chunked must come
            // last and once (RFC 9112 §6.1).
            ASCIIBytes.forEachListItem(value) { coding in
                let isChunked = ASCIIBytes.equal(coding, "chunked")
                if chunkedLast || !isChunked { otherCoding = true }  // a coding after chunked, or not chunked
                chunkedLast = isChunked
            }
        default: break
        }
    }
}
