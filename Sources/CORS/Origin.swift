/// A serialized origin exactly as a browser writes it in the `Origin` request header:
/// `scheme://host[:port]`, lowercase, no default port, no path (HTML "serialization of an origin",
/// Fetch §3.1 `Origin` header). Opaque origins are serialized as `null` and are not an `Origin`.
public struct Origin: Sendable, Hashable, CustomStringConvertible {
    /// The serialization, as it appeared on the wire.
    public let serialized: String
    let layout: OriginLayout

    /// Parses a serialized origin strictly: anything a browser would not send (uppercase, a path,
    /// a default port, surrounding whitespace, userinfo, `null`) gives `nil`.
    public init?(_ serialized: String) {
        var string = serialized
        guard let layout = string.withUTF8({ OriginLayout.scan($0) }) else { return nil }
        self.serialized = serialized
        self.layout = layout
    }

    init(serialized: String, layout: OriginLayout) {
        self.serialized = serialized
        self.layout = layout
    }

    /// The scheme, without `://`.
    public var scheme: Substring { utf8Slice(0, layout.schemeEnd) }
    /// The host: a domain, a dotted IPv4 address, or a bracketed IPv6 address.
    public var host: Substring { utf8Slice(layout.hostStart, layout.hostEnd) }
    /// The explicit port, or `nil` when the scheme's default is used.
    public var port: Int? { layout.port }

    /// Whether the host is `localhost`, a `*.localhost` name, or a loopback address: the hosts
    /// browsers treat as potentially trustworthy even over plain http.
    public var isLoopback: Bool {
        let host = self.host
        if host == "localhost" || host.hasSuffix(".localhost") || host == "[::1]" { return true }
        return host.hasPrefix("127.") && layout.hostIsIPv4
    }

    /// The serialization.
    public var description: String { serialized }

    private func utf8Slice(_ start: Int, _ end: Int) -> Substring {
        let utf8 = serialized.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: start)
        let upper = utf8.index(utf8.startIndex, offsetBy: end)
        return Substring(utf8[lower..<upper])
    }

    /// Browsers never send an Origin longer than a scheme, a 253-byte host and a port; anything
    /// longer is rejected before it is scanned.
    public static let maximumLength = 512

    /// The default port of the schemes browsers serialize without one (URL Standard "default port").
    static func defaultPort(ofScheme scheme: UnsafeBufferPointer<UInt8>.SubSequence) -> Int? {
        switch scheme.count {
        case 2 where scheme.elementsEqual("ws".utf8): return 80
        case 3 where scheme.elementsEqual("wss".utf8): return 443
        case 3 where scheme.elementsEqual("ftp".utf8): return 21
        case 4 where scheme.elementsEqual("http".utf8): return 80
        case 5 where scheme.elementsEqual("https".utf8): return 443
        default: return nil
        }
    }
}

/// Where the parts of a serialized origin lie in its UTF-8 bytes, found in one bounded pass.
struct OriginLayout: Sendable, Hashable {
    /// Index of the `:` that ends the scheme.
    var schemeEnd: Int
    var hostStart: Int
    var hostEnd: Int
    var port: Int?
    var hostIsIPv4: Bool
    var hostIsIPv6: Bool
    /// The whole serialization's length in bytes.
    var length: Int

    /// Character classes for the scan, one load per byte; allocated once, never freed.
    nonisolated(unsafe) private static let classes: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        table.initialize(repeating: 0, count: 256)
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = schemeByte | hostByte | hexByte * (byte <= UInt8(ascii: "f") ? 1 : 0) }
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = schemeByte | hostByte | digitByte | hexByte }
        table[Int(UInt8(ascii: "+"))] = schemeByte
        table[Int(UInt8(ascii: "."))] = schemeByte | hostByte
        table[Int(UInt8(ascii: "-"))] = schemeByte | hostByte
        table[Int(UInt8(ascii: "_"))] = hostByte
        return UnsafePointer(table)
    }()
    private static let schemeByte: UInt8 = 1
    private static let hostByte: UInt8 = 2
    private static let digitByte: UInt8 = 4
    private static let hexByte: UInt8 = 8

    /// Scans `bytes` as a serialized origin; `nil` when it is not one. Never reads past
    /// `Origin.maximumLength` bytes.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> OriginLayout? {
        let count = bytes.count
        guard count >= 4, count <= Origin.maximumLength else { return nil }
        let classes = Self.classes
        // scheme = lowercase ALPHA *( lowercase ALPHA / DIGIT / "+" / "-" / "." )
        guard bytes[0] >= UInt8(ascii: "a"), bytes[0] <= UInt8(ascii: "z") else { return nil }
        var index = 1
        while index < count, classes[Int(bytes[index])] & schemeByte != 0 { index += 1 }
        guard index + 2 < count, bytes[index] == UInt8(ascii: ":"),
            bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/")
        else { return nil }
        let schemeEnd = index
        let hostStart = index + 3
        index = hostStart
        var isIPv6 = false
        var isIPv4 = false
        if index < count, bytes[index] == UInt8(ascii: "[") {
            // A bracketed IPv6 address, serialized in lowercase hex.
            index += 1
            while index < count, bytes[index] != UInt8(ascii: "]") {
                let byte = bytes[index]
                guard classes[Int(byte)] & hexByte != 0 || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
                else { return nil }
                index += 1
            }
            guard index < count, index > hostStart + 2 else { return nil }
            index += 1
            isIPv6 = true
        } else {
            // A domain or IPv4 address: labels of [a-z0-9_-], no empty label.
            var labelStart = index
            var labelIsNumeric = true
            while index < count {
                let byte = bytes[index]
                let byteClass = classes[Int(byte)]
                if byte == UInt8(ascii: ".") {
                    guard index > labelStart else { return nil }
                    labelStart = index + 1
                    labelIsNumeric = true
                } else if byteClass & hostByte != 0 {
                    if byteClass & digitByte == 0 { labelIsNumeric = false }
                } else {
                    break
                }
                index += 1
            }
            guard index > labelStart else { return nil }
            isIPv4 = labelIsNumeric
        }
        let hostEnd = index
        var port: Int? = nil
        if index < count {
            guard bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            let portStart = index
            var value = 0
            while index < count, classes[Int(bytes[index])] & digitByte != 0, index - portStart < 5 {
                value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            // Serialized ports have no leading zero, fit 16 bits, and are never the default.
            guard index == count, index > portStart, value <= 65535,
                !(bytes[portStart] == UInt8(ascii: "0") && index - portStart > 1),
                value != Origin.defaultPort(ofScheme: bytes[0..<schemeEnd])
            else { return nil }
            port = value
        }
        return OriginLayout(
            schemeEnd: schemeEnd,
            hostStart: hostStart,
            hostEnd: hostEnd,
            port: port,
            hostIsIPv4: isIPv4,
            hostIsIPv6: isIPv6,
            length: count
        )
    }
}
