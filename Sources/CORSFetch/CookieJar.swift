import CORS
import Synchronization

/// The cookies a sequence of fetches from one page accumulates, kept per host, so
/// `cors check --cookie-jar FILE` calls behave like fetches from one page. Deliberately simple:
/// it stores `name=value` per host and ignores Path, Domain, Expires and SameSite (on 127.0.0.1
/// and localhost, where a page and its API differ only by port, they are same-site anyway).
public final class CookieJar: Sendable {
    private let cookies: Mutex<[String: [String: String]]>

    /// A jar holding `saved` (host to name to value), empty by default.
    public init(_ saved: [String: [String: String]] = [:]) {
        cookies = Mutex(saved)
    }

    /// Everything stored, for saving.
    public var contents: [String: [String: String]] { cookies.withLock { $0 } }

    /// The Cookie header value for `host`, or `nil` when there is none.
    public func header(for host: String) -> String? {
        let stored = cookies.withLock { $0[host] ?? [:] }
        guard !stored.isEmpty else { return nil }
        return stored.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }

    /// Stores each Set-Cookie value's `name=value` for `host`.
    public func store(setCookie values: [String], host: String) {
        guard !values.isEmpty else { return }
        cookies.withLock { cookies in
            for value in values {
                let pair = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = String(pair[..<equals]).trimmingHTTPWhitespace()
                let cookieValue = String(pair[pair.index(after: equals)...]).trimmingHTTPWhitespace()
                guard !name.isEmpty else { continue }
                cookies[host, default: [:]][name] = cookieValue
            }
        }
    }
}
