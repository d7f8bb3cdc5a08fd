/// The kinds of CORS misconfiguration `cors scan` looks for; each raw value is the id printed in
/// its reports and JSON.
public enum MisconfigurationClass: String, Sendable, Hashable, CaseIterable, Codable {
    /// Any Origin is echoed in Access-Control-Allow-Origin.
    case reflectedOrigin = "reflected-origin"
    /// `Origin: null` (sandboxed iframes, `data:` URLs, local files) is trusted.
    case nullOrigin = "null-origin"
    /// An origin that merely starts with the site's (`https://www.site.com.attacker.net`) is trusted.
    case prefixMatch = "prefix-match"
    /// An origin that merely ends with the site's domain (`https://attackersite.com`) is trusted.
    case suffixMatch = "suffix-match"
    /// Any host that contains the site's domain is trusted.
    case substringMatch = "substring-match"
    /// A `.` of the site's host read as any character (`https://wwwxsite.com`): a regular
    /// expression's unescaped dot.
    case unescapedDot = "unescaped-dot"
    /// Every subdomain is trusted, so one taken-over or XSS-able subdomain is enough.
    case anySubdomain = "any-subdomain"
    /// A plain-http origin is trusted beside the https site.
    case insecureOrigin = "insecure-origin"
    /// A host followed by a character the URL Standard allows in domains (`_`, a backtick, `{`, ...)
    /// fools the check into trusting an attacker's host.
    case specialCharacters = "special-characters"
    /// `*` on a response with data.
    case wildcardOrigin = "wildcard-origin"
    /// `*` together with `Access-Control-Allow-Credentials: true`, which browsers refuse.
    case wildcardWithCredentials = "wildcard-with-credentials"
    /// Several values, a list, or a value that is no origin.
    case invalidAllowOrigin = "invalid-allow-origin"
    /// The answer depends on the Origin but does not say `Vary: Origin` (Fetch §3.2.5).
    case missingVary = "missing-vary"
    /// The preflight grants whatever method or header it is asked for.
    case preflightReflection = "preflight-reflection"

    /// The classes decided by which crafted Origin the endpoint trusts, most general first: a
    /// class later in this list is never reported for an origin an earlier, found one explains.
    public static let originTrust: [MisconfigurationClass] = [
        .reflectedOrigin, .nullOrigin, .substringMatch, .prefixMatch, .suffixMatch, .anySubdomain, .unescapedDot,
        .insecureOrigin, .specialCharacters,
    ]

    /// One line on what is wrong, for the report's heading.
    public var title: String {
        switch self {
        case .reflectedOrigin: return "any origin is reflected in Access-Control-Allow-Origin"
        case .nullOrigin: return "the opaque origin `null` is trusted"
        case .prefixMatch: return "an origin that merely starts with the site's host is trusted"
        case .suffixMatch: return "an origin that merely ends with the site's domain is trusted"
        case .substringMatch: return "an origin that merely contains the site's domain is trusted"
        case .unescapedDot: return "an unescaped `.` in a regular expression lets a look-alike host pass"
        case .anySubdomain: return "every subdomain is trusted"
        case .insecureOrigin: return "a plain-http origin is trusted by an https site"
        case .specialCharacters: return "characters browsers accept in hostnames fool the origin check"
        case .wildcardOrigin: return "`Access-Control-Allow-Origin: *` on a response with data"
        case .wildcardWithCredentials: return "`*` together with `Access-Control-Allow-Credentials: true`"
        case .invalidAllowOrigin: return "Access-Control-Allow-Origin is not one origin"
        case .missingVary: return "the answer depends on the Origin but `Vary: Origin` is missing"
        case .preflightReflection: return "the preflight echoes whatever method or header is asked for"
        }
    }

    /// Why it matters: who can exploit it and how.
    public var risk: String {
        switch self {
        case .reflectedOrigin:
            return "Any web page can read this endpoint's responses from a visitor's browser."
        case .nullOrigin:
            return "Any page can get the origin `null` (a sandboxed iframe, a `data:` URL, a local file) and read the responses."
        case .prefixMatch:
            return "An attacker registers a domain that starts with the site's host (www.site.com.attacker.net) and reads the responses."
        case .suffixMatch:
            return "An attacker registers a domain that ends with the site's domain (attackersite.com) and reads the responses."
        case .substringMatch:
            return "An attacker registers any domain containing the site's domain and reads the responses."
        case .unescapedDot:
            return "An attacker registers a look-alike domain where a `.` became a letter (wwwxsite.com) and reads the responses."
        case .anySubdomain:
            return "One taken-over, forgotten or XSS-able subdomain is enough to read the responses."
        case .insecureOrigin:
            return "Anyone on the network path (public Wi-Fi) can inject a script into the plain-http origin and read the responses."
        case .specialCharacters:
            return
                "Browsers accept characters such as `_`, `` ` `` and `{` in hostnames; a check that treats them as the end of the host trusts attacker domains."
        case .wildcardOrigin:
            return "Every site can read what an uncredentialed request gets; fine for public data, a leak for an intranet or IP-restricted endpoint."
        case .wildcardWithCredentials:
            return
                "Browsers refuse this combination, so credentialed requests fail (broken, not exploitable); some frameworks \"fix\" it by reflecting the Origin, which is."
        case .invalidAllowOrigin:
            return "Browsers refuse several values, lists and non-origins, so the site's own requests fail (broken, not exploitable)."
        case .missingVary:
            return
                "A shared cache may serve one origin's answer to another: the site breaks, or an answer meant for one origin is served to another (cache poisoning)."
        case .preflightReflection:
            return
                "Every method and header (Authorization included) is granted to whichever origin the preflight allows, so any mistake in trusting origins exposes everything."
        }
    }

    /// What to change, in one or two sentences.
    public var fix: String {
        switch self {
        case .reflectedOrigin, .prefixMatch, .suffixMatch, .substringMatch, .specialCharacters:
            return
                "Compare the Origin header for equality against a list of exact origins (scheme, host and port), never by prefix, suffix or substring, and never echo it unchecked."
        case .nullOrigin:
            return "Remove `null` from the allowed origins; give sandboxed or local pages a real origin instead."
        case .unescapedDot:
            return "Escape every `.` in the pattern (`\\.`) and anchor it (`^...$`), or better, compare against a list of exact origins."
        case .anySubdomain:
            return
                "List the subdomains that need access by name instead of trusting `*.domain` (or keep the pattern only for subdomains you fully control, without credentials)."
        case .insecureOrigin:
            return "Allow only the https:// origin; drop the http:// one (redirect plain http to https instead)."
        case .wildcardOrigin:
            return "Keep `*` only for public data; for anything per-user or internal, answer a list of exact origins."
        case .wildcardWithCredentials:
            return
                "Either drop `Access-Control-Allow-Credentials: true` (public data) or answer the exact allowed origin instead of `*` (credentialed access), with `Vary: Origin`."
        case .invalidAllowOrigin:
            return "Send exactly one Access-Control-Allow-Origin line holding one serialized origin (the request's, when it is allowed) or `*`."
        case .missingVary:
            return
                "Add `Vary: Origin` to every response whose CORS headers depend on the Origin, refusals and requests without an Origin included; or, for `*` or one fixed origin, send the same Access-Control-Allow-Origin on every response, with or without an Origin (Fetch §3.2.5)."
        case .preflightReflection:
            return "Answer preflights with fixed lists of the methods and headers the API accepts, not with what the request asked for."
        }
    }
}
