import AsyncHTTPClient
import CORS
import CORSBrowser
import HTTPTypes
import NIOCore
import NIOHTTP1

/// Performs a `fetch()` as a browser would, against a real server: decides whether to preflight,
/// sends and validates the preflight (or reuses the cache), sends the actual request with the
/// page's Origin, follows redirects under CORS rules, and checks the answer. Which browser's
/// behaviour and wording it reproduces is its `BrowserProfile` (Chromium unless told).
public final class CORSFetcher: Sendable {
    /// One request sent and the response received.
    public struct Exchange: Sendable {
        /// Which request of the fetch this was.
        public enum Stage: String, Sendable {
            /// The `OPTIONS` preflight.
            case preflight
            /// The request the script made, to the URL it gave.
            case actual
            /// The same request sent again to where a redirect pointed.
            case redirect
        }
        /// Which request of the fetch this was.
        public var stage: Stage
        /// The method sent.
        public var method: String
        /// The URL sent to.
        public var url: String
        /// Every header line sent, in order.
        public var requestHeaders: [(name: String, value: String)]
        /// The status received.
        public var status: Int
        /// Every header line received, in order.
        public var responseHeaders: [(name: String, value: String)]
    }

    /// What the page would get.
    public struct Outcome: Sendable {
        /// Whether the script gets a readable response.
        public var allowed: Bool
        /// Why not, when the browser blocked it after sending.
        public var blockReason: CORSBlockReason?
        /// Why not, when `fetch()` refused to send anything.
        public var typeError: FetchTypeError?
        /// Why not, when the fetch failed for a reason other than CORS (it rejects with "Failed to fetch").
        public var networkError: String?
        /// Whether a preflight went out.
        public var preflightSent: Bool
        /// The last preflight's status, when one went out.
        public var preflightStatus: Int?
        /// Whether the preflight cache made a preflight unnecessary.
        public var preflightFromCache: Bool
        /// Response header names a script could read.
        public var readableHeaders: [String]
        /// Headers the browser dropped because scripts may not set them.
        public var droppedHeaders: [String]
        /// Every request sent, in order.
        public var trace: [Exchange]
        /// The final response's status (only meaningful when allowed; 0 for an opaque redirect).
        public var status: Int?
        /// The final response's body, when the script could read it.
        public var body: String?
        /// The URL whose fetch failed (the last hop), for the message.
        public var failedURL: String
        /// The URL first asked for, when a redirect led elsewhere.
        public var redirectedFrom: String?
        /// The page's origin, as the request gave it.
        public var origin: String
        /// The browser whose behaviour this is.
        public var browser: BrowserProfile = .chromium
        /// The status of the response that failed the check (a preflight's or a hop's).
        public var failedStatus: Int?
        /// Whether the failure came on a preflight or on a redirect being followed (Firefox then
        /// logs that the request did not succeed, too).
        public var interrupted = false

        /// Chromium's console message, when blocked.
        public var chromiumMessage: String? {
            if let blockReason {
                return blockReason.chromiumMessage(url: failedURL, origin: origin, redirectedFrom: redirectedFrom)
            }
            if let typeError { return "TypeError: \(typeError.message)" }
            if networkError != nil { return "TypeError: Failed to fetch" }
            return nil
        }

        /// The CORS errors the browser's console shows, in order: Chromium's one "Access to fetch
        /// at ..." line, or Firefox's "Cross-Origin Request Blocked: ..." lines.
        public var consoleMessages: [String] {
            switch browser.name {
            case .chromium:
                guard let blockReason else { return [] }
                return [blockReason.chromiumMessage(url: failedURL, origin: origin, redirectedFrom: redirectedFrom)]
            case .firefox:
                if let blockReason { return blockReason.firefoxMessages(url: failedURL, status: failedStatus, interrupted: interrupted) }
                if tooManyRedirects { return [CORSBlockReason.firefoxDidNotSucceed(url: failedURL)] }
                return []
            }
        }

        /// The first console line, or the TypeError when `fetch()` refused before sending.
        public var consoleMessage: String? { consoleMessages.first ?? typeError.map { "TypeError: \($0.message(in: browser))" } }

        /// What `fetch()` rejects with, in the browser's words; `nil` when it resolves.
        public var scriptError: String? {
            if allowed { return nil }
            if let typeError { return "TypeError: \(typeError.message(in: browser))" }
            return browser.name == .firefox ? "TypeError: NetworkError when attempting to fetch resource." : "TypeError: Failed to fetch"
        }

        /// Whether the fetch failed by following more redirects than the browser allows.
        public var tooManyRedirects = false
    }

    /// Why a fetch could not be judged at all: no answer came, so no browser verdict exists.
    public enum FetchFailure: Error, Sendable, CustomStringConvertible {
        /// The server could not be reached at all (connection refused, DNS, timeout).
        case unreachable(url: String, reason: String)
        /// `cannot reach URL: reason`.
        public var description: String {
            switch self {
            case .unreachable(let url, let reason): return "cannot reach \(url): \(reason)"
            }
        }
    }

    private let wire: WireClient
    /// The preflight cache this fetcher consults and fills, as one page's browser would.
    public let cache: PreflightCache
    /// The cookies credentialed fetches send and store.
    public let cookies: CookieJar
    /// The browser whose behaviour and wording this fetcher reproduces.
    public let browser: BrowserProfile

    /// A fetcher that behaves as `browser` does, with its own preflight cache unless given one
    /// (a given cache should be one made for the same browser: `PreflightCache(browser:)`).
    public init(browser: BrowserProfile = .chromium, cache: PreflightCache? = nil, cookies: CookieJar = CookieJar()) {
        self.browser = browser
        self.cookies = cookies
        wire = WireClient()
        self.cache = cache ?? PreflightCache(browser: browser)
    }

    /// Must be called once done: the HTTP client's connections and threads are released here.
    public func shutdown() async throws { try await wire.shutdown() }

    /// Runs `body` with a fetcher and shuts it down afterwards, whatever happens.
    public static func with<Result>(
        browser: BrowserProfile = .chromium,
        cache: PreflightCache? = nil,
        cookies: CookieJar = CookieJar(),
        _ body: (CORSFetcher) async throws -> Result
    ) async throws -> Result {
        let fetcher = CORSFetcher(browser: browser, cache: cache, cookies: cookies)
        do {
            let result = try await body(fetcher)
            try await fetcher.shutdown()
            return result
        } catch {
            try? await fetcher.shutdown()
            throw error
        }
    }

    /// Runs `request` through the whole protocol. Throws only when the server cannot be reached.
    public func fetch(_ request: FetchRequest) async throws(FetchFailure) -> Outcome {
        var outcome = Outcome(
            allowed: false,
            preflightSent: false,
            preflightFromCache: false,
            readableHeaders: [],
            droppedHeaders: [],
            trace: [],
            failedURL: request.url,
            origin: request.origin,
            browser: browser
        )
        let prepared: PreparedFetch
        do {
            prepared = try PreparedFetch.prepare(request, browser: browser)
        } catch {
            outcome.typeError = error
            return outcome
        }
        outcome.droppedHeaders = prepared.droppedHeaders
        let fetch = prepared.request
        var url = fetch.url
        var origin = fetch.origin
        var method = fetch.method
        var body = fetch.body
        var headers = fetch.headers
        var crossOrigin = URLParts(url)?.origin != origin

        if fetch.mode == .sameOrigin && crossOrigin {
            // Fetch §4.1 "main fetch" step 12: a network error, and no request leaves; both
            // browsers reject with their network-error TypeError (observed), Firefox also logs a
            // "Security Error" console line that is not a CORS one.
            outcome.networkError = "a same-origin-mode request to another origin"
            return outcome
        }
        // The actual request, then redirects.
        var stage = Exchange.Stage.actual
        var preflighted = false
        for _ in 0...browser.redirectLimit {
            // A cross-origin cors request is preflighted when it needs one and the cache does not
            // cover it: before the first request and again before each redirected one (a redirect
            // runs main fetch anew, Fetch §4.4 step 19; Chromium 156 does so too, as observed).
            // Firefox preflights every hop once one was, from the page's origin.
            let preflightsAgain = browser.preflightsEveryHopAfterAPreflight && preflighted
            let preflightOrigin = browser.preflightsEveryHopAfterAPreflight ? fetch.origin : origin
            if fetch.mode == .cors && crossOrigin
                && (preflightsAgain || CORSPreflight.isNeeded(method: method, headers: headers, browser: browser))
            {
                if fetch.cache.usesPreflightCache,
                    cache.covers(origin: preflightOrigin, url: url, credentials: fetch.credentials, method: method, headers: headers)
                {
                    outcome.preflightFromCache = true
                } else {
                    let fields = CORSPreflight.requestFields(origin: preflightOrigin, method: method, headers: headers, browser: browser)
                    let pairs = fields.map { ($0.name.rawName, $0.value) }
                    let response = try await send("OPTIONS", url, pairs, body: nil)
                    outcome.trace.append(
                        Exchange(
                            stage: .preflight,
                            method: "OPTIONS",
                            url: url,
                            requestHeaders: pairs,
                            status: response.status,
                            responseHeaders: response.headers
                        )
                    )
                    outcome.failedURL = url
                    outcome.preflightSent = true
                    outcome.preflightStatus = response.status
                    switch CORSPreflight.validate(
                        status: response.status,
                        fields: response.fields,
                        origin: preflightOrigin,
                        method: method,
                        headers: headers,
                        credentials: fetch.credentials,
                        browser: browser
                    )
                    {
                    case .failure(let reason):
                        outcome.blockReason = reason
                        outcome.failedStatus = response.status
                        outcome.interrupted = true
                        return outcome
                    case .success(let grant):
                        cache.store(grant, origin: preflightOrigin, url: url, credentials: fetch.credentials)
                        preflighted = true
                    }
                }
            }
            var pairs = PreparedFetch.wireHeaders(headers, browser: browser)
            // Fetch §3.1 "append a request Origin header": always when the response will be CORS-
            // checked, otherwise only for methods other than GET and HEAD (no-cors GET sends none).
            let corsTainted = crossOrigin && fetch.mode == .cors
            if corsTainted || method != "GET" && method != "HEAD" { pairs.append(("Origin", origin)) }
            // The credentials flag (Fetch §4.5 step 8): include, or same-origin for a same-origin request.
            let sendsCredentials = fetch.credentials == .include || (fetch.credentials == .sameOrigin && !crossOrigin)
            let host = URLParts(url)?.host ?? ""  // cookies ignore the port
            if sendsCredentials, let cookie = cookies.header(for: host) { pairs.append(("Cookie", cookie)) }
            let response = try await send(method, url, pairs, body: body)
            if sendsCredentials {
                cookies.store(setCookie: response.headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value), host: host)
            }
            outcome.trace.append(
                Exchange(stage: stage, method: method, url: url, requestHeaders: pairs, status: response.status, responseHeaders: response.headers)
            )
            outcome.failedURL = url
            // An empty Location is no redirect: Chromium 156 hands the 3xx response itself to the
            // page (the standard would resolve "" to the same URL and loop), as observed.
            // Firefox resolves an empty Location to the same URL and follows it.
            let location = response.fields[.location]
            let isRedirect =
                CORSPreflight.redirectStatuses.contains(response.status) && location != nil
                && (browser.followsEmptyLocation || !(location ?? "").isEmpty)
            if crossOrigin && fetch.mode == .cors,
                let reason = CORSAccessCheck.check(response.fields, origin: origin, credentials: fetch.credentials, browser: browser)
            {
                outcome.blockReason = reason
                outcome.failedStatus = response.status
                outcome.interrupted = isRedirect && fetch.redirect == .follow
                return outcome
            }
            if isRedirect && fetch.redirect == .error {
                // Fetch §4.4 step 3: a network error; fetch() rejects, with no CORS message.
                outcome.networkError = "the server redirected and the request's redirect mode is 'error'"
                return outcome
            }
            if isRedirect && fetch.redirect == .manual {
                // An opaque-redirect response: fetch() resolves, with status 0 and nothing readable.
                outcome.allowed = true
                outcome.status = 0
                return outcome
            }
            guard isRedirect, let location else {
                outcome.allowed = true
                outcome.status = response.status
                outcome.body = response.body
                outcome.readableHeaders =
                    crossOrigin && fetch.mode == .cors
                    ? ReadableResponseHeaders.names(of: response.fields, credentials: fetch.credentials)
                    : (crossOrigin ? [] : response.fields.map { $0.name.canonicalName })
                if fetch.mode == .noCORS && crossOrigin { outcome.body = nil }
                return outcome
            }
            let next = Self.resolve(location, against: url)
            guard let nextParts = URLParts(next) else { return outcome }
            if nextParts.hasCredentials, crossOrigin || nextParts.origin != URLParts(url)?.origin {
                outcome.blockReason = .redirectContainsCredentials(next)
                return outcome
            }
            let crossesOrigins = URLParts(url)?.origin != nextParts.origin
            // Fetch §4.4 step 13: crossing origins after a cross-origin hop taints the origin to null.
            if crossesOrigins, crossOrigin { origin = "null" }
            // 301/302 POST and 303 (not HEAD) become GET without body, and lose the headers that
            // describe a body (§4.4 step 12: the request-body-header names).
            if (response.status == 303 && method != "HEAD") || ((response.status == 301 || response.status == 302) && method == "POST") {
                method = "GET"
                body = nil
                let bodyHeaders: Set<String> = ["content-encoding", "content-language", "content-location", "content-type"]
                headers.removeAll { bodyHeaders.contains($0.name.lowercased()) }
            }
            // A hop to another origin drops Authorization (§4.4 step 14).
            if crossesOrigins { headers.removeAll { $0.name.lowercased() == "authorization" } }
            url = next
            outcome.redirectedFrom = fetch.url
            crossOrigin = crossOrigin || nextParts.origin != fetch.origin
            stage = .redirect
        }
        // Fetch §4.4 step 5: past the redirect limit, a network error.
        outcome.networkError = "more than \(browser.redirectLimit) redirects"
        outcome.tooManyRedirects = true
        return outcome
    }

    private func send(
        _ method: String,
        _ url: String,
        _ headers: [(name: String, value: String)],
        body: String?
    ) async throws(FetchFailure) -> WireClient.Response {
        try await wire.send(method, url, headers: headers, body: body)
    }

    /// Whether `reference` starts with a URL scheme (`http:`, `https:`), which makes it absolute; a
    /// `://` later on, as in `/next?origin=http://a.test`, does not.
    static func hasScheme(_ reference: String) -> Bool {
        guard let colon = reference.firstIndex(of: ":"), let first = reference.first, first.isASCII, first.isLetter else { return false }
        return reference[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    /// Resolves a Location value against the current URL (absolute, scheme-relative, absolute-path or relative).
    static func resolve(_ location: String, against base: String) -> String {
        if location.isEmpty { return String(base.prefix { $0 != "#" }) }
        if hasScheme(location) { return location }
        guard let parts = URLParts(base) else { return location }
        let root = parts.port.map { "\(parts.scheme)://\(parts.host):\($0)" } ?? "\(parts.scheme)://\(parts.host)"
        if location.hasPrefix("//") { return "\(parts.scheme):\(location)" }
        if location.hasPrefix("/") { return root + location }
        let path = base.dropFirst(root.count)
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return root + directory + location
    }
}
