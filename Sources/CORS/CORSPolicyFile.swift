/// The JSON policy file: the keys of `CORSPolicy` (without the predicate), read strictly and
/// written back in a canonical order, so `read(write(policy)) == policy`.
public enum CORSPolicyFile {
    /// Every key a policy file may have, in the order `write` uses.
    public static let keys = [
        "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "allowCredentials", "maxAge",
        "preflightStatus", "preflightPassthrough", "dangerouslyAllowNullOrigin",
        "dangerouslyAllowInsecureOriginsWithCredentials", "dangerouslyAllowSubdomainsOfPublicSuffixes",
    ]

    /// A key that is unknown or holds the wrong kind of value: the policy is invalid, but the file is JSON.
    public enum Problem: Sendable, Hashable, CustomStringConvertible {
        /// A key no policy has; `suggestion` is the valid key it is closest to, if it looks like a typo.
        case unknownKey(String, line: Int, column: Int, suggestion: String?)
        /// A key given twice; the first one counts.
        case duplicateKey(String, line: Int, column: Int)
        /// A key whose value is of the wrong kind (`expected` and `found` are for the message).
        case wrongType(key: String, line: Int, column: Int, expected: String, found: String)
        /// The file is JSON but not an object.
        case notAnObject(found: String)

        /// The problem as `cors lint` prints it: `error: line:column: what; the fix`.
        public var description: String {
            switch self {
            case .unknownKey(let key, let line, let column, let suggestion):
                let hint = suggestion.map { "did you mean \"\($0)\"?" } ?? "valid keys are \(CORSPolicyFile.keys.joined(separator: ", "))"
                return "error: \(line):\(column): unknown key \"\(key)\"; \(hint)"
            case .duplicateKey(let key, let line, let column):
                return "error: \(line):\(column): key \"\(key)\" appears twice; keep one"
            case .wrongType(let key, let line, let column, let expected, let found):
                return "error: \(line):\(column): \(key) must be \(expected), found \(found)"
            case .notAnObject(let found):
                return "error: 1:1: a policy file is a JSON object ({ \"allowOrigins\": [...] }), found \(found)"
            }
        }
    }

    /// Reads a policy file. Throws only when the text is not JSON; key problems are returned with
    /// the policy built from the keys that were fine, so every problem can be reported at once.
    public static func read(_ text: String) throws(JSONSyntaxError) -> (policy: CORSPolicy, problems: [Problem]) {
        read(try JSONReader.parse(text))
    }

    /// Reads a policy from an already parsed value: for files that hold policies inside (routes).
    public static func read(_ json: JSONValue) -> (policy: CORSPolicy, problems: [Problem]) {
        var policy = CORSPolicy()
        var problems: [Problem] = []
        guard case .object(let members) = json else { return (policy, [.notAnObject(found: json.kindName)]) }
        var seen: Set<String> = []
        for member in members {
            let key = member.key
            if !seen.insert(key).inserted {
                problems.append(.duplicateKey(key, line: member.line, column: member.column))
                continue
            }
            func wrong(_ expected: String) {
                problems.append(
                    .wrongType(
                        key: key,
                        line: member.line,
                        column: member.column,
                        expected: expected,
                        found: member.value.kindName
                    )
                )
            }
            func stringList(allowingStar: Bool) -> [String]? {
                switch member.value {
                case .string("*") where allowingStar: return ["*"]
                case .array(let elements):
                    var strings: [String] = []
                    for element in elements {
                        guard case .string(let string) = element else { return nil }
                        strings.append(string)
                    }
                    return strings
                default: return nil
                }
            }
            func bool() -> Bool? {
                if case .bool(let value) = member.value { return value }
                return nil
            }
            func integer() -> Int? {
                if case .number(let text) = member.value { return Int(text) }
                return nil
            }
            switch key {
            case "allowOrigins":
                if let list = stringList(allowingStar: true) { policy.allowOrigins = list } else { wrong("\"*\" or a list of origin strings") }
            case "allowMethods":
                if let list = stringList(allowingStar: true) { policy.allowMethods = list } else { wrong("\"*\" or a list of method names") }
            case "allowHeaders":
                if let list = stringList(allowingStar: true) { policy.allowHeaders = list } else { wrong("\"*\" or a list of header names") }
            case "exposeHeaders":
                if let list = stringList(allowingStar: true) { policy.exposeHeaders = list } else { wrong("\"*\" or a list of header names") }
            case "allowCredentials":
                if let value = bool() { policy.allowCredentials = value } else { wrong("true or false") }
            case "maxAge":
                if case .null = member.value {
                    policy.maxAge = nil
                } else if let value = integer() {
                    policy.maxAge = value
                } else {
                    wrong("a whole number of seconds")
                }
            case "preflightStatus":
                if let value = integer() { policy.preflightStatus = value } else { wrong("a status code such as 204") }
            case "preflightPassthrough":
                if let value = bool() { policy.preflightPassthrough = value } else { wrong("true or false") }
            case "dangerouslyAllowNullOrigin":
                if let value = bool() { policy.dangerouslyAllowNullOrigin = value } else { wrong("true or false") }
            case "dangerouslyAllowInsecureOriginsWithCredentials":
                if let value = bool() { policy.dangerouslyAllowInsecureOriginsWithCredentials = value } else { wrong("true or false") }
            case "dangerouslyAllowSubdomainsOfPublicSuffixes":
                if let value = bool() { policy.dangerouslyAllowSubdomainsOfPublicSuffixes = value } else { wrong("true or false") }
            default:
                problems.append(.unknownKey(key, line: member.line, column: member.column, suggestion: nearestKey(to: key)))
            }
        }
        return (policy, problems)
    }

    /// Writes `policy` as a policy file: canonical key order, defaults left out, lone `"*"` as a string.
    public static func write(_ policy: CORSPolicy) -> String {
        var lines: [String] = []
        func list(_ values: [String]) -> String {
            values == ["*"] ? "\"*\"" : "[" + values.map(JSONValue.quoted).joined(separator: ", ") + "]"
        }
        lines.append("  \"allowOrigins\": \(list(policy.allowOrigins))")
        if !policy.allowMethods.isEmpty { lines.append("  \"allowMethods\": \(list(policy.allowMethods))") }
        if !policy.allowHeaders.isEmpty { lines.append("  \"allowHeaders\": \(list(policy.allowHeaders))") }
        if !policy.exposeHeaders.isEmpty { lines.append("  \"exposeHeaders\": \(list(policy.exposeHeaders))") }
        if policy.allowCredentials { lines.append("  \"allowCredentials\": true") }
        if let maxAge = policy.maxAge { lines.append("  \"maxAge\": \(maxAge)") }
        if policy.preflightStatus != 204 { lines.append("  \"preflightStatus\": \(policy.preflightStatus)") }
        if policy.preflightPassthrough { lines.append("  \"preflightPassthrough\": true") }
        if policy.dangerouslyAllowNullOrigin { lines.append("  \"dangerouslyAllowNullOrigin\": true") }
        if policy.dangerouslyAllowInsecureOriginsWithCredentials {
            lines.append("  \"dangerouslyAllowInsecureOriginsWithCredentials\": true")
        }
        if policy.dangerouslyAllowSubdomainsOfPublicSuffixes {
            lines.append("  \"dangerouslyAllowSubdomainsOfPublicSuffixes\": true")
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
    }

    /// The valid key closest to `key` by edit distance (case-insensitive), if it is close enough to be a typo.
    static func nearestKey(to key: String) -> String? { nearestKey(to: key, among: keys) }

    /// The one of `candidates` closest to `key` (case-insensitive), if close enough to be a typo:
    /// for every file that embeds policies and says "did you mean".
    public static func nearestKey(to key: String, among candidates: [String]) -> String? {
        let lower = Array(key.lowercased())
        let typo = max(2, key.count / 3)
        var best: (key: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            // Lengths further apart than a typo cannot be one: skip the table (a long key costs
            // its length times each candidate's).
            guard abs(lower.count - other.count) <= typo else { continue }
            let distance = editDistance(lower, other)
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let best, best.distance <= typo else { return nil }
        return best.key
    }

    /// Levenshtein distance, one row of the table kept at a time.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        var current = previous
        for i in a.indices {
            current[0] = i + 1
            for j in b.indices {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a[i] == b[j] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
