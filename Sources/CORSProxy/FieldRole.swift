/// What a field name is to the gateway's framing and rewriting, told once per field (by the
/// parser, into its span) without allocating.
enum FieldRole: UInt8, Equatable {
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

    /// The role of a field name given as bytes (any case).
    init(_ name: UnsafeRawBufferPointer) {
        if ASCIIBytes.hasAccessControlPrefix(name) {
            self = .accessControl
            return
        }
        @inline(__always) func spells(_ lowercase: StaticString) -> Bool { ASCIIBytes.equal(name, lowercase) }
        switch name.count {
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

    /// The role of a field name given as text.
    init(_ name: String) {
        var name = name
        self = name.withUTF8 { FieldRole(UnsafeRawBufferPointer($0)) }
    }
}
