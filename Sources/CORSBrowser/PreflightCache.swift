import Synchronization

/// The CORS-preflight cache (Fetch §4.9): what a preflight granted, reused until its max-age runs
/// out, keyed by the page's origin and the URL, as Chromium keys it.
///
/// The standard also keys by credentials, and so does Firefox 153; Chromium 156 instead remembers
/// whether the preflight was for a credentialed request, lets such an entry serve requests of
/// either kind, and lets an uncredentialed one serve only uncredentialed requests (observed by the
/// agreement suites). Which applies, and the cap, come from the `BrowserProfile`.
public final class PreflightCache: Sendable {
    /// The longest a browser keeps an entry, whatever Access-Control-Max-Age says.
    public enum Cap: Sendable {
        /// Chromium's cap: 7200 seconds (two hours).
        case chromium
        /// Firefox's cap: 86400 seconds (a day).
        case firefox
        /// WebKit's cap: 600 seconds (from its documentation; no suite runs WebKit).
        case webkit
        /// The cap in seconds.
        public var seconds: Int {
            switch self {
            case .chromium: return 7200
            case .firefox: return 86400
            case .webkit: return 600
            }
        }
    }

    /// Max-age when the preflight sent none (Fetch §4.8 step 7.7).
    public static let defaultMaxAge = 5

    struct Key: Hashable {
        var origin: String
        var url: String
        /// Whether the entry is for credentialed requests, where the browser keys by it; else false.
        var credentials: Bool = false
    }

    struct Entry {
        var grant: CORSPreflight.Grant
        /// Whether the preflight was for a credentialed request.
        var credentials: Bool
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let capSeconds: Int
    /// The browser whose cache this is.
    public let browser: BrowserProfile
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - cap: the browser whose cap applies (Chromium by default); keying and `*` are Chromium's.
    ///   - now: the clock, injectable for tests.
    public init(cap: Cap = .chromium, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.capSeconds = cap.seconds
        self.browser = .chromium
        self.now = now
    }

    /// A cache that behaves as `browser`'s does: its cap, its key, its reading of a cached `*`.
    public init(browser: BrowserProfile, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.capSeconds = browser.maxAgeCap
        self.browser = browser
        self.now = now
    }

    /// How long a grant stays: its max-age (5 s when absent, 0 when negative), capped.
    public func lifetime(of grant: CORSPreflight.Grant) -> Int {
        min(grant.maxAge ?? Self.defaultMaxAge, capSeconds)
    }

    /// Remembers what a successful preflight granted (nothing when its lifetime is 0).
    public func store(_ grant: CORSPreflight.Grant, origin: String, url: String, credentials: CredentialsMode) {
        let seconds = lifetime(of: grant)
        guard seconds > 0 else { return }
        let key = key(origin, url, credentials.includesCredentialsCrossOrigin)
        let entry = Entry(grant: grant, credentials: credentials.includesCredentialsCrossOrigin, expires: now().advanced(by: .seconds(seconds)))
        entries.withLock { $0[key] = entry }
    }

    /// Whether a fresh entry covers this method and these headers, so no preflight is sent (Fetch
    /// §4.9 "method cache entry match" and "header-name cache entry match"). A credentialed request
    /// needs an entry from a credentialed preflight; `*` in an entry counts as a wildcard only if
    /// that preflight was uncredentialed, and in Firefox never. The headers are judged safelisted
    /// or not as the cache's browser judges them.
    public func covers(
        origin: String,
        url: String,
        credentials: CredentialsMode,
        method: String,
        headers: [(name: String, value: String)]
    ) -> Bool {
        let key = key(origin, url, credentials.includesCredentialsCrossOrigin)
        let instant = now()
        guard
            let entry = entries.withLock({ entries -> Entry? in
                guard let entry = entries[key] else { return nil }
                if entry.expires <= instant {
                    entries[key] = nil
                    return nil
                }
                return entry
            })
        else { return false }
        if credentials.includesCredentialsCrossOrigin && !entry.credentials { return false }
        // A `*` counts only from an uncredentialed preflight, and only where the browser reads it so.
        let granted: CredentialsMode = entry.credentials || !browser.cachedWildcardCoversNames ? .include : .omit
        guard entry.grant.allows(method: method, credentials: granted) else { return false }
        return CORSSafelist.unsafeNames(headers, browser: browser).allSatisfy { entry.grant.allows(headerName: $0, credentials: granted) }
    }

    private func key(_ origin: String, _ url: String, _ credentialed: Bool) -> Key {
        Key(origin: origin, url: url, credentials: browser.preflightCacheKeyedByCredentials && credentialed)
    }

    /// An entry with its remaining lifetime, for keeping the cache between processes
    /// (`cors check --preflight-cache FILE`).
    public struct SavedEntry: Codable, Sendable, Hashable {
        /// The page's origin the preflight was made from.
        public var origin: String
        /// The URL the preflight was made for.
        public var url: String
        /// Whether the preflight was for a credentialed request.
        public var credentials: Bool
        /// The methods the preflight's answer allowed.
        public var methods: [String]
        /// The header names the preflight's answer allowed.
        public var headerNames: [String]
        /// The Access-Control-Max-Age the answer gave, `nil` when none.
        public var maxAge: Int?
        /// Seconds the entry had left when saved.
        public var secondsLeft: Double
    }

    /// The fresh entries, with their remaining lifetimes.
    public func saved() -> [SavedEntry] {
        let instant = now()
        return entries.withLock { entries in
            entries.compactMap { key, entry in
                let left = instant.duration(to: entry.expires)
                guard left > .zero else { return nil }
                let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
                return SavedEntry(
                    origin: key.origin,
                    url: key.url,
                    credentials: entry.credentials,
                    methods: entry.grant.methods,
                    headerNames: entry.grant.headerNames,
                    maxAge: entry.grant.maxAge,
                    secondsLeft: seconds
                )
            }
        }
    }

    /// Restores saved entries, `elapsed` seconds after they were saved.
    public func restore(_ saved: [SavedEntry], elapsed: Double) {
        let instant = now()
        entries.withLock { entries in
            for entry in saved where entry.secondsLeft - elapsed > 0 {
                let key = key(entry.origin, entry.url, entry.credentials)
                let grant = CORSPreflight.Grant(methods: entry.methods, headerNames: entry.headerNames, maxAge: entry.maxAge)
                entries[key] = Entry(
                    grant: grant,
                    credentials: entry.credentials,
                    expires: instant.advanced(by: .milliseconds(Int((entry.secondsLeft - elapsed) * 1000)))
                )
            }
        }
    }
}
