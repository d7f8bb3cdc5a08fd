/// The fixed vocabulary of the Fetch Standard that both sides of CORS share:
/// which methods and request headers are forbidden, which are CORS-safelisted.
public enum FetchVocabulary {
    /// CORS-safelisted methods: a browser never preflights these (Fetch §2.2.1 "CORS-safelisted method").
    public static let safelistedMethods: Set<String> = ["GET", "HEAD", "POST"]

    /// Methods a script can never send: `fetch()` throws before any request (Fetch §2.2.1 "forbidden method").
    /// Compared case-insensitively, as the standard says.
    public static let forbiddenMethods: Set<String> = ["CONNECT", "TRACE", "TRACK"]

    /// Methods `fetch()` uppercases before sending (Fetch §2.2.1 "normalize a method"); every other
    /// method goes on the wire exactly as the script wrote it, so `patch` is not `PATCH`.
    public static let normalizedMethods: Set<String> = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]

    /// Request headers a script can never set (Fetch §2.2.2 "forbidden request-header"), lowercased.
    /// Listing them in `allowHeaders` has no effect: the browser never asks for them.
    public static let forbiddenRequestHeaders: Set<String> = [
        "accept-charset", "accept-encoding", "access-control-request-headers",
        "access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date", "dnt",
        "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
        "transfer-encoding", "upgrade", "via",
    ]

    /// Prefixes of forbidden request-header names (Fetch §2.2.2): `proxy-` and `sec-`.
    public static let forbiddenRequestHeaderPrefixes: [String] = ["proxy-", "sec-"]

    /// Whether a script may never set this request header, by name alone (lowercased compare).
    public static func isForbiddenRequestHeaderName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return forbiddenRequestHeaders.contains(lower) || forbiddenRequestHeaderPrefixes.contains { lower.hasPrefix($0) }
    }

    /// Headers that are forbidden only with some values: when their value, split as a list, names
    /// a forbidden method (Fetch §2.2.2 "forbidden request-header", step 2), lowercased.
    public static let methodOverrideHeaders: Set<String> = ["x-http-method", "x-http-method-override", "x-method-override"]

    /// Fetch §2.2.2 "forbidden request-header": the name is forbidden, or it is a method-override
    /// header whose value lists CONNECT, TRACE or TRACK (any case; a quoted item is one item).
    public static func isForbiddenRequestHeader(name: String, value: String) -> Bool {
        if isForbiddenRequestHeaderName(name) { return true }
        guard methodOverrideHeaders.contains(name.lowercased()) else { return false }
        return splitList(value).contains { forbiddenMethods.contains($0.uppercased()) }
    }

    /// Fetch §2.2.1 "get, decode, and split": comma-separated items, HTTP whitespace trimmed, a
    /// double-quoted string (with backslash escapes) kept whole as part of its item.
    public static func splitList(_ value: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in value {
            if quoted {
                current.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { quoted = false }
            } else if character == "\"" {
                quoted = true
                current.append(character)
            } else if character == "," {
                items.append(current.trimmingHTTPWhitespace())
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current.trimmingHTTPWhitespace())
        return items
    }

    /// Response headers every script may read without them being exposed
    /// (Fetch §2.2.6 "CORS-safelisted response-header name"), lowercased.
    public static let safelistedResponseHeaders: Set<String> = [
        "cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma",
    ]

    /// Response headers a script can never read, exposed or not (Fetch §2.2.6 "forbidden response-header name").
    public static let forbiddenResponseHeaders: Set<String> = ["set-cookie", "set-cookie2"]

    /// Whether `string` is a non-empty HTTP token (RFC 9110 §5.6.2): what method and header names are made of.
    public static func isToken(_ string: String) -> Bool { HTTPToken.isToken(string) }
}

/// RFC 9110 §5.6.2 token characters: what method names and header names are made of.
enum HTTPToken {
    /// `tchar` as a 256-entry lookup, so the hot path does one load per byte. Allocated once and
    /// never freed, so reading it touches no reference count.
    nonisolated(unsafe) static let isTokenByte: UnsafePointer<Bool> = {
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
        table.initialize(repeating: false, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for character in "!#$%&'*+-.^_`|~".utf8 { table[Int(character)] = true }
        return UnsafePointer(table)
    }()

    /// Whether `string` is a non-empty token.
    static func isToken(_ string: String) -> Bool {
        !string.isEmpty && string.utf8.allSatisfy { isTokenByte[Int($0)] }
    }
}
