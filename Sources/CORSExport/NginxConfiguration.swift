/// nginx: `map`s at http level decide (regex keys: plain keys compare case-insensitively), each
/// route is a `location` whose `if`/`return` answers preflights, and `add_header ... always` puts
/// the headers on every status, nginx's own 502/504 included.
struct NginxConfiguration {
    let writer: ConfigurationWriter

    init(_ writer: ConfigurationWriter) { self.writer = writer }

    /// `text` as an nginx double-quoted string. Only `"` needs escaping in what is written here:
    /// nginx turns `\t` into a tab, which means the same inside a regular expression.
    static func quoted(_ text: String) -> String {
        "\"" + text.map { $0 == "\"" ? "\\\"" : String($0) }.joined() + "\""
    }

    func render() throws(ExportError) -> ExportedConfiguration {
        let header = writer.header(
            "#",
            [
                "nginx reads only the first Origin field ($http_origin) without its Lua or njs module: a request",
                "with two Origin fields is judged by the first one here (swift-cors refuses it). Likewise only the",
                "first Access-Control-Request-Method/-Headers and upstream Vary line is read (nginx < 1.23).",
                writer.upstream == nil
                    ? "Put the maps in http { }, the locations in your server { }, and define `upstream cors_upstream { server HOST:PORT; keepalive 16; }`."
                    : "A complete configuration: nginx -p DIR/ -c THIS_FILE (the temp paths go under DIR).",
            ]
        )
        var maps: [String] = []
        maps.append(
            """
            # A preflight: OPTIONS with Origin and Access-Control-Request-Method (Fetch §3.2.2).
            map $http_origin $cors_has_origin { "" 0; default 1; }
            map $http_access_control_request_method $cors_has_request_method { "" 0; default 1; }
            map "$request_method:$cors_has_origin$cors_has_request_method" $cors_is_preflight { "OPTIONS:11" 1; default 0; }
            # Always empty: `return 403 $cors_empty;` sends no body (a literal "" sends nginx's error page).
            map $request_method $cors_empty { default ""; }
            """
        )
        let needsOriginVary = writer.routes.contains { $0.rules.varyActual != nil }
        let needsPlainVary = writer.routes.contains { $0.rules.varyActual == nil }
        if needsOriginVary { maps.append(Self.varyMaps(suffix: "", withOrigin: true)) }
        if needsPlainVary { maps.append(Self.varyMaps(suffix: "_any", withOrigin: false)) }
        var locations: [String] = []
        for (index, route) in writer.routes.enumerated() {
            let name = "cors_r\(index)"
            maps.append(routeMaps(name, route.prefix, route.rules))
            locations.append(location(name, route.prefix, route.rules))
        }
        if writer.upstream != nil, !writer.routes.contains(where: { $0.prefix == "/" }) {
            locations.append(
                """
                location / {
                    # No route covers these paths: no CORS handling, as with swift-cors.
                \(Self.indented(proxyPass, 4))
                }
                """
            )
        }
        let httpLevel = maps.joined(separator: "\n\n")
        let serverLevel = locations.joined(separator: "\n\n")
        let text: String
        if let upstream = writer.upstream {
            text =
                header + """
                    daemon off;
                    worker_processes 1;
                    pid nginx.pid;
                    error_log stderr warn;
                    events { worker_connections 1024; }
                    http {
                        access_log off;
                        client_body_temp_path body;
                        proxy_temp_path proxy;
                        fastcgi_temp_path fastcgi;
                        uwsgi_temp_path uwsgi;
                        scgi_temp_path scgi;

                    \(Self.indented(httpLevel, 4))

                        upstream cors_upstream {
                            server \(upstream.hostAndPort);
                            keepalive 16;
                        }

                        server {
                            listen \(writer.listenHost):\(writer.listenPort);

                    \(Self.indented(serverLevel, 8))
                        }
                    }

                    """
        } else {
            text = header + "\n# ---- http { } level ----\n" + httpLevel + "\n\n# ---- server { } level ----\n" + serverLevel + "\n"
        }
        return ExportedConfiguration(
            text: text,
            warnings: [
                "nginx: a request with two Origin fields is judged by its first (nginx cannot count them without Lua or njs)"
            ]
        )
    }

    static func indented(_ text: String, _ spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }

    /// `$cors_vary<suffix>`: the upstream's Vary (first line) with Origin (when `withOrigin`) and,
    /// for OPTIONS, the two request headers added unless already named or `*`: one line.
    static func varyMaps(suffix: String, withOrigin: Bool) -> String {
        let first =
            withOrigin
            ? """
            map $upstream_http_vary $cors_vary1\(suffix) {
                "" "Origin";
                "~*(^|,)[\\t ]*(origin|\\*)[\\t ]*(,|$)" $upstream_http_vary;
                default "$upstream_http_vary, Origin";
            }
            """
            : "map $upstream_http_vary $cors_vary1\(suffix) { default $upstream_http_vary; }"
        func add(_ from: String, _ to: String, _ name: String) -> String {
            """
            map "$request_method|$\(from)" $\(to) {
                "OPTIONS|" "\(name)";
                "~*^OPTIONS\\|(?<v>(.*,)?[\\t ]*(\(name.lowercased())|\\*)[\\t ]*(,.*)?)$" $v;
                "~^OPTIONS\\|(?<v>.*)$" "$v, \(name)";
                "~\\|(?<v>.*)$" $v;
            }
            """
        }
        return "# Vary: the upstream's first line, merged (Fetch §3.2.5: every name the answer depends on).\n" + first + "\n"
            + add("cors_vary1\(suffix)", "cors_vary2\(suffix)", "Access-Control-Request-Method") + "\n"
            + add("cors_vary2\(suffix)", "cors_vary\(suffix)", "Access-Control-Request-Headers")
    }

    func routeMaps(_ name: String, _ prefix: String, _ rules: PolicyExpressions) -> String {
        var lines = ["# Route \(prefix)"]
        // The Access-Control-Allow-Origin value, "" when refused (add_header sends nothing for "").
        if rules.originIndependent {
            lines.append(
                """
                map $http_origin $\(name)_origin {
                    "null" "*";
                    \(Self.quoted("~" + rules.originRefused!)) "";
                    \(Self.quoted("~" + rules.originAllowed)) "*";
                    default "";
                }
                """
            )
        } else {
            lines.append(
                """
                map $http_origin $\(name)_origin {
                    \(Self.quoted("~" + rules.originAllowed)) $http_origin;
                    default "";
                }
                """
            )
        }
        if rules.allowCredentials {
            lines.append("map $\(name)_origin $\(name)_credentials { \"\" \"\"; default \"true\"; }")
        }
        if let expose = rules.exposeHeaders {
            lines.append("map $\(name)_origin $\(name)_expose { \"\" \"\"; default \(Self.quoted(expose)); }")
        }
        lines.append(
            """
            map $http_access_control_request_method $\(name)_method_ok {
                \(Self.quoted("~" + rules.methodAllowed)) 1;
                default 0;
            }
            """
        )
        var headerKeys = ["    \"\" 1;"]
        if let refused = rules.headersRefused { headerKeys.append("    \(Self.quoted("~*" + refused)) 0;") }
        headerKeys.append("    \(Self.quoted("~*" + rules.headersAllowed)) 1;")
        lines.append("map $http_access_control_request_headers $\(name)_headers_ok {\n" + headerKeys.joined(separator: "\n") + "\n    default 0;\n}")
        if let allowHeaders = rules.allowHeaders {
            lines.append(
                "map $http_access_control_request_headers $\(name)_allow_headers { \"~\(PolicyExpressions.namesAHeader)\" \(Self.quoted(allowHeaders)); default \"\"; }"
            )
        }
        lines.append(
            """
            map "$cors_is_preflight$\(name)_method_ok$\(name)_headers_ok:$\(name)_origin" $\(name)_preflight {
                "~^0" "";
                "~^111:." allow;
                default deny;
            }
            """
        )
        return lines.joined(separator: "\n")
    }

    func location(_ name: String, _ prefix: String, _ rules: PolicyExpressions) -> String {
        var allowed = ["add_header Access-Control-Allow-Origin $\(name)_origin always;"]
        if rules.allowCredentials { allowed.append("add_header Access-Control-Allow-Credentials \"true\" always;") }
        if let methods = rules.allowMethods { allowed.append("add_header Access-Control-Allow-Methods \(Self.quoted(methods)) always;") }
        if rules.allowHeaders != nil { allowed.append("add_header Access-Control-Allow-Headers $\(name)_allow_headers always;") }
        if let maxAge = rules.maxAge { allowed.append("add_header Access-Control-Max-Age \"\(maxAge)\" always;") }
        allowed.append("add_header Vary \(Self.quoted(rules.varyOptions)) always;")
        var actual = Self.hiddenUpstreamHeaders
        actual.append("add_header Access-Control-Allow-Origin $\(name)_origin always;")
        if rules.allowCredentials { actual.append("add_header Access-Control-Allow-Credentials $\(name)_credentials always;") }
        if rules.exposeHeaders != nil { actual.append("add_header Access-Control-Expose-Headers $\(name)_expose always;") }
        actual.append("add_header Vary $cors_vary\(rules.varyActual == nil ? "_any" : "") always;")
        let body = """
            # An add_header inside `if` replaces every inherited one: each block says all it sends.
            if ($\(name)_preflight = allow) {
            \(Self.indented(allowed.joined(separator: "\n"), 4))
                return \(rules.preflightStatus);
            }
            if ($\(name)_preflight = deny) {
                add_header Vary \(Self.quoted(rules.varyOptions)) always;
                return 403 $cors_empty;
            }
            \(proxyPass)
            \(actual.joined(separator: "\n"))
            """
        let blocks = prefix == "/" ? ["location / {"] : ["location = \(prefix) {", "location \(prefix)/ {"]
        return blocks.map { $0 + "\n" + Self.indented(body, 4) + "\n}" }.joined(separator: "\n")
    }

    /// Forwarding to the upstream (https when it is, with SNI), keep-alive, the client's Host.
    var proxyPass: String {
        let https = writer.upstream?.scheme == "https"
        return """
            proxy_pass \(https ? "https" : "http")://cors_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            """ + (https ? "\nproxy_ssl_server_name on;\nproxy_ssl_name \(writer.upstream!.host);" : "")
    }

    /// The upstream's own CORS headers and Vary, removed so exactly one set is sent.
    static let hiddenUpstreamHeaders = (PolicyExpressions.responseHeaderNames + ["Vary"]).map { "proxy_hide_header \($0);" }
}
