/// What a server allows other origins to do with its responses. Each property is named after the
/// response header it produces, and holds the text a policy file holds, so a policy can be read,
/// validated, compiled into a `CORSResponder` and written back unchanged.
public struct CORSPolicy: Sendable {
    /// Origins whose scripts may read responses: `["*"]` for any origin, or a list of serialized
    /// origins (`https://app.example.com`), subdomain patterns (`https://*.example.com`), port
    /// patterns (`http://localhost:*`) and, only with `dangerouslyAllowNullOrigin`, `null`.
    public var allowOrigins: [String]
    /// Decides origins the list does not name, for example per-tenant origins kept in a database.
    /// Not part of the policy file.
    public var allowOriginPredicate: OriginPredicate?
    /// Methods a preflight may ask for, case-sensitive (`PATCH` is not `patch`). GET, HEAD and
    /// POST need no preflight and are always allowed by browsers. `["*"]`: any, without credentials.
    public var allowMethods: [String]
    /// Request headers a preflight may ask for, case-insensitive. `"*"` among them allows any
    /// header except `Authorization`, which must be listed by name (Fetch §3.2.3).
    public var allowHeaders: [String]
    /// Response headers scripts may read beyond the CORS-safelisted ones. `["*"]`: all, without credentials.
    public var exposeHeaders: [String]
    /// Whether scripts may send cookies and HTTP authentication and read the answer
    /// (`Access-Control-Allow-Credentials: true`).
    public var allowCredentials: Bool
    /// Seconds a browser may cache a preflight's answer (`Access-Control-Max-Age`); `nil` sends
    /// none and browsers use 5 seconds.
    public var maxAge: Int?
    /// The status of an allowed preflight: 204, or 200 for old clients that want a 200.
    public var preflightStatus: Int
    /// Whether allowed preflights are also handed on to the application, which answers them.
    public var preflightPassthrough: Bool

    /// Accepts `null` in `allowOrigins`: any sandboxed iframe or local file can have that origin.
    public var dangerouslyAllowNullOrigin: Bool
    /// Accepts plain-http origins (other than localhost and loopback) with credentials: anyone on
    /// the network path can inject a script into such an origin and read credentialed answers.
    public var dangerouslyAllowInsecureOriginsWithCredentials: Bool
    /// Accepts subdomain patterns over a public suffix (`https://*.github.io`): anyone can register there.
    public var dangerouslyAllowSubdomainsOfPublicSuffixes: Bool

    /// A policy with the given keys; every default allows nothing beyond what browsers allow
    /// without CORS. Nothing is checked here: `validate()` or `CORSResponder(policy:)` does.
    public init(
        allowOrigins: [String] = [],
        allowOriginPredicate: OriginPredicate? = nil,
        allowMethods: [String] = [],
        allowHeaders: [String] = [],
        exposeHeaders: [String] = [],
        allowCredentials: Bool = false,
        maxAge: Int? = nil,
        preflightStatus: Int = 204,
        preflightPassthrough: Bool = false,
        dangerouslyAllowNullOrigin: Bool = false,
        dangerouslyAllowInsecureOriginsWithCredentials: Bool = false,
        dangerouslyAllowSubdomainsOfPublicSuffixes: Bool = false
    ) {
        self.allowOrigins = allowOrigins
        self.allowOriginPredicate = allowOriginPredicate
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.allowCredentials = allowCredentials
        self.maxAge = maxAge
        self.preflightStatus = preflightStatus
        self.preflightPassthrough = preflightPassthrough
        self.dangerouslyAllowNullOrigin = dangerouslyAllowNullOrigin
        self.dangerouslyAllowInsecureOriginsWithCredentials = dangerouslyAllowInsecureOriginsWithCredentials
        self.dangerouslyAllowSubdomainsOfPublicSuffixes = dangerouslyAllowSubdomainsOfPublicSuffixes
    }

    /// Whether `allowOrigins` is `*`.
    public var allowsAnyOrigin: Bool { allowOrigins == ["*"] }
}

/// Decides an origin the policy's list does not name. Called only with valid serialized origins.
public enum OriginPredicate: Sendable {
    /// A check that answers at once (a pattern, an in-memory set); decisions never suspend.
    case sync(@Sendable (Origin) -> Bool)
    /// For lookups that suspend; adapters await it, `CORSResponder.decide(_:)` reports it pending.
    case async(@Sendable (Origin) async -> Bool)
}

extension CORSPolicy: Equatable {
    /// Equal when every serializable key is; predicates are closures and are not compared.
    public static func == (lhs: CORSPolicy, rhs: CORSPolicy) -> Bool {
        lhs.allowOrigins == rhs.allowOrigins && lhs.allowMethods == rhs.allowMethods
            && lhs.allowHeaders == rhs.allowHeaders && lhs.exposeHeaders == rhs.exposeHeaders
            && lhs.allowCredentials == rhs.allowCredentials && lhs.maxAge == rhs.maxAge
            && lhs.preflightStatus == rhs.preflightStatus && lhs.preflightPassthrough == rhs.preflightPassthrough
            && lhs.dangerouslyAllowNullOrigin == rhs.dangerouslyAllowNullOrigin
            && lhs.dangerouslyAllowInsecureOriginsWithCredentials == rhs.dangerouslyAllowInsecureOriginsWithCredentials
            && lhs.dangerouslyAllowSubdomainsOfPublicSuffixes == rhs.dangerouslyAllowSubdomainsOfPublicSuffixes
    }
}
