import CORSBrowser
import CORSFetch

/// What a console error means and what to change: one or two sentences, the likely causes most
/// likely first, the fix in a swift-cors policy and in the servers people run.
public struct ErrorGuide: Sendable {
    /// What happened, in a sentence or two.
    public var meaning: String
    /// Most likely first.
    public var causes: [String]
    /// The one-line fix, as `cors check` gives it.
    public var fix: String
    /// The change in a swift-cors policy file (JSON), or where the middleware goes; `nil` when no
    /// policy key changes it (a fetch() call to mend, a page to serve over http).
    public var policyFix: String?
    /// The change in each server's own terms, for failures a server's CORS settings mend.
    public var serverFixes: [(server: ServerFramework, snippet: String)]

    /// What stands for the page's origin when the message does not name it (Firefox's lines).
    public static let unknownOrigin = "https://your-page.example"

    /// The guide for `failure`, seen by a page at `origin` (when known).
    public init(_ failure: ConsoleError.Failure, origin: String?, status: Int? = nil) {
        let page = origin ?? Self.unknownOrigin
        serverFixes = []
        policyFix = nil
        switch failure {
        case .blocked(let reason):
            (meaning, causes) = Self.meaningAndCauses(reason, origin: page, status: status)
            fix = reason.fix(origin: page)
            policyFix = Self.policyFix(reason, origin: page)
            if case .methodDisallowedByPreflightResponse("") = reason {
                fix = "Add the method your fetch() uses to Access-Control-Allow-Methods in the preflight answer (methods are case-sensitive)."
            }
            if Self.serverSettingsMend(reason) {
                let servers: [ServerFramework] = [.hummingbird, .vapor, .express, .nginx, .apache, .caddy]
                serverFixes = servers.map { ($0, $0.snippet(for: reason, origin: page)) }
            }
        case .typeError(let error):
            meaning = "fetch() refused the call itself and sent nothing: \(error.message). No server setting changes this."
            causes = [Self.typeErrorCause(error)]
            fix = "Change the fetch() call: \(Self.typeErrorCause(error))"
        case .schemeNotHTTP:
            meaning =
                "The page is not served over http or https (a file:// page, say), and browsers do CORS only for http(s) requests from http(s) pages."
            causes = [
                "The page was opened from disk (file://) instead of from a web server.", "The URL fetched uses a scheme other than http or https.",
            ]
            fix =
                "Serve the page from a local web server (for example `python3 -m http.server`) and open it over http://localhost, then allow that origin on the API."
        case .didNotSucceed:
            meaning = "Firefox got no response at all, so there were no CORS headers to check: the request failed below CORS."
            causes = [
                "The server is not running at that address or port, or refused the connection.",
                "The TLS handshake failed (a self-signed or expired certificate: open the URL in a tab once to see why).",
                "An extension or a firewall blocked the request, or a redirect looped.",
            ]
            fix = "Open the URL in a tab or with curl: make it answer at all first, then check its CORS headers with `cors check`."
        case .corsDisabled:
            meaning = "CORS is turned off in this Firefox (the content.cors.disable preference), so every cross-origin request fails."
            causes = ["The preference content.cors.disable is set to true in about:config."]
            fix = "Set content.cors.disable back to false in about:config."
        }
    }

    /// Failures a server's CORS configuration mends (the rest are the page's or the network's).
    private static func serverSettingsMend(_ reason: CORSBlockReason) -> Bool {
        switch reason {
        case .preflightInvalidStatus, .preflightDisallowedRedirect, .redirectContainsCredentials: false
        default: true
        }
    }

    private static func meaningAndCauses(_ reason: CORSBlockReason, origin: String, status: Int?) -> (String, [String]) {
        let answer = reason.isPreflight ? "The preflight's answer (the OPTIONS request the browser sent first)" : "The response"
        switch reason {
        case .missingAllowOriginHeader(let preflight):
            var causes = [
                "The server does not allow the origin \(origin), so it sent no CORS headers (the right answer if the origin should not be allowed).",
                preflight
                    ? "Nothing answers OPTIONS with CORS headers: no CORS middleware, or one registered after routing or authentication, so another handler answered the preflight."
                    : "This route has no CORS handling (the middleware covers other routes, or is registered on a route group).",
                "The headers are added on success only and this answer was an error: nginx `add_header` without `always`, Apache `Header set` without `always`, an error handler that runs outside the CORS middleware.",
                "A proxy or CDN in front strips the headers, or served a cached copy made without them (no `Vary: Origin`).",
            ]
            if let status, status >= 400 { causes.swapAt(0, 2) }
            return ("\(answer) carried no Access-Control-Allow-Origin header, so the browser kept it from the page.", causes)
        case .wildcardOriginNotAllowed:
            return (
                "\(answer) allowed any origin (`*`), but the request carries credentials (cookies or HTTP authentication, `credentials: 'include'` or `withCredentials`), and `*` never covers a credentialed request (Fetch §3.2.5).",
                [
                    "The server is set to allow every origin, and the page sends credentials.",
                    "A framework's \"allow any origin\" option sends `*` even when credentials are enabled.",
                    "The page sends credentials it does not need: drop `credentials: 'include'` if the API needs no cookies.",
                ]
            )
        case .multipleAllowOriginValues(let value, _):
            return (
                "\(answer) carried more than one Access-Control-Allow-Origin value (\(value.isEmpty ? "several" : "'\(value)'")); exactly one is allowed.",
                [
                    "Two layers add the header: the application and a proxy in front of it (nginx, Apache, an API gateway, a CDN).",
                    "The server prints its whole allow-list in the header instead of the one origin that matched.",
                    "Apache sets the header in both of its tables (`Header set` and `Header always set`), so it appears twice.",
                ]
            )
        case .invalidAllowOriginValue(let value, _):
            return (
                "\(answer)'s Access-Control-Allow-Origin value '\(value)' is not an origin at all (an origin is scheme://host[:port], nothing more).",
                [
                    "The value has a path or a trailing slash (`https://app.example/`).",
                    "The value is quoted, has spaces, or is a pattern (`*.example.com`) the server meant to match against, not to send.",
                ]
            )
        case .allowOriginMismatch(let value, _):
            return (
                "\(answer)'s Access-Control-Allow-Origin is '\(value)', which is not the page's origin \(origin), so the browser kept the response from the page.",
                [
                    "The server sends one fixed origin: another environment's (localhost against 127.0.0.1, another port, http against https).",
                    "The value differs only by a trailing slash, letter case, the port or the scheme: it must equal the origin exactly.",
                    "A cache served the answer made for another origin, because the response does not say `Vary: Origin`.",
                ]
            )
        case .invalidAllowCredentials(let value, _):
            return (
                "The request carries credentials, and \(answer.prefix(1).lowercased() + answer.dropFirst())'s Access-Control-Allow-Credentials is \(value.isEmpty ? "missing" : "'\(value)'") rather than exactly `true`.",
                [
                    "The server does not enable credentials, and the page sends `credentials: 'include'` (or `withCredentials`).",
                    "The server sends a value other than the lowercase `true` (`True`, `1`).",
                    "The page sends credentials it does not need.",
                ]
            )
        case .preflightInvalidStatus(let code):
            let seen = status ?? (code == 0 ? nil : code)
            var causes = [
                "Authentication runs before CORS and rejects the preflight with 401 or 403; browsers never send credentials on a preflight, so it must be answered before authentication.",
                "OPTIONS is not routed (404 or 405): the CORS middleware is on a route group or a single route instead of the whole router.",
                "The server fails on OPTIONS (500), or a proxy in front refuses the method.",
            ]
            if let seen, seen == 404 || seen == 405 { causes.swapAt(0, 1) }
            if let seen, seen >= 500 { causes = [causes[2], causes[0], causes[1]] }
            let statusText = seen.map { " (\($0))" } ?? ""
            return ("The preflight was answered with a status other than 2xx\(statusText), so the browser did not send the actual request.", causes)
        case .preflightDisallowedRedirect:
            return (
                "The preflight was answered with a redirect, and browsers never follow redirects for preflights.",
                [
                    "An http-to-https redirect: the page calls http:// and the server upgrades it.",
                    "A trailing-slash redirect (`/api/items` to `/api/items/`).",
                    "A login redirect: an authentication layer sends unauthenticated requests, the preflight among them, to a login page.",
                ]
            )
        case .invalidAllowMethodsPreflightResponse(let value):
            return (
                "The preflight's Access-Control-Allow-Methods\(value.isEmpty ? "" : " '\(value)'") is not a comma-separated list of method names.",
                ["A quoted value, a semicolon-separated list, or a stray character in the server's setting."]
            )
        case .invalidAllowHeadersPreflightResponse(let value):
            return (
                "The preflight's Access-Control-Allow-Headers\(value.isEmpty ? "" : " '\(value)'") is not a comma-separated list of header names.",
                ["A quoted value, a semicolon-separated list, or a stray character in the server's setting."]
            )
        case .methodDisallowedByPreflightResponse(let method):
            let name = method.isEmpty ? "the request's method" : method
            return (
                "The preflight succeeded, but its Access-Control-Allow-Methods does not list \(name), so the browser did not send the request.",
                [
                    "The server's allowed methods do not include \(name) (GET, HEAD and POST need no listing; PUT, PATCH and DELETE do).",
                    "Methods are compared case-sensitively: `patch` is not `PATCH`.",
                    "`*` does not cover a credentialed request's method: list it.",
                ]
            )
        case .headerDisallowedByPreflightResponse(let name):
            return (
                "The preflight succeeded, but its Access-Control-Allow-Headers does not list the request header `\(name)`, so the browser did not send the request.",
                [
                    "The server's allowed headers do not include `\(name)`"
                        + (name == "content-type" ? " (a JSON body's Content-Type: application/json needs it)." : "."),
                    name == "authorization"
                        ? "`*` never covers Authorization: it must be named (Fetch §3.2.3)."
                        : "The server allows `*`, which does not cover a credentialed request: name the header.",
                    "The page sends a header it does not need (a library adding its own headers).",
                ]
            )
        case .redirectContainsCredentials:
            return (
                "The request was redirected to a URL with a user name and password in it, which browsers refuse for cross-origin requests.",
                ["A redirect's Location carries `user:password@`."]
            )
        }
    }

    private static func policyFix(_ reason: CORSBlockReason, origin: String) -> String? {
        let origins = "\"allowOrigins\": [\"\(origin)\"]"
        switch reason {
        case .missingAllowOriginHeader, .invalidAllowOriginValue, .allowOriginMismatch, .multipleAllowOriginValues:
            return "{ \(origins) }"
        case .wildcardOriginNotAllowed, .invalidAllowCredentials:
            return "{ \(origins), \"allowCredentials\": true }"
        case .methodDisallowedByPreflightResponse(let method):
            return "{ \(origins), \"allowMethods\": [\"\(method.isEmpty ? "PUT" : method)\"] }"
        case .headerDisallowedByPreflightResponse(let name):
            return "{ \(origins), \"allowHeaders\": [\"\(name)\"] }"
        case .preflightInvalidStatus:
            return
                "Put the CORS middleware before authentication and routing: `router.add(middleware: cors)` first (Hummingbird), `app.middleware.use(cors, at: .beginning)` (Vapor); it answers the preflight itself."
        case .preflightDisallowedRedirect:
            return
                "Call the URL the server does not redirect (https, the final slash); swift-cors' middleware answers the preflight before any redirect when it runs first."
        case .invalidAllowMethodsPreflightResponse, .invalidAllowHeadersPreflightResponse:
            return "A swift-cors policy writes these lists itself: `cors lint` refuses a malformed name."
        case .redirectContainsCredentials:
            return nil
        }
    }

    private static func typeErrorCause(_ error: FetchTypeError) -> String {
        switch error {
        case .forbiddenMethod(let method): "`\(method)` is a method scripts may not use (CONNECT, TRACE, TRACK)."
        case .invalidMethod(let method): "`\(method)` is not a valid method name."
        case .invalidHeaderName(let name): "a header name\(name.isEmpty ? "" : " `\(name)`") is not a valid token (spaces, a colon, non-ASCII)."
        case .invalidHeaderValue(let value): "a header value\(value.isEmpty ? "" : " `\(value)`") has a newline or other forbidden byte."
        case .bodyWithGetOrHead: "a GET or HEAD request cannot have a body: drop `body` or use POST."
        case .credentialsInURL: "the URL has `user:password@` in it: send an Authorization header instead."
        case .methodUnsupportedInNoCORS(let method): "`mode: 'no-cors'` allows only GET, HEAD and POST, not \(method)."
        case .invalidURL(let url): "`\(url)` is not a URL fetch() can parse."
        case .onlyIfCachedOutsideSameOrigin: "`cache: 'only-if-cached'` works only with `mode: 'same-origin'`."
        }
    }
}
