/// Different policies for different parts of an API, chosen by path prefix: for example a public
/// read-only API under `/public` with `*`, and an authenticated one under `/api` with credentials
/// and an exact origin list.
///
/// Rules: prefixes match whole path segments (`/api` covers `/api` and `/api/users`, not
/// `/apis`); the longest matching prefix wins, and its policy applies whole (policies never
/// merge), so a nested `/api/admin` policy replaces `/api`'s for everything under it. Paths no
/// prefix covers get the fallback policy, or no CORS handling at all when there is none.
/// Choosing by path before routing is what lets preflights succeed for routes that have no
/// OPTIONS handler: the router never sees them.
public struct CORSRoutes: Sendable {
    let entries: [(prefix: String, responder: CORSResponder)]
    let fallback: CORSResponder?

    /// Validates every policy; an error names the route it is in.
    public init(_ routes: [String: CORSPolicy], fallback: CORSPolicy? = nil) throws(CORSRoutesError) {
        var entries: [(String, CORSResponder)] = []
        for (prefix, policy) in routes {
            let normalized = prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            guard normalized.hasPrefix("/") else { throw .prefixNotAPath(prefix) }
            do {
                entries.append((normalized, try CORSResponder(policy: policy)))
            } catch {
                throw .invalidPolicy(route: prefix, error)
            }
        }
        // Longest first, so the first match is the most specific.
        self.entries = entries.sorted { $0.0.utf8.count > $1.0.utf8.count }
        if let fallback {
            do { self.fallback = try CORSResponder(policy: fallback) } catch { throw .invalidPolicy(route: nil, error) }
        } else {
            self.fallback = nil
        }
    }

    /// The responder for `path` (without query), or `nil` when no policy covers it.
    public func responder(forPath path: String) -> CORSResponder? {
        for entry in entries where Self.covers(entry.prefix, path) { return entry.responder }
        return fallback
    }

    /// Whether `prefix` covers `path` by whole segments (`/api` covers `/api/x`, not `/apis`).
    @inline(__always)
    public static func covers(_ prefix: String, _ path: String) -> Bool {
        if prefix == "/" { return true }
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.utf8.dropFirst(prefix.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "/")
    }
}

/// Why a set of per-route policies cannot be used.
public enum CORSRoutesError: Error, Sendable, CustomStringConvertible {
    /// A route's policy (or the fallback's, when `route` is nil) is invalid.
    case invalidPolicy(route: String?, CORSPolicyValidationError)
    /// A prefix that does not start with `/`.
    case prefixNotAPath(String)

    /// The problem in words: the route's policy diagnostics, one per line, or the prefix to fix.
    public var description: String {
        switch self {
        case .invalidPolicy(let route, let error):
            let place = route.map { "the policy for \($0)" } ?? "the fallback policy"
            return error.diagnostics.lines.map { "\(place): \($0)" }.joined(separator: "\n")
        case .prefixNotAPath(let prefix):
            return "route prefix \"\(prefix)\" is not a path; write it with a leading slash: \"/\(prefix)\""
        }
    }
}

/// Where an adapter gets the responder for a request: one fixed policy, a swappable one, or
/// per-route policies.
public enum CORSResponderSource: Sendable {
    /// One policy for every request.
    case fixed(CORSResponder)
    /// Whatever policy the store holds when the request arrives.
    case store(CORSResponderStore)
    /// The policy of the longest prefix covering the request's path.
    case routes(CORSRoutes)

    /// The responder for a request to `path`, or `nil` when no policy covers it (the request then
    /// gets no CORS handling). `path` is evaluated only for per-route policies.
    @inline(__always)
    public func responder(forPath path: @autoclosure () -> String) -> CORSResponder? {
        switch self {
        case .fixed(let responder): return responder
        case .store(let store): return store.responder
        case .routes(let routes): return routes.responder(forPath: path())
        }
    }
}
