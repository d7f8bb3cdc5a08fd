import HTTPTypes

/// The CORS check (Fetch §4.10) on a response, in the order Chromium makes it
/// (`network::cors::CheckAccess`): Access-Control-Allow-Origin present, `*` (only without
/// credentials), then an exact match with the page's origin (several values and unparsable values
/// named as such), then Access-Control-Allow-Credentials exactly `true` when credentials are included.
/// Firefox checks in the same order but counts several values only as several lines, and calls
/// every other inequality a mismatch (`BrowserProfile`).
public enum CORSAccessCheck {
    /// `nil` when the response may be read; otherwise why not. `preflight` selects the
    /// Preflight- forms of the kinds.
    public static func check(
        _ fields: HTTPFields,
        origin: String,
        credentials: CredentialsMode,
        preflight: Bool = false,
        browser: BrowserProfile = .chromium
    ) -> CORSBlockReason? {
        // Several lines are combined with ", " (Fetch "get"), which is how several values show.
        let allowOriginValues = fields[values: .accessControlAllowOrigin]
        guard !allowOriginValues.isEmpty else { return .missingAllowOriginHeader(preflight: preflight) }
        let allowOrigin = allowOriginValues.joined(separator: ", ")
        if browser.severalAllowOriginValuesNeedSeveralLines && allowOriginValues.count > 1 {
            return .multipleAllowOriginValues(allowOrigin, preflight: preflight)
        }
        if allowOrigin == "*" {
            return credentials.includesCredentialsCrossOrigin ? .wildcardOriginNotAllowed(preflight: preflight) : nil
        }
        if allowOrigin != origin {
            if !browser.distinguishesInvalidAllowOrigin { return .allowOriginMismatch(allowOrigin, preflight: preflight) }
            if allowOrigin.contains(",") || allowOrigin.contains(" ") {
                return .multipleAllowOriginValues(allowOrigin, preflight: preflight)
            }
            // `null` is a valid value (an opaque origin's serialization) that merely does not match:
            // Chromium 156 reports it as a mismatch, as the agreement suite observed.
            if allowOrigin != "null" && !looksLikeURL(allowOrigin) {
                return .invalidAllowOriginValue(allowOrigin, preflight: preflight)
            }
            return .allowOriginMismatch(allowOrigin, preflight: preflight)
        }
        if credentials.includesCredentialsCrossOrigin {
            let allowCredentials = fields[values: .accessControlAllowCredentials].joined(separator: ", ")
            if allowCredentials != "true" { return .invalidAllowCredentials(allowCredentials, preflight: preflight) }
        }
        return nil
    }

    /// Whether Chromium's URL parser would accept the value (a scheme, and for special schemes a host):
    /// what separates "invalid value" from "mismatch" in its wording.
    static func looksLikeURL(_ value: String) -> Bool {
        guard let colon = value.firstIndex(of: ":"), colon != value.startIndex else { return false }
        let scheme = value[..<colon]
        guard let first = scheme.first, first.isLetter, first.isASCII,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return false }
        let rest = value[value.index(after: colon)...]
        if ["http", "https", "ws", "wss", "ftp"].contains(scheme.lowercased()) {
            let host = rest.drop { $0 == "/" || $0 == "\\" }
            return !host.isEmpty && host.first != ":"
        }
        return true
    }
}
