import NIOCore
import NIOHTTP1

/// Where one field line lies in a head's bytes: the name, and the value without the whitespace
/// around it; and the name's role, so no reader of the head classifies it again.
struct HTTP1FieldSpan: Equatable {
    var nameStart: Int32
    var nameLength: Int32
    var valueStart: Int32
    var valueLength: Int32
    var role: FieldRole
}

/// A parsed head's field lines as ranges of the head's own bytes (shared with the buffer they were
/// read into, not copied): the gateway relays most fields untouched, so it copies their bytes on
/// and makes a `String` only of the few values it reads.
struct HTTP1Fields {
    /// The head's bytes, its first byte at offset 0 of the spans.
    private(set) var bytes: ByteBuffer
    private(set) var spans: [HTTP1FieldSpan]

    init(bytes: ByteBuffer, spans: [HTTP1FieldSpan]) {
        self.bytes = bytes
        self.spans = spans
    }

    /// The fields of `headers`, laid out as a head would hold them (for tests and rare paths).
    init(_ headers: HTTPHeaders) {
        var buffer = ByteBuffer()
        var spans: [HTTP1FieldSpan] = []
        for (name, value) in headers {
            let nameStart = buffer.writerIndex
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            let valueStart = buffer.writerIndex
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
            spans.append(
                HTTP1FieldSpan(
                    nameStart: Int32(nameStart),
                    nameLength: Int32(valueStart - 2 - nameStart),
                    valueStart: Int32(valueStart),
                    valueLength: Int32(buffer.writerIndex - 2 - valueStart),
                    role: FieldRole(name)
                )
            )
        }
        self.init(bytes: buffer, spans: spans)
    }

    var count: Int { spans.count }

    /// Calls `body` with the head's bytes (the spans index into them).
    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeReadableBytes(body)
    }

    /// The fields as NIO's `HTTPHeaders` (allocates a `String` per name and value).
    var headers: HTTPHeaders {
        withBytes { raw in
            HTTPHeaders(spans.map { (Self.name(raw, $0).text, Self.value(raw, $0).text) })
        }
    }

    /// The values of the fields named `lowercase` (in any case), in order.
    func values(_ lowercase: StaticString) -> [String] {
        withBytes { raw in
            spans.compactMap { span in
                ASCIIBytes.equal(Self.name(raw, span), lowercase) ? Self.value(raw, span).text : nil
            }
        }
    }

    /// The first value of the fields named `lowercase` (in any case).
    func first(_ lowercase: StaticString) -> String? {
        withBytes { raw in
            for span in spans where ASCIIBytes.equal(Self.name(raw, span), lowercase) {
                return Self.value(raw, span).text
            }
            return nil
        }
    }

    @inline(__always)
    static func name(_ raw: UnsafeRawBufferPointer, _ span: HTTP1FieldSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[Int(span.nameStart)..<Int(span.nameStart + span.nameLength)])
    }

    @inline(__always)
    static func value(_ raw: UnsafeRawBufferPointer, _ span: HTTP1FieldSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[Int(span.valueStart)..<Int(span.valueStart + span.valueLength)])
    }

    /// `name: value` and its line end, copied from the head's bytes with one access to `buffer`.
    @inline(__always)
    static func writeField(_ raw: UnsafeRawBufferPointer, _ span: HTTP1FieldSpan, into buffer: inout ByteBuffer) {
        HTTP1Writer.writeField(name(raw, span), value(raw, span), into: &buffer)
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes as text (a field's bytes are not checked for UTF-8: invalid sequences become U+FFFD).
    var text: String { String(decoding: self, as: UTF8.self) }
}

/// A request head as the gateway's parser reads it.
struct HTTP1RequestHead {
    var method: HTTPMethod
    var uri: String
    var version: HTTPVersion
    var fields: HTTP1Fields

    /// The fields as NIO's `HTTPHeaders` (allocates: for tests and rare paths).
    var headers: HTTPHeaders { fields.headers }
}

/// A response head as the gateway's parser reads it (the reason phrase is not kept: the gateway
/// writes the standard one).
struct HTTP1ResponseHead {
    var version: HTTPVersion
    var status: HTTPResponseStatus
    var fields: HTTP1Fields

    var headers: HTTPHeaders { fields.headers }
}
