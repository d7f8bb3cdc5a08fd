import CORS

/// Where the exported server forwards requests: `http[s]://host[:port]`.
public struct ExportUpstream: Sendable, Equatable {
    /// `http` or `https`.
    public var scheme: String
    /// A name, an IPv4 address or a bracketed IPv6 address.
    public var host: String
    /// The port, the scheme's default when none was written.
    public var port: Int

    /// Parses `http://host[:port]` or `https://host[:port]` (a name, IPv4 or `[IPv6]`; no path).
    public init(parsing text: String) throws(ExportError) {
        let parts = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "http" || parts[0] == "https" else {
            throw .invalidUpstream("\"\(text)\" must start with http:// or https://")
        }
        scheme = String(parts[0])
        var authority = Substring(parts[1])
        if authority.hasSuffix("/") { authority.removeLast() }
        guard !authority.contains(where: { "/?#@ ".contains($0) }) else {
            throw .invalidUpstream("\"\(text)\" must be only scheme://host[:port] (no path, query or user)")
        }
        var portText: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[...close])
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw .invalidUpstream("\"\(text)\": unexpected text after the address") }
                portText = rest.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.[]:".contains($0)) }) else {
            throw .invalidUpstream("\"\(text)\" names no usable host")
        }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw .invalidUpstream("\"\(text)\": the port must be a number from 1 to 65535")
            }
            self.port = port
        } else {
            port = scheme == "https" ? 443 : 80
        }
    }

    /// `host:port`, as the servers' upstream directives take it.
    public var hostAndPort: String { "\(host):\(port)" }
}

/// What `cors export` writes: the configuration, and warnings for stderr (a limit of the format
/// that does not change what a browser does).
public struct ExportedConfiguration: Sendable {
    /// The configuration, ready to write to a file.
    public var text: String
    /// What the format does differently in a way no browser notices, for stderr.
    public var warnings: [String]
}

/// Writes routes' policies as one format's configuration, every feature exactly or not at all.
public struct CORSExporter: Sendable {
    /// The server whose language is written.
    public var format: ExportFormat
    /// With an upstream, a complete minimal server configuration proxying to it, listening on
    /// `listen` (`127.0.0.1:8080` by default); without, a fragment to include.
    public var upstream: ExportUpstream?
    /// `host:port` the complete configuration listens on.
    public var listen: String

    /// An exporter to `format`; a fragment unless an upstream is given.
    public init(format: ExportFormat, upstream: ExportUpstream? = nil, listen: String = "127.0.0.1:8080") {
        self.format = format
        self.upstream = upstream
        self.listen = listen
    }

    /// The configuration for `routes` (longest prefix first), or every reason it cannot be written
    /// exactly: an invalid policy, or a feature the format cannot express.
    public func export(_ routes: [ExportRoute]) throws(ExportError) -> ExportedConfiguration {
        var expressions: [(prefix: String, rules: PolicyExpressions)] = []
        var problems: [ExportError] = []
        for route in routes.sorted(by: { $0.prefix.utf8.count > $1.prefix.utf8.count }) {
            do {
                expressions.append((route.prefix, try PolicyExpressions(route: route, format: format)))
            } catch {
                problems.append(error)
            }
        }
        if problems.count == 1 { throw problems[0] }
        if !problems.isEmpty { throw .invalidFile(problems.map(\.description)) }
        let listenParts = listen.split(separator: ":")
        let listenHost = listenParts.count == 2 ? String(listenParts[0]) : "127.0.0.1"
        let listenPort = listenParts.count == 2 ? Int(listenParts[1]) ?? 8080 : Int(listen) ?? 8080
        let writer = ConfigurationWriter(
            routes: expressions,
            upstream: upstream,
            listenHost: listenHost,
            listenPort: listenPort,
            summary: Self.summary(routes)
        )
        switch format {
        case .nginx: return try NginxConfiguration(writer).render()
        case .apache: return try ApacheConfiguration(writer).render()
        case .caddy: return try CaddyConfiguration(writer).render()
        case .haproxy: return try HAProxyConfiguration(writer).render()
        case .envoy: return try EnvoyConfiguration(writer).render()
        }
    }

    /// One comment line per route saying what the configuration implements.
    static func summary(_ routes: [ExportRoute]) -> [String] {
        routes.map { route in
            let policy = route.policy
            var parts = ["origins \(policy.allowOrigins.joined(separator: " "))"]
            if !policy.allowMethods.isEmpty { parts.append("methods \(policy.allowMethods.joined(separator: " "))") }
            if !policy.allowHeaders.isEmpty { parts.append("headers \(policy.allowHeaders.joined(separator: " "))") }
            if !policy.exposeHeaders.isEmpty { parts.append("exposed \(policy.exposeHeaders.joined(separator: " "))") }
            if policy.allowCredentials { parts.append("credentials") }
            if let maxAge = policy.maxAge { parts.append("max-age \(maxAge)") }
            return "\(route.prefix): " + parts.joined(separator: "; ")
        }
    }
}

/// What every format's writer starts from.
struct ConfigurationWriter: Sendable {
    let routes: [(prefix: String, rules: PolicyExpressions)]
    let upstream: ExportUpstream?
    let listenHost: String
    let listenPort: Int
    let summary: [String]

    /// The header comment: what it implements, and the lines particular to the format.
    func header(_ comment: String, _ lines: [String]) -> String {
        let all =
            ["Generated by `cors export` (swift-cors): CORS as the policy says, every rule exact."]
            + summary.map { "  " + $0 } + lines
        return all.map { "\(comment) \($0)" }.joined(separator: "\n") + "\n"
    }
}
