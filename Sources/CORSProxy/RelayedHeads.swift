import CORS
import NIOCore
import NIOHTTP1

/// The field names a message's Connection fields list (lowercased; `close` and `keep-alive` are
/// options, not names), removed with the hop-by-hop fields (RFC 9110 §7.6.1). Content-Length and
/// Host are never removed that way: that would unframe the message.
struct ConnectionNamedFields {
    private(set) var names: [String] = []

    mutating func read(_ value: UnsafeRawBufferPointer) {
        ASCIIBytes.forEachListItem(value) { item in
            if ASCIIBytes.equal(item, "close") || ASCIIBytes.equal(item, "keep-alive") { return }
            if ASCIIBytes.equal(item, "content-length") || ASCIIBytes.equal(item, "host") { return }
            names.append(String(decoding: item.lazy.map(ASCIIBytes.lowercased), as: UTF8.self))
        }
    }

    /// Whether `name` is one the Connection fields listed.
    @inline(__always)
    func contains(_ name: UnsafeRawBufferPointer) -> Bool {
        !names.isEmpty && names.contains { ASCIIBytes.equal(name, text: $0) }
    }

    func contains(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { contains(UnsafeRawBufferPointer($0)) }
    }
}

/// Writes the head the upstream is sent, in one pass over the client's fields straight into the
/// buffer: hop-by-hop fields, Expect, Host and the forwarding headers dropped, then the forwarding
/// headers, Host and the route's rules written by the gateway. Returns whether the body is chunked.
enum UpstreamRequestHead {
    /// Who sent the request, as the forwarding headers say it.
    struct Peer {
        var text: String
        /// A configured trusted proxy: its own forwarding values are kept and appended to.
        var trusted: Bool
    }

    static func write(
        method: HTTPMethod,
        uri: String,
        clientFields fields: HTTP1Fields,
        hostHeader: String,
        rules: RequestHeaderRules,
        peer: Peer,
        style: ForwardedStyle,
        into buffer: inout ByteBuffer
    ) -> Bool {
        HTTP1Writer.writeRequestLine(method: method, uri: uri, into: &buffer)
        let chunked = fields.withBytes { raw in
            var named = ConnectionNamedFields()
            var originalHost: HTTP1FieldSpan?
            var chunked = false
            var hasContentLength = false
            for span in fields.spans {
                switch span.role {
                case .connection: named.read(HTTP1Fields.value(raw, span))
                case .host: if originalHost == nil { originalHost = span }
                case .transferEncoding: chunked = chunked || Self.listsChunked(HTTP1Fields.value(raw, span))
                case .contentLength: hasContentLength = true
                default: continue
                }
            }
            for span in fields.spans {
                let name = HTTP1Fields.name(raw, span)
                switch span.role {
                case .hopByHop, .connection, .transferEncoding, .host, .expect, .forwarding: continue
                default:
                    if named.contains(name) || rules.removes(name) || rules.sets(name) { continue }
                    HTTP1Fields.writeField(raw, span, into: &buffer)
                }
            }
            if chunked && !hasContentLength { buffer.writeStaticString("transfer-encoding: chunked\r\n") }
            let host = originalHost.map { HTTP1Fields.value(raw, $0) }
            writeForwarding(fields, named: named, peer: peer, style: style, originalHost: host, into: &buffer)
            return chunked
        }
        HTTP1Writer.writeField("host", hostHeader, into: &buffer)
        for (name, value) in rules.setHeaders { HTTP1Writer.writeField(name, value, into: &buffer) }
        buffer.writeStaticString("\r\n")
        return chunked
    }

    /// The headers that tell the upstream who asked: the client's address, the scheme and the Host
    /// it asked for (`originalHost`, the client's Host value). A peer's own values are kept (and
    /// appended to) only from trusted proxies, so nobody else can choose the address an upstream
    /// logs or rate-limits by.
    private static func writeForwarding(
        _ fields: HTTP1Fields,
        named: ConnectionNamedFields,
        peer: Peer,
        style: ForwardedStyle,
        originalHost: UnsafeRawBufferPointer?,
        into buffer: inout ByteBuffer
    ) {
        // A trusted peer's values, except those its Connection field says are hop-by-hop.
        func previous(_ name: StaticString) -> [String] {
            guard peer.trusted, !named.contains(name.description) else { return [] }
            return fields.values(name)
        }
        switch style {
        case .xForwarded:
            // An untrusted peer has no previous values: each field is then copied without a string built.
            let chain = previous("x-forwarded-for")
            if chain.isEmpty {
                HTTP1Writer.writeField("x-forwarded-for", peer.text, into: &buffer)
            } else {
                HTTP1Writer.writeField("x-forwarded-for", chain.joined(separator: ", ") + ", " + peer.text, into: &buffer)
            }
            if let proto = previous("x-forwarded-proto").first {
                HTTP1Writer.writeField("x-forwarded-proto", proto, into: &buffer)
            } else {
                buffer.writeStaticString("x-forwarded-proto: http\r\n")
            }
            if let host = previous("x-forwarded-host").first {
                HTTP1Writer.writeField("x-forwarded-host", host, into: &buffer)
            } else if let originalHost {
                HTTP1Writer.writeField(bytes("x-forwarded-host"), originalHost, into: &buffer)
            }
        case .forwarded:
            let chain = previous("forwarded").joined(separator: ", ")
            let node = peer.text.utf8.contains(UInt8(ascii: ":")) ? "\"[\(peer.text)]\"" : peer.text
            var value = Array((chain.isEmpty ? "" : chain + ", ").utf8) + Array("for=\(node);proto=http".utf8)
            if let originalHost, originalHost.allSatisfy({ $0 > 0x20 && $0 != 0x22 && $0 != 0x7F }) {
                value += Array(";host=\"".utf8) + originalHost + [UInt8(ascii: "\"")]
            }
            value.withUnsafeBytes { HTTP1Writer.writeField(bytes("forwarded"), $0, into: &buffer) }
        }
    }

    /// A field name's bytes. The client's Host value goes into the forwarding headers as its bytes
    /// were read, as every relayed value does.
    private static func bytes(_ name: StaticString) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
    }

    /// Whether a Transfer-Encoding value lists `chunked`.
    static func listsChunked(_ value: UnsafeRawBufferPointer) -> Bool {
        var found = false
        ASCIIBytes.forEachListItem(value) { if ASCIIBytes.equal($0, "chunked") { found = true } }
        return found
    }
}

extension RequestHeaderRules {
    /// Whether the rules remove `name` (any case).
    @inline(__always)
    func removes(_ name: UnsafeRawBufferPointer) -> Bool {
        !removeHeaders.isEmpty && removeHeaders.contains { ASCIIBytes.equal(name, text: $0) }
    }

    /// Whether the rules set `name` (any case), replacing the client's.
    @inline(__always)
    func sets(_ name: UnsafeRawBufferPointer) -> Bool {
        !setHeaders.isEmpty && setHeaders.contains { ASCIIBytes.equal(name, text: $0.name) }
    }
}

/// What the gateway needs to know of an upstream response's fields before it writes them on:
/// read in one pass, allocating only for what is there (Vary lines, Connection-named fields, the
/// upstream's own Access-Control-* names).
struct UpstreamResponseFields {
    var named = ConnectionNamedFields()
    var hasContentLength = false
    var vary: [String] = []
    /// How many Access-Control-* fields the upstream sent itself (their names are read again only
    /// when logged: `accessControlNames`).
    var accessControlCount = 0

    init(_ fields: HTTP1Fields) {
        fields.withBytes { raw in
            for span in fields.spans {
                switch span.role {
                case .connection: named.read(HTTP1Fields.value(raw, span))
                case .contentLength: hasContentLength = true
                case .vary: vary.append(HTTP1Fields.value(raw, span).text)
                case .accessControl: accessControlCount += 1
                default: continue
                }
            }
            guard !named.names.isEmpty else { return }
            // What Connection lists is not relayed, so it neither counts.
            if named.contains("vary") { vary = [] }
            if accessControlCount > 0 {
                accessControlCount = fields.spans.count {
                    let name = HTTP1Fields.name(raw, $0)
                    return ASCIIBytes.hasAccessControlPrefix(name) && !named.contains(name)
                }
            }
        }
    }

    init(_ headers: HTTPHeaders) { self.init(HTTP1Fields(headers)) }

    /// The Access-Control-* names the upstream sent itself, in order (for the log).
    func accessControlNames(in fields: HTTP1Fields) -> [String] {
        fields.withBytes { raw in
            fields.spans.compactMap {
                let name = HTTP1Fields.name(raw, $0)
                return ASCIIBytes.hasAccessControlPrefix(name) && !named.contains(name) ? name.text : nil
            }
        }
    }
}

/// Writes the response head the client is sent, in one pass over the upstream's fields straight
/// into the buffer: hop-by-hop fields dropped, and, unless the upstream's CORS headers are kept,
/// its Access-Control-* fields replaced by the decision's, with `Vary` merged.
enum ClientResponseHead {
    /// What replaces or joins the upstream's fields.
    struct Rewrite {
        /// Drop the upstream's Access-Control-* fields (replace mode, when it sent some).
        var dropAccessControl: Bool
        /// The decision's Access-Control-* field lines, written after the upstream's fields.
        var accessControl: [UInt8]
        /// The Vary field line written after them (empty: none); `replacesVary`: the upstream's Vary
        /// lines are dropped for it.
        var vary: [UInt8]
        var replacesVary: Bool
        /// Open mode: Set-Cookie dropped, and Location (when rewritten) moved after the CORS fields.
        var dropSetCookie: Bool
        var location: String?
        /// `close` or `keep-alive`, when the client is told.
        var connection: String?
        /// The body goes chunked: the gateway declares it.
        var chunked: Bool
    }

    static func write(
        version: HTTPVersion,
        status: HTTPResponseStatus,
        upstreamFields fields: HTTP1Fields,
        named: ConnectionNamedFields,
        _ rewrite: Rewrite,
        into buffer: inout ByteBuffer
    ) {
        HTTP1Writer.writeStatusLine(version: version, status: status, into: &buffer)
        fields.withBytes { raw in
            for span in fields.spans {
                let name = HTTP1Fields.name(raw, span)
                switch span.role {
                case .hopByHop, .connection, .transferEncoding: continue
                case .accessControl where rewrite.dropAccessControl: continue
                case .vary where rewrite.replacesVary: continue
                case .setCookie where rewrite.dropSetCookie: continue
                case .location where rewrite.location != nil: continue
                default:
                    if named.contains(name) { continue }
                    HTTP1Fields.writeField(raw, span, into: &buffer)
                }
            }
        }
        buffer.writeBytes(rewrite.accessControl)
        buffer.writeBytes(rewrite.vary)
        if let location = rewrite.location { HTTP1Writer.writeField("location", location, into: &buffer) }
        if let connection = rewrite.connection { HTTP1Writer.writeField("connection", connection, into: &buffer) }
        if rewrite.chunked { buffer.writeStaticString("transfer-encoding: chunked\r\n") }
        buffer.writeStaticString("\r\n")
    }
}
