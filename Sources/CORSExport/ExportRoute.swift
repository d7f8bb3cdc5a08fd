import CORS

/// One policy for the paths under `prefix` (whole segments, longest prefix wins, as `CORSRoutes`).
public struct ExportRoute: Sendable {
    /// The path prefix, starting with `/` (`/` for every path).
    public var prefix: String
    /// The policy for the paths under it.
    public var policy: CORSPolicy

    /// A route applying `policy` under `prefix`.
    public init(prefix: String, policy: CORSPolicy) {
        self.prefix = prefix
        self.policy = policy
    }

    /// Reads a policy file (one route for every path) or a routes file
    /// `{"routes": [{"prefix": "/api", "policy": {...}}, ...]}`; every problem at once, located.
    public static func read(_ text: String) throws(ExportError) -> [ExportRoute] {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw .unreadable("\(error)") }
        guard case .object(let members) = json, members.contains(where: { $0.key == "routes" }) else {
            let (policy, problems) = CORSPolicyFile.read(json)
            guard problems.isEmpty else { throw .invalidFile(problems.map { "\($0)" }) }
            return [ExportRoute(prefix: "/", policy: policy)]
        }
        var problems: [String] = []
        var routes: [ExportRoute] = []
        for member in members where member.key != "routes" {
            problems.append("\(member.line):\(member.column): unknown key \"\(member.key)\"; a routes file has only \"routes\"")
        }
        guard case .array(let items) = members.first(where: { $0.key == "routes" })!.value else {
            throw .invalidFile(problems + ["routes: must be a list of {\"prefix\": \"/path\", \"policy\": {...}}"])
        }
        if items.isEmpty { problems.append("routes: the list is empty; give at least one route") }
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else {
                problems.append("routes[\(index)]: must be an object {\"prefix\": \"/path\", \"policy\": {...}}")
                continue
            }
            for field in fields where field.key != "prefix" && field.key != "policy" {
                let hint = CORSPolicyFile.nearestKey(to: field.key, among: ["prefix", "policy"]).map { "; did you mean \"\($0)\"?" } ?? ""
                problems.append("routes[\(index)]: unknown key \"\(field.key)\"\(hint)")
            }
            guard case .string(let prefix)? = fields.first(where: { $0.key == "prefix" })?.value,
                prefix.hasPrefix("/"),
                !prefix.contains(where: {
                    $0 == " " || $0 == "?" || $0 == "#" || $0 == "\"" || $0 == "'" || $0 == "\\" || $0 == "{" || $0 == "}" || $0 == ";"
                        || $0.asciiValue.map { $0 < 0x21 || $0 > 0x7E } ?? true
                })
            else {
                problems.append("routes[\(index)].prefix: must be a path starting with / (no spaces, quotes, braces, ? or #)")
                continue
            }
            guard let policyJSON = fields.first(where: { $0.key == "policy" })?.value else {
                problems.append("routes[\(index)]: no \"policy\"")
                continue
            }
            let (policy, policyProblems) = CORSPolicyFile.read(policyJSON)
            problems += policyProblems.map { "routes[\(index)].policy: \($0)" }
            let normalized = prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            if routes.contains(where: { $0.prefix == normalized }) {
                problems.append("routes[\(index)].prefix: \"\(prefix)\" is given twice")
            }
            routes.append(ExportRoute(prefix: normalized, policy: policy))
        }
        guard problems.isEmpty else { throw .invalidFile(problems) }
        // Longest first: the order every format tries them in.
        return routes.sorted { $0.prefix.utf8.count > $1.prefix.utf8.count }
    }
}
