import CORS
import NIOCore

/// Everything a running gateway needs, validated: where it listens, its routes (each a path prefix
/// with an upstream and a compiled policy), its limits, whom it trusts for forwarding headers, and
/// the opt-in open mode. Built by `ProxyConfigurationFile` or `ProxyConfiguration.single`.
public struct ProxyConfiguration: Sendable {
    public var listen: ListenAddress
    /// Longest prefix first, so the first route that covers a path is the most specific.
    public private(set) var routes: [ProxyRoute]
    public var limits: ProxyLimits
    /// Peers whose own X-Forwarded-* / Forwarded values are kept (appended to); everyone else's are replaced.
    public var trustedProxies: [IPAddressRange]
    public var forwardedStyle: ForwardedStyle
    /// `/<absolute URL>` forwarding, for development only; `nil` unless asked for.
    public var openMode: OpenMode?
    /// Where `/health` and `/metrics` are served, apart from the proxied paths; `nil`: nowhere.
    public var admin: ListenAddress?
    /// Where the access log goes.
    public var accessLog: AccessLogDestination
    /// How long in-flight requests may take to finish after SIGTERM before they are cut.
    public var shutdownGracePeriod: TimeAmount

    public init(
        listen: ListenAddress, routes: [ProxyRoute], limits: ProxyLimits = ProxyLimits(),
        trustedProxies: [IPAddressRange] = [], forwardedStyle: ForwardedStyle = .xForwarded,
        openMode: OpenMode? = nil, admin: ListenAddress? = nil, accessLog: AccessLogDestination = .standardOutput,
        shutdownGracePeriod: TimeAmount = .seconds(10)
    ) {
        self.listen = listen
        self.routes = routes.sorted { $0.prefix.utf8.count > $1.prefix.utf8.count }
        self.limits = limits
        self.trustedProxies = trustedProxies
        self.forwardedStyle = forwardedStyle
        self.openMode = openMode
        self.admin = admin
        self.accessLog = accessLog
        self.shutdownGracePeriod = shutdownGracePeriod
    }

    /// The route for `path` (without query): the longest prefix that covers it by whole segments.
    public func route(forPath path: Substring) -> ProxyRoute? {
        let path = String(path)
        for route in routes where CORSRoutes.covers(route.prefix, path) { return route }
        return nil
    }
}

/// A host and port to listen on.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `host:port`, `[v6]:port` or a bare `port`; `nil` when it is none of these.
    public init?(_ text: String) {
        if let port = Int(text), (0...65535).contains(port) {
            self.init(host: "127.0.0.1", port: port)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One path prefix: where its requests go, and under which policy.
public struct ProxyRoute: Sendable {
    /// A path prefix matched by whole segments (`/api` covers `/api/x`, not `/apis`).
    public var prefix: String
    public var upstream: UpstreamURL
    public var responder: CORSResponder
    public var upstreamCORS: UpstreamCORSHandling
    public var requestHeaderRules: RequestHeaderRules

    public init(
        prefix: String, upstream: UpstreamURL, responder: CORSResponder, upstreamCORS: UpstreamCORSHandling = .replace,
        requestHeaderRules: RequestHeaderRules = RequestHeaderRules()
    ) {
        self.prefix = prefix
        self.upstream = upstream
        self.responder = responder
        self.upstreamCORS = upstreamCORS
        self.requestHeaderRules = requestHeaderRules
    }
}

/// An upstream origin: `http` or `https`, a host and a port (no path: the request's path is sent as is).
public struct UpstreamURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http, https
        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public var scheme: Scheme
    public var host: String
    public var port: Int

    public init(scheme: Scheme, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Why a text is not an upstream URL, phrased to follow "upstream ... is not usable: ".
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case notHTTP
        case missingHost
        case invalidPort
        case hasPath
        case hasUserInfo
        public var description: String {
            switch self {
            case .notHTTP: return "it must start with http:// or https://"
            case .missingHost: return "it names no host"
            case .invalidPort: return "its port is not a number from 1 to 65535"
            case .hasPath: return "it has a path, query or fragment; give only scheme://host[:port] (the request's own path is forwarded)"
            case .hasUserInfo: return "it carries user:password@; set an Authorization header rule instead"
            }
        }
    }

    /// Parses `scheme://host[:port]` (a trailing `/` is accepted).
    public static func parse(_ text: String) -> Result<UpstreamURL, ParseError> {
        let scheme: Scheme
        var rest: Substring
        if text.lowercased().hasPrefix("http://") {
            scheme = .http
            rest = text.dropFirst(7)
        } else if text.lowercased().hasPrefix("https://") {
            scheme = .https
            rest = text.dropFirst(8)
        } else {
            return .failure(.notHTTP)
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if rest.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { return .failure(.hasPath) }
        if rest.contains("@") { return .failure(.hasUserInfo) }
        guard let authority = Authority.parse(rest, defaultPort: scheme.defaultPort) else {
            return .failure(rest.isEmpty ? .missingHost : .invalidPort)
        }
        return .success(UpstreamURL(scheme: scheme, host: authority.host, port: authority.port))
    }

    /// The Host header the upstream is sent: its port only when not the scheme's default.
    public var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return port == scheme.defaultPort ? host : "\(host):\(port)"
    }

    public var description: String { "\(scheme.rawValue)://\(hostHeader)" }
}

/// `host[:port]` as it appears in a URL; IPv6 literals in brackets.
struct Authority {
    var host: String
    var port: Int

    static func parse(_ text: Substring, defaultPort: Int) -> Authority? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { return nil }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        return Authority(host: host.lowercased(), port: port)
    }
}

/// What to do with Access-Control-* headers the upstream sends itself.
public enum UpstreamCORSHandling: String, Sendable, Hashable, CaseIterable {
    /// Drop every one of them, then apply the policy's: exactly one Access-Control-Allow-Origin, ours.
    case replace
    /// Pass a response that has any of them through untouched, adding none of ours.
    case keep
}

/// How the client's address reaches the upstream.
public enum ForwardedStyle: String, Sendable, Hashable, CaseIterable {
    /// X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host (what most applications read).
    case xForwarded = "x-forwarded"
    /// RFC 7239's Forwarded: for=...;proto=...;host=...
    case forwarded
}

/// Request headers set or removed on the way to a route's upstream (after the forwarding headers).
public struct RequestHeaderRules: Sendable {
    /// Names lowercased; values already resolved (an environment variable's value is read at load
    /// time and never logged).
    /// In file order (a list, not a dictionary).
    public var setHeaders: [(name: String, value: String)]
    public var removeHeaders: [String]
    public init(set: [(name: String, value: String)] = [], remove: [String] = []) {
        self.setHeaders = set.map { ($0.name.lowercased(), $0.value) }
        self.removeHeaders = remove.map { $0.lowercased() }
    }

    public var isEmpty: Bool { setHeaders.isEmpty && removeHeaders.isEmpty }
}

/// The bounds every request is held to; each has a default close to nginx's and Envoy's.
public struct ProxyLimits: Sendable, Hashable {
    /// The request line and header fields together (431 beyond it).
    public var requestHeaderBytes = 32 * 1024
    /// A request body (413 beyond it, before anything is forwarded when Content-Length says so).
    public var requestBodyBytes: Int64 = 10 * 1024 * 1024
    public var connectTimeout: TimeAmount = .seconds(5)
    /// From the whole request having gone upstream (its head, and its body when there is one) to
    /// the response's head coming back (504). While a body still streams up, `idleTimeout` applies.
    public var responseHeadTimeout: TimeAmount = .seconds(60)
    /// The longest silence in either body, the client's upload or the upstream's download.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// The whole exchange, from the request's head to the response's end.
    public var deadline: TimeAmount = .seconds(300)
    /// Idle keep-alive connections kept per upstream and event loop.
    public var idleConnectionsPerUpstream = 64

    public init() {}
}

/// Where access log lines go: one JSON object per request.
public enum AccessLogDestination: Sendable, Hashable {
    case standardOutput
    case file(String)
    case off
}

/// Open mode: `/<absolute URL>` is forwarded to that URL, as cors-anywhere does, but only when it
/// matches the allowlist, and only to public addresses unless private ones are allowed. Every hop's
/// address is checked after resolution and the connection goes to the checked address (no second
/// lookup a rebinding DNS server could answer differently). Cookies are stripped both ways.
public struct OpenMode: Sendable {
    /// Scheme and host patterns (`https://api.vendor.example`, `https://*.vendor.example`, `:*` ports).
    public var allowTargets: [OriginPattern]
    /// Loopback, private, link-local and metadata addresses too (tests on 127.0.0.1 need it).
    public var allowPrivateTargets: Bool
    public var responder: CORSResponder

    public init(allowTargets: [OriginPattern], allowPrivateTargets: Bool = false, responder: CORSResponder) {
        self.allowTargets = allowTargets
        self.allowPrivateTargets = allowPrivateTargets
        self.responder = responder
    }

    /// The policy open mode uses when none is given: any origin, no credentials (cookies never pass anyway).
    public static let defaultPolicy = CORSPolicy(
        allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"], exposeHeaders: ["*"])
}
