/// The Public Suffix List: domains under which anyone may register a name (`com`, `co.uk`, `github.io`).
/// A subdomain pattern whose base is one of them trusts every site registered there.
/// The snapshot ships with the package; regenerate it with `Scripts/generate-public-suffix-list.py`.
public enum PublicSuffixList {
    struct Rules: Sendable {
        var exact: Set<String> = []
        var wildcard: Set<String> = []  // the part after `*.`
        var exceptions: Set<String> = []
    }

    static let rules: Rules = {
        var rules = Rules()
        for line in snapshotRules.split(separator: "\n") {
            if line.hasPrefix("!") {
                rules.exceptions.insert(String(line.dropFirst()))
            } else if line.hasPrefix("*.") {
                rules.wildcard.insert(String(line.dropFirst(2)))
            } else {
                rules.exact.insert(String(line))
            }
        }
        return rules
    }()

    /// Whether `domain` (lowercase ASCII, no trailing dot) is itself a public suffix, by the
    /// list's algorithm: an exception rule wins, then an exact or wildcard rule, and a single
    /// label is a public suffix by the implicit `*` rule.
    public static func isPublicSuffix(_ domain: String) -> Bool {
        let rules = Self.rules
        if rules.exceptions.contains(domain) { return false }
        if rules.exact.contains(domain) { return true }
        if let dot = domain.firstIndex(of: ".") {
            return rules.wildcard.contains(String(domain[domain.index(after: dot)...]))
        }
        return true
    }
}
