import CORS

/// A validated policy as the checks and header values a server configuration needs, the same
/// for every format: anchored regular expressions in the syntax PCRE (nginx, Apache, HAProxy)
/// and RE2 (Caddy, Envoy) share (no look-around, no back-references), and the exact values
/// swift-cors' responder sends (Fetch §3.2.3 response headers, §3.2.5 `Vary`).
struct PolicyExpressions: Sendable {
    let policy: CORSPolicy
    /// `*` without credentials: `Access-Control-Allow-Origin: *`, and nothing varies by Origin.
    let originIndependent: Bool
    /// An allowed Origin matches this, anchored at both ends, case-sensitively...
    let originAllowed: String
    /// ...and, when set, does not match this (`*`: an explicit default port makes an Origin malformed).
    let originRefused: String?
    /// The exact origins in the list (a case-sensitive lookup where the format has one).
    let exactOrigins: [String]
    /// Whether only exact origins are listed (no pattern, not `*`, no `null`).
    let exactOnly: Bool
    /// `Access-Control-Request-Method` allowed: case-sensitive, anchored.
    let methodAllowed: String
    /// `Access-Control-Request-Headers` allowed: case-insensitive, anchored; absent or empty matches.
    let headersAllowed: String
    /// When set, a value matching it (case-insensitively) is refused: `*` never covers Authorization.
    let headersRefused: String?
    /// Matches a value that names at least one header (Access-Control-Allow-Headers is sent only then).
    static let namesAHeader = "[^\\t ,]"

    // Header values.
    let allowCredentials: Bool
    let allowMethods: String?
    let allowHeaders: String?
    let exposeHeaders: String?
    let maxAge: String?
    let preflightStatus: Int
    /// `Vary` on every response that is not to an OPTIONS request (nil: none, the answer is the same for all).
    let varyActual: String?
    /// `Vary` on every response to an OPTIONS request, preflight or not.
    let varyOptions: String

    static let optionsVaryNames = ["Access-Control-Request-Method", "Access-Control-Request-Headers"]
    /// Every `Access-Control-*` response header: the upstream's are removed so exactly one set is sent.
    static let responseHeaderNames = [
        "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
    ]

    /// A token's bytes (RFC 9110 §5.6.2) as a character class, with no quote of any config language in it.
    static let tokenClass = "[A-Za-z0-9!#$%&\\x27*+.^_\\x60|~-]"
    /// Every serialized origin (`Origin`'s strict scan): scheme, a host of `[a-z0-9_-]` labels or a
    /// bracketed IPv6 address, an optional port without leading zero up to 65535.
    static let serializedOrigin =
        "[a-z][a-z0-9+.-]*://([a-z0-9_-]+(\\.[a-z0-9_-]+)*|\\[[0-9a-f:.]+\\])(:\(PortRange.regex(0, 65535)))?"
    /// A serialized origin that names its scheme's default port, which browsers never do.
    static let defaultPortOrigin = "^((http|ws)://.*:80|(https|wss)://.*:443|ftp://.*:21)$"

    init(route: ExportRoute, format: ExportFormat) throws(ExportError) {
        let policy = route.policy
        if policy.allowOriginPredicate != nil {
            throw .unsupported(
                feature: "an origin predicate (code deciding origins at run time)",
                format: format,
                wayOut: "list the origins or patterns in allowOrigins, or keep swift-cors in the application"
            )
        }
        do {
            _ = try CORSResponder(policy: policy)
        } catch {
            throw .invalidPolicy(route: route.prefix, problems: error.diagnostics.errors.map { "error: \($0.key): \($0.reason); \($0.fix)" })
        }
        if policy.preflightPassthrough {
            throw .unsupported(
                feature: "preflightPassthrough (answering a preflight and forwarding it too)",
                format: format,
                wayOut: "remove preflightPassthrough so \(format) answers preflights itself, or keep swift-cors in the application"
            )
        }
        for name in policy.allowMethods + policy.allowHeaders + policy.exposeHeaders where name != "*" {
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.+".contains($0)) }) else {
                throw .unsupported(
                    feature: "the name \"\(name)\" (a token character other than letters, digits, - _ . +)",
                    format: format,
                    wayOut: "no server's configuration quotes it the same way; use a plainer name"
                )
            }
        }
        self.policy = policy
        originIndependent = policy.allowsAnyOrigin && !policy.allowCredentials
        let patterns = policy.allowOrigins.compactMap { try? OriginPattern(parsing: $0) }
        if policy.allowsAnyOrigin {
            originAllowed = "^(null|\(Self.serializedOrigin))$"
            originRefused = Self.defaultPortOrigin
            exactOrigins = []
            exactOnly = false
        } else {
            originAllowed = "^(" + patterns.map(Self.regex).joined(separator: "|") + ")$"
            originRefused = nil
            exactOrigins = patterns.compactMap { if case .exact(let origin) = $0 { origin.serialized } else { nil } }
            exactOnly = exactOrigins.count == patterns.count
        }
        let methods =
            policy.allowMethods.contains("*")
            ? Self.tokenClass + "+" : "(" + (policy.allowMethods + ["GET", "HEAD", "POST"]).map(Self.escaped).joined(separator: "|") + ")"
        methodAllowed = "^\(methods)$"
        let names = policy.allowHeaders.filter { $0 != "*" }
        let anyHeader = policy.allowHeaders.contains("*")
        let name = anyHeader ? Self.tokenClass + "+" : "(" + names.map { Self.escaped($0.lowercased()) }.joined(separator: "|") + ")"
        headersAllowed = names.isEmpty && !anyHeader ? "^[\\t ,]*$" : "^[\\t ,]*(\(name)[\\t ]*(,[\\t ,]*|$))*$"
        let authorizationNamed = names.contains { $0.lowercased() == "authorization" }
        headersRefused = anyHeader && !authorizationNamed ? "(^|,)[\\t ]*authorization[\\t ]*(,|$)" : nil

        allowCredentials = policy.allowCredentials
        allowMethods = policy.allowMethods.isEmpty ? nil : policy.allowMethods.joined(separator: ", ")
        allowHeaders =
            anyHeader
            ? (authorizationNamed ? "*, Authorization" : "*")
            : names.isEmpty ? nil : policy.allowHeaders.joined(separator: ", ")
        exposeHeaders = policy.exposeHeaders.isEmpty ? nil : policy.exposeHeaders.joined(separator: ", ")
        maxAge = policy.maxAge.map(String.init)
        preflightStatus = policy.preflightStatus
        varyActual = originIndependent ? nil : "Origin"
        varyOptions = ((originIndependent ? [] : ["Origin"]) + Self.optionsVaryNames).joined(separator: ", ")
    }

    /// `text` with every regular-expression metacharacter escaped.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if "\\.+*?()[]{}|^$".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// One `allowOrigins` entry as an unanchored alternative (the caller anchors the group).
    static func regex(_ pattern: OriginPattern) -> String {
        switch pattern {
        case .null: return "null"
        case .exact(let origin): return escaped(origin.serialized)
        case .anyPort(let scheme, let host):
            return "\(escaped(scheme))://\(escaped(host))(:\(PortRange.regex(excluding: defaultPort(scheme))))?"
        case .subdomains(let scheme, let base, let port, let anyPort):
            let portPart =
                anyPort
                ? "(:\(PortRange.regex(excluding: defaultPort(scheme))))?"
                : port.map { ":\($0)" } ?? ""
            return "\(escaped(scheme))://([a-z0-9_-]+\\.)+\(escaped(base))\(portPart)"
        }
    }

    static func defaultPort(_ scheme: String) -> Int? {
        ["http": 80, "ws": 80, "https": 443, "wss": 443, "ftp": 21][scheme]
    }
}
