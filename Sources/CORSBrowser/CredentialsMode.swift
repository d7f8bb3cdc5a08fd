/// A request's credentials mode (Fetch §2.2.5 "credentials mode"): whether cookies and HTTP
/// authentication go with a cross-origin request, and so how strictly its answer is checked.
public enum CredentialsMode: String, Sendable, Hashable, CaseIterable {
    /// Never send credentials.
    case omit
    /// `fetch()`'s default: credentials only for same-origin requests, so cross-origin it is `omit`.
    case sameOrigin = "same-origin"
    /// Send credentials cross-origin too, and check the answer as credentialed: no `*` anywhere,
    /// and Access-Control-Allow-Credentials must be `true`.
    case include

    /// Whether a cross-origin request in this mode carries credentials (and is checked as credentialed).
    public var includesCredentialsCrossOrigin: Bool { self == .include }
}
