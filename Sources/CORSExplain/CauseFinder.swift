import CORS
import CORSBrowser
import CORSFetch

/// One answer the server gave: to the browser's own requests (`cors check`'s trace) or to a
/// probe sent to find causes (`--probe-errors`).
public struct ObservedAnswer: Sendable {
    /// Why the request was sent.
    public enum Purpose: String, Sendable {
        /// The browser's preflight.
        case preflight
        /// The browser's actual request.
        case actual
        /// A redirected hop the browser followed.
        case redirect
        /// The URL, as a plain GET from the page's origin.
        case baseline
        /// A path that does not exist, from the page's origin (an error answer: 404).
        case missingPath = "missing-path"
        /// The URL with a body the server cannot take (an error answer: 4xx).
        case errorStatus = "error-status"
        /// The URL from another origin (does the answer vary by Origin?).
        case otherOrigin = "other-origin"
    }

    /// Why it was sent.
    public var purpose: Purpose
    /// The request's method.
    public var method: String
    /// The URL asked for.
    public var url: String
    /// The Origin it carried (`nil`: none).
    public var origin: String?
    /// Every request header sent.
    public var requestHeaders: [(name: String, value: String)]
    /// The answer's status.
    public var status: Int
    /// The answer's header lines, in order.
    public var headers: [(name: String, value: String)]
    /// The start of the body, when it was kept (probes keep it: its shape can name the server).
    public var body: String

    /// An answer as observed.
    public init(
        purpose: Purpose,
        method: String,
        url: String,
        origin: String?,
        requestHeaders: [(name: String, value: String)] = [],
        status: Int,
        headers: [(name: String, value: String)],
        body: String = ""
    ) {
        self.body = body
        self.purpose = purpose
        self.method = method
        self.url = url
        self.origin = origin
        self.requestHeaders = requestHeaders
        self.status = status
        self.headers = headers
    }

    /// The browser's exchange as an observed answer.
    public init(_ exchange: CORSFetcher.Exchange) {
        let origin = exchange.requestHeaders.first { $0.name.lowercased() == "origin" }?.value
        let purpose: Purpose =
            switch exchange.stage {
            case .preflight: .preflight
            case .actual: .actual
            case .redirect: .redirect
            }
        self.init(
            purpose: purpose,
            method: exchange.method,
            url: exchange.url,
            origin: origin,
            requestHeaders: exchange.requestHeaders,
            status: exchange.status,
            headers: exchange.responseHeaders
        )
    }

    /// Every value of header `name`, one per line received.
    public func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name }.map(\.value)
    }

    func requestValue(_ name: String) -> String? { requestHeaders.first { $0.name.lowercased() == name }?.value }
}

/// Finds the server-side causes the answers show (`ServerCause`), for a page at `origin`.
public enum CauseFinder {
    /// Every cause `answers` show for a page at `origin`, each once, in the order found.
    public static func causes(origin: String, answers: [ObservedAnswer]) -> [ServerCause] {
        let server = answers.lazy.compactMap { ServerFramework.detect($0.headers) }.first ?? answers.lazy.compactMap(serverFromShape).first
        var causes: [ServerCause] = []
        func add(_ cause: ServerCause) { if !causes.contains(cause) { causes.append(cause) } }

        if let preflight = answers.first(where: { $0.purpose == .preflight }) {
            switch preflight.status {
            case 401, 403: add(.preflightRejectedByAuthentication(status: preflight.status, server: server))
            case 404, 405, 501: add(.preflightNotRouted(status: preflight.status, server: server))
            case 300..<400:
                let location = preflight.values("location").first ?? ""
                add(.preflightRedirected(redirectKind(from: preflight.url, to: location), location: location))
            case 200..<300:
                let present = preflight.headers.map { $0.name.lowercased() }.filter { $0.hasPrefix("access-control-") }
                var needed = ["access-control-allow-origin"]
                if let method = preflight.requestValue("access-control-request-method"), !["GET", "HEAD", "POST"].contains(method) {
                    needed.append("access-control-allow-methods")
                }
                if preflight.requestValue("access-control-request-headers") != nil { needed.append("access-control-allow-headers") }
                let missing = needed.filter { !present.contains($0) }
                if !present.isEmpty, !missing.isEmpty {
                    add(.preflightMissesSomeHeaders(present: Array(Set(present)).sorted(), missing: missing, server: server))
                }
            default: break
            }
        }

        for answer in answers where answer.origin == origin {
            let values = answer.values("access-control-allow-origin")
            if values.count >= 2 {
                if server == .apache, Set(values).count == 1 {
                    add(.apacheSetsTheHeaderInBothTables)
                } else {
                    add(.allowOriginAddedTwice(values: values, server: server))
                }
            } else if let value = values.first, value != origin, value != "*" {
                let items = value.split { $0 == "," || $0 == " " }.map(String.init)
                if items.count > 1 {
                    add(.allowOriginIsAList(value))
                } else if let miss = nearMiss(value, origin) {
                    add(.allowOriginNearMiss(value: value, origin: origin, miss))
                }
            }
        }

        // Headers on a successful answer, none on an error answer to the same origin.
        let decorated = answers.contains {
            $0.origin == origin && $0.purpose != .preflight && $0.status < 400 && !$0.values("access-control-allow-origin").isEmpty
        }
        if decorated,
            let bare = answers.first(where: {
                $0.origin == origin && $0.purpose != .preflight && $0.status >= 400 && $0.values("access-control-allow-origin").isEmpty
            })
        {
            add(.headersOnlyOnSuccess(status: bare.status, server: server))
        }

        // An answer naming this origin, another origin answered differently, and no Vary: Origin.
        if let baseline = answers.first(where: { $0.purpose == .baseline && $0.values("access-control-allow-origin") == [origin] }),
            let other = answers.first(where: { $0.purpose == .otherOrigin }),
            other.values("access-control-allow-origin") != baseline.values("access-control-allow-origin"),
            !varies(baseline)
        {
            add(.missingVaryOrigin)
        }
        return causes
    }

    /// The server an answer's shape gives away when no header names it: Vapor's errors are
    /// `{"error":true,"reason":...}` (its two keys in either order: Foundation's JSONEncoder on
    /// Linux does not keep one, seen in a run where the order changed).
    static func serverFromShape(_ answer: ObservedAnswer) -> ServerFramework? {
        let compact = answer.body.filter { !$0.isWhitespace }
        guard answer.status >= 400, compact.hasPrefix("{"), compact.hasSuffix("}") else { return nil }
        if compact.contains(#""error":true"#), compact.contains(#""reason":""#), compact.count(where: { $0 == ":" }) == 2 { return .vapor }
        return nil
    }

    private static func varies(_ answer: ObservedAnswer) -> Bool {
        answer.values("vary").flatMap { $0.split(separator: ",") }.contains {
            let name = $0.trimmingHTTPWhitespace().lowercased()
            return name == "origin" || name == "*"
        }
    }

    /// How `value` misses `origin` when it is the same origin but for one detail.
    static func nearMiss(_ value: String, _ origin: String) -> ServerCause.NearMiss? {
        if value.lowercased() == origin.lowercased() { return .letterCase }
        if value.hasSuffix("/"), value.dropLast() == origin { return .trailingSlash }
        guard let a = parts(value), let b = parts(origin), a.host.lowercased() == b.host.lowercased() else { return nil }
        if a.scheme == b.scheme, a.port != b.port { return .port }
        if a.scheme != b.scheme { return .scheme }
        return nil
    }

    private static func parts(_ origin: String) -> (scheme: String, host: String, port: String)? {
        guard let schemeEnd = origin.firstRange(of: "://") else { return nil }
        let scheme = String(origin[..<schemeEnd.lowerBound]).lowercased()
        var rest = origin[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let defaultPort = scheme == "https" ? "443" : "80"
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            return (scheme, String(rest[..<colon]), String(rest[rest.index(after: colon)...]))
        }
        return (scheme, String(rest), defaultPort)
    }

    static func redirectKind(from url: String, to location: String) -> ServerCause.Redirect {
        let lower = location.lowercased()
        if url.lowercased().hasPrefix("http://"), lower.hasPrefix("https://") { return .httpToHTTPS }
        if ["login", "signin", "sign_in", "sign-in", "auth", "sso"].contains(where: { lower.contains($0) }) { return .login }
        let path = Self.path(of: url)
        let target = lower.hasPrefix("/") ? location : Self.path(of: location)
        if target == path + "/" || target + "/" == path { return .trailingSlash }
        return .other
    }

    private static func path(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let afterHost = url[schemeEnd.upperBound...].drop { $0 != "/" }
        return String(afterHost.prefix { $0 != "?" && $0 != "#" })
    }
}
