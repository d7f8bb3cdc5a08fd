import CORS
import NIOCore

/// Everything a running gateway needs, validated: where it listens, its routes (each a path prefix
/// with an upstream and a compiled policy), its limits, whom it trusts for forwarding headers, and
/// the opt-in open mode. Built by `ProxyConfigurationFile.read` or `ProxyConfigurationFile.single`.
public struct ProxyConfiguration: Sendable {
    /// Where the gateway accepts clients.
    public var listen: ListenAddress
    /// Longest prefix first, so the first route that covers a path is the most specific.
    public private(set) var routes: [ProxyRoute]
    /// The bounds every request is held to.
    public var limits: ProxyLimits
    /// Peers whose own X-Forwarded-* / Forwarded values are kept (appended to); everyone else's are replaced.
    public var trustedProxies: [IPAddressRange]
    /// Whether the client's address goes to the upstream as `X-Forwarded-*` or `Forwarded`.
    public var forwardedStyle: ForwardedStyle
    /// `/<absolute URL>` forwarding, for development only; `nil` unless asked for.
    public var openMode: OpenMode?
    /// Where `/health` and `/metrics` are served, apart from the proxied paths; `nil`: nowhere.
    public var admin: ListenAddress?
    /// Where the access log goes.
    public var accessLog: AccessLogDestination
    /// How long in-flight requests may take to finish after SIGTERM before they are cut.
    public var shutdownGracePeriod: TimeAmount

    /// A configuration with these routes (sorted longest prefix first) and the defaults of the file
    /// format for everything else.
    public init(
        listen: ListenAddress,
        routes: [ProxyRoute],
        limits: ProxyLimits = ProxyLimits(),
        trustedProxies: [IPAddressRange] = [],
        forwardedStyle: ForwardedStyle = .xForwarded,
        openMode: OpenMode? = nil,
        admin: ListenAddress? = nil,
        accessLog: AccessLogDestination = .standardOutput,
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
        for route in routes where Self.covers(route.prefix, path) { return route }
        return nil
    }

    /// `CORSRoutes.covers` on the path's bytes as read (a request target is ASCII), without
    /// making a `String` of it per request.
    @inline(__always)
    static func covers(_ prefix: String, _ path: Substring) -> Bool {
        if prefix == "/" { return true }
        let bytes = path.utf8
        guard bytes.starts(with: prefix.utf8) else { return false }
        let rest = bytes.dropFirst(prefix.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/")
    }
}

/// A host and port to listen on.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or address (an IPv6 address without brackets).
    public var host: String
    /// The port; 0 lets the system pick a free one.
    public var port: Int
    /// The address `host:port`.
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

    /// `host:port`, an IPv6 host in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One path prefix: where its requests go, and under which policy.
public struct ProxyRoute: Sendable {
    /// A path prefix matched by whole segments (`/api` covers `/api/x`, not `/apis`).
    public var prefix: String
    /// Where the route's requests are forwarded.
    public var upstream: UpstreamURL {
        didSet { (upstreamKey, upstreamHostHeader) = Self.derived(upstream) }
    }
    /// The route's compiled policy.
    public var responder: CORSResponder
    /// What to do with Access-Control-* headers the upstream sends itself.
    public var upstreamCORS: UpstreamCORSHandling
    /// Request headers set or removed on the way to the upstream.
    public var requestHeaderRules: RequestHeaderRules

    /// A route that replaces the upstream's CORS headers and rewrites no request header by default.
    public init(
        prefix: String,
        upstream: UpstreamURL,
        responder: CORSResponder,
        upstreamCORS: UpstreamCORSHandling = .replace,
        requestHeaderRules: RequestHeaderRules = RequestHeaderRules()
    ) {
        self.prefix = prefix
        self.upstream = upstream
        self.responder = responder
        self.upstreamCORS = upstreamCORS
        self.requestHeaderRules = requestHeaderRules
        (upstreamKey, upstreamHostHeader) = Self.derived(upstream)
    }

    /// The pool key and Host header every request of the route uses, worked out once, not per request.
    private(set) var upstreamKey: UpstreamKey
    private(set) var upstreamHostHeader: String

    private static func derived(_ upstream: UpstreamURL) -> (UpstreamKey, String) {
        (UpstreamKey(scheme: upstream.scheme, host: upstream.host, port: upstream.port, serverName: upstream.host), upstream.hostHeader)
    }
}

/// An upstream origin: `http` or `https`, a host and a port (no path: the request's path is sent as is).
public struct UpstreamURL: Sendable, Hashable, CustomStringConvertible {
    /// The upstream's scheme.
    public enum Scheme: String, Sendable, Hashable {
        /// Plain HTTP/1.1 to the upstream.
        case http
        /// HTTP/1.1 over TLS, the upstream's certificate checked against its host name.
        case https
        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    /// `http` or `https`.
    public var scheme: Scheme
    /// The host, lowercased; an IPv6 address without brackets.
    public var host: String
    /// The port, the scheme's default when the text gave none.
    public var port: Int

    /// The upstream `scheme://host:port`.
    public init(scheme: Scheme, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Why a text is not an upstream URL, phrased to follow "upstream ... is not usable: ".
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The scheme is not `http` or `https`.
        case notHTTP
        /// Nothing after `://`.
        case missingHost
        /// A port that is not a number from 1 to 65535.
        case invalidPort
        /// A path, query or fragment after the authority.
        case hasPath
        /// `user:password@` in the authority.
        case hasUserInfo
        /// The reason with its fix, to follow "upstream ... is not usable: ".
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
        let host = self.host.utf8.contains(UInt8(ascii: ":")) ? "[\(self.host)]" : self.host
        return port == scheme.defaultPort ? host : "\(host):\(port)"
    }

    /// `scheme://host[:port]`, the port only when not the default.
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
    /// Names removed from the request, lowercased.
    public var removeHeaders: [String]
    /// Rules that set `set` (replacing any of the same name) and remove `remove`.
    public init(set: [(name: String, value: String)] = [], remove: [String] = []) {
        self.setHeaders = set.map { ($0.name.lowercased(), $0.value) }
        self.removeHeaders = remove.map { $0.lowercased() }
    }

    /// Whether the rules change nothing.
    public var isEmpty: Bool { setHeaders.isEmpty && removeHeaders.isEmpty }
}

/// The bounds every request is held to; each has a default close to nginx's and Envoy's.
public struct ProxyLimits: Sendable, Hashable {
    /// The request line and header fields together (431 beyond it).
    public var requestHeaderBytes = 32 * 1024
    /// A request body (413 beyond it, before anything is forwarded when Content-Length says so).
    public var requestBodyBytes: Int64 = 10 * 1024 * 1024
    /// Reaching the upstream: resolving it and connecting (504 beyond it).
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

    /// The default limits: 32 KiB of headers, 10 MiB of body, 5 s to connect, 60 s for the
    /// response's head and for silence, 300 s in all.
    public init() {}
}

/// Where access log lines go: one JSON object per request.
public enum AccessLogDestination: Sendable, Hashable {
    /// Standard output (the default).
    case standardOutput
    /// Appended to the file at this path.
    case file(String)
    /// No access log.
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
    /// The policy applied to open-mode answers (`defaultPolicy` unless one is given).
    public var responder: CORSResponder

    /// Open mode for these targets; private addresses stay refused unless `allowPrivateTargets`.
    public init(allowTargets: [OriginPattern], allowPrivateTargets: Bool = false, responder: CORSResponder) {
        self.allowTargets = allowTargets
        self.allowPrivateTargets = allowPrivateTargets
        self.responder = responder
    }

    /// The policy open mode uses when none is given: any origin, no credentials (cookies never pass anyway).
    public static let defaultPolicy = CORSPolicy(
        allowOrigins: ["*"],
        allowMethods: ["*"],
        allowHeaders: ["*"],
        exposeHeaders: ["*"]
    )
}
