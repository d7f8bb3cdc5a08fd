import CORS

/// One misconfiguration found: its class, how bad it is, what was seen (the probe that shows it),
/// and how to fix it.
public struct ScanFinding: Sendable {
    /// The misconfiguration class.
    public var kind: MisconfigurationClass
    /// How bad it is here, given whether credentials are trusted too.
    public var severity: Severity
    /// What this endpoint does, in a sentence (the origin trusted, credentials or not, ...).
    public var detail: String
    /// The request and response that show it.
    public var evidence: ProbeExchange
    /// Whether the trusted origin also gets credentialed reads (Access-Control-Allow-Credentials: true).
    public var credentials: Bool

    /// What to change on the server: the class's fix.
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
