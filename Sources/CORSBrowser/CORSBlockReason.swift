/// Why a browser blocks a cross-origin request: Chromium's CORS error kinds (its
/// `network::mojom::CorsError`, reported by DevTools as `corsErrorStatus.corsError`), each with the
/// value it failed on, rendered as Chromium's console text, as Firefox's reason, and as the fix.
///
/// The console wording is Chromium 156's, read off its console (`--enable-logging=stderr`) for
/// each kind, and checked again by `ChromiumAgreementTests` whenever Chromium is installed.
public enum CORSBlockReason: Error, Sendable, Hashable {
    // The CORS check (Fetch §4.10), on the actual response or on the preflight's.
    case missingAllowOriginHeader(preflight: Bool)
    case wildcardOriginNotAllowed(preflight: Bool)
    case multipleAllowOriginValues(String, preflight: Bool)
    case invalidAllowOriginValue(String, preflight: Bool)
    case allowOriginMismatch(String, preflight: Bool)
    case invalidAllowCredentials(String, preflight: Bool)
    // The preflight (Fetch §4.8).
    case preflightInvalidStatus(Int)
    case preflightDisallowedRedirect
    case invalidAllowMethodsPreflightResponse(String)
    case invalidAllowHeadersPreflightResponse(String)
    case methodDisallowedByPreflightResponse(String)
    case headerDisallowedByPreflightResponse(String)
    // Redirects (Fetch §4.4 "HTTP-redirect fetch").
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
                preflight)
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
                preflight)
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

    /// Firefox's "Reason:" line for the same failure (its CORS error pages on MDN).
    public var firefoxReason: String {
        switch self {
        case .missingAllowOriginHeader: return "CORS header 'Access-Control-Allow-Origin' missing"
        case .wildcardOriginNotAllowed: return "Credential is not supported if the CORS header 'Access-Control-Allow-Origin' is '*'"
        case .multipleAllowOriginValues: return "Multiple CORS header 'Access-Control-Allow-Origin' not allowed"
        case .invalidAllowOriginValue(let value, _), .allowOriginMismatch(let value, _):
            return "CORS header 'Access-Control-Allow-Origin' does not match '\(value)'"
        case .invalidAllowCredentials: return "expected 'true' in CORS header 'Access-Control-Allow-Credentials'"
        case .preflightInvalidStatus: return "CORS preflight response did not succeed"
        case .preflightDisallowedRedirect: return "CORS request external redirect not allowed"
        case .invalidAllowMethodsPreflightResponse: return "invalid token in CORS header 'Access-Control-Allow-Methods'"
        case .invalidAllowHeadersPreflightResponse: return "invalid token in CORS header 'Access-Control-Allow-Headers'"
        case .methodDisallowedByPreflightResponse(let method):
            return "Did not find method '\(method)' in CORS header 'Access-Control-Allow-Methods'"
        case .headerDisallowedByPreflightResponse(let name):
            return "header '\(name)' is not allowed according to header 'Access-Control-Allow-Headers' from CORS preflight response"
        case .redirectContainsCredentials: return "CORS request external redirect not allowed"
        }
    }

    /// What the server must send instead, for the page at `origin`.
    public func fix(origin: String) -> String {
        switch self {
        case .missingAllowOriginHeader(let preflight):
            return "Have the server answer the \(preflight ? "preflight (OPTIONS) request" : "request") with `Access-Control-Allow-Origin: \(origin)` (or `*` if the response is public and no credentials are sent)."
        case .wildcardOriginNotAllowed:
            return "With credentials, answer `Access-Control-Allow-Origin: \(origin)` (the exact origin, not `*`) and `Access-Control-Allow-Credentials: true`, and add `Vary: Origin`."
        case .multipleAllowOriginValues:
            return "Send exactly one Access-Control-Allow-Origin value, the page's origin `\(origin)`: echo the request's Origin when it is in your list, instead of listing all origins."
        case .invalidAllowOriginValue, .allowOriginMismatch:
            return "Answer `Access-Control-Allow-Origin: \(origin)` exactly: scheme, host and port, lowercase, no path or trailing slash."
        case .invalidAllowCredentials:
            return "Answer `Access-Control-Allow-Credentials: true` (exactly, lowercase), or send the request without credentials."
        case .preflightInvalidStatus:
            return "Answer the OPTIONS preflight with a 2xx status (204 No Content is usual) before any authentication or routing that rejects it."
        case .preflightDisallowedRedirect:
            return "Answer the OPTIONS preflight at this URL itself; browsers never follow redirects for preflights (fix trailing-slash or http→https redirects)."
        case .invalidAllowMethodsPreflightResponse:
            return "Send Access-Control-Allow-Methods as a comma-separated list of method names, for example `GET, PUT, DELETE`."
        case .invalidAllowHeadersPreflightResponse:
            return "Send Access-Control-Allow-Headers as a comma-separated list of header names, for example `Content-Type, Authorization`."
        case .methodDisallowedByPreflightResponse(let method):
            return "Add `\(method)` to Access-Control-Allow-Methods in the preflight answer (methods are case-sensitive)."
        case .headerDisallowedByPreflightResponse(let name):
            let authorization = name == "authorization" ? " (name it: by the Fetch Standard, and for credentialed requests, `*` does not cover Authorization)" : ""
            return "Add `\(name)` to Access-Control-Allow-Headers in the preflight answer\(authorization)."
        case .redirectContainsCredentials:
            return "Redirect to a URL without `user:password@`."
        }
    }
}
