import CORS

/// Envoy (API v3, YAML): the route idiom, not the cors filter (which answers every preflight 200,
/// never 403, checks neither method nor headers and adds no Vary). Header matchers decide,
/// `direct_response` answers preflights, and each route's `response_headers_to_add` decorates
/// forwarded answers and the router's own 503 alike.
struct EnvoyConfiguration {
    let writer: ConfigurationWriter

    init(_ writer: ConfigurationWriter) { self.writer = writer }

    /// The cluster the routes forward to.
    static let cluster = "cors_upstream"

    /// `text` as a YAML single-quoted scalar: no escapes inside (a regex's `\` stays itself), only
    /// `'` is doubled.
    static func quoted(_ text: String) -> String {
        "'" + text.map { $0 == "'" ? "''" : String($0) }.joined() + "'"
    }

    func render() throws(ExportError) -> ExportedConfiguration {
        let placement =
            writer.upstream == nil
            ? [
                "This is a RouteConfiguration: put it under your HttpConnectionManager's `route_config:` (or serve",
                "it by RDS), with only envoy.filters.http.router in `http_filters` (no envoy.filters.http.cors: it",
                "would answer preflights itself), and name your upstream cluster `\(Self.cluster)`.",
            ]
            : ["A complete configuration: envoy -c THIS_FILE.yaml --concurrency 1 (the name must end in .yaml)."]
        let header = writer.header(
            "#",
            [
                "Envoy matches a repeated request field on its values joined with \",\": two Origin fields never match.",
                "Vary is appended to the upstream's line (`Accept-Encoding,Origin`), without removing a name it",
                "already lists: a repeated name in Vary means the same.",
            ] + placement
        )
        var routes: [String] = []
        for route in writer.routes { routes += self.routes(route.prefix, route.rules) }
        if !writer.routes.contains(where: { $0.prefix == "/" }) {
            routes.append(
                "# No route covers these paths: no CORS handling, as with swift-cors.\n- match: {prefix: '/'}\n  route: {cluster: \(Self.cluster)}"
            )
        }
        let routeConfiguration = """
            name: cors
            virtual_hosts:
            - name: cors
              domains: ['*']
              routes:
            \(Self.indented(routes.joined(separator: "\n"), 2))
            """
        guard let upstream = writer.upstream else {
            return ExportedConfiguration(text: header + routeConfiguration + "\n", warnings: [])
        }
        let bare = upstream.host.hasPrefix("[") ? String(upstream.host.dropFirst().dropLast()) : upstream.host
        let isAddress = upstream.host.hasPrefix("[") || bare.allSatisfy { $0.isNumber || $0 == "." }
        var cluster = """
              clusters:
              - name: \(Self.cluster)
                type: \(isAddress ? "STATIC" : "STRICT_DNS")
                connect_timeout: 5s
                load_assignment:
                  cluster_name: \(Self.cluster)
                  endpoints:
                  - lb_endpoints:
                    - endpoint: {address: {socket_address: {address: \(Self.quoted(bare)), port_value: \(upstream.port)}}}
            """
        if upstream.scheme == "https" {
            cluster += """

                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        '@type': type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        sni: \(Self.quoted(bare))
                """
        }
        let listenHost = writer.listenHost.hasPrefix("[") ? String(writer.listenHost.dropFirst().dropLast()) : writer.listenHost
        let text =
            header + """
                static_resources:
                  listeners:
                  - name: cors
                    address: {socket_address: {address: \(Self.quoted(listenHost)), port_value: \(writer.listenPort)}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          '@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: cors
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                          route_config:
                \(Self.indented(routeConfiguration, 12))
                \(cluster)

                """
        return ExportedConfiguration(text: text, warnings: [])
    }

    static func indented(_ text: String, _ spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }

    /// The path part of a match: whole segments (`path_separated_prefix`: `/api` and `/api/x`, not `/apis`).
    static func pathMatch(_ prefix: String) -> String {
        prefix == "/" ? "prefix: '/'" : "path_separated_prefix: \(quoted(prefix))"
    }

    static func regex(_ name: String, _ regex: String, invert: Bool = false, missingIsEmpty: Bool = false) -> String {
        "- {name: \(name), string_match: {safe_regex: {regex: \(quoted(regex))}}"
            + (invert ? ", invert_match: true" : "") + (missingIsEmpty ? ", treat_missing_header_as_empty: true" : "") + "}"
    }

    static func present(_ name: String) -> String { "- {name: \(name), present_match: true}" }
    static let isOptions = "- {name: ':method', string_match: {exact: OPTIONS}}"

    /// The Origin matchers (several matchers on one header are ANDed; RE2 has no look-ahead, so
    /// `*`'s "well-formed but no default port" is a second, inverted matcher).
    static func originMatchers(_ rules: PolicyExpressions) -> [String] {
        var matchers = [regex("origin", rules.originAllowed)]
        if let refused = rules.originRefused { matchers.append(regex("origin", refused, invert: true)) }
        return matchers
    }

    /// One response header; `append` adds to the upstream's line (Vary), otherwise it replaces.
    static func add(_ name: String, _ value: String, append: Bool = false) -> String {
        "- {header: {key: \(name), value: \(quoted(value))}, append_action: \(append ? "APPEND_IF_EXISTS_OR_ADD" : "OVERWRITE_IF_EXISTS_OR_ADD")}"
    }

    /// One route entry: a comment, the match (path and header matchers), then the action lines.
    static func entry(_ comment: String, _ prefix: String, _ headers: [String], _ action: [String]) -> String {
        var lines = ["# \(comment)", "- match:", "    \(pathMatch(prefix))"]
        if !headers.isEmpty { lines += ["    headers:"] + headers.map { "    " + $0 } }
        return (lines + action.map { "  " + $0 }).joined(separator: "\n")
    }

    /// `response_headers_to_add:` with `headers`, or nothing.
    static func adding(_ headers: [String]) -> [String] {
        headers.isEmpty ? [] : ["response_headers_to_add:"] + headers
    }

    /// A forwarding action that first drops the upstream's own `Access-Control-*` fields.
    static func forward(_ headers: [String]) -> [String] {
        [
            "route: {cluster: \(cluster)}",
            "response_headers_to_remove: [" + PolicyExpressions.responseHeaderNames.map { $0.lowercased() }.joined(separator: ", ") + "]",
        ]
            + adding(headers)
    }

    /// The routes for one policy route, first match wins: allowed preflights (naming headers or
    /// not), refused preflights, then forwarded requests from an allowed origin or not, OPTIONS or not.
    func routes(_ prefix: String, _ rules: PolicyExpressions) -> [String] {
        let origin = Self.originMatchers(rules)
        let allowOrigin = Self.add("Access-Control-Allow-Origin", rules.originIndependent ? "*" : "%REQ(origin)%")
        let credentials = rules.allowCredentials ? [Self.add("Access-Control-Allow-Credentials", "true")] : []
        var preflightHeaders = [allowOrigin] + credentials
        if let methods = rules.allowMethods { preflightHeaders.append(Self.add("Access-Control-Allow-Methods", methods)) }
        let maxAge = rules.maxAge.map { [Self.add("Access-Control-Max-Age", $0)] } ?? []
        let optionsVary = Self.add("Vary", rules.varyOptions)
        let preflight = [Self.isOptions] + origin + [Self.regex("access-control-request-method", rules.methodAllowed)]
        let answer = ["direct_response: {status: \(rules.preflightStatus)}", "response_headers_to_add:"]
        var entries: [String] = []
        let route = "route \(prefix)"
        if let allowHeaders = rules.allowHeaders {
            // safe_regex is a full match (RE2::FullMatch): "names a header" is .*[^\t ,].*
            var named =
                preflight + [
                    Self.regex("access-control-request-headers", "(?i)" + rules.headersAllowed),
                    Self.regex("access-control-request-headers", ".*" + PolicyExpressions.namesAHeader + ".*"),
                ]
            if let refused = rules.headersRefused {
                named.append(Self.regex("access-control-request-headers", "(?i).*(" + refused + ").*", invert: true))
            }
            entries.append(
                Self.entry(
                    "\(route): allowed preflight naming headers",
                    prefix,
                    named,
                    answer + preflightHeaders + [Self.add("Access-Control-Allow-Headers", allowHeaders)] + maxAge + [optionsVary]
                )
            )
            entries.append(
                Self.entry(
                    "\(route): allowed preflight naming no header (absent, empty or only commas)",
                    prefix,
                    preflight + [Self.regex("access-control-request-headers", "^[\\t ,]*$", missingIsEmpty: true)],
                    answer + preflightHeaders + maxAge + [optionsVary]
                )
            )
        } else {
            entries.append(
                Self.entry(
                    "\(route): allowed preflight",
                    prefix,
                    preflight + [Self.regex("access-control-request-headers", "(?i)" + rules.headersAllowed, missingIsEmpty: true)],
                    answer + preflightHeaders + maxAge + [optionsVary]
                )
            )
        }
        entries.append(
            Self.entry(
                "\(route): any other preflight is refused: 403, no body, never forwarded",
                prefix,
                [Self.isOptions, Self.present("origin"), Self.present("access-control-request-method")],
                ["direct_response: {status: 403}", "response_headers_to_add:", optionsVary]
            )
        )
        var actual = [allowOrigin] + credentials
        if let expose = rules.exposeHeaders { actual.append(Self.add("Access-Control-Expose-Headers", expose)) }
        let appendedOptionsVary = Self.add("Vary", rules.varyOptions, append: true)
        let appendedActualVary = rules.varyActual.map { [Self.add("Vary", $0, append: true)] } ?? []
        entries.append(
            Self.entry(
                "\(route): OPTIONS without Access-Control-Request-Method from an allowed origin (forwarded)",
                prefix,
                [Self.isOptions] + origin,
                Self.forward(actual + [appendedOptionsVary])
            )
        )
        entries.append(
            Self.entry(
                "\(route): actual request from an allowed origin",
                prefix,
                origin,
                Self.forward(actual + appendedActualVary)
            )
        )
        entries.append(
            Self.entry(
                "\(route): other OPTIONS (no CORS headers; varies on the preflight fields)",
                prefix,
                [Self.isOptions],
                Self.forward([appendedOptionsVary])
            )
        )
        entries.append(
            Self.entry(
                "\(route): everything else: refused origin or no Origin",
                prefix,
                [],
                Self.forward(appendedActualVary)
            )
        )
        return entries
    }
}
