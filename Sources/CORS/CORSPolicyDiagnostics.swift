/// A problem that makes a policy unusable: browsers would refuse it, or it would open a hole.
/// Each case names what is wrong; `key`, `reason` and `fix` say where, why and what to do.
public enum CORSPolicyError: Sendable, Hashable {
    /// `allowOrigins: "*"` with `allowCredentials`: browsers refuse `*` for credentialed requests.
    case wildcardOriginWithCredentials
    /// `"*"` listed beside other origins, where it would silently allow everything.
    case wildcardOriginAmongOthers(index: Int)
    /// No origins, no predicate: the policy allows nobody (pass an empty policy on purpose? say so by removing CORS).
    case noOriginsAllowed
    /// An entry that is not a serialized origin; `suggestion` is what was probably meant.
    case notASerializedOrigin(index: Int, value: String, suggestion: String?)
    /// A `*` that is not a whole leading label or a whole port.
    case misplacedWildcard(index: Int, value: String)
    /// `https://*` and similar: every site on the web.
    case patternMatchesEverySite(index: Int, value: String)
    /// `https://*.co.uk` and similar: anyone can register a name under a public suffix.
    case patternCoversPublicSuffix(index: Int, value: String, suffix: String)
    /// `*.` in front of an IP address.
    case subdomainsOfIPAddress(index: Int, value: String)
    /// `null` without `dangerouslyAllowNullOrigin`.
    case nullOriginNotOptedIn(index: Int)
    /// A `file:` URL: browsers send `Origin: null` for local files.
    case fileOrigin(index: Int, value: String)
    /// A plain-http, non-loopback origin with credentials, without the opt-in.
    case insecureOriginWithCredentials(index: Int, value: String)
    /// `*` in methods, headers or exposed headers with credentials: browsers then read it as a literal name.
    case wildcardWithCredentials(key: String)
    /// `*` beside other entries where only a lone `*` means anything (methods, exposed headers).
    case wildcardAmongOthers(key: String, index: Int)
    /// CONNECT, TRACE or TRACK: browsers never send them.
    case forbiddenMethod(index: Int, value: String)
    /// A method or header name with characters outside the HTTP token set.
    case notAToken(key: String, index: Int, value: String)
    /// `maxAge` below zero.
    case negativeMaxAge(Int)
    /// `maxAge` above a day, which no browser honours.
    case maxAgeAboveOneDay(Int)
    /// `preflightStatus` outside 200-299: browsers fail preflights without an ok status.
    case preflightStatusNotOK(Int)

    /// The policy key (with the list index) the problem is in.
    public var key: String {
        switch self {
        case .wildcardOriginWithCredentials: return "allowCredentials"
        case .noOriginsAllowed: return "allowOrigins"
        case .wildcardOriginAmongOthers(let index), .nullOriginNotOptedIn(let index),
            .notASerializedOrigin(let index, _, _), .misplacedWildcard(let index, _),
            .patternMatchesEverySite(let index, _), .patternCoversPublicSuffix(let index, _, _),
            .subdomainsOfIPAddress(let index, _), .fileOrigin(let index, _),
            .insecureOriginWithCredentials(let index, _):
            return "allowOrigins[\(index)]"
        case .wildcardWithCredentials(let key): return key
        case .wildcardAmongOthers(let key, let index), .notAToken(let key, let index, _): return "\(key)[\(index)]"
        case .forbiddenMethod(let index, _): return "allowMethods[\(index)]"
        case .negativeMaxAge, .maxAgeAboveOneDay: return "maxAge"
        case .preflightStatusNotOK: return "preflightStatus"
        }
    }

    /// Why it is a problem, in one sentence.
    public var reason: String {
        switch self {
        case .wildcardOriginWithCredentials:
            return
                "allowOrigins is \"*\" and allowCredentials is true, but browsers refuse \"Access-Control-Allow-Origin: *\" on credentialed requests"
        case .wildcardOriginAmongOthers:
            return "\"*\" is listed among other origins, where it would allow every origin and make the others pointless"
        case .noOriginsAllowed:
            return "allowOrigins is empty and there is no origin predicate, so no cross-origin request would ever be allowed"
        case .notASerializedOrigin(_, let value, _):
            return "\"\(value)\" is not an origin as browsers send it (lowercase scheme://host[:port], no path, no trailing slash, no default port)"
        case .misplacedWildcard(_, let value):
            return "\"\(value)\" has a \"*\" that is neither a whole leading label (\"*.\") nor a whole port (\":*\")"
        case .patternMatchesEverySite(_, let value):
            return "\"\(value)\" matches every site on the web"
        case .patternCoversPublicSuffix(_, let value, let suffix):
            return "\"\(value)\" matches every site registered under the public suffix \"\(suffix)\", which anyone can do"
        case .subdomainsOfIPAddress(_, let value):
            return "\"\(value)\" puts \"*.\" in front of an IP address, which has no subdomains"
        case .nullOriginNotOptedIn:
            return "\"null\" is the origin of sandboxed iframes, local files and some redirects: any attacker can make a page with it"
        case .fileOrigin(_, let value):
            return "\"\(value)\" is a file URL, but browsers send \"Origin: null\" for pages opened from files"
        case .insecureOriginWithCredentials(_, let value):
            return
                "\"\(value)\" is plain http and credentials are allowed: anyone on the network path can inject a script into that origin and read credentialed answers"
        case .wildcardWithCredentials(let key):
            return "\(key) is \"*\" and allowCredentials is true, but with credentials browsers read \"*\" as a literal name, not a wildcard"
        case .wildcardAmongOthers(let key, _):
            return "in \(key), \"*\" means anything only on its own; beside other names browsers read it as a literal name"
        case .forbiddenMethod(_, let value):
            return "\(value) is a forbidden method: browsers never let scripts send it"
        case .notAToken(let key, _, let value):
            return "\"\(value)\" in \(key) is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)"
        case .negativeMaxAge(let value):
            return "maxAge is \(value), but a duration cannot be negative"
        case .maxAgeAboveOneDay(let value):
            return "maxAge is \(value) seconds, above the 86400 (one day) no browser exceeds"
        case .preflightStatusNotOK(let value):
            return "preflightStatus is \(value), but browsers fail any preflight whose status is not 200-299"
        }
    }

    /// What to change.
    public var fix: String {
        switch self {
        case .wildcardOriginWithCredentials:
            return "list the origins that may send credentials, or set allowCredentials to false"
        case .wildcardOriginAmongOthers:
            return "use \"*\" alone to allow any origin, or remove it to allow only the listed ones"
        case .noOriginsAllowed:
            return "list at least one origin, for example \"https://app.example.com\""
        case .notASerializedOrigin(_, _, let suggestion):
            if let suggestion { return "did you mean \"\(suggestion)\"?" }
            return "write it as scheme://host[:port], for example \"https://app.example.com\""
        case .misplacedWildcard:
            return "write \"https://*.example.com\" for subdomains or \"http://localhost:*\" for any port"
        case .patternMatchesEverySite:
            return "use \"*\" if any origin really may read the responses, or list the origins"
        case .patternCoversPublicSuffix(_, let value, _):
            return
                "name your own sites under it (e.g. \(value.replacingFirstWildcard(with: "myapp"))), or set dangerouslyAllowSubdomainsOfPublicSuffixes if you own the suffix"
        case .subdomainsOfIPAddress(_, let value):
            return "list the address itself: \"\(value.replacingFirstWildcard(with: "").replacingFirst("://.", with: "://"))\""
        case .nullOriginNotOptedIn:
            return "remove \"null\", or set dangerouslyAllowNullOrigin if you accept that risk"
        case .fileOrigin:
            return "serve the page over http(s) (for example http://localhost:8000), or allow \"null\" with dangerouslyAllowNullOrigin"
        case .insecureOriginWithCredentials(_, let value):
            return "use \"\(value.replacingFirst("http://", with: "https://"))\", or set dangerouslyAllowInsecureOriginsWithCredentials"
        case .wildcardWithCredentials(let key):
            return "list the \(key == "allowMethods" ? "methods" : "header names") explicitly"
        case .wildcardAmongOthers(let key, _):
            return "use [\"*\"] alone, or remove \"*\" from \(key)"
        case .forbiddenMethod:
            return "remove it"
        case .notAToken:
            return "write one name per list entry, without spaces, commas or quotes"
        case .negativeMaxAge:
            return "use 0 to disable preflight caching, or a positive number of seconds"
        case .maxAgeAboveOneDay:
            return "use at most 7200 (Chromium's cap) or 86400 (Firefox's)"
        case .preflightStatusNotOK:
            return "use 204 (the default) or 200"
        }
    }
}

/// Something legal but probably not what was meant.
public enum CORSPolicyWarning: Sendable, Hashable {
    /// Above Chromium's 7200-second cap: Chromium uses 7200, Firefox honours up to 86400.
    case maxAgeAboveChromiumCap(Int)
    /// A request header browsers never let scripts send (Cookie, Host, `Sec-*`, ...).
    case forbiddenRequestHeaderListed(index: Int, value: String)
    /// A method browsers uppercase before sending (`delete` becomes `DELETE`), so this spelling never matches.
    case methodNeverSentInThisCase(index: Int, value: String)
    /// GET, HEAD and POST need no listing: simple requests never ask.
    case safelistedMethodListed(index: Int, value: String)
    /// The same entry twice.
    case duplicate(key: String, index: Int, value: String)
    /// `Set-Cookie` can never be read by scripts, exposed or not.
    case unexposableHeader(index: Int, value: String)
    /// A CORS-safelisted response header: scripts can read it without exposing it.
    case safelistedHeaderExposed(index: Int, value: String)

    /// The policy key (with the list index) the warning is about.
    public var key: String {
        switch self {
        case .maxAgeAboveChromiumCap: return "maxAge"
        case .forbiddenRequestHeaderListed(let index, _): return "allowHeaders[\(index)]"
        case .methodNeverSentInThisCase(let index, _), .safelistedMethodListed(let index, _): return "allowMethods[\(index)]"
        case .duplicate(let key, let index, _): return "\(key)[\(index)]"
        case .unexposableHeader(let index, _), .safelistedHeaderExposed(let index, _): return "exposeHeaders[\(index)]"
        }
    }

    /// Why it is probably not what was meant, in one sentence.
    public var reason: String {
        switch self {
        case .maxAgeAboveChromiumCap(let value):
            return "maxAge is \(value) seconds, but Chromium caches preflights for at most 7200"
        case .forbiddenRequestHeaderListed(_, let value):
            return "\(value) is a forbidden request header: browsers never let scripts set it, so allowing it has no effect"
        case .methodNeverSentInThisCase(_, let value):
            return "browsers uppercase \"\(value)\" before sending it, and methods compare case-sensitively, so this entry never matches"
        case .safelistedMethodListed(_, let value):
            return "\(value) is CORS-safelisted: browsers never preflight it, so listing it changes nothing"
        case .duplicate(_, _, let value):
            return "\"\(value)\" is listed twice"
        case .unexposableHeader(_, let value):
            return "\(value) is never readable by scripts, exposed or not"
        case .safelistedHeaderExposed(_, let value):
            return "\(value) is CORS-safelisted: scripts can already read it"
        }
    }

    /// What to change.
    public var fix: String {
        switch self {
        case .maxAgeAboveChromiumCap: return "use 7200 or less for the same effect everywhere"
        case .forbiddenRequestHeaderListed, .safelistedMethodListed, .duplicate, .unexposableHeader,
            .safelistedHeaderExposed:
            return "remove it"
        case .methodNeverSentInThisCase(_, let value): return "write \"\(value.uppercased())\""
        }
    }
}

/// Every error and warning found in a policy, in key order.
public struct CORSPolicyDiagnostics: Sendable, Hashable {
    /// The problems that stop the policy from being compiled.
    public var errors: [CORSPolicyError] = []
    /// The legal but probably unintended entries; the policy still compiles.
    public var warnings: [CORSPolicyWarning] = []
    /// Whether there is no error (warnings allowed).
    public var isValid: Bool { errors.isEmpty }

    /// Diagnostics holding these errors and warnings.
    public init(errors: [CORSPolicyError] = [], warnings: [CORSPolicyWarning] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    /// One line per problem, `error: key: reason; fix`, as `cors lint` prints them.
    public var lines: [String] {
        errors.map { "error: \($0.key): \($0.reason); \($0.fix)" }
            + warnings.map { "warning: \($0.key): \($0.reason); \($0.fix)" }
    }
}

/// Thrown when a policy with errors is compiled; carries the warnings too.
public struct CORSPolicyValidationError: Error, Sendable, CustomStringConvertible {
    /// Every error and warning of the refused policy.
    public let diagnostics: CORSPolicyDiagnostics
    /// One line per problem, as `cors lint` prints them.
    public var description: String { diagnostics.lines.joined(separator: "\n") }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }

    func replacingFirstWildcard(with replacement: String) -> String { replacingFirst("*", with: replacement) }
}
