import CORSBrowser
import HTTPTypes

/// What a browser does with one answer: the page may read it (or send the request), or the
/// browser blocks it, for a reason.
public enum BrowserVerdict: Sendable, Hashable {
    /// The page may read the answer (or, for a preflight, send its request).
    case allowed
    /// The browser blocks it, for this reason.
    case blocked(CORSBlockReason)

    /// Whether this is `allowed`.
    public var isAllowed: Bool { self == .allowed }
    /// `allowed` or `blocked`, for reports.
    public var word: String { isAllowed ? "allowed" : "blocked" }
    /// Chromium's words for the block, or nil when allowed.
    public var reason: String? {
        if case .blocked(let reason) = self { return reason.chromiumDetail }
        return nil
    }

    /// The browser-side engine's verdict on an answer to `probe` (Fetch §4.10 for an actual
    /// request, §4.8 for a preflight), under `credentials`.
    static func judge(_ probe: PolicyProbe, status: Int, fields: HTTPFields, credentials: CredentialsMode) -> BrowserVerdict {
        switch probe.kind {
        case .actual:
            return CORSAccessCheck.check(fields, origin: probe.origin, credentials: credentials).map(BrowserVerdict.blocked) ?? .allowed
        case .preflight:
            let headers = probe.headerNames.map { (name: $0, value: "scan") }
            switch CORSPreflight.validate(
                status: status,
                fields: fields,
                origin: probe.origin,
                method: probe.method,
                headers: headers,
                credentials: credentials
            )
            {
            case .success: return .allowed
            case .failure(let reason): return .blocked(reason)
            }
        }
    }
}
