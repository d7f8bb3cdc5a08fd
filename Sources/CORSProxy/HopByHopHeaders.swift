import CORS
import NIOCore
import NIOHTTP1

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1): a proxy removes them,
/// and every header the Connection field names, before forwarding in either direction
/// (`FieldRole` tells them apart on the request path; these sets check configurations).
enum HopByHopHeaders {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]

    /// What header rules may not touch: the hop-by-hop ones, framing, Host, and the forwarding headers.
    static let gatewayOwned: Set<String> = names.union([
        "host", "content-length", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
    ])

    /// Whether `name` starts with `access-control-` in any case, without allocating.
    @inline(__always)
    static func hasAccessControlPrefix(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count > 15, (utf8.first ?? 0) | 0x20 == UInt8(ascii: "a") else { return false }
        var expected = accessControlPrefix.makeIterator()
        for byte in utf8.prefix(15) where byte | 0x20 != expected.next()! | 0x20 { return false }
        return true
    }

    private static let accessControlPrefix = Array("access-control-".utf8)
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var slice = self
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return slice
    }
}
