import CORS

/// Everything one scan found, and what it could not try.
public struct ScanReport: Sendable {
    /// The endpoint scanned.
    public var url: String
    /// The site's origin the crafted origins were derived from.
    public var site: String
    /// Every finding, most severe first, in class order within a severity.
    public var findings: [ScanFinding]
    /// Classes not tried, and why.
    public var notTried: [(kind: MisconfigurationClass, reason: CraftedOrigins.NotTried)]
    /// Requests actually sent.
    public var requestsSent: Int
    /// What may make the scan miss something (the endpoint redirects, or answers an error).
    public var warnings: [String] = []

    /// Whether every class was tried (the request budget did not run out).
    public var isComplete: Bool {
        !notTried.contains { if case .budgetExhausted = $0.reason { return true } else { return false } }
    }

    /// The classes found, in report order.
    public var classes: [MisconfigurationClass] { findings.map(\.kind) }

    /// Whether any finding is at least `severity`.
    public func hasFinding(atLeast severity: Severity) -> Bool { findings.contains { $0.severity >= severity } }

    /// The `--json` report: one object with a `findings` array.
    public var json: JSONValue {
        .members([
            ("url", .string(url)),
            ("site", .string(site)),
            ("findings", .array(findings.map(\.json))),
            ("notTried", .array(notTried.map { .members([("class", .string($0.kind.rawValue)), ("reason", .string($0.reason.description))]) })),
            ("complete", .bool(isComplete)),
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("requestsSent", .number(String(requestsSent))),
        ])
    }

    /// The human report.
    public var text: String {
        var out = "cors scan \(url) (site \(site)): \(requestsSent) request\(requestsSent == 1 ? "" : "s")\n"
        for warning in warnings { out += "warning: \(warning)\n" }
        if findings.isEmpty {
            out += "\nNo CORS misconfiguration found.\n"
        }
        for finding in findings {
            out += "\n[\(finding.severity.rawValue.uppercased())] \(finding.kind.rawValue): \(finding.kind.title)\n"
            out += "  \(finding.detail)\n"
            out += "  risk: \(finding.kind.risk)\n"
            for line in finding.evidence.lines { out += "    \(line)\n" }
            out += "  fix:  \(finding.fix)\n"
        }
        if !notTried.isEmpty {
            out += "\n"
            for (kind, reason) in notTried { out += "not tried: \(kind.rawValue): \(reason)\n" }
        }
        if !isComplete { out += "\nINCOMPLETE: raise --max-requests to try every class.\n" }
        if !findings.isEmpty {
            let counts = Severity.allCases.reversed().compactMap { severity -> String? in
                let count = findings.filter { $0.severity == severity }.count
                return count == 0 ? nil : "\(count) \(severity.rawValue)"
            }
            out += "\n\(findings.count) finding\(findings.count == 1 ? "" : "s"): \(counts.joined(separator: ", "))\n"
        }
        return out
    }
}
