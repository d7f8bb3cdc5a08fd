/// The browser whose CORS behaviour the engine reproduces. Chromium and Firefox follow the Fetch
/// Standard in most things; every place where they differ is one property here, named for what
/// differs, each observed in the real browsers by the agreement suites (`ChromiumAgreementTests`,
/// `FirefoxAgreementTests`) except `maxAgeCap`, which no test can wait out (it is the browsers'
/// documented cap).
public struct BrowserProfile: Sendable, Hashable, CustomStringConvertible {
    /// The browsers there is a profile for; the raw value is what `cors check --browser` takes.
    public enum Name: String, Sendable, CaseIterable {
        /// Chromium, and the browsers built on it (Chrome, Edge): observed on Chromium 156.
        case chromium
        /// Firefox: observed on Firefox 153 ESR.
        case firefox
    }
    /// Which browser this is, for the wording that is rendered per browser by name.
    public let name: Name

    /// Chromium also safelists client-hint request headers (DPR, Save-Data, Device-Memory, Width,
    /// Viewport-Width, Downlink, ECT, RTT) with well-formed values; Firefox preflights them, as the
    /// standard does (Fetch §2.2.2).
    public let safelistsClientHints: Bool

    /// What counts as several Access-Control-Allow-Origin values: Chromium reads a comma or space
    /// inside one line as several; Firefox only several lines, and compares one line whole.
    public let severalAllowOriginValuesNeedSeveralLines: Bool

    /// Whether Chromium's "invalid value" is told apart from a mismatch; Firefox says "does not match".
    public let distinguishesInvalidAllowOrigin: Bool

    /// How long an answer whose Access-Control-Max-Age is present but not a whole number of seconds
    /// is cached: Chromium uses the 5 s default (`nil` here), Firefox does not cache it (0).
    public let unparsableMaxAgeSeconds: Int?

    /// The most seconds a preflight is cached, whatever Access-Control-Max-Age says.
    public let maxAgeCap: Int

    /// The preflight cache's key includes the credentials mode (Fetch §4.9; Firefox). Chromium keys
    /// by origin and URL only: a credentialed entry also serves uncredentialed requests.
    public let preflightCacheKeyedByCredentials: Bool

    /// A cached `*` covers other methods and header names (Chromium, for uncredentialed entries).
    /// Firefox's cache compares names only, so `*` there matches nothing else.
    public let cachedWildcardCoversNames: Bool

    /// Once a request was preflighted, every redirected hop is preflighted again, even when the
    /// request no longer needs it (Firefox: the preflight's method is the hop's, and its Origin the
    /// page's even where the hop itself carries `null`). Chromium preflights a hop only if needed.
    public let preflightsEveryHopAfterAPreflight: Bool

    /// A 3xx with an empty Location: Chromium hands the response to the page; Firefox resolves ""
    /// to the same URL and follows it until the redirect limit.
    public let followsEmptyLocation: Bool

    /// How many redirects are followed before the fetch fails (Fetch §4.4 step 5: 20).
    public let redirectLimit: Int

    /// A name a script sets twice: Chromium combines the values into one header (", ") before the
    /// safelist judges it, so two 70-byte Accepts make one unsafe 142-byte value; Firefox keeps
    /// the entries apart, as the standard's header list does, and judges each alone.
    public let combinesRepeatedHeaders: Bool

    /// Access-Control-Request-Headers names a header once (Fetch §2.2.2 "CORS-unsafe request-header
    /// names" is a set; Chromium), or once per entry set (Firefox: `x-a,x-a`).
    public let listsRepeatedNamesInPreflight: Bool

    /// Chromium silently drops a User-Agent a script sets (the standard no longer forbids it, and
    /// Firefox sends it, so it needs a preflight there).
    public let dropsUserAgent: Bool

    /// Chromium 156's behaviour: the default everywhere a profile is taken.
    public static let chromium = BrowserProfile(
        name: .chromium,
        safelistsClientHints: true,
        severalAllowOriginValuesNeedSeveralLines: false,
        distinguishesInvalidAllowOrigin: true,
        unparsableMaxAgeSeconds: nil,
        maxAgeCap: 7200,
        preflightCacheKeyedByCredentials: false,
        cachedWildcardCoversNames: true,
        preflightsEveryHopAfterAPreflight: false,
        followsEmptyLocation: false,
        redirectLimit: 20,
        dropsUserAgent: true,
        combinesRepeatedHeaders: true,
        listsRepeatedNamesInPreflight: false
    )

    /// Firefox 153 ESR's behaviour.
    public static let firefox = BrowserProfile(
        name: .firefox,
        safelistsClientHints: false,
        severalAllowOriginValuesNeedSeveralLines: true,
        distinguishesInvalidAllowOrigin: false,
        unparsableMaxAgeSeconds: 0,
        maxAgeCap: 86400,
        preflightCacheKeyedByCredentials: true,
        cachedWildcardCoversNames: false,
        preflightsEveryHopAfterAPreflight: true,
        followsEmptyLocation: true,
        redirectLimit: 20,
        dropsUserAgent: false,
        combinesRepeatedHeaders: false,
        listsRepeatedNamesInPreflight: true
    )

    /// Every profile, in the order `cors check --browser all` reports them.
    public static let all: [BrowserProfile] = [.chromium, .firefox]

    /// The profile named `name` (`chromium`, `firefox`), case-insensitively.
    public init?(named name: String) {
        switch Name(rawValue: name.lowercased()) {
        case .chromium: self = .chromium
        case .firefox: self = .firefox
        case nil: return nil
        }
    }

    private init(
        name: Name,
        safelistsClientHints: Bool,
        severalAllowOriginValuesNeedSeveralLines: Bool,
        distinguishesInvalidAllowOrigin: Bool,
        unparsableMaxAgeSeconds: Int?,
        maxAgeCap: Int,
        preflightCacheKeyedByCredentials: Bool,
        cachedWildcardCoversNames: Bool,
        preflightsEveryHopAfterAPreflight: Bool,
        followsEmptyLocation: Bool,
        redirectLimit: Int,
        dropsUserAgent: Bool,
        combinesRepeatedHeaders: Bool,
        listsRepeatedNamesInPreflight: Bool
    ) {
        self.combinesRepeatedHeaders = combinesRepeatedHeaders
        self.listsRepeatedNamesInPreflight = listsRepeatedNamesInPreflight
        self.dropsUserAgent = dropsUserAgent
        self.name = name
        self.safelistsClientHints = safelistsClientHints
        self.severalAllowOriginValuesNeedSeveralLines = severalAllowOriginValuesNeedSeveralLines
        self.distinguishesInvalidAllowOrigin = distinguishesInvalidAllowOrigin
        self.unparsableMaxAgeSeconds = unparsableMaxAgeSeconds
        self.maxAgeCap = maxAgeCap
        self.preflightCacheKeyedByCredentials = preflightCacheKeyedByCredentials
        self.cachedWildcardCoversNames = cachedWildcardCoversNames
        self.preflightsEveryHopAfterAPreflight = preflightsEveryHopAfterAPreflight
        self.followsEmptyLocation = followsEmptyLocation
        self.redirectLimit = redirectLimit
    }

    /// "Chromium", "Firefox".
    public var description: String {
        switch name {
        case .chromium: "Chromium"
        case .firefox: "Firefox"
        }
    }
}
