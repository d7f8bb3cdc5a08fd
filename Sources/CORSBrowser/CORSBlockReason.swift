import CORS

/// Why a browser blocks a cross-origin request: Chromium's CORS error kinds (its
/// `network::mojom::CorsError`, reported by DevTools as `corsErrorStatus.corsError`), each with the
/// value it failed on, rendered as Chromium's console text, as Firefox's console lines, and as the fix.
///
/// The console wording is Chromium 156's, read off its console (`--enable-logging=stderr`) for
/// each kind, and checked again by `ChromiumAgreementTests` whenever Chromium is installed.
public enum CORSBlockReason: Error, Sendable, Hashable {
    // The CORS check (Fetch §4.10), on the actual response or on the preflight's.
    /// No Access-Control-Allow-Origin at all (Fetch §4.10 "CORS check"). `preflight`: on the preflight's answer.
    case missingAllowOriginHeader(preflight: Bool)
    /// Access-Control-Allow-Origin is `*` but the request carries credentials (Fetch §4.10).
    case wildcardOriginNotAllowed(preflight: Bool)
    /// Several Access-Control-Allow-Origin values (the combined value), where one origin is allowed.
    case multipleAllowOriginValues(String, preflight: Bool)
    /// An Access-Control-Allow-Origin value that is no origin at all (Chromium tells it apart).
    case invalidAllowOriginValue(String, preflight: Bool)
    /// An Access-Control-Allow-Origin value that is not the page's origin (Fetch §4.10).
    case allowOriginMismatch(String, preflight: Bool)
    /// Credentials were sent but Access-Control-Allow-Credentials is not exactly `true` (its value
    /// given; Fetch §4.10).
    case invalidAllowCredentials(String, preflight: Bool)
    // The preflight (Fetch §4.8).
    /// The preflight's answer had a status outside 200-299 (Fetch §4.8: an ok status).
    case preflightInvalidStatus(Int)
    /// The preflight was answered with a redirect, which browsers never follow for a preflight.
    case preflightDisallowedRedirect
    /// Access-Control-Allow-Methods did not parse as a list of tokens (its value given).
    case invalidAllowMethodsPreflightResponse(String)
    /// Access-Control-Allow-Headers did not parse as a list of tokens (its value given).
    case invalidAllowHeadersPreflightResponse(String)
    /// The preflight's answer does not allow the request's method (Fetch §4.8 step 7.5).
    case methodDisallowedByPreflightResponse(String)
    /// The preflight's answer does not allow this request header (Fetch §4.8 steps 7.6-7.8).
    case headerDisallowedByPreflightResponse(String)
    // Redirects (Fetch §4.4 "HTTP-redirect fetch").
    /// A cross-origin redirect to a URL with a user name or password (Fetch §4.4).
    case redirectContainsCredentials(String)

    /// Chromium's name for the kind, as DevTools reports it.
    public var kind: String {
        switch self {
        case .missingAllowOriginHeader(let preflight): return Self.name("MissingAllowOriginHeader", preflight)
        case .wildcardOriginNotAllowed(let preflight): return Self.name("WildcardOriginNotAllowed", preflight)
        case .multipleAllowOriginValues(_, let preflight): return Self.name("MultipleAllowOriginValues", preflight)
        case .invalidAllowOriginValue(_, let preflight): return Self.name("InvalidAllowOriginValue", preflight)
        case .allowOriginMismatch(_, let preflight): return Self.name("AllowOriginMismatch", preflight)
        case .invalidAllowCredentials(_, let preflight): return Self.name("InvalidAllowCredentials", preflight)
        case .preflightInvalidStatus: return "PreflightInvalidStatus"
        case .preflightDisallowedRedirect: return "PreflightDisallowedRedirect"
        case .invalidAllowMethodsPreflightResponse: return "InvalidAllowMethodsPreflightResponse"
        case .invalidAllowHeadersPreflightResponse: return "InvalidAllowHeadersPreflightResponse"
        case .methodDisallowedByPreflightResponse: return "MethodDisallowedByPreflightResponse"
        case .headerDisallowedByPreflightResponse: return "HeaderDisallowedByPreflightResponse"
        case .redirectContainsCredentials: return "RedirectContainsCredentials"
        }
    }

    private static func name(_ base: String, _ preflight: Bool) -> String { preflight ? "Preflight" + base : base }

    private static let preflightPrefix = "Response to preflight request doesn't pass access control check: "
    private static let validValueHint = " Have the server send the header with a valid value."

    /// What Chromium's console says after "has been blocked by CORS policy: ".
    public var chromiumDetail: String {
        func access(_ text: String, _ preflight: Bool) -> String { preflight ? Self.preflightPrefix + text : text }
        switch self {
        case .missingAllowOriginHeader(let preflight):
            return access("No 'Access-Control-Allow-Origin' header is present on the requested resource.", preflight)
        case .wildcardOriginNotAllowed(let preflight):
            return access(
                "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
                preflight
            )
        case .multipleAllowOriginValues(let value, let preflight):
            let text = "The 'Access-Control-Allow-Origin' header contains multiple values '\(value)', but only one is allowed."
            return access(text + Self.validValueHint, preflight)
        case .invalidAllowOriginValue(let value, let preflight):
            let text = "The 'Access-Control-Allow-Origin' header contains the invalid value '\(value)'."
            return access(text + Self.validValueHint, preflight)
        case .allowOriginMismatch(let value, let preflight):
            let text = "The 'Access-Control-Allow-Origin' header has a value '\(value)' that is not equal to the supplied origin."
            return access(text + Self.validValueHint, preflight)
        case .invalidAllowCredentials(let value, let preflight):
            return access(
                "The value of the 'Access-Control-Allow-Credentials' header in the response is '\(value)' which must be 'true' when the request's credentials mode is 'include'.",
                preflight
            )
        case .preflightInvalidStatus:
            return Self.preflightPrefix + "It does not have HTTP ok status."
        case .preflightDisallowedRedirect:
            return Self.preflightPrefix + "Redirect is not allowed for a preflight request."
        case .invalidAllowMethodsPreflightResponse:
            return "Cannot parse Access-Control-Allow-Methods response header field in preflight response."
        case .invalidAllowHeadersPreflightResponse:
            return "Cannot parse Access-Control-Allow-Headers response header field in preflight response."
        case .methodDisallowedByPreflightResponse(let method):
            return "Method \(method) is not allowed by Access-Control-Allow-Methods in preflight response."
        case .headerDisallowedByPreflightResponse(let name):
            return "Request header field \(name) is not allowed by Access-Control-Allow-Headers in preflight response."
        case .redirectContainsCredentials:
            // Chromium 156 leaves the location out of the message (it prints '').
            return "Redirect location '' contains a username and password, which is disallowed for cross-origin requests."
        }
    }

    /// Chromium's whole console message for a `fetch()` from a page at `origin` that failed at
    /// `url`, after redirects from `redirectedFrom` when there were any.
    public func chromiumMessage(url: String, origin: String, redirectedFrom: String? = nil) -> String {
        let redirect = redirectedFrom.map { " (redirected from '\($0)')" } ?? ""
        return "Access to fetch at '\(url)'\(redirect) from origin '\(origin)' has been blocked by CORS policy: \(chromiumDetail)"
    }

    /// Firefox's "(Reason: ...)" for the same failure, as Firefox 153 logs it (curly quotes).
    public var firefoxReason: String {
        func q(_ text: String) -> String { "\u{2018}\(text)\u{2019}" }
        let acao = q("Access-Control-Allow-Origin")
        switch self {
        case .missingAllowOriginHeader: return "CORS header \(acao) missing"
        case .wildcardOriginNotAllowed: return "Credential is not supported if the CORS header \(acao) is \(q("*"))"
        case .multipleAllowOriginValues: return "Multiple CORS header \(acao) not allowed"
        case .invalidAllowOriginValue(let value, _), .allowOriginMismatch(let value, _):
            return "CORS header \(acao) does not match \(q(value))"
        case .invalidAllowCredentials: return "expected \(q("true")) in CORS header \(q("Access-Control-Allow-Credentials"))"
        case .preflightInvalidStatus: return "CORS preflight response did not succeed"
        case .preflightDisallowedRedirect: return "CORS request external redirect not allowed"
        case .invalidAllowMethodsPreflightResponse(let value):
            return "invalid token \(q(Self.firstInvalidToken(value))) in CORS header \(q("Access-Control-Allow-Methods"))"
        case .invalidAllowHeadersPreflightResponse(let value):
            return "invalid token \(q(Self.firstInvalidToken(value))) in CORS header \(q("Access-Control-Allow-Headers"))"
        case .methodDisallowedByPreflightResponse:
            // Firefox does not name the method.
            return "Did not find method in CORS header \(q("Access-Control-Allow-Methods"))"
        case .headerDisallowedByPreflightResponse(let name):
            return "header \(q(name)) is not allowed according to header \(q("Access-Control-Allow-Headers")) from CORS preflight response"
        case .redirectContainsCredentials: return Self.didNotSucceed
        }
    }

    static let didNotSucceed = "CORS request did not succeed"

    /// The first item of a comma-separated list that is not a token (what Firefox names).
    static func firstInvalidToken(_ value: String) -> String {
        value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingHTTPWhitespace() }
            .first { !$0.isEmpty && !FetchVocabulary.isToken($0) } ?? value
    }

    /// Firefox's console errors for a `fetch()` that failed at `url`, in the order Firefox 153
    /// logs them. `status` is the status of the response that failed the check; `interrupted` says
    /// the failure came on a preflight or a redirect, which Firefox follows with a second line
    /// saying the request did not succeed.
    public func firefoxMessages(url: String, status: Int?, interrupted: Bool) -> [String] {
        let statusText = status.map(String.init) ?? "(null)"
        func line(_ reason: String, quotedURL: Bool = false, status: String? = nil) -> String {
            let resource = quotedURL ? "\u{2018}\(url)\u{2019}" : url
            let suffix = status.map { " Status code: \($0)." } ?? ""
            return
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at \(resource). (Reason: \(reason)).\(suffix)"
        }
        let trailer = line(Self.didNotSucceed, status: "(null)")
        var lines: [String]
        switch self {
        case .missingAllowOriginHeader: lines = [line(firefoxReason, status: statusText)]
        case .wildcardOriginNotAllowed: lines = [line(firefoxReason, quotedURL: true)]
        case .preflightInvalidStatus: lines = [line(firefoxReason, status: statusText)]
        case .preflightDisallowedRedirect:
            lines = [line(firefoxReason), line(CORSBlockReason.preflightInvalidStatus(0).firefoxReason, status: statusText)]
        case .redirectContainsCredentials: return [trailer]
        default: lines = [line(firefoxReason)]
        }
        if interrupted { lines.append(trailer) }
        return lines
    }

    /// Firefox's line for a fetch that failed without a CORS reason (a redirect loop, say).
    public static func firefoxDidNotSucceed(url: String) -> String {
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at \(url). (Reason: \(didNotSucceed)). Status code: (null)."
    }

    /// What the server must send instead, for the page at `origin`.
    public func fix(origin: String) -> String {
        switch self {
        case .missingAllowOriginHeader(let preflight):
            return
                "Have the server answer the \(preflight ? "preflight (OPTIONS) request" : "request") with `Access-Control-Allow-Origin: \(origin)` (or `*` if the response is public and no credentials are sent)."
        case .wildcardOriginNotAllowed:
            return
                "With credentials, answer `Access-Control-Allow-Origin: \(origin)` (the exact origin, not `*`) and `Access-Control-Allow-Credentials: true`, and add `Vary: Origin`."
        case .multipleAllowOriginValues:
            return
                "Send exactly one Access-Control-Allow-Origin value, the page's origin `\(origin)`: echo the request's Origin when it is in your list, instead of listing all origins."
        case .invalidAllowOriginValue, .allowOriginMismatch:
            return "Answer `Access-Control-Allow-Origin: \(origin)` exactly: scheme, host and port, lowercase, no path or trailing slash."
        case .invalidAllowCredentials:
            return "Answer `Access-Control-Allow-Credentials: true` (exactly, lowercase), or send the request without credentials."
        case .preflightInvalidStatus:
            return "Answer the OPTIONS preflight with a 2xx status (204 No Content is usual) before any authentication or routing that rejects it."
        case .preflightDisallowedRedirect:
            return
                "Answer the OPTIONS preflight at this URL itself; browsers never follow redirects for preflights (fix trailing-slash or http→https redirects)."
        case .invalidAllowMethodsPreflightResponse:
            return "Send Access-Control-Allow-Methods as a comma-separated list of method names, for example `GET, PUT, DELETE`."
        case .invalidAllowHeadersPreflightResponse:
            return "Send Access-Control-Allow-Headers as a comma-separated list of header names, for example `Content-Type, Authorization`."
        case .methodDisallowedByPreflightResponse(let method):
            return "Add `\(method)` to Access-Control-Allow-Methods in the preflight answer (methods are case-sensitive)."
        case .headerDisallowedByPreflightResponse(let name):
            let authorization =
                name == "authorization" ? " (name it: by the Fetch Standard, and for credentialed requests, `*` does not cover Authorization)" : ""
            return "Add `\(name)` to Access-Control-Allow-Headers in the preflight answer\(authorization)."
        case .redirectContainsCredentials:
            return "Redirect to a URL without `user:password@`."
        }
    }
}

extension CORSBlockReason {
    /// Whether the failure was the preflight's.
    public var isPreflight: Bool {
        switch self {
        case .missingAllowOriginHeader(let preflight), .wildcardOriginNotAllowed(let preflight),
            .multipleAllowOriginValues(_, let preflight), .invalidAllowOriginValue(_, let preflight),
            .allowOriginMismatch(_, let preflight), .invalidAllowCredentials(_, let preflight):
            preflight
        case .preflightInvalidStatus, .preflightDisallowedRedirect, .invalidAllowMethodsPreflightResponse,
            .invalidAllowHeadersPreflightResponse, .methodDisallowedByPreflightResponse, .headerDisallowedByPreflightResponse:
            true
        case .redirectContainsCredentials: false
        }
    }
}
