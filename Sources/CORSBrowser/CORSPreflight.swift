import CORS
import HTTPTypes

/// The CORS-preflight request and the validation of its answer (Fetch §4.8 "CORS-preflight fetch").
public enum CORSPreflight {
    /// Whether a `cors`-mode request needs a preflight (Fetch §4.1 "main fetch", step 12.1 and
    /// §4.8): a method that is not CORS-safelisted, or a header that is not.
    public static func isNeeded(method: String, headers: [(name: String, value: String)], browser: BrowserProfile = .chromium) -> Bool {
        !FetchVocabulary.safelistedMethods.contains(method) || !CORSSafelist.unsafeNames(headers, browser: browser).isEmpty
    }

    /// The preflight's fields: Origin, Access-Control-Request-Method and, when any, the CORS-unsafe
    /// request-header names lowercased, sorted and comma-separated without spaces (§4.8 steps 3-5;
    /// Firefox names a header once per entry the script set).
    /// No credentials go with it.
    public static func requestFields(
        origin: String,
        method: String,
        headers: [(name: String, value: String)],
        browser: BrowserProfile = .chromium
    ) -> HTTPFields {
        var fields: HTTPFields = [.origin: origin, .accessControlRequestMethod: method]
        let unsafe = CORSSafelist.unsafeNames(headers, browser: browser)
        if !unsafe.isEmpty { fields[.accessControlRequestHeaders] = unsafe.joined(separator: ",") }
        return fields
    }

    /// What an allowed preflight grants, and for how long it may be cached.
    public struct Grant: Sendable, Hashable {
        /// Access-Control-Allow-Methods' items, as sent (`*` included).
        public var methods: [String]
        /// Access-Control-Allow-Headers' items, as sent (`*` included).
        public var headerNames: [String]
        /// Seconds to cache it for, from Access-Control-Max-Age: `nil` for the browser's default (5 s).
        public var maxAge: Int?

        /// A grant of these methods and header names, cached for `maxAge` seconds.
        public init(methods: [String], headerNames: [String], maxAge: Int?) {
            self.methods = methods
            self.headerNames = headerNames
            self.maxAge = maxAge
        }
    }

    /// Validates the preflight's answer in Chromium's order (Firefox's is the same): a redirect is
    /// refused first; then the CORS check; then the status (200-299); then Access-Control-Allow-
    /// Methods and -Headers must parse as token lists; then the method, then each CORS-unsafe
    /// header must be allowed.
    public static func validate(
        status: Int,
        fields: HTTPFields,
        origin: String,
        method: String,
        headers: [(name: String, value: String)],
        credentials: CredentialsMode,
        browser: BrowserProfile = .chromium
    ) -> Result<Grant, CORSBlockReason> {
        if redirectStatuses.contains(status) { return .failure(.preflightDisallowedRedirect) }
        if let reason = CORSAccessCheck.check(fields, origin: origin, credentials: credentials, preflight: true, browser: browser) {
            return .failure(reason)
        }
        guard (200...299).contains(status) else { return .failure(.preflightInvalidStatus(status)) }
        let methodsValue = fields[values: .accessControlAllowMethods].joined(separator: ",")
        guard let methods = tokenList(methodsValue) else {
            return .failure(.invalidAllowMethodsPreflightResponse(methodsValue))
        }
        let headersValue = fields[values: .accessControlAllowHeaders].joined(separator: ",")
        guard let headerNames = tokenList(headersValue) else {
            return .failure(.invalidAllowHeadersPreflightResponse(headersValue))
        }
        let grant = Grant(methods: methods, headerNames: headerNames, maxAge: maxAge(fields, browser: browser))
        if !grant.allows(method: method, credentials: credentials) {
            return .failure(.methodDisallowedByPreflightResponse(method))
        }
        for name in CORSSafelist.unsafeNames(headers, browser: browser) where !grant.allows(headerName: name, credentials: credentials) {
            return .failure(.headerDisallowedByPreflightResponse(name))
        }
        return .success(grant)
    }

    /// Fetch §2.2.6 "redirect status".
    public static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// A comma-separated list of tokens, empty items skipped (as Chromium parses it); `nil` when an
    /// item is not a token.
    static func tokenList(_ value: String) -> [String]? {
        var items: [String] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingHTTPWhitespace()
            if trimmed.isEmpty { continue }
            guard FetchVocabulary.isToken(trimmed) else { return nil }
            items.append(trimmed)
        }
        return items
    }

    /// Access-Control-Max-Age as a non-negative integer of seconds (Fetch §4.8 step 7.7), `nil`
    /// when absent; when present but unparsable, what `browser` does with it.
    static func maxAge(_ fields: HTTPFields, browser: BrowserProfile = .chromium) -> Int? {
        let values = fields[values: .accessControlMaxAge]
        if values.isEmpty { return nil }
        guard values.count == 1, let text = values.first, !text.isEmpty,
            text.allSatisfy({ $0.isASCIIDigit }) || (text.first == "-" && text.dropFirst().allSatisfy(\.isASCIIDigit))
        else { return browser.unparsableMaxAgeSeconds }
        // Too many digits for an Int: a huge negative is still negative (0), a huge positive the most.
        return Int(text).map { max($0, 0) } ?? (text.first == "-" ? 0 : Int.max)
    }
}

extension CORSPreflight.Grant {
    /// Fetch §4.8 step 7.5: a safelisted method, a listed one (case-sensitive), or `*` without credentials.
    public func allows(method: String, credentials: CredentialsMode) -> Bool {
        FetchVocabulary.safelistedMethods.contains(method) || methods.contains(method)
            || (!credentials.includesCredentialsCrossOrigin && methods.contains("*"))
    }

    /// Fetch §4.8 steps 7.6-7.8: a listed name (case-insensitive), or `*` without credentials.
    /// The standard says `*` never covers `authorization`; Chromium 156 lets it (a preflight
    /// answered `Access-Control-Allow-Headers: *` lets a non-credentialed fetch send
    /// Authorization), and this models Chromium. Servers should still name Authorization.
    public func allows(headerName: String, credentials: CredentialsMode) -> Bool {
        let lower = headerName.lowercased()
        if headerNames.contains(where: { $0.lowercased() == lower }) { return true }
        return !credentials.includesCredentialsCrossOrigin && headerNames.contains("*")
    }
}
