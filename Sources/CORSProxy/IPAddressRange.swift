import NIOCore

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `::1/128`, or one address): whom the gateway trusts for
/// forwarding headers, and the address classes open mode refuses.
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible {
    /// 16 bytes; IPv4 as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), so one comparison serves both.
    let network: [UInt8]
    let prefixLength: Int
    /// The text it was read from.
    public let description: String

    /// Reads `address` or `address/length`; `nil` when it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = Self.bytes(of: String(parts[0])) else { return nil }
        let isIPv4 = !parts[0].contains(":")
        var length = 128
        if parts.count == 2 {
            guard let given = Int(parts[1]), given >= 0, given <= (isIPv4 ? 32 : 128) else { return nil }
            length = isIPv4 ? given + 96 : given
        }
        network = Self.masked(bytes, length)
        prefixLength = length
        description = text
    }

    /// Whether `address` (16 bytes, IPv4 mapped into IPv6) lies in this network.
    public func contains(_ address: [UInt8]) -> Bool {
        address.count == 16 && Self.masked(address, prefixLength) == network
    }

    /// Whether a peer's address lies in this network (`false` for a Unix socket).
    public func contains(_ address: SocketAddress) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return contains(bytes)
    }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for index in 0..<16 {
            let keep = max(0, min(8, length - index * 8))
            out[index] &= keep == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return out
    }

    /// The 16-byte form of a socket address (IPv4 mapped), `nil` for Unix sockets.
    static func bytes(of address: SocketAddress) -> [UInt8]? {
        guard let ip = address.ipAddress else { return nil }
        return bytes(of: ip)
    }

    /// Parses a dotted IPv4 or an IPv6 literal (with `::`, and a dotted tail) into 16 bytes.
    static func bytes(of text: String) -> [UInt8]? {
        if !text.contains(":") {
            guard let v4 = ipv4(Substring(text)) else { return nil }
            return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + v4
        }
        var text = Substring(text)
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }  // zone id
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = ipv4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let tailGroups = tail.isEmpty ? 0 : 2
        var all: [UInt16]
        if halves.count == 2 {
            guard let rest = groups(halves[1]) else { return nil }
            let missing = 8 - tailGroups - head.count - rest.count
            guard missing >= 1 else { return nil }
            all = head + Array(repeating: 0, count: missing) + rest
        } else {
            all = head
            guard all.count + tailGroups == 8 else { return nil }
        }
        var bytes: [UInt8] = []
        for group in all { bytes += [UInt8(group >> 8), UInt8(group & 0xFF)] }
        return bytes + tail
    }

    private static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            if part.count > 1 && part.hasPrefix("0") { return nil }  // no octal-looking forms
            out.append(value)
        }
        return out
    }
}

/// The classes of address open mode refuses unless private targets are allowed.
public enum AddressClass: String, Sendable, Hashable {
    /// Anything not below: the only class open mode forwards to by default.
    case `public`
    /// `127.0.0.0/8`, `::1`.
    case loopback
    /// RFC 1918 networks, carrier-grade NAT (`100.64.0.0/10`) and unique local IPv6 (`fc00::/7`).
    case `private`
    /// `169.254.0.0/16`, `fe80::/10`.
    case linkLocal = "link-local"
    /// Cloud providers' instance-metadata addresses (`169.254.169.254` and others).
    case metadata = "cloud-metadata"
    /// `0.0.0.0/8`, `::`.
    case unspecified
    /// `224.0.0.0/4`, `ff00::/8`.
    case multicast
    /// Documentation, benchmarking and future-use networks, and anything that is not an IP address.
    case reserved

    static let table: [(IPAddressRange, AddressClass)] =
        ([
            ("169.254.169.254/32", .metadata), ("fd00:ec2::254/128", .metadata), ("100.100.100.200/32", .metadata),
            ("0.0.0.0/8", .unspecified), ("::/128", .unspecified),
            ("127.0.0.0/8", .loopback), ("::1/128", .loopback),
            ("10.0.0.0/8", .private), ("172.16.0.0/12", .private), ("192.168.0.0/16", .private),
            ("100.64.0.0/10", .private), ("fc00::/7", .private),
            ("169.254.0.0/16", .linkLocal), ("fe80::/10", .linkLocal),
            ("224.0.0.0/4", .multicast), ("ff00::/8", .multicast),
            ("240.0.0.0/4", .reserved), ("192.0.0.0/24", .reserved), ("198.18.0.0/15", .reserved),
            ("64:ff9b::/96", .reserved), ("2001:db8::/32", .reserved),
        ] as [(String, AddressClass)]).map { (IPAddressRange($0.0)!, $0.1) }

    /// The class of a 16-byte address (IPv4 mapped). IPv4-compatible and NAT64 forms of a private
    /// IPv4 address are judged by that IPv4 address too.
    static func of(_ bytes: [UInt8]) -> AddressClass {
        for (range, kind) in table where range.contains(bytes) { return kind }
        return .public
    }

    /// The class of a resolved address.
    public static func of(_ address: SocketAddress) -> AddressClass {
        guard let bytes = IPAddressRange.bytes(of: address) else { return .reserved }
        return of(bytes)
    }
}
