import CORS

/// One misconfiguration found: its class, how bad it is, what was seen (the probe that shows it),
/// and how to fix it.
public struct ScanFinding: Sendable {
    public var kind: MisconfigurationClass
    public var severity: Severity
    /// What this endpoint does, in a sentence (the origin trusted, credentials or not, ...).
    public var detail: String
    /// The request and response that show it.
    public var evidence: ProbeExchange
    /// Whether the trusted origin also gets credentialed reads (Access-Control-Allow-Credentials: true).
    public var credentials: Bool

    public var fix: String { kind.fix }

    /// The finding as the `findings` array of `--json` holds it.
    public var json: JSONValue {
        .members([
            ("class", .string(kind.rawValue)),
            ("severity", .string(severity.rawValue)),
            ("title", .string(kind.title)),
            ("detail", .string(detail)),
            ("credentials", .bool(credentials)),
            ("evidence", evidence.json),
            ("risk", .string(kind.risk)),
            ("fix", .string(fix)),
        ])
    }
}

extension ProbeExchange {
    /// The exchange as evidence: the Origin sent, the request's headers, the status and every
    /// response header received.
    public var json: JSONValue {
        .members([
            ("method", .string(method)),
            ("url", .string(url)),
            ("origin", origin.map(JSONValue.string) ?? .null),
            ("requestHeaders", .array(requestHeaders.map(Self.pair))),
            ("status", .number(String(status))),
            ("responseHeaders", .array(responseHeaders.map(Self.pair))),
        ])
    }

    static func pair(_ header: (name: String, value: String)) -> JSONValue {
        .members([("name", .string(header.name)), ("value", .string(header.value))])
    }

    /// The exchange as the human report shows it: request line, headers sent, status, CORS
    /// headers received.
    public var lines: [String] {
        var out = ["> \(method) \(url)"]
        for (name, value) in requestHeaders { out.append("> \(name): \(value)") }
        out.append("< \(status)")
        for (name, value) in responseHeaders where Self.shown(name) { out.append("< \(name): \(value)") }
        return out
    }

    static func shown(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("access-control-") || lower == "vary"
    }
}
