import CORS

/// Plain definitions, written from the standards character by character, that the fast parsers
/// are held against. None of them is tuned; each reads as the rule it states.
public enum Reference {
    /// RFC 9110 tchar.
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 9110 token: one or more tchar.
    public static func isToken(_ text: some StringProtocol) -> Bool {
        !text.utf8.isEmpty && text.utf8.allSatisfy(isTokenByte)
    }

    /// HTTP whitespace (Fetch §2.2): tab, LF, CR, space.
    public static func isHTTPWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x20
    }

    /// Without leading and trailing bytes for which `strip` holds.
    public static func trimmed(_ bytes: ArraySlice<UInt8>, _ strip: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, strip(first) { slice = slice.dropFirst() }
        while let last = slice.last, strip(last) { slice = slice.dropLast() }
        return slice
    }

    /// `bytes` split at every `,`, empty items kept.
    public static func commaItems(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
    }

    /// The URL Standard's default port for the special schemes that have one.
    public static func defaultPort(_ scheme: String) -> Int? {
        ["http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21][scheme]
    }

    /// A serialized origin as a browser writes it, taken apart: `scheme://host[:port]`, the scheme
    /// a lowercase letter then lowercase letters, digits, `+`, `-`, `.`; the host either a
    /// bracketed run of lowercase hex digits, `:` and `.` (two or more), or non-empty labels of
    /// lowercase letters, digits, `-` and `_` joined by dots; the port 1 to 5 digits without a
    /// leading zero, at most 65535, never the scheme's default. 4 to 512 bytes in all.
    public struct OriginParts: Equatable {
        public var scheme: String
        public var host: String
        public var port: Int?
        /// The last label is all digits (what the parser calls an IPv4 host).
        public var lastLabelNumeric: Bool
    }

    public static func origin(_ text: String) -> OriginParts? {
        let bytes = Array(text.utf8)
        guard (4...512).contains(bytes.count) else { return nil }
        func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let scheme = bytes[..<colon]
        guard isLower(scheme.first!),
            scheme.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { return nil }
        let afterScheme = bytes[(colon + 1)...]
        guard afterScheme.starts(with: Array("//".utf8)) else { return nil }
        let authority = afterScheme.dropFirst(2)
        let host: ArraySlice<UInt8>
        let portText: ArraySlice<UInt8>?
        var lastLabelNumeric = false
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let inside = authority[(authority.startIndex + 1)..<close]
            guard inside.count >= 2,
                inside.allSatisfy({
                    isDigit($0) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
                })
            else { return nil }
            host = authority[authority.startIndex...close]
            let after = authority[(close + 1)...]
            if after.isEmpty {
                portText = nil
            } else {
                guard after.first == UInt8(ascii: ":") else { return nil }
                portText = after.dropFirst()
            }
        } else {
            let end = authority.firstIndex(of: UInt8(ascii: ":")) ?? authority.endIndex
            host = authority[..<end]
            let labels = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard
                labels.allSatisfy({
                    !$0.isEmpty && $0.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
                })
            else { return nil }
            lastLabelNumeric = labels.last!.allSatisfy(isDigit)
            portText = end == authority.endIndex ? nil : authority[(end + 1)...]
        }
        var port: Int? = nil
        if let portText {
            guard (1...5).contains(portText.count), portText.allSatisfy(isDigit) else { return nil }
            guard portText.count == 1 || portText.first != UInt8(ascii: "0") else { return nil }
            let value = Int(String(decoding: portText, as: UTF8.self))!
            guard value <= 65535, value != defaultPort(String(decoding: scheme, as: UTF8.self)) else { return nil }
            port = value
        }
        return OriginParts(
            scheme: String(decoding: scheme, as: UTF8.self),
            host: String(decoding: host, as: UTF8.self),
            port: port,
            lastLabelNumeric: lastLabelNumeric
        )
    }

    /// A comma-separated list of tokens as the browser reads Access-Control-Allow-Methods and
    /// -Headers (and -Expose-Headers): items trimmed of HTTP whitespace, empty ones skipped, `nil`
    /// when an item is not a token.
    public static func tokenList(_ value: String) -> [String]? {
        var items: [String] = []
        for item in commaItems(Array(value.utf8)) {
            let name = trimmed(item, isHTTPWhitespace)
            if name.isEmpty { continue }
            guard name.allSatisfy(isTokenByte) else { return nil }
            items.append(String(decoding: name, as: UTF8.self))
        }
        return items
    }
}
