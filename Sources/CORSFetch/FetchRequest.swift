import CORS
import CORSBrowser

/// A `fetch(url, {method, headers, body, credentials, mode, redirect})` call made by a page at
/// `origin`, before the browser has looked at it.
public struct FetchRequest: Sendable {
    /// fetch()'s `mode` (Fetch §2.2.5 "request mode").
    public enum Mode: String, Sendable, CaseIterable {
        /// The default: a cross-origin request follows the CORS protocol.
        case cors
        /// An opaque request: no preflight, no CORS check, nothing readable, safelisted methods only.
        case noCORS = "no-cors"
        /// Cross-origin requests fail before anything is sent.
        case sameOrigin = "same-origin"
    }
    /// fetch()'s `redirect` (Fetch §2.2.5 "request redirect mode").
    public enum Redirect: String, Sendable, CaseIterable {
        /// The default: redirects are followed, each hop checked again.
        case follow
        /// A redirect fails the fetch.
        case error
        /// A redirect is handed to the script as an opaque-redirect response.
        case manual
    }
    /// The request's cache mode. swift-cors keeps no HTTP cache, but the mode also decides whether
    /// the preflight cache is consulted: observed on Chromium 156, `no-store`, `reload` and
    /// `no-cache` send a fresh preflight, `default` and `force-cache` reuse a cached one.
    public enum Cache: String, Sendable, CaseIterable {
        /// The default: a cached preflight is reused.
        case `default`
        /// A fresh preflight.
        case noStore = "no-store"
        /// A fresh preflight.
        case reload
        /// A fresh preflight.
        case noCache = "no-cache"
        /// A cached preflight is reused.
        case forceCache = "force-cache"
        /// Allowed in `same-origin` mode only; a cached preflight is reused.
        case onlyIfCached = "only-if-cached"

        /// Whether a cached preflight may be reused.
        public var usesPreflightCache: Bool { self == .default || self == .forceCache || self == .onlyIfCached }
    }

    /// The absolute http(s) URL fetched.
    public var url: String
    /// The serialized origin of the page making the call.
    public var origin: String
    /// The method as the script wrote it (the browser normalizes the six well-known ones).
    public var method: String
    /// The headers the script set, in order, before the browser drops or combines any.
    public var headers: [(name: String, value: String)]
    /// A string body, if any (it adds `Content-Type: text/plain;charset=UTF-8` unless one is set).
    public var body: String?
    /// fetch()'s `credentials`: `same-origin` by default.
    public var credentials: CredentialsMode
    /// fetch()'s `mode`: `cors` by default.
    public var mode: Mode
    /// fetch()'s `redirect`: `follow` by default.
    public var redirect: Redirect
    /// fetch()'s `cache`: `default` by default.
    public var cache: Cache

    /// A call with fetch()'s defaults for everything not given.
    public init(
        url: String,
        origin: String,
        method: String = "GET",
        headers: [(name: String, value: String)] = [],
        body: String? = nil,
        credentials: CredentialsMode = .sameOrigin,
        mode: Mode = .cors,
        redirect: Redirect = .follow,
        cache: Cache = .default
    ) {
        self.cache = cache
        self.url = url
        self.origin = origin
        self.method = method
        self.headers = headers
        self.body = body
        self.credentials = credentials
        self.mode = mode
        self.redirect = redirect
    }
}

/// The request as the browser would send it: method normalized, forbidden headers dropped, a name
/// set twice combined into one value (Chromium) or kept as two entries (Firefox), the default
/// Content-Type added for a string body.
public struct PreparedFetch: Sendable {
    /// The request with the browser's changes applied: what the rest of the fetch works on.
    public var request: FetchRequest
    /// Headers the script set that the browser silently drops (Fetch §2.2.2 "forbidden request-header").
    public var droppedHeaders: [String]

    /// Applies what `new Request(url, init)` does (Fetch §5.4 "Request class") in `browser`, or
    /// throws the TypeError.
    public static func prepare(_ request: FetchRequest, browser: BrowserProfile = .chromium) throws(FetchTypeError) -> PreparedFetch {
        var prepared = request
        guard let url = URLParts(request.url) else { throw .invalidURL(request.url) }
        if url.hasCredentials { throw .credentialsInURL(request.url) }
        guard FetchVocabulary.isToken(request.method) else { throw .invalidMethod(request.method) }
        if FetchVocabulary.forbiddenMethods.contains(request.method.uppercased()) { throw .forbiddenMethod(request.method) }
        // "Normalize a method": the six well-known ones are uppercased, others kept as written.
        if FetchVocabulary.normalizedMethods.contains(request.method.uppercased()) {
            prepared.method = request.method.uppercased()
        }
        if request.body != nil, prepared.method == "GET" || prepared.method == "HEAD" { throw .bodyWithGetOrHead }
        if request.cache == .onlyIfCached, request.mode != .sameOrigin { throw .onlyIfCachedOutsideSameOrigin(request.mode.rawValue) }
        if request.mode == .noCORS, !FetchVocabulary.safelistedMethods.contains(prepared.method) {
            throw .methodUnsupportedInNoCORS(prepared.method)
        }
        var kept: [(name: String, value: String)] = []
        var dropped: [String] = []
        for (name, value) in request.headers {
            guard FetchVocabulary.isToken(name) else { throw .invalidHeaderName(name) }
            guard value.utf8.allSatisfy({ $0 != 0x00 && $0 != 0x0A && $0 != 0x0D }) else { throw .invalidHeaderValue(value) }
            // Fetch §5.2 "append" to a Headers object guarded "request": the value is normalized,
            // a forbidden (name, value) is ignored, and a name already there (any case) takes the
            // first one's case. Chromium then combines the values with ", " (§2.2 "combine") and
            // the safelist judges the combined value, length limits included; Firefox keeps the
            // entries apart, as the standard's header list does, and judges each.
            let trimmed = value.trimmingHTTPWhitespace()
            if FetchVocabulary.isForbiddenRequestHeader(name: name, value: trimmed)
                || browser.dropsUserAgent && name.lowercased() == "user-agent"
            {
                dropped.append(name)
            } else if let index = kept.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) {
                if browser.combinesRepeatedHeaders {
                    kept[index].value += ", " + trimmed
                } else {
                    kept.append((kept[index].name, trimmed))
                }
            } else {
                kept.append((name, trimmed))
            }
        }
        if request.body != nil, !kept.contains(where: { $0.name.lowercased() == "content-type" }) {
            kept.append(("Content-Type", "text/plain;charset=UTF-8"))
        }
        prepared.headers = kept
        return PreparedFetch(request: prepared, droppedHeaders: dropped)
    }

    /// The header lines that go on the wire: one per name. Where the browser keeps a repeated
    /// name's entries apart (Firefox), its network layer still sends one line: the values combined
    /// with ", ", except Content-Type (the first value) and Authorization (the last), as observed
    /// on Firefox 153.
    public static func wireHeaders(_ headers: [(name: String, value: String)], browser: BrowserProfile) -> [(name: String, value: String)] {
        if browser.combinesRepeatedHeaders { return headers }
        var lines: [(name: String, value: String)] = []
        for (name, value) in headers {
            guard let index = lines.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
                lines.append((name, value))
                continue
            }
            switch name.lowercased() {
            case "content-type": break
            case "authorization": lines[index].value = value
            default: lines[index].value += ", " + value
            }
        }
        return lines
    }
}

/// The parts of an http(s) URL the CORS protocol needs (what `cors scan` derives its origins from, too).
public struct URLParts: Sendable, Hashable {
    /// `http` or `https`, lowercased.
    public var scheme: String
    /// The host, lowercased (an IPv6 literal keeps its brackets).
    public var host: String
    /// The explicit port, `nil` when none is written.
    public var port: Int?
    /// Whether the URL carries a user name or password.
    public var hasCredentials: Bool

    /// The parts of `url`, or `nil` when it is not an absolute http(s) URL with a host.
    public init?(_ url: String) {
        guard let separator = url.firstRange(of: "://") else { return nil }
        scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        hasCredentials = authority.contains("@")
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            host = String(hostPort[..<colon]).lowercased()
            port = Int(hostPort[hostPort.index(after: colon)...])
        } else {
            host = hostPort.lowercased()
            port = nil
        }
        guard !host.isEmpty else { return nil }
    }

    /// The URL's origin, serialized as browsers do (default port omitted).
    public var origin: String {
        let defaultPort = scheme == "https" ? 443 : 80
        if let port, port != defaultPort { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }
}
