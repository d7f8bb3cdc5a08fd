import CORS
import CORSBrowser

/// A request where the live endpoint and the policy disagree.
public struct ConformanceDifference: Sendable {
    /// Too permissive (the live endpoint allows what the policy refuses: a security finding) or
    /// too strict (it refuses what the policy allows: a functional one).
    public enum Direction: String, Sendable, Hashable {
        /// The live endpoint allows what the policy refuses.
        case tooPermissive = "too-permissive"
        /// The live endpoint refuses what the policy allows.
        case tooStrict = "too-strict"

        /// `security` for too permissive, `functional` for too strict.
        public var consequence: String { self == .tooPermissive ? "security" : "functional" }
    }

    /// Which way the endpoint departs from the policy.
    public var direction: Direction
    /// The request that shows it.
    public var probe: PolicyProbe
    /// The credentials modes under which the verdicts differ.
    public var credentials: [CredentialsMode]
    /// The browser's verdict on the answer the policy gives.
    public var expected: BrowserVerdict
    /// The browser's verdict on the answer the endpoint gave.
    public var live: BrowserVerdict
    /// What the live endpoint answered.
    public var evidence: ProbeExchange
    /// The Access-Control-* headers the policy's own answer carries.
    public var expectedHeaders: [(name: String, value: String)]

    /// The request in a line: `GET with Origin: x` or `preflight for PUT with x-a from Origin: x`.
    public var request: String {
        switch probe.kind {
        case .actual: return "GET with Origin: \(probe.origin)"
        case .preflight:
            let headers = probe.headerNames.isEmpty ? "" : " and headers \(probe.headerNames.joined(separator: ","))"
            return "preflight for \(probe.method)\(headers) from Origin: \(probe.origin)"
        }
    }

    /// The difference as the `differences` array of `--json` holds it.
    public var json: JSONValue {
        .members([
            ("direction", .string(direction.rawValue)),
            ("consequence", .string(direction.consequence)),
            (
                "request",
                .members([
                    ("kind", .string(probe.kind.rawValue)), ("origin", .string(probe.origin)), ("method", .string(probe.method)),
                    ("headers", .array(probe.headerNames.map(JSONValue.string))), ("purpose", .string(probe.purpose)),
                ])
            ),
            ("credentials", .array(credentials.map { .string($0.rawValue) })),
            ("policy", .string(expected.word)),
            ("policyReason", expected.reason.map(JSONValue.string) ?? .null),
            ("live", .string(live.word)),
            ("liveReason", live.reason.map(JSONValue.string) ?? .null),
            ("expectedHeaders", .array(expectedHeaders.map(ProbeExchange.pair))),
            ("evidence", evidence.json),
        ])
    }
}
