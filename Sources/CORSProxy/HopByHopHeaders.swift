import CORS
import NIOCore
import NIOHTTP1

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1): a proxy removes them,
/// and every header the Connection field names, before forwarding in either direction.
enum HopByHopHeaders {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]

    /// What header rules may not touch: the hop-by-hop ones, framing, Host, and the forwarding headers.
    static let gatewayOwned: Set<String> = names.union([
        "host", "content-length", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
    ])

    /// Removes the hop-by-hop headers; returns whether the message was chunked (its framing must
    /// be re-declared on the other side) and whether the sender asked to close.
    @discardableResult
    static func strip(_ headers: inout HTTPHeaders) -> (chunked: Bool, close: Bool) {
        var named: [String] = []
        var found: [String] = []
        var chunked = false
        var close = false
        for (name, value) in headers {
            switch name.utf8.count {
            case 2, 7, 10, 16, 17, 18, 19:
                guard let lowered = hopByHopName(name) else { continue }
                found.append(lowered)
                if lowered == "connection" {
                    for token in value.split(separator: ",") {
                        let item = token.trimmingCharacters(in: " \t").lowercased()
                        if item == "close" { close = true } else if !item.isEmpty && item != "keep-alive" { named.append(item) }
                    }
                } else if lowered == "transfer-encoding" {
                    chunked = chunked || value.split(separator: ",").contains { $0.trimmingCharacters(in: " \t").lowercased() == "chunked" }
                }
            default: continue
            }
        }
        guard !found.isEmpty else { return (false, false) }
        for name in found { headers.remove(name: name) }  // only those present: each removal is a scan
        for name in named where !gatewayOwnedFraming.contains(name) { headers.remove(name: name) }
        return (chunked, close)
    }

    private static let byLength: [Int: [String]] = Dictionary(grouping: names, by: { $0.utf8.count })

    /// The lowercase hop-by-hop name `name` spells in any case, without allocating; `nil` if none.
    @inline(__always)
    static func hopByHopName(_ name: String) -> String? {
        guard let candidates = byLength[name.utf8.count] else { return nil }
        for candidate in candidates where CORSRequestHead.equalsIgnoringCase(name.utf8, candidate) { return candidate }
        return nil
    }

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

    /// Connection may name these, but removing them would unframe the message.
    private static let gatewayOwnedFraming: Set<String> = ["content-length", "host"]
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var slice = self
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return slice
    }
}

/// Sets the headers that tell the upstream who asked: the client's address, the scheme and the
/// Host it asked for. A peer's own values are kept (and appended to) only from trusted proxies,
/// so nobody else can choose the address an upstream logs or rate-limits by.
enum ForwardingHeaders {
    static func apply(
        to headers: inout HTTPHeaders,
        peer peerText: String,
        trusted isTrusted: Bool,
        style: ForwardedStyle,
        originalHost: String?
    ) {
        switch style {
        case .xForwarded:
            let previous = isTrusted ? headers["x-forwarded-for"].joined(separator: ", ") : ""
            let proto = isTrusted ? headers.first(name: "x-forwarded-proto") : nil
            let host = isTrusted ? headers.first(name: "x-forwarded-host") : nil
            headers.remove(name: "forwarded")
            headers.replaceOrAdd(name: "x-forwarded-for", value: previous.isEmpty ? peerText : previous + ", " + peerText)
            headers.replaceOrAdd(name: "x-forwarded-proto", value: proto ?? "http")
            if let value = host ?? originalHost {
                headers.replaceOrAdd(name: "x-forwarded-host", value: value)
            } else {
                headers.remove(name: "x-forwarded-host")
            }
        case .forwarded:
            let previous = isTrusted ? headers["forwarded"].joined(separator: ", ") : ""
            for name in ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"] { headers.remove(name: name) }
            let node = peerText.utf8.contains(UInt8(ascii: ":")) ? "\"[\(peerText)]\"" : peerText
            var element = "for=\(node);proto=http"
            if let originalHost, originalHost.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x22 && $0 != 0x7F }) {
                element += ";host=\"\(originalHost)\""
            }
            headers.replaceOrAdd(name: "forwarded", value: previous.isEmpty ? element : previous + ", " + element)
        }
    }
}
