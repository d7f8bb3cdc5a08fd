/// One entry of `allowOrigins`, parsed: an exact origin, every subdomain of a domain, every port
/// of a host, or the opaque origin `null`.
///
/// Patterns are anchored by construction: `https://*.example.com` is "a non-empty run of labels,
/// then `.example.com`", never a substring or regular-expression match, so `https://evilexample.com`
/// and `https://example.com.evil.com` can never match it.
public enum OriginPattern: Sendable, Hashable, CustomStringConvertible {
    /// Exactly this serialized origin.
    case exact(Origin)
    /// `scheme://*.base[:port]`: any host with at least one more label in front of `base`,
    /// with the given port (`nil` for the scheme's default) or, when `anyPort`, any port.
    case subdomains(scheme: String, base: String, port: Int?, anyPort: Bool)
    /// `scheme://host:*`: this host on any port, the default one included.
    case anyPort(scheme: String, host: String)
    /// The opaque origin a browser sends as `Origin: null` (sandboxed iframes, `file:` pages,
    /// some redirects): anyone can make a page with that origin, so it is never trusted by default.
    case null

    /// Parses one `allowOrigins` entry; the error says what is wrong and, where it can, what was meant.
    public init(parsing text: String) throws(OriginPatternError) {
        try self.init(parsing: text, suggesting: true)
    }

    /// `suggesting: false` parses a suggestion to check it: its own failure suggests nothing (each
    /// suggestion of a suggestion used to parse in turn, one level per character it removed).
    init(parsing text: String, suggesting: Bool) throws(OriginPatternError) {
        if text == "null" {
            self = .null
            return
        }
        if text.isEmpty { throw .empty }
        if text == "*" { throw .wildcardInList }
        if text.lowercased().hasPrefix("file:") { throw .fileScheme(text) }
        guard let separator = text.firstRange(of: "://") else { throw .notAnOrigin(text, suggestion: nil) }
        let scheme = String(text[..<separator.lowerBound])
        var rest = String(text[separator.upperBound...])
        if !rest.contains("*") {
            if let origin = Origin(text) {
                self = .exact(origin)
                return
            }
            throw .notAnOrigin(text, suggestion: suggesting ? OriginPattern.validEntry(OriginPattern.suggestion(for: text)) : nil)
        }
        // Wildcards: only a whole leading label (`*.`) or a whole port (`:*`).
        var anyPort = false
        if rest.hasSuffix(":*") {
            anyPort = true
            rest.removeLast(2)
        }
        var subdomains = false
        if rest.hasPrefix("*.") {
            subdomains = true
            rest.removeFirst(2)
        }
        if rest.contains("*") {
            if rest.isEmpty || rest == "*" { throw .matchesEverySite(text) }
            throw .misplacedWildcard(text)
        }
        if rest.isEmpty { throw .matchesEverySite(text) }
        // What remains must be a valid origin once the wildcards are filled in.
        let probe = "\(scheme)://\(subdomains ? "x." : "")\(rest)"
        guard let origin = Origin(probe), origin.scheme == Substring(scheme) else {
            guard suggesting else { throw .notAnOrigin(text, suggestion: nil) }
            let fixed = OriginPattern.suggestion(for: probe).map { suggestion -> String in
                var fixed = suggestion
                if subdomains, let range = fixed.firstRange(of: "://x.") { fixed.replaceSubrange(range, with: "://*.") }
                if anyPort { fixed += ":*" }
                return fixed
            }
            throw .notAnOrigin(text, suggestion: OriginPattern.validEntry(fixed))
        }
        if anyPort && origin.port != nil { throw .misplacedWildcard(text) }
        if origin.layout.hostIsIPv4 || origin.layout.hostIsIPv6, subdomains { throw .subdomainsOfAddress(text) }
        let host = String(origin.host)
        if subdomains {
            let base = String(host.dropFirst(2))
            self = .subdomains(scheme: scheme, base: base, port: origin.port, anyPort: anyPort)
        } else {
            self = .anyPort(scheme: scheme, host: host)
        }
    }

    /// The scheme this pattern requires (`nil` for `null`).
    public var scheme: String? {
        switch self {
        case .exact(let origin): return String(origin.scheme)
        case .subdomains(let scheme, _, _, _), .anyPort(let scheme, _): return scheme
        case .null: return nil
        }
    }

    /// Whether `origin` (a serialized origin, or `null`) matches: the slow, obvious definition,
    /// used by validation and as the reference the fast matcher is tested against.
    public func matches(_ origin: String) -> Bool {
        switch self {
        case .null: return origin == "null"
        case .exact(let exact): return exact.serialized == origin
        case .anyPort(let scheme, let host):
            guard let candidate = Origin(origin) else { return false }
            return candidate.scheme == Substring(scheme) && candidate.host == Substring(host)
        case .subdomains(let scheme, let base, let port, let anyPort):
            guard let candidate = Origin(origin), candidate.scheme == Substring(scheme) else { return false }
            guard anyPort || candidate.port == port else { return false }
            let host = candidate.host
            return host.count > base.count + 1 && host.hasSuffix("." + base)
        }
    }

    /// The entry as it is written in `allowOrigins`.
    public var description: String {
        switch self {
        case .null: return "null"
        case .exact(let origin): return origin.serialized
        case .anyPort(let scheme, let host): return "\(scheme)://\(host):*"
        case .subdomains(let scheme, let base, let port, let anyPort):
            let portText = anyPort ? ":*" : port.map { ":\($0)" } ?? ""
            return "\(scheme)://*.\(base)\(portText)"
        }
    }

    /// `suggestion` when it is itself a valid entry, else `nil`: a fix that would be refused in
    /// turn is no fix (`http://*.a.0` covers subdomains of an address; `htt*.://a` has a `*` scheme).
    static func validEntry(_ suggestion: String?) -> String? {
        guard let suggestion, (try? OriginPattern(parsing: suggestion, suggesting: false)) != nil else { return nil }
        return suggestion
    }

    /// What the user most likely meant by a string that is not a serialized origin: lowercased,
    /// without path, query, fragment, trailing slash, trailing dots, userinfo, or default port. `nil` when even
    /// that is not an origin.
    static func suggestion(for text: String) -> String? {
        var candidate = text.trimmingHTTPWhitespace().lowercased()
        guard let separator = candidate.firstRange(of: "://") else { return nil }
        let scheme = String(candidate[..<separator.lowerBound])
        var authority = String(candidate[separator.upperBound...])
        if let end = authority.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            authority = String(authority[..<end])
        }
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        while authority.hasSuffix(".") { authority.removeLast() }
        candidate = "\(scheme)://\(authority)"
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]"),
            let port = Int(authority[authority.index(after: colon)...])
        {
            let host = authority[..<colon]
            let defaultPort: Int? = ["http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21][scheme]
            candidate = port == defaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
        }
        guard candidate != text, Origin(candidate) != nil || candidate.contains("*") else { return nil }
        return candidate
    }
}

/// Why an `allowOrigins` entry is not a usable origin or pattern.
public enum OriginPatternError: Error, Sendable, Hashable {
    /// An empty string.
    case empty
    /// `*` inside a list: any-origin is the whole value `"*"`, not one entry among others.
    case wildcardInList
    /// Not a serialized origin; `suggestion` is the closest one, when there is one.
    case notAnOrigin(String, suggestion: String?)
    /// `file:` pages have an opaque origin: browsers send `Origin: null` for them.
    case fileScheme(String)
    /// A `*` anywhere but a whole leading label or a whole port.
    case misplacedWildcard(String)
    /// `https://*` and the like: every site on the web.
    case matchesEverySite(String)
    /// `*.` in front of an IP address, which has no subdomains.
    case subdomainsOfAddress(String)
}
