import CORS
import HTTPTypes

/// Which response headers a script may read from a CORS response (Fetch §3.2.4 and the
/// "CORS-filtered response"): the CORS-safelisted response-header names, plus those
/// Access-Control-Expose-Headers lists (`*` means all, but only without credentials), never
/// Set-Cookie.
public enum ReadableResponseHeaders {
    /// The names (lowercased, in the response's order, without duplicates) a script could read.
    public static func names(of fields: HTTPFields, credentials: CredentialsMode) -> [String] {
        let exposedValue = fields[values: .accessControlExposeHeaders].joined(separator: ",")
        let exposed = Set((CORSPreflight.tokenList(exposedValue) ?? []).map { $0.lowercased() })
        let all = exposed.contains("*") && !credentials.includesCredentialsCrossOrigin
        var seen: Set<String> = []
        var names: [String] = []
        for field in fields {
            let name = field.name.canonicalName
            guard !FetchVocabulary.forbiddenResponseHeaders.contains(name), !seen.contains(name) else { continue }
            if all || FetchVocabulary.safelistedResponseHeaders.contains(name) || exposed.contains(name) {
                seen.insert(name)
                names.append(name)
            }
        }
        return names
    }
}
