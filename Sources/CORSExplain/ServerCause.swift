import CORSBrowser

/// A cause on the server that the answers show, named for the mistake, in the idiom of the
/// server that answered (its `Server`/`X-Powered-By` and the shape of the answer).
public enum ServerCause: Sendable, Hashable {
    /// How an Access-Control-Allow-Origin value misses the page's origin.
    public enum NearMiss: String, Sendable, Hashable {
        /// `HTTP://App.example` for `http://app.example`.
        case letterCase = "case"
        /// `https://app.example/` for `https://app.example`.
        case trailingSlash = "trailing slash"
        /// Another port of the same host.
        case port
        /// http for https, or the other way.
        case scheme
    }
    /// Why a preflight was redirected.
    public enum Redirect: String, Sendable, Hashable {
        /// An http URL upgraded to https.
        case httpToHTTPS = "http to https"
        /// A slash added or removed at the end of the path.
        case trailingSlash = "trailing slash"
        /// To a login page.
        case login
        /// Anywhere else.
        case other
    }

    /// The preflight carried some CORS headers but not the ones it needed: in nginx, an
    /// `add_header` inside `if` or a nested `location` replaced every inherited one.
    case preflightMissesSomeHeaders(present: [String], missing: [String], server: ServerFramework?)
    /// Successful answers carry the CORS headers, error answers (`status`) do not.
    case headersOnlyOnSuccess(status: Int, server: ServerFramework?)
    /// Apache sends the same Access-Control-Allow-Origin twice: set in both of its header tables.
    case apacheSetsTheHeaderInBothTables
    /// Two Access-Control-Allow-Origin lines: two layers (the application and a proxy) both add it.
    case allowOriginAddedTwice(values: [String], server: ServerFramework?)
    /// One Access-Control-Allow-Origin value lists several origins: an allow-list printed whole.
    case allowOriginIsAList(String)
    /// The value differs from the origin by letter case, a trailing slash, the port or the scheme.
    case allowOriginNearMiss(value: String, origin: String, NearMiss)
    /// The preflight got 401/403: authentication runs before CORS.
    case preflightRejectedByAuthentication(status: Int, server: ServerFramework?)
    /// The preflight got 404/405: nothing routes OPTIONS to the CORS handling.
    case preflightNotRouted(status: Int, server: ServerFramework?)
    /// The preflight was redirected (to `location`).
    case preflightRedirected(Redirect, location: String)
    /// The answer names one origin but does not say `Vary: Origin`, and another origin gets a
    /// different answer: a shared cache will serve one origin's answer to the other.
    case missingVaryOrigin

    /// A short stable name, for JSON and tests.
    public var name: String {
        switch self {
        case .preflightMissesSomeHeaders: "preflight-misses-some-headers"
        case .headersOnlyOnSuccess: "headers-only-on-success"
        case .apacheSetsTheHeaderInBothTables: "apache-both-header-tables"
        case .allowOriginAddedTwice: "allow-origin-added-twice"
        case .allowOriginIsAList: "allow-origin-is-a-list"
        case .allowOriginNearMiss: "allow-origin-near-miss"
        case .preflightRejectedByAuthentication: "preflight-rejected-by-authentication"
        case .preflightNotRouted: "preflight-not-routed"
        case .preflightRedirected: "preflight-redirected"
        case .missingVaryOrigin: "missing-vary-origin"
        }
    }

    /// What the evidence shows, in a sentence.
    public var diagnosis: String {
        switch self {
        case .preflightMissesSomeHeaders(let present, let missing, let server):
            let shown = present.joined(separator: ", ")
            let lacking = missing.joined(separator: ", ")
            if server == .nginx {
                return
                    "The preflight answer carries \(shown) but not \(lacking): in nginx, an `add_header` inside `if ($request_method = OPTIONS)` or a nested `location` replaces every `add_header` inherited from the enclosing level, so the preflight loses the CORS headers set outside it."
            }
            return
                "The preflight answer carries \(shown) but not \(lacking): the OPTIONS answer is built apart from the others and sets only some of the CORS headers."
        case .headersOnlyOnSuccess(let status, let server):
            switch server {
            case .nginx?:
                return
                    "Successful answers carry the CORS headers but the \(status) answer does not: nginx's `add_header` applies to 2xx and 3xx answers only unless it ends with `always`."
            case .apache?:
                return
                    "Successful answers carry the CORS headers but the \(status) answer does not: Apache's `Header set` writes the success table only; error answers need `Header always set`."
            case .express?:
                return
                    "Successful answers carry the CORS headers but the \(status) answer does not: the error comes from a handler that runs before the cors middleware, or from Express's default error handler."
            default:
                return
                    "Successful answers carry the CORS headers but the \(status) answer does not: the error is produced outside the CORS handling (an error handler or a layer that runs before it), so the page cannot read the error."
            }
        case .apacheSetsTheHeaderInBothTables:
            return
                "Access-Control-Allow-Origin comes twice with the same value: Apache keeps two header tables, and the header is set in both (`Header set` and `Header always set`, or once in a .htaccess and once in the server configuration)."
        case .allowOriginAddedTwice(let values, let server):
            let via = server.map { " (the answer came through \($0.rawValue))" } ?? ""
            return
                "Access-Control-Allow-Origin comes \(values.count) times (\(values.map { "'\($0)'" }.joined(separator: ", "))): two layers add it, typically the application and a proxy or gateway in front of it\(via)."
        case .allowOriginIsAList(let value):
            return
                "Access-Control-Allow-Origin lists several origins in one value ('\(value)'): the server prints its allow-list instead of the one origin that matched."
        case .allowOriginNearMiss(let value, let origin, let miss):
            return
                "Access-Control-Allow-Origin is '\(value)' and the page's origin is '\(origin)': they differ only by the \(miss.rawValue), and browsers compare them byte for byte."
        case .preflightRejectedByAuthentication(let status, let server):
            let idiom: String =
                switch server {
                case .hummingbird?: " (in Hummingbird, an authenticator middleware added before the CORS middleware)"
                case .vapor?: " (in Vapor, an authenticator or guard middleware ahead of CORSMiddleware)"
                case .nginx?: " (in nginx, `auth_basic` or `auth_request` covering OPTIONS)"
                case .apache?: " (in Apache, `Require valid-user` without `<LimitExcept OPTIONS>`)"
                default: ""
                }
            return
                "The preflight was refused with \(status): authentication runs before CORS\(idiom), and browsers never send credentials on a preflight."
        case .preflightNotRouted(let status, let server):
            let idiom: String =
                switch server {
                case .hummingbird?: " (in Hummingbird, a CORS middleware on a route group only runs for the group's routes, and OPTIONS has none)"
                case .vapor?: " (in Vapor, a CORS middleware grouped with routes instead of `app.middleware.use(cors, at: .beginning)`)"
                case .express?: " (in Express, `cors()` on single routes without `app.options('*', cors())`)"
                default: ""
                }
            return "The preflight got \(status): nothing routes OPTIONS to the CORS handling\(idiom)."
        case .preflightRedirected(let kind, let location):
            switch kind {
            case .httpToHTTPS:
                return "The preflight was redirected to \(location): an http-to-https redirect, which browsers do not follow for a preflight."
            case .trailingSlash:
                return "The preflight was redirected to \(location): a trailing-slash redirect, which browsers do not follow for a preflight."
            case .login: return "The preflight was redirected to \(location): a login redirect from an authentication layer that runs before CORS."
            case .other: return "The preflight was redirected to \(location), and browsers do not follow redirects for a preflight."
            }
        case .missingVaryOrigin:
            return
                "The answer names one origin in Access-Control-Allow-Origin and another origin gets a different answer, but the response has no `Vary: Origin`: a browser or shared cache may serve one origin's answer to the other."
        }
    }

    /// The change, in the answering server's terms where known.
    public var fix: String {
        switch self {
        case .preflightMissesSomeHeaders(_, let missing, let server):
            if server == .nginx {
                return
                    "Repeat every CORS `add_header` (with `always`) inside the `if`/`location` block that answers OPTIONS, or move the OPTIONS answer to its own `location` that sets them all."
            }
            return "Answer OPTIONS with the same CORS headers as the other answers: add \(missing.joined(separator: ", "))."
        case .headersOnlyOnSuccess(_, let server):
            switch server {
            case .nginx?: return "End every CORS `add_header` with `always`: `add_header Access-Control-Allow-Origin $cors_origin always;`."
            case .apache?:
                return "Use `Header always set Access-Control-Allow-Origin ...` (the always table covers error answers) instead of `Header set`."
            case .express?: return "Register `app.use(cors(...))` before every route and error handler."
            case .hummingbird?:
                return
                    "Add the CORS middleware first (`router.add(middleware: cors)` before other middleware), so errors thrown behind it still get the headers."
            case .vapor?: return "Add the CORS middleware at the beginning: `app.middleware.use(cors, at: .beginning)`, ahead of ErrorMiddleware."
            default: return "Add the CORS headers where error answers are produced too, or run the CORS handling outside the error handling."
            }
        case .apacheSetsTheHeaderInBothTables:
            return "Set the header once, with `Header always set` (and `Header unset` in the other table if a .htaccess sets it too)."
        case .allowOriginAddedTwice:
            return
                "Let one layer own CORS: remove the headers from the application or from the proxy (in nginx, `proxy_hide_header Access-Control-Allow-Origin;` before adding its own)."
        case .allowOriginIsAList:
            return "Keep the allow-list on the server; send back only the request's Origin when it is in the list (and `Vary: Origin`)."
        case .allowOriginNearMiss(_, let origin, _):
            return "Send `Access-Control-Allow-Origin: \(origin)` exactly (scheme, host and port as the page has them, no trailing slash)."
        case .preflightRejectedByAuthentication(_, let server):
            switch server {
            case .hummingbird?:
                return "Add the CORS middleware before the authenticator: `router.add(middleware: cors)` first; it answers the preflight itself."
            case .vapor?: return "Register CORS with `app.middleware.use(cors, at: .beginning)` so it answers the preflight before authentication."
            case .nginx?:
                return
                    "Answer OPTIONS before authentication: `if ($request_method = OPTIONS) { ... return 204; }` ahead of `auth_request`, or `limit_except OPTIONS { auth_basic ...; }`."
            case .apache?: return "Exempt OPTIONS: `<LimitExcept OPTIONS> Require valid-user </LimitExcept>`."
            default: return "Answer OPTIONS preflights before authentication runs (CORS middleware first)."
            }
        case .preflightNotRouted(_, let server):
            switch server {
            case .hummingbird?: return "Add the CORS middleware to the router itself (`router.add(middleware: cors)`), not to a group."
            case .vapor?: return "Use `app.middleware.use(cors, at: .beginning)` (global middleware runs before routing, so OPTIONS needs no route)."
            case .express?: return "`app.use(cors(...))` for the whole app, or `app.options('*', cors())`."
            default: return "Route OPTIONS for every CORS path to the CORS handling (a global middleware, or an OPTIONS route)."
            }
        case .preflightRedirected(let kind, let location):
            switch kind {
            case .httpToHTTPS: return "Call the https URL from the page (the redirect target \(location))."
            case .trailingSlash: return "Call the final URL from the page (\(location)), or stop redirecting it."
            case .login: return "Let OPTIONS through the authentication layer: answer preflights before it runs."
            case .other: return "Call the final URL from the page (\(location)), or answer OPTIONS without redirecting."
            }
        case .missingVaryOrigin:
            return "Add `Vary: Origin` to every answer whose CORS headers depend on the Origin (swift-cors' responder always does)."
        }
    }
}
