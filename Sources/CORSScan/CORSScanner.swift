import CORS
import CORSBrowser
import HTTPTypes

/// Scans a live endpoint for every CORS misconfiguration class: crafted GET probes for the
/// origin-trust classes (each class on its own, every class reported), one preflight probe, and
/// the Access-Control-Allow-Origin, -Credentials and Vary answers of all of them judged by the
/// browser-side engine (`CORSAccessCheck`, Fetch §4.10).
public struct CORSScanner: Sendable {
    /// What is scanned: the URL, the site and this scan's attacker label.
    public let target: ScanTarget
    /// The limits the scan keeps, validated.
    public let options: ScanOptions

    /// A scanner for `target`; throws when an option is out of range.
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
                guard sender.hasBudget else {
                    outOfBudget = true
                    break
                }
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
            let preflight = try await sender.preflight(
                target.url,
                origin: target.site.serialized,
                method: method,
                headerNames: ["authorization", header]
            )
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
            return [
                "the endpoint answered status \(baseline.status); if that is not the route the site calls, scan one that is (-H for the credentials it needs)"
            ]
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
        let reads =
            credentials
            ? "with the visitor's cookies and HTTP authentication (Access-Control-Allow-Credentials: true)"
            : "without credentials (no Access-Control-Allow-Credentials: true)"
        let page = origin == "null" ? "A sandboxed iframe, a data: URL or a local file (Origin: null)" : "A page at \(origin)"
        let detail = "\(page) can read the response \(reads)."
        return ScanFinding(kind: kind, severity: severity, detail: detail, evidence: exchange, credentials: credentials)
    }
}
