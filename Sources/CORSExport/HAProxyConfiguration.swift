/// HAProxy (>= 2.2): `acl`s decide, the decision is kept in `txn` variables (an ACL cannot name
/// another, a condition has no parentheses), `http-request return` answers preflights, and
/// `http-after-response` puts the headers on every answer, HAProxy's own returns and 5xx included.
struct HAProxyConfiguration {
    let writer: ConfigurationWriter

    init(_ writer: ConfigurationWriter) { self.writer = writer }

    /// `text` in single quotes: no backslash, `$` or `#` processing by the parser. What is quoted
    /// here (regexes of PolicyExpressions) never holds a single quote: it writes `\x27` instead.
    static func quoted(_ text: String) -> String { "'" + text + "'" }

    func render() throws(ExportError) -> ExportedConfiguration {
        let header = writer.header(
            "#",
            [
                "req.fhdr_cnt counts Origin lines: a request with two Origin fields is refused, as swift-cors does.",
                "Access-Control-Request-Headers is judged name by name (req.hdr splits the lines on commas).",
                "http-after-response (HAProxy >= 2.2) also runs on HAProxy's own answers (http-request return,",
                "502/503/504), which http-response never sees.",
                writer.upstream == nil
                    ? "Put these lines in your `frontend` (mode http), before its use_backend/default_backend lines."
                    : "A complete configuration: haproxy -db -f THIS_FILE (foreground; no pid file, logs on stderr).",
            ]
        )
        let block = corsBlock()
        let text: String
        if let upstream = writer.upstream {
            let tls =
                upstream.scheme == "https"
                ? " ssl verify required ca-file @system-ca sni str(\(upstream.host))" : ""
            text =
                header + """
                    global
                        log stderr format raw local0 warning

                    defaults
                        mode http
                        log global
                        timeout connect 5s
                        timeout client 30s
                        timeout server 30s

                    frontend cors_frontend
                        bind \(writer.listenHost):\(writer.listenPort)

                    \(Self.indented(block, 4))

                        default_backend cors_upstream

                    backend cors_upstream
                        server upstream \(upstream.hostAndPort)\(tls)

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

    /// Everything CORS: the ACLs and variables, the preflight answers, the headers and Vary.
    func corsBlock() -> String {
        var acls = [
            "# ---- CORS (swift-cors export) ----",
            "# Exactly one Origin field (req.fhdr_cnt counts lines; req.hdr_cnt would also count commas).",
            "acl cors_one_origin req.fhdr_cnt(origin) eq 1",
            "acl cors_has_origin req.fhdr_cnt(origin) gt 0",
            "acl cors_is_options method OPTIONS",
            "acl cors_has_acrm req.fhdr_cnt(access-control-request-method) gt 0",
            "acl cors_one_acrm req.fhdr_cnt(access-control-request-method) eq 1",
            "acl cors_headers_requested req.hdr(access-control-request-headers) -m reg \(Self.quoted(PolicyExpressions.namesAHeader))",
            "acl cors_routed var(txn.cors_route) -m found",
            "acl cors_allowed var(txn.cors_origin) -m found",
            "acl cors_actual var(txn.cors_actual) -m found",
            "acl cors_options var(txn.cors_options) -m found",
            "acl cors_no_vary res.fhdr_cnt(vary) eq 0",
        ]
        var route = [
            "# Which route: the longest prefix covering the path by whole segments (none: no CORS handling)."
        ]
        var request = [
            "http-request set-var(txn.cors_options) str(1) if cors_routed cors_is_options"
        ]
        var preflights = [
            "# Preflights: answered here, never forwarded. Two rules a route because `hdr` cannot be conditional."
        ]
        var after = [
            "# Every response to a routed request, HAProxy's own included: the actual request's fields, Vary merged."
        ]
        var vary: [String] = []
        for (index, entry) in writer.routes.enumerated() {
            let rules = entry.rules
            let name = "cors_r\(index)"
            let unclaimed = "!cors_routed"
            if entry.prefix == "/" {
                route.append("http-request set-var(txn.cors_route) str(r\(index)) if \(unclaimed)")
            } else {
                acls.append("acl \(name)_path path -m str \(entry.prefix)")
                acls.append("acl \(name)_path path -m beg \(entry.prefix)/")
                route.append("http-request set-var(txn.cors_route) str(r\(index)) if \(name)_path \(unclaimed)")
            }
            acls.append("# Route \(entry.prefix)")
            acls.append("acl \(name) var(txn.cors_route) -m str r\(index)")
            var originTest = "\(name) cors_one_origin \(name)_origin"
            if rules.exactOnly {
                // -m str: a case-sensitive string lookup, never a reflection.
                acls.append("acl \(name)_origin req.fhdr(origin) -m str " + rules.exactOrigins.joined(separator: " "))
            } else {
                acls.append("acl \(name)_origin req.fhdr(origin) -m reg \(Self.quoted(rules.originAllowed))")
            }
            if let refused = rules.originRefused {
                acls.append("acl \(name)_origin_refused req.fhdr(origin) -m reg \(Self.quoted(refused))")
                originTest += " !\(name)_origin_refused"
            }
            acls.append("acl \(name)_method req.fhdr(access-control-request-method) -m reg \(Self.quoted(rules.methodAllowed))")
            // An ACL matches when any value does: refused when some name fails the whole-value expression.
            acls.append(
                "acl \(name)_header_unlisted req.hdr(access-control-request-headers) -m reg -i \(Self.quoted("^(?!" + rules.headersAllowed + ")"))"
            )
            var headersTest = "!\(name)_header_unlisted"
            if let refused = rules.headersRefused {
                acls.append("acl \(name)_header_refused req.hdr(access-control-request-headers) -m reg -i \(Self.quoted(refused))")
                headersTest += " !\(name)_header_refused"
            }
            request.append("http-request set-var(txn.cors_origin) \(rules.originIndependent ? "str(*)" : "req.fhdr(origin)") if \(originTest)")

            var answer = ["hdr Access-Control-Allow-Origin \"%[var(txn.cors_origin)]\""]
            if rules.allowCredentials { answer.append("hdr Access-Control-Allow-Credentials true") }
            if let methods = rules.allowMethods { answer.append("hdr Access-Control-Allow-Methods \"\(methods)\"") }
            if let maxAge = rules.maxAge { answer.append("hdr Access-Control-Max-Age \(maxAge)") }
            let allowed = "\(name) cors_is_options cors_has_origin cors_has_acrm cors_allowed cors_one_acrm \(name)_method \(headersTest)"
            let returnRule = "http-request return status \(rules.preflightStatus) "
            if let allowHeaders = rules.allowHeaders {
                let withHeaders = answer + ["hdr Access-Control-Allow-Headers \"\(allowHeaders)\""]
                preflights.append(returnRule + withHeaders.joined(separator: " ") + " if \(allowed) cors_headers_requested")
            }
            preflights.append(returnRule + answer.joined(separator: " ") + " if \(allowed)")

            let echo = rules.originIndependent ? "\"*\"" : "\"%[var(txn.cors_origin)]\""
            after.append("http-after-response set-header Access-Control-Allow-Origin \(echo) if \(name) cors_actual")
            if rules.allowCredentials { after.append("http-after-response set-header Access-Control-Allow-Credentials true if \(name) cors_actual") }
            if let expose = rules.exposeHeaders {
                after.append("http-after-response set-header Access-Control-Expose-Headers \"\(expose)\" if \(name) cors_actual")
            }

            // varyActual's names (Origin or none) go on every answer, varyOptions' others on OPTIONS.
            let always = ApacheConfiguration.names(rules.varyActual)
            for varyName in always { vary += Self.merge(varyName, "\(name)") }
            for varyName in ApacheConfiguration.names(rules.varyOptions) where !always.contains(varyName) {
                vary += Self.merge(varyName, "\(name) cors_options")
            }
        }
        preflights.append("http-request return status 403 if cors_routed cors_is_options cors_has_origin cors_has_acrm")
        preflights.append("# Actual requests (preflights have been answered): the decision is kept for the response.")
        preflights.append("http-request set-var(txn.cors_actual) str(1) if cors_allowed")
        let strip = [
            "# The upstream's own CORS fields go (server responses only), so exactly one set is sent.",
            "http-response del-header ^access-control- -m reg if cors_routed",
        ]
        vary.insert("# Vary, one line: ours added to the upstream's unless named already or `*`.", at: 0)
        return [
            acls.joined(separator: "\n"), (route + request).joined(separator: "\n"), preflights.joined(separator: "\n"),
            strip.joined(separator: "\n"), after.joined(separator: "\n"), vary.joined(separator: "\n"),
        ].joined(separator: "\n\n")
    }

    /// Adds `name` to Vary under `condition`: a new line when there is none, else appended to each
    /// line unless a value already names it or is `*` (res.hdr splits on commas).
    static func merge(_ name: Substring, _ condition: String) -> [String] {
        [
            "http-after-response set-header Vary \(name) if \(condition) cors_no_vary",
            "http-after-response replace-header Vary '^(.*)$' '\\1, \(name)' if \(condition) !{ res.hdr(vary) -m reg -i \(quoted("^(" + name.lowercased() + "|\\*)$")) }",
        ]
    }
}
