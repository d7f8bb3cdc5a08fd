import CORS

/// Every difference between a live endpoint and a policy.
public struct ConformanceReport: Sendable {
    /// The endpoint checked.
    public var url: String
    /// Every request where the endpoint and the policy disagree, in probe order.
    public var differences: [ConformanceDifference]
    /// Requests judged (each under two credentials modes).
    public var probes: Int
    /// Requests actually sent.
    public var requestsSent: Int
    /// Probes the request budget left unsent.
    public var unsent: Int

    /// Whether every probe was sent: an incomplete check never passes silently.
    public var isComplete: Bool { unsent == 0 }

    /// The `--expect --json` report.
    public var json: JSONValue {
        .members([
            ("url", .string(url)),
            ("differences", .array(differences.map(\.json))),
            ("probes", .number(String(probes))),
            ("requestsSent", .number(String(requestsSent))),
            ("complete", .bool(isComplete)),
        ])
    }

    /// The human report: one paragraph per difference, with the live answer and the policy's.
    public var text: String {
        var out = "cors scan \(url) --expect: \(probes) requests judged for omit and include credentials\n"
        if differences.isEmpty { out += "\nThe live endpoint does what the policy says.\n" }
        for difference in differences {
            let heading = difference.direction == .tooPermissive ? "TOO PERMISSIVE (security)" : "TOO STRICT (functional)"
            out +=
                "\n\(heading): \(difference.request) (\(difference.probe.purpose)), credentials \(difference.credentials.map(\.rawValue).joined(separator: ", "))\n"
            out += "  policy: \(difference.expected.word)\(difference.expected.reason.map { ": \($0)" } ?? "")\n"
            out += "  live:   \(difference.live.word)\(difference.live.reason.map { ": \($0)" } ?? "")\n"
            for line in difference.evidence.lines { out += "    \(line)\n" }
            if !difference.expectedHeaders.isEmpty {
                out += "  the policy answers:\n"
                for (name, value) in difference.expectedHeaders { out += "    < \(name): \(value)\n" }
            }
        }
        if !isComplete { out += "\nINCOMPLETE: \(unsent) requests not sent; raise --max-requests.\n" }
        if !differences.isEmpty {
            let permissive = differences.filter { $0.direction == .tooPermissive }.count
            out +=
                "\n\(differences.count) difference\(differences.count == 1 ? "" : "s"): \(permissive) too permissive, \(differences.count - permissive) too strict\n"
        }
        return out
    }
}
