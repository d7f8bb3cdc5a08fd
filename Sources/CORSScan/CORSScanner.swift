import CORS
import CORSBrowser
import HTTPTypes

/// Scans a live endpoint for every CORS misconfiguration class: crafted GET probes for the
/// origin-trust classes (each class on its own, every class reported), one preflight probe, and
/// the Access-Control-Allow-Origin, -Credentials and Vary answers of all of them judged by the
/// browser-side engine (`CORSAccessCheck`, Fetch §4.10).
public struct CORSScanner: Sendable {
    public let target: ScanTarget
    public let options: ScanOptions

    public init(target: ScanTarget, options: ScanOptions = ScanOptions()) throws(ScanError) {
        self.target = target
        self.options = try options.validated()
    }

    /// Runs every probe; throws only when the endpoint cannot be reached.
    public func scan() async throws(ScanError) -> ScanReport {
        let sender = ProbeSender(options: options)
        do {
            let report = try await run(sender)
            await sender.shutdown()
            return report
        } catch {
            await sender.shutdown()
            throw error
        }
    }

    private func run(_ sender: ProbeSender) async throws(ScanError) -> ScanReport {
        let crafted = CraftedOrigins(target)
        var findings: [ScanFinding] = []
        var notTried: [(kind: MisconfigurationClass, reason: CraftedOrigins.NotTried)] = []
        var exchanges: [ProbeExchange] = []

        // Baselines: no Origin at all, and the site's own origin.
        exchanges.append(try await sender.get(target.url, origin: nil))
        exchanges.append(try await sender.get(target.url, origin: target.site.serialized))

        // The origin-trust classes, most general first; a candidate a found class explains is not sent.
        var found: [MisconfigurationClass] = []
        for kind in MisconfigurationClass.originTrust {
            let candidates: [String]
            switch crafted.candidates(for: kind) {
            case .failure(let reason):
                notTried.append((kind, reason))
                continue
            case .success(let list): candidates = list
            }
            var outOfBudget = false
            var explainer: MisconfigurationClass?
            var sentAny = false
            for origin in candidates {
                if let broader = found.first(where: { crafted.explains($0, origin) }) {
                    explainer = explainer ?? broader
                    continue
                }
                guard sender.hasBudget else { outOfBudget = true; break }
                sentAny = true
                let exchange = try await sender.get(target.url, origin: origin)
                exchanges.append(exchange)
                let grant = Self.grant(exchange, to: origin)
                guard grant.reads else { continue }
                found.append(kind)
                findings.append(originFinding(kind, origin: origin, exchange: exchange, credentials: grant.withCredentials))
                break
            }
            if outOfBudget {
                notTried.append((kind, .budgetExhausted(options.maxRequests)))
            } else if !sentAny, let explainer {
                notTried.append((kind, .explainedBy(explainer)))
            }
        }

        // One preflight asking for a method and a header nobody would list.
        if sender.hasBudget {
            let method = "XSCAN\(target.label.uppercased())"
            let header = "x-scan-\(target.label)"
            let preflight = try await sender.preflight(target.url, origin: target.site.serialized, method: method, headerNames: ["authorization", header])
            exchanges.append(preflight)
            if let finding = preflightReflection(preflight, method: method, header: header) { findings.append(finding) }
        } else {
            notTried.append((.preflightReflection, .budgetExhausted(options.maxRequests)))
        }

        findings += wildcardFindings(exchanges, reflectionFound: found.contains(.reflectedOrigin))
        if let finding = invalidAllowOrigin(exchanges) { findings.append(finding) }
        if let finding = missingVary(exchanges) { findings.append(finding) }

        let order = MisconfigurationClass.allCases
        findings.sort {
            $0.severity != $1.severity ? $0.severity > $1.severity : order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)!
        }
        var report = ScanReport(url: target.url, site: target.site.serialized, findings: findings, notTried: notTried, requestsSent: sender.sent)
        report.warnings = Self.warnings(about: exchanges[1])
        return report
    }

    /// What the site's own request got that may hide misconfigurations: a redirect (never
    /// followed: scan where it leads) or an error status (the route may not be the real one).
    static func warnings(about baseline: ProbeExchange) -> [String] {
        if (300...399).contains(baseline.status) {
            let location = baseline.fields[.location].map { " to \($0)" } ?? ""
            return ["the endpoint redirects\(location) (status \(baseline.status)); redirects are not followed, so scan the URL it leads to as well"]
        }
        if baseline.status >= 400 {
            return ["the endpoint answered status \(baseline.status); if that is not the route the site calls, scan one that is (-H for the credentials it needs)"]
        }
        return []
    }

    /// Whether a page at `origin` may read the answer, and with credentials too, by the CORS
    /// check; `*` is not counted as trusting the origin (the wildcard classes judge it).
    static func grant(_ exchange: ProbeExchange, to origin: String) -> (reads: Bool, withCredentials: Bool) {
        guard exchange.allowOriginValues != ["*"] else { return (false, false) }
        let reads = CORSAccessCheck.check(exchange.fields, origin: origin, credentials: .omit) == nil
        let withCredentials = CORSAccessCheck.check(exchange.fields, origin: origin, credentials: .include) == nil
        return (reads, withCredentials)
    }

    func originFinding(_ kind: MisconfigurationClass, origin: String, exchange: ProbeExchange, credentials: Bool) -> ScanFinding {
        let severity: Severity
        switch kind {
        // One more hole is needed first (a subdomain to take over, a network path to sit on).
        case .anySubdomain: severity = credentials ? .medium : .low
        case .insecureOrigin: severity = credentials ? .high : .low
        default: severity = credentials ? .high : .medium
        }
        let reads = credentials
            ? "with the visitor's cookies and HTTP authentication (Access-Control-Allow-Credentials: true)"
            : "without credentials (no Access-Control-Allow-Credentials: true)"
        let page = origin == "null" ? "A sandboxed iframe, a data: URL or a local file (Origin: null)" : "A page at \(origin)"
        let detail = "\(page) can read the response \(reads)."
        return ScanFinding(kind: kind, severity: severity, detail: detail, evidence: exchange, credentials: credentials)
    }

    /// Echoing the probe's own made-up method or header is reflection; Authorization granted
    /// along with it, or credentials, makes it worse.
    func preflightReflection(_ exchange: ProbeExchange, method: String, header: String) -> ScanFinding? {
        let methods = exchange.fields[values: .accessControlAllowMethods].flatMap { $0.split(separator: ",") }.map { $0.trimmingHTTPWhitespace() }
        let headers = exchange.fields[values: .accessControlAllowHeaders].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingHTTPWhitespace().lowercased() }
        let echoedMethod = methods.contains(method)
        let echoedHeader = headers.contains(header)
        guard echoedMethod || echoedHeader else { return nil }
        let authorization = headers.contains("authorization")
        let credentials = exchange.allowCredentials == "true"
        var echoed: [String] = []
        if echoedMethod { echoed.append("the method \(method)") }
        if echoedHeader { echoed.append("the header \(header)") }
        if authorization { echoed.append("Authorization") }
        let detail = "The preflight granted what it was asked for, \(echoed.joined(separator: " and ")) (made up for this scan)"
            + (credentials ? ", with credentials." : ".")
        return ScanFinding(
            kind: .preflightReflection, severity: credentials || authorization ? .medium : .low, detail: detail, evidence: exchange,
            credentials: credentials)
    }

    /// `*` on an answer to a foreign origin: readable by every site (info, unless the endpoint
    /// looks private), and broken when it comes with credentials.
    func wildcardFindings(_ exchanges: [ProbeExchange], reflectionFound: Bool) -> [ScanFinding] {
        var findings: [ScanFinding] = []
        let wildcards = exchanges.filter { $0.allowOriginValues == ["*"] }
        // Only answers to a request with an Origin count: a browser's cross-origin request has one.
        if let exchange = wildcards.first(where: { $0.origin != nil && $0.origin != target.site.serialized })
            ?? wildcards.first(where: { $0.origin != nil }),
            (200...299).contains(exchange.status), exchange.bodyLength > 0
        {
            let cacheControl = exchange.fields[values: .cacheControl].joined(separator: ",").lowercased()
            let looksPrivate = cacheControl.contains("private") || Self.isPrivateNetworkHost(target.host) || Self.isPrivateNetworkHost(Self.host(of: target.url))
            let detail = "Every site can read this response (\(exchange.bodyLength) bytes)"
                + (looksPrivate ? "; the endpoint looks private (Cache-Control: private, or a private-network host), so this likely leaks." : "; fine if the data is public.")
            findings.append(ScanFinding(kind: .wildcardOrigin, severity: looksPrivate ? .medium : .info, detail: detail, evidence: exchange, credentials: false))
        }
        if let exchange = wildcards.first(where: { $0.allowCredentials == "true" }) {
            let detail = reflectionFound
                ? "`*` with credentials is refused by browsers; with an Origin sent, the server reflects it instead (see reflected-origin), as some frameworks do."
                : "Browsers refuse `*` with credentials, so every credentialed read fails; probed with crafted Origins, the server did not turn it into reflection."
            findings.append(ScanFinding(kind: .wildcardWithCredentials, severity: .low, detail: detail, evidence: exchange, credentials: true))
        }
        return findings
    }

    /// Several Access-Control-Allow-Origin lines, a list in one, or a value that is no origin (an
    /// echo of what the probe sent is judged by the origin classes, not here).
    func invalidAllowOrigin(_ exchanges: [ProbeExchange]) -> ScanFinding? {
        for exchange in exchanges {
            let values = exchange.allowOriginValues
            guard !values.isEmpty else { continue }
            if values.count > 1 {
                return ScanFinding(
                    kind: .invalidAllowOrigin, severity: .low,
                    detail: "The response carries \(values.count) Access-Control-Allow-Origin lines (\(values.joined(separator: " | "))); browsers refuse several.",
                    evidence: exchange, credentials: false)
            }
            let value = values[0]
            if value == "*" || value == "null" || value == exchange.origin { continue }
            if value.contains(",") || value.contains(" ") {
                return ScanFinding(
                    kind: .invalidAllowOrigin, severity: .low,
                    detail: "Access-Control-Allow-Origin holds a list (\(value)); browsers accept exactly one origin.",
                    evidence: exchange, credentials: false)
            }
            if Origin(value) == nil {
                return ScanFinding(
                    kind: .invalidAllowOrigin, severity: .low,
                    detail: "Access-Control-Allow-Origin is '\(value)', not an origin as browsers serialize it (scheme://host[:port], lowercase, no path); no origin ever matches it.",
                    evidence: exchange, credentials: false)
            }
        }
        return nil
    }

    /// The CORS answer differs between Origins while some answer does not say `Vary: Origin`.
    func missingVary(_ exchanges: [ProbeExchange]) -> ScanFinding? {
        let gets = exchanges.filter { $0.method == "GET" }
        let answers = Set(gets.map { $0.allowOriginValues.joined(separator: "\n") + "\u{0}" + $0.allowCredentials })
        guard answers.count > 1 else { return nil }
        guard let missing = gets.first(where: { !$0.varyNames.contains("origin") && !$0.varyNames.contains("*") }) else { return nil }
        let other = gets.first { $0.allowOriginValues != missing.allowOriginValues }
        let described: (ProbeExchange?) -> String = { exchange in
            guard let exchange else { return "" }
            let sent = exchange.origin.map { "a request with Origin \($0)" } ?? "a request without Origin"
            let got = exchange.allowOriginValues.isEmpty ? "no Access-Control-Allow-Origin" : "Access-Control-Allow-Origin: \(exchange.allowOriginValues.joined(separator: ", "))"
            return "\(sent) gets \(got)"
        }
        var detail = described(missing) + " and no Vary: Origin, while " + described(other) + "; a cache can serve one answer to the other."
        detail = detail.prefix(1).uppercased() + detail.dropFirst()
        return ScanFinding(kind: .missingVary, severity: .low, detail: detail, evidence: missing, credentials: false)
    }

    static func host(of url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return "" }
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        if hostPort.hasPrefix("[") { return String(hostPort.prefix { $0 != "]" }) + "]" }
        return String(hostPort.prefix { $0 != ":" }).lowercased()
    }

    /// RFC 1918 and RFC 4193 addresses and names that only resolve inside a network: where `*`
    /// lets any public site read what only insiders should (loopback is not counted, it is
    /// where the scanner's own tests and local development run).
    static func isPrivateNetworkHost(_ host: String) -> Bool {
        let octets = host.split(separator: ".").compactMap { Int($0) }
        if octets.count == 4 {
            if octets[0] == 10 || (octets[0] == 192 && octets[1] == 168) || (octets[0] == 172 && (16...31).contains(octets[1])) {
                return true
            }
            return false
        }
        if host.hasPrefix("[fc") || host.hasPrefix("[fd") { return true }
        return [".internal", ".local", ".corp", ".lan", ".intranet", ".home.arpa"].contains { host.hasSuffix($0) }
    }
}
