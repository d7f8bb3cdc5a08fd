import CORS
import NIOCore
import NIOHTTP1

/// What a field name is to the gateway's rewriting, told once per field without allocating.
enum FieldRole: Equatable {
    /// Describes one connection, not the message (RFC 9110 §7.6.1): never relayed.
    case hopByHop
    case connection
    case transferEncoding
    /// Request fields the gateway sets itself (Host, the forwarding headers) or answers (Expect).
    case host
    case expect
    case forwarding
    case contentLength
    /// Response fields the CORS decision and open mode rewrite.
    case accessControl
    case vary
    case setCookie
    case location
    case other

    init(_ name: String) {
        let utf8 = name.utf8
        if utf8.count > 15, HopByHopHeaders.hasAccessControlPrefix(name) {
            self = .accessControl
            return
        }
        @inline(__always) func spells(_ lowercase: String) -> Bool { CORSRequestHead.equalsIgnoringCase(utf8, lowercase) }
        switch utf8.count {
        case 2: self = spells("te") ? .hopByHop : .other
        case 4: self = spells("host") ? .host : spells("vary") ? .vary : .other
        case 6: self = spells("expect") ? .expect : .other
        case 7: self = spells("upgrade") || spells("trailer") ? .hopByHop : .other
        case 8: self = spells("location") ? .location : .other
        case 9: self = spells("forwarded") ? .forwarding : .other
        case 10: self = spells("connection") ? .connection : spells("keep-alive") ? .hopByHop : spells("set-cookie") ? .setCookie : .other
        case 14: self = spells("content-length") ? .contentLength : .other
        case 15: self = spells("x-forwarded-for") ? .forwarding : .other
        case 16: self = spells("x-forwarded-host") ? .forwarding : spells("proxy-connection") ? .hopByHop : .other
        case 17: self = spells("x-forwarded-proto") ? .forwarding : spells("transfer-encoding") ? .transferEncoding : .other
        case 18: self = spells("proxy-authenticate") ? .hopByHop : .other
        case 19: self = spells("proxy-authorization") ? .hopByHop : .other
        default: self = .other
        }
    }
}

/// The field names a message's Connection fields list (lowercased; `close` and `keep-alive` are
/// options, not names), removed with the hop-by-hop fields (RFC 9110 §7.6.1). Content-Length and
/// Host are never removed that way: that would unframe the message.
struct ConnectionNamedFields {
    private(set) var names: [String] = []

    mutating func read(_ value: String) {
        for token in value.utf8.split(separator: UInt8(ascii: ",")) {
            var item = token[...]
            while let first = item.first, first == HTTP1Parser.space || first == HTTP1Parser.tab { item = item.dropFirst() }
            while let last = item.last, last == HTTP1Parser.space || last == HTTP1Parser.tab { item = item.dropLast() }
            if item.isEmpty || Self.equal(item, "close") || Self.equal(item, "keep-alive") { continue }
            let name = String(decoding: item.map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
            if name != "content-length" && name != "host" { names.append(name) }
        }
    }

    /// Whether `name` is one the Connection fields listed.
    func contains(_ name: String) -> Bool {
        !names.isEmpty && names.contains { CORSRequestHead.equalsIgnoringCase(name.utf8, $0) }
    }

    private static func equal(_ bytes: Substring.UTF8View.SubSequence, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { ($0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0) == $1 }
        }
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
        clientFields headers: HTTPHeaders,
        hostHeader: String,
        rules: RequestHeaderRules,
        peer: Peer,
        style: ForwardedStyle,
        into buffer: inout ByteBuffer
    ) -> Bool {
        var named = ConnectionNamedFields()
        var originalHost: String?
        var chunked = false
        var hasContentLength = false
        for (name, value) in headers {
            switch FieldRole(name) {
            case .connection: named.read(value)
            case .host: if originalHost == nil { originalHost = value }
            case .transferEncoding: chunked = chunked || Self.listsChunked(value)
            case .contentLength: hasContentLength = true
            default: continue
            }
        }

        buffer.writeString(method.rawValue)
        buffer.writeInteger(HTTP1Parser.space)
        buffer.writeString(uri)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        for (name, value) in headers {
            switch FieldRole(name) {
            case .hopByHop, .connection, .transferEncoding, .host, .expect, .forwarding: continue
            default:
                if named.contains(name) || rules.removes(name) || rules.sets(name) { continue }
                HTTP1Writer.writeField(name, value, into: &buffer)
            }
        }
        if chunked && !hasContentLength { buffer.writeStaticString("transfer-encoding: chunked\r\n") }
        writeForwarding(headers, named: named, peer: peer, style: style, originalHost: originalHost, into: &buffer)
        HTTP1Writer.writeField("host", hostHeader, into: &buffer)
        for (name, value) in rules.setHeaders { HTTP1Writer.writeField(name, value, into: &buffer) }
        buffer.writeStaticString("\r\n")
        return chunked
    }

    /// The headers that tell the upstream who asked: the client's address, the scheme and the Host
    /// it asked for. A peer's own values are kept (and appended to) only from trusted proxies, so
    /// nobody else can choose the address an upstream logs or rate-limits by.
    private static func writeForwarding(
        _ headers: HTTPHeaders,
        named: ConnectionNamedFields,
        peer: Peer,
        style: ForwardedStyle,
        originalHost: String?,
        into buffer: inout ByteBuffer
    ) {
        // A trusted peer's values, except those its Connection field says are hop-by-hop.
        func previous(_ name: String) -> [String] {
            guard peer.trusted, !named.contains(name) else { return [] }
            return headers[name]
        }
        switch style {
        case .xForwarded:
            let chain = previous("x-forwarded-for").joined(separator: ", ")
            HTTP1Writer.writeField("x-forwarded-for", chain.isEmpty ? peer.text : chain + ", " + peer.text, into: &buffer)
            HTTP1Writer.writeField("x-forwarded-proto", previous("x-forwarded-proto").first ?? "http", into: &buffer)
            if let host = previous("x-forwarded-host").first ?? originalHost {
                HTTP1Writer.writeField("x-forwarded-host", host, into: &buffer)
            }
        case .forwarded:
            let chain = previous("forwarded").joined(separator: ", ")
            let node = peer.text.utf8.contains(UInt8(ascii: ":")) ? "\"[\(peer.text)]\"" : peer.text
            var element = "for=\(node);proto=http"
            if let originalHost, originalHost.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x22 && $0 != 0x7F }) {
                element += ";host=\"\(originalHost)\""
            }
            HTTP1Writer.writeField("forwarded", chain.isEmpty ? element : chain + ", " + element, into: &buffer)
        }
    }

    /// Whether a Transfer-Encoding value lists `chunked`.
    static func listsChunked(_ value: String) -> Bool {
        value.split(separator: ",").contains { $0.trimmingCharacters(in: " \t").lowercased() == "chunked" }
    }
}

extension RequestHeaderRules {
    /// Whether the rules remove `name` (any case).
    @inline(__always)
    func removes(_ name: String) -> Bool {
        !removeHeaders.isEmpty && removeHeaders.contains { CORSRequestHead.equalsIgnoringCase(name.utf8, $0) }
    }

    /// Whether the rules set `name` (any case), replacing the client's.
    @inline(__always)
    func sets(_ name: String) -> Bool {
        !setHeaders.isEmpty && setHeaders.contains { CORSRequestHead.equalsIgnoringCase(name.utf8, $0.name) }
    }
}

/// What the gateway needs to know of an upstream response's fields before it writes them on:
/// read in one pass, allocating only for what is there (Vary lines, Connection-named fields, the
/// upstream's own Access-Control-* names).
struct UpstreamResponseFields {
    var named = ConnectionNamedFields()
    var hasContentLength = false
    var vary: [String] = []
    /// The Access-Control-* names the upstream sent itself, in order.
    var accessControlNames: [String] = []

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            switch FieldRole(name) {
            case .connection: named.read(value)
            case .contentLength: hasContentLength = true
            case .vary: vary.append(value)
            case .accessControl: accessControlNames.append(name)
            default: continue
            }
        }
        if !named.names.isEmpty {  // what Connection lists is not relayed, so it neither counts
            accessControlNames.removeAll { named.contains($0) }
            if named.contains("vary") { vary = [] }
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
        /// The decision's Access-Control-* fields, written after the upstream's.
        var accessControl: [(String, String)]
        /// The Vary field written after them; `replacesVary`: the upstream's Vary lines are dropped for it.
        var vary: (name: String, value: String)?
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
        upstreamFields headers: HTTPHeaders,
        named: ConnectionNamedFields,
        _ rewrite: Rewrite,
        into buffer: inout ByteBuffer
    ) {
        HTTP1Writer.writeStatusLine(version: version, status: status, into: &buffer)
        for (name, value) in headers {
            switch FieldRole(name) {
            case .hopByHop, .connection, .transferEncoding: continue
            case .accessControl where rewrite.dropAccessControl: continue
            case .vary where rewrite.replacesVary: continue
            case .setCookie where rewrite.dropSetCookie: continue
            case .location where rewrite.location != nil: continue
            default:
                if named.contains(name) { continue }
                HTTP1Writer.writeField(name, value, into: &buffer)
            }
        }
        for (name, value) in rewrite.accessControl { HTTP1Writer.writeField(name, value, into: &buffer) }
        if let vary = rewrite.vary { HTTP1Writer.writeField(vary.name, vary.value, into: &buffer) }
        if let location = rewrite.location { HTTP1Writer.writeField("location", location, into: &buffer) }
        if let connection = rewrite.connection { HTTP1Writer.writeField("connection", connection, into: &buffer) }
        if rewrite.chunked { buffer.writeStaticString("transfer-encoding: chunked\r\n") }
        buffer.writeStaticString("\r\n")
    }
}
