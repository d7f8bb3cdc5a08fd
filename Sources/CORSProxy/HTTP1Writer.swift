import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 heads and frames bodies for the gateway, straight into `ByteBuffer`s (RFC 9112).
/// Values are written as they are: each was parsed strictly or checked when the configuration loaded.
enum HTTP1Writer {
    /// `HTTP/1.x CODE REASON`, the fields, the empty line.
    static func writeResponseHead(version: HTTPVersion, status: HTTPResponseStatus, headers: HTTPHeaders, into buffer: inout ByteBuffer) {
        writeStatusLine(version: version, status: status, into: &buffer)
        writeFields(headers, into: &buffer)
        buffer.writeStaticString("\r\n")
    }

    /// `HTTP/1.x CODE REASON` and its line end, copied in with one access to the buffer (the
    /// fields follow).
    static func writeStatusLine(version: HTTPVersion, status: HTTPResponseStatus, into buffer: inout ByteBuffer) {
        var reason = status.reasonPhrase
        reason.withUTF8 { reason in
            let total = 13 + reason.count + 2
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
                var at = put(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ", into: out, at: 0)
                let code = Int(status.code)
                out[at] = UInt8(ascii: "0") + UInt8(code / 100 % 10)
                out[at + 1] = UInt8(ascii: "0") + UInt8(code / 10 % 10)
                out[at + 2] = UInt8(ascii: "0") + UInt8(code % 10)
                out[at + 3] = HTTP1Parser.space
                at = put(UnsafeRawBufferPointer(reason), into: out, at: at + 4)
                return put("\r\n", into: out, at: at)
            }
        }
    }

    /// `METHOD target HTTP/1.1` and its line end, copied in with one access to the buffer (the
    /// gateway speaks 1.1 upstream; the fields follow).
    static func writeRequestLine(method: HTTPMethod, uri: String, into buffer: inout ByteBuffer) {
        var method = method.rawValue
        var uri = uri
        method.withUTF8 { method in
            uri.withUTF8 { uri in
                let tail: StaticString = " HTTP/1.1\r\n"
                let total = method.count + 1 + uri.count + tail.utf8CodeUnitCount
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
                    var at = put(UnsafeRawBufferPointer(method), into: out, at: 0)
                    out[at] = HTTP1Parser.space
                    at = put(UnsafeRawBufferPointer(uri), into: out, at: at + 1)
                    return put(tail, into: out, at: at)
                }
            }
        }
    }

    /// `METHOD target HTTP/1.1`, the fields, the empty line.
    static func writeRequestHead(_ head: HTTPRequestHead, into buffer: inout ByteBuffer) {
        writeRequestLine(method: head.method, uri: head.uri, into: &buffer)
        writeFields(head.headers, into: &buffer)
        buffer.writeStaticString("\r\n")
    }

    static func writeFields(_ headers: HTTPHeaders, into buffer: inout ByteBuffer) {
        for (name, value) in headers { writeField(name, value, into: &buffer) }
    }

    /// `name: value` and its line end, copied in with one access to the buffer (four writes
    /// would each check the buffer's uniqueness and exclusivity).
    /// Native strings lend their bytes in place; only a string without contiguous UTF-8 is copied.
    @inline(__always)
    static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        let written = name.utf8.withContiguousStorageIfAvailable { name in
            value.utf8.withContiguousStorageIfAvailable { value in
                writeField(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(value), into: &buffer)
            } != nil
        }
        if written == true { return }
        var name = name
        var value = value
        name.withUTF8 { name in
            value.withUTF8 { value in writeField(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(value), into: &buffer) }
        }
    }

    /// The same, from bytes (a field relayed from a parsed head).
    @inline(__always)
    static func writeField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        let total = name.count + value.count + 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
            var at = put(name, into: out, at: 0)
            at = put(": ", into: out, at: at)
            at = put(value, into: out, at: at)
            return put("\r\n", into: out, at: at)
        }
    }

    /// Copies `bytes` into `out` from `offset`; returns the offset after them. The head writers
    /// build each piece this way inside one access to the buffer.
    @inline(__always)
    private static func put(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        if let base = bytes.baseAddress { (out.baseAddress! + offset).copyMemory(from: base, byteCount: bytes.count) }
        return offset + bytes.count
    }

    @inline(__always)
    private static func put(_ text: StaticString, into out: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount), into: out, at: offset)
    }

    /// A chunk's size line (RFC 9112 §7.1), written before its data; `chunkEnd` goes after.
    static func writeChunkSize(_ size: Int, into buffer: inout ByteBuffer) {
        var digits = 1
        while size >> (4 * digits) != 0 { digits += 1 }
        for shift in stride(from: 4 * (digits - 1), through: 0, by: -4) {
            buffer.writeInteger(hexDigits[(size >> shift) & 0xF])
        }
        buffer.writeStaticString("\r\n")
    }

    /// The last chunk, any trailers, and the empty line that ends a chunked body.
    static func writeLastChunk(trailers: HTTPHeaders?, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("0\r\n")
        if let trailers { writeFields(trailers, into: &buffer) }
        buffer.writeStaticString("\r\n")
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// The body framing of one outgoing message, and the bytes each piece of it becomes. Outgoing,
/// `.length` and `.untilClose` both mean "the bytes as they come" (the head carries the length,
/// or the close ends the body); the count in `.length` is not used.
struct HTTP1BodyFraming {
    var framing: HTTP1Framing

    /// The framing a response head announces (RFC 9112 §6.3): none for HEAD and for 1xx, 204 and
    /// 304; its Content-Length if it has one; else chunked for an HTTP/1.1 client (the header is
    /// added) or the connection's close for HTTP/1.0.
    static func forResponse(
        _ headers: inout HTTPHeaders,
        status: HTTPResponseStatus,
        requestMethod: HTTPMethod,
        version: HTTPVersion
    )
        -> HTTP1BodyFraming
    {
        let framing = forResponse(
            hasContentLength: headers.contains(name: "content-length"),
            status: status,
            requestMethod: requestMethod,
            version: version
        )
        if framing.framing == .chunked { headers.add(name: "transfer-encoding", value: "chunked") }
        return framing
    }

    /// The same, for a head written field by field: `.chunked` means the writer declares it.
    static func forResponse(hasContentLength: Bool, status: HTTPResponseStatus, requestMethod: HTTPMethod, version: HTTPVersion) -> HTTP1BodyFraming {
        if requestMethod == .HEAD || status.code < 200 || status.code == 204 || status.code == 304 { return .init(framing: .none) }
        if hasContentLength { return .init(framing: .length(0)) }
        if version.minor == 0 { return .init(framing: .untilClose) }
        return .init(framing: .chunked)
    }

    /// The framing a request head sent upstream announces: chunked when it says so, else as is.
    static func forRequest(chunked: Bool) -> HTTP1BodyFraming {
        chunked ? .init(framing: .chunked) : .init(framing: .length(0))
    }

    /// Writes one piece of body as the framing wants it (a body a head said not to have is dropped).
    func write(_ buffer: ByteBuffer, _ write: (ByteBuffer) -> Void, allocator: ByteBufferAllocator) {
        switch framing {
        case .none: return
        case .length, .untilClose: write(buffer)
        case .chunked:
            guard buffer.readableBytes > 0 else { return }  // an empty chunk would end the body
            var size = allocator.buffer(capacity: 18)
            HTTP1Writer.writeChunkSize(buffer.readableBytes, into: &size)
            write(size)
            write(buffer)
            write(Self.chunkEnd)
        }
    }

    /// What ends the body: the last chunk and trailers when chunked, nothing otherwise.
    func end(trailers: HTTPHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard framing == .chunked else { return Self.empty }
        var buffer = allocator.buffer(capacity: 5)
        HTTP1Writer.writeLastChunk(trailers: trailers, into: &buffer)
        return buffer
    }

    private static let chunkEnd = ByteBuffer(staticString: "\r\n")
    private static let empty = ByteBuffer()
}
