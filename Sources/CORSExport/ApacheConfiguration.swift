/// Apache httpd: `SetEnvIfExpr` in server context decides (it runs at post-read-request, before
/// mod_rewrite and mod_proxy), `RewriteRule [R=status]` answers preflights before mod_proxy sees
/// them, and `Header always` puts the headers on every status, httpd's own 502 included.
struct ApacheConfiguration {
    let writer: ConfigurationWriter

    init(_ writer: ConfigurationWriter) { self.writer = writer }

    /// The modules the CORS block needs, and the ones the complete configuration adds to proxy.
    static let corsModules = ["setenvif", "rewrite", "headers"]
    static let serverModules = ["mpm_event", "authz_core", "proxy", "proxy_http"]

    func render() throws(ExportError) -> ExportedConfiguration {
        let header = writer.header(
            "#",
            [
                "httpd joins repeated request fields with \", \": a request with two Origin (or two",
                "Access-Control-Request-Method) fields never matches an origin and is refused, as swift-cors does.",
                "Only the upstream's first Vary line is merged with ours (the others are dropped); an upstream",
                "`Vary: *` becomes `*,Origin`. Needs mod_setenvif, mod_rewrite, mod_headers (httpd >= 2.4.10).",
                writer.upstream == nil
                    ? "Put this block in the <VirtualHost> that serves or proxies the paths (server context, not <Location> or .htaccess: SetEnvIfExpr must run before mod_rewrite)."
                    : "A complete configuration: apache2 -DFOREGROUND -d DIR -f DIR/THIS_FILE (pid file and runtime files go under DIR; as root it serves as www-data, so DIR must be readable by it). Check: apache2 -t -d DIR -f DIR/THIS_FILE.",
            ]
        )
        let block = corsBlock()
        let text: String
        if let upstream = writer.upstream {
            let target = "\(upstream.scheme)://\(upstream.hostAndPort)/"
            let modules = Self.serverModules + Self.corsModules + (upstream.scheme == "https" ? ["ssl"] : [])
            let proxy =
                (upstream.scheme == "https"
                    ? ["# TLS to the upstream, its certificate checked against the system's CAs and its own name.", "SSLProxyEngine on"]
                    : ["# The client's Host goes to the upstream, as nginx's `proxy_set_header Host $host`.", "ProxyPreserveHost on"])
                + ["ProxyPass \"/\" \"\(target)\"", "ProxyPassReverse \"/\" \"\(target)\""]
            text =
                header + """
                    # Relative paths below are under the ServerRoot given with -d (this file sets none).
                    ServerName \(writer.listenHost)
                    Listen \(writer.listenHost):\(writer.listenPort)
                    PidFile httpd.pid
                    DefaultRuntimeDir .
                    ErrorLog /dev/stderr
                    LogLevel warn
                    # Debian's unprivileged user (only used when started as root; `daemon` or `apache` elsewhere).
                    User www-data
                    Group www-data
                    # Debian's module directory (/usr/lib/httpd/modules or /usr/libexec/apache2 elsewhere).
                    \(modules.map { "LoadModule \($0)_module /usr/lib/apache2/modules/mod_\($0).so" }.joined(separator: "\n"))
                    StartServers 1
                    ServerLimit 1
                    ThreadsPerChild 25
                    MaxRequestWorkers 25
                    MinSpareThreads 1
                    MaxSpareThreads 25

                    <VirtualHost *:\(writer.listenPort)>
                    \(Self.indented(block, 4))

                    \(Self.indented(proxy.joined(separator: "\n"), 4))
                    </VirtualHost>

                    """
        } else {
            text = header + "\n" + block + "\n"
        }
        return ExportedConfiguration(text: text, warnings: [])
    }

    static func indented(_ text: String, _ spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }

    /// An ap_expr regular expression literal `m<d>regex<d>` with a delimiter the regex does not
    /// contain, among those ap_expr accepts (a token class holds `#`; `;` and `,` are left).
    static func regex(_ pattern: String, caseInsensitive: Bool = false) -> String {
        let delimiter = ["#", ";", ",", ":", "/", "?"].first { !pattern.contains($0) } ?? "#"
        return "m\(delimiter)\(pattern)\(delimiter)\(caseInsensitive ? "i" : "")"
    }

    /// A request header's value, read without adding it to the response's Vary (`req()` and
    /// `%{HTTP:...}` do add it, which would put `Vary: Origin` on a `*` policy's answers).
    static func field(_ name: String) -> String { "req_novary('\(name)')" }

    /// The per-route names of the variables the block sets (`CORS_R0_ACTUAL`...).
    static func variable(_ route: Int, _ name: String) -> String { "CORS_R\(route)_\(name)" }

    /// Everything CORS: the decisions, the preflight answers, the headers and Vary.
    func corsBlock() -> String {
        var decide = [
            "# Which route: the longest prefix covering the path by whole segments (CORS_ROUTE stays unset",
            "# for paths no route covers: those are proxied with no CORS handling).",
        ]
        for (index, route) in writer.routes.enumerated() {
            var condition = "-z reqenv('CORS_ROUTE')"
            if route.prefix != "/" {
                condition += " && %{REQUEST_URI} =~ " + Self.regex("^" + PolicyExpressions.escaped(route.prefix) + "(/|$)")
            }
            decide.append("SetEnvIfExpr \"\(condition)\" CORS_ROUTE=r\(index) \(Self.variable(index, "ROUTED"))=1")
        }
        decide += [
            "SetEnvIfExpr \"-n reqenv('CORS_ROUTE') && %{REQUEST_METHOD} == 'OPTIONS'\" CORS_OPTIONS=1",
            "# A preflight (Fetch §3.2.2): OPTIONS with Origin and Access-Control-Request-Method.",
            "SetEnvIfExpr \"reqenv('CORS_OPTIONS') == '1' && -n \(Self.field("Origin")) && -n \(Self.field("Access-Control-Request-Method"))\" CORS_PREFLIGHT=1",
        ]
        var rewrite = [
            "# Preflights: answered here (R=status ends the request before mod_proxy), never forwarded.",
            "RewriteEngine On",
        ]
        var headers = [
            "# The upstream's own CORS fields are in the \"onsuccess\" table: `Header unset` (not always)."
        ]
        headers += PolicyExpressions.responseHeaderNames.map { "Header unset \($0) env=CORS_ROUTE" }
        headers.append("# Ours: `always`, so 4xx/5xx, httpd's own 502/504 and the preflight answers get them too.")
        var vary = [
            "# Vary, one line: the upstream's value copied into the `always` table (resp() reads the onsuccess",
            "# table first), ours merged in token by token, then the upstream's line unset. (`always` runs",
            "# before onsuccess; httpd's own answers have only the always table.)",
            "Header always set Vary \"expr=%{resp:Vary}\" \"expr=-n reqenv('CORS_ROUTE') && -n %{resp:Vary}\"",
        ]
        for (index, route) in writer.routes.enumerated() {
            let rules = route.rules
            let (ok, actual, preflightOK, requested, routed, options) = (
                Self.variable(index, "ORIGIN_OK"), Self.variable(index, "ACTUAL"), Self.variable(index, "PREFLIGHT_OK"),
                Self.variable(index, "HEADERS"), Self.variable(index, "ROUTED"), Self.variable(index, "OPTIONS")
            )
            let origin = Self.field("Origin")
            let originTest: String
            if rules.exactOnly {
                // `in {...}`: a case-sensitive string lookup, never a reflection.
                originTest = "\(origin) in {" + rules.exactOrigins.map { "'\($0)'" }.joined(separator: ", ") + "}"
            } else {
                originTest =
                    "\(origin) =~ \(Self.regex(rules.originAllowed))"
                    + (rules.originRefused.map { " && !(\(origin) =~ \(Self.regex($0)))" } ?? "")
            }
            let inRoute = "reqenv('CORS_ROUTE') == 'r\(index)'"
            let requestHeaders = Self.field("Access-Control-Request-Headers")
            var preflightTest =
                "reqenv('CORS_PREFLIGHT') == '1' && reqenv('\(ok)') == '1'"
                + " && \(Self.field("Access-Control-Request-Method")) =~ \(Self.regex(rules.methodAllowed))"
                + " && \(requestHeaders) =~ \(Self.regex(rules.headersAllowed, caseInsensitive: true))"
            if let refused = rules.headersRefused {
                preflightTest += " && !(\(requestHeaders) =~ \(Self.regex(refused, caseInsensitive: true)))"
            }
            decide += [
                "# Route \(route.prefix)",
                "SetEnvIfExpr \"\(inRoute) && \(originTest)\" \(ok)=1",
                "SetEnvIfExpr \"reqenv('\(ok)') == '1' && reqenv('CORS_PREFLIGHT') != '1'\" \(actual)=1",
                "SetEnvIfExpr \"\(preflightTest)\" \(preflightOK)=1",
                "SetEnvIfExpr \"reqenv('\(preflightOK)') == '1' && \(requestHeaders) =~ \(Self.regex(PolicyExpressions.namesAHeader))\" \(requested)=1",
                "SetEnvIfExpr \"\(inRoute) && reqenv('CORS_OPTIONS') == '1'\" \(options)=1",
            ]
            rewrite += [
                "RewriteCond %{ENV:\(preflightOK)} =1",
                "RewriteRule ^ - [R=\(rules.preflightStatus),L]",
            ]
            let echo = rules.originIndependent ? "\"*\"" : "\"expr=%{HTTP:Origin}\""
            headers.append("# Route \(route.prefix)")
            headers.append("Header always set Access-Control-Allow-Origin \(echo) env=\(actual)")
            if rules.allowCredentials { headers.append("Header always set Access-Control-Allow-Credentials \"true\" env=\(actual)") }
            if let expose = rules.exposeHeaders { headers.append("Header always set Access-Control-Expose-Headers \"\(expose)\" env=\(actual)") }
            headers.append("Header always set Access-Control-Allow-Origin \(echo) env=\(preflightOK)")
            if rules.allowCredentials { headers.append("Header always set Access-Control-Allow-Credentials \"true\" env=\(preflightOK)") }
            if let methods = rules.allowMethods { headers.append("Header always set Access-Control-Allow-Methods \"\(methods)\" env=\(preflightOK)") }
            if let allowHeaders = rules.allowHeaders {
                headers.append("Header always set Access-Control-Allow-Headers \"\(allowHeaders)\" env=\(requested)")
            }
            if let maxAge = rules.maxAge { headers.append("Header always set Access-Control-Max-Age \"\(maxAge)\" env=\(preflightOK)") }
            // varyActual's names (Origin or none) go on every answer, varyOptions' others on OPTIONS.
            let always = Self.names(rules.varyActual)
            for name in always { vary.append("Header always merge Vary \"\(name)\" env=\(routed)") }
            for name in Self.names(rules.varyOptions) where !always.contains(name) {
                vary.append("Header always merge Vary \"\(name)\" env=\(options)")
            }
        }
        rewrite += [
            "RewriteCond %{ENV:CORS_PREFLIGHT} =1",
            "RewriteRule ^ - [R=403,L]",
            "# A preflight's answer has no body: an ErrorDocument whose expression is empty (a literal \"\"",
            "# is a syntax error, \" \" sends one byte, without it httpd sends its HTML page, even for R=200).",
            "<If \"reqenv('CORS_PREFLIGHT') == '1'\">",
        ]
        var statuses = [403]
        for route in writer.routes where route.rules.preflightStatus != 204 && !statuses.contains(route.rules.preflightStatus) {
            statuses.append(route.rules.preflightStatus)
        }
        rewrite += statuses.sorted().map { "    ErrorDocument \($0) \"%{reqenv:CORS_EMPTY}\"" } + ["</If>"]
        vary.append("Header unset Vary env=CORS_ROUTE")
        return [
            "# ---- CORS (swift-cors export) ----", decide.joined(separator: "\n"), rewrite.joined(separator: "\n"),
            headers.joined(separator: "\n"), vary.joined(separator: "\n"),
        ].joined(separator: "\n\n")
    }

    /// The names of a Vary value written `A, B`.
    static func names(_ value: String?) -> [Substring] {
        value.map { $0.split(separator: ",").map { $0.drop { $0 == " " } } } ?? []
    }
}
