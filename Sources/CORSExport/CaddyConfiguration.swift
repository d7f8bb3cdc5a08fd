import CORS

/// Caddy (Caddyfile, 2.6+): a snippet `(cors)` holds one `route` block per policy route, each
/// deciding with CEL `expression` matchers, answering preflights with `respond`, setting the
/// actual request's headers before its own `reverse_proxy` (so Caddy's 502 keeps them) and
/// removing the upstream's `Access-Control-*` with `header_down`.
struct CaddyConfiguration {
    let writer: ConfigurationWriter

    init(_ writer: ConfigurationWriter) { self.writer = writer }

    /// The request fields as CEL placeholders. Caddy joins repeated fields with ",", so two Origin
    /// fields never equal or match an origin: never use `header_regexp Origin`, which matches any one.
    static let origin = "{http.request.header.Origin}"
    static let requestMethod = "{http.request.header.Access-Control-Request-Method}"
    static let requestHeaders = "{http.request.header.Access-Control-Request-Headers}"
    static let path = "{http.request.uri.path}"

    /// `text` as a CEL string literal (inside a backtick-quoted Caddyfile token, which is raw):
    /// only `\` and `"` need escaping, so the regex `\.` is written `"\\."`.
    static func cel(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\\" || character == "\"" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }

    /// `text` as a Caddyfile double-quoted token (header values: only `\` and `"` would need it).
    static func quoted(_ text: String) -> String {
        "\"" + text.map { $0 == "\"" || $0 == "\\" ? "\\" + String($0) : String($0) }.joined() + "\""
    }

    func render() throws(ExportError) -> ExportedConfiguration {
        let placement =
            writer.upstream == nil
            ? [
                "Put the snippet at the top of your Caddyfile and `import cors UPSTREAM` in your site block",
                "(UPSTREAM as reverse_proxy takes it, e.g. 127.0.0.1:3000): covered paths are answered or",
                "proxied by it; keep your own reverse_proxy for the rest (`route` runs before `reverse_proxy`).",
            ]
            : [
                "A complete configuration: caddy run --config THIS_FILE --adapter caddyfile",
                "(set XDG_DATA_HOME and XDG_CONFIG_HOME to a writable directory: Caddy keeps state there).",
            ]
        let header = writer.header(
            "#",
            [
                "Caddy joins repeated request fields with \",\": two Origin fields never match (refused, as swift-cors).",
                "When the upstream sends Vary, the response carries two Vary lines (ours, then the upstream's):",
                "equivalent to one merged line in HTTP.",
            ] + placement
        )
        var snippet = ["(cors) {"]
        for (index, route) in writer.routes.enumerated() {
            let longer = writer.routes[..<index].map(\.prefix).filter { CORSRoutes.covers(route.prefix, $0) }
            snippet.append(Self.indented(routeBlock("cors_r\(index)", route.prefix, longer, route.rules), 1))
        }
        snippet.append("}")
        let snippetText = snippet.joined(separator: "\n") + "\n"
        let text: String
        if let upstream = writer.upstream {
            let address = "\(upstream.scheme)://\(upstream.hostAndPort)"
            let rest =
                writer.routes.contains(where: { $0.prefix == "/" })
                ? "" : "\t# No route covers the other paths: no CORS handling, as with swift-cors.\n\treverse_proxy \(address)\n"
            // The global options block must come first in a Caddyfile.
            text =
                header + """
                    {
                    \tadmin off
                    \tauto_https off
                    \tlog {
                    \t\tlevel ERROR
                    \t}
                    }

                    \(snippetText)
                    http://:\(writer.listenPort) {
                    \tbind \(writer.listenHost)
                    \timport cors \(address)
                    \(rest)}

                    """
        } else {
            text = header + "\n" + snippetText
        }
        return ExportedConfiguration(
            text: text,
            warnings: [
                "Caddy: when the upstream sends Vary, responses carry two Vary lines (ours and the upstream's); HTTP reads them as one list"
            ]
        )
    }

    /// Whether the request's path is under `prefix` by whole segments and under none of `longer`.
    static func pathCondition(_ prefix: String, excluding longer: [String]) -> String {
        func under(_ prefix: String) -> String { "\(path).matches(\(cel("^" + PolicyExpressions.escaped(prefix) + "(/|$)")))" }
        return ((prefix == "/" ? [] : [under(prefix)]) + longer.map { "!" + under($0) }).joined(separator: " && ")
    }

    /// The Origin decision as CEL: a list lookup when only exact origins are listed, else the regexes.
    static func originCondition(_ rules: PolicyExpressions) -> String {
        if rules.exactOnly {
            return "\(origin) in [" + rules.exactOrigins.map(cel).joined(separator: ", ") + "]"
        }
        var condition = "\(origin).matches(\(cel(rules.originAllowed)))"
        if let refused = rules.originRefused { condition += " && !\(origin).matches(\(cel(refused)))" }
        return "(" + condition + ")"
    }

    /// A preflight the policy allows: origin, method (case-sensitive), headers (case-insensitive).
    static func preflightCondition(_ rules: PolicyExpressions) -> String {
        var parts = [
            originCondition(rules),
            "\(requestMethod).matches(\(cel(rules.methodAllowed)))",
            "\(requestHeaders).matches(\(cel("(?i)" + rules.headersAllowed)))",
        ]
        if let refused = rules.headersRefused { parts.append("!\(requestHeaders).matches(\(cel("(?i)" + refused)))") }
        return parts.joined(separator: " && ")
    }

    /// One route: its matchers, then the directives in the order written (`route` does not sort).
    func routeBlock(_ name: String, _ prefix: String, _ longer: [String], _ rules: PolicyExpressions) -> String {
        let preflightMatch = "\tmethod OPTIONS\n\theader Origin *\n\theader Access-Control-Request-Method *"
        var lines: [String] = []
        if prefix == "/" && longer.isEmpty {
            lines.append("# Route / (every path)")
        } else {
            lines.append("# Route \(prefix): the path is \(prefix) or under \(prefix)/\(longer.isEmpty ? "" : " (and no longer route's)")")
            lines.append("@\(name) expression `\(Self.pathCondition(prefix, excluding: longer))`")
        }
        lines.append("route\(prefix == "/" && longer.isEmpty ? "" : " @\(name)") {")
        var body: [String] = []
        body.append("@\(name)_allowed expression `\(Self.originCondition(rules))`")
        body.append("@\(name)_options method OPTIONS")
        if rules.varyActual != nil { body.append("@\(name)_not_options not method OPTIONS") }
        body.append("@\(name)_preflight {\n\(preflightMatch)\n}")
        body.append("@\(name)_preflight_ok {\n\(preflightMatch)\n\texpression `\(Self.preflightCondition(rules))`\n}")
        if rules.allowHeaders != nil {
            // Access-Control-Allow-Headers only when the request named a header (`,` or empty names none).
            body.append(
                "@\(name)_preflight_names {\n\(preflightMatch)\n\texpression `\(Self.preflightCondition(rules)) && \(Self.requestHeaders).matches(\(Self.cel(PolicyExpressions.namesAHeader)))`\n}"
            )
        }
        body.append("# Preflights: answered here with no body, never forwarded.")
        var allowed = ["Access-Control-Allow-Origin \(rules.originIndependent ? "*" : Self.origin)"]
        if rules.allowCredentials { allowed.append("Access-Control-Allow-Credentials true") }
        if let methods = rules.allowMethods { allowed.append("Access-Control-Allow-Methods \(Self.quoted(methods))") }
        if let maxAge = rules.maxAge { allowed.append("Access-Control-Max-Age \(maxAge)") }
        body.append("header @\(name)_preflight_ok {\n" + allowed.map { "\t" + $0 }.joined(separator: "\n") + "\n}")
        if let allowHeaders = rules.allowHeaders {
            body.append("header @\(name)_preflight_names Access-Control-Allow-Headers \(Self.quoted(allowHeaders))")
        }
        body.append("header @\(name)_options Vary \(Self.quoted(rules.varyOptions))")
        body.append("respond @\(name)_preflight_ok \(rules.preflightStatus)")
        body.append("respond @\(name)_preflight 403")
        body.append("# Actual requests: set before proxying, so 404/500 and Caddy's own 502 keep them.")
        var actual = ["Access-Control-Allow-Origin \(rules.originIndependent ? "*" : Self.origin)"]
        if rules.allowCredentials { actual.append("Access-Control-Allow-Credentials true") }
        if let expose = rules.exposeHeaders { actual.append("Access-Control-Expose-Headers \(Self.quoted(expose))") }
        body.append("header @\(name)_allowed {\n" + actual.map { "\t" + $0 }.joined(separator: "\n") + "\n}")
        if let vary = rules.varyActual { body.append("header @\(name)_not_options Vary \(Self.quoted(vary))") }
        body.append("# The upstream's own CORS headers are removed: exactly one set is sent.")
        body.append(
            "reverse_proxy {args.0} {\n" + PolicyExpressions.responseHeaderNames.map { "\theader_down -\($0)" }.joined(separator: "\n") + "\n}"
        )
        lines.append(Self.indented(body.joined(separator: "\n"), 1))
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// `text` indented by `tabs` tabs (Caddyfiles are tab-indented, as `caddy fmt` writes them).
    static func indented(_ text: String, _ tabs: Int) -> String {
        let pad = String(repeating: "\t", count: tabs)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }
}
