import CORS

/// The part of the MIME Sniffing Standard's "parse a MIME type" that the CORS safelist needs: the
/// essence (`type/subtype`, lowercased) of a Content-Type value, or `nil` when it does not parse.
/// Parameters are checked for shape only; their values never change the verdict.
enum MIMEType {
    static func essence(of value: String) -> String? {
        let trimmed = value.trimmingHTTPWhitespace()
        guard let slash = trimmed.firstIndex(of: "/") else { return nil }
        let type = trimmed[..<slash]
        let afterSlash = trimmed[trimmed.index(after: slash)...]
        let subtypeEnd = afterSlash.firstIndex(of: ";") ?? afterSlash.endIndex
        let subtype = afterSlash[..<subtypeEnd].trimmingHTTPWhitespace()
        guard !type.isEmpty, isTokenCodePoints(type), !subtype.isEmpty, isTokenCodePoints(subtype) else { return nil }
        return "\(type)/\(subtype)".lowercased()
    }

    /// HTTP token code points (MIME Sniffing §2: the same set as RFC 9110 tchar).
    private static func isTokenCodePoints<S: StringProtocol>(_ text: S) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            guard scalar.isASCII else { return false }
            let byte = UInt8(scalar.value)
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "A")...UInt8(ascii: "Z"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
