/// A CORS error as a browser's console printed it, read back: which browser, the request it was
/// about, and the failure in the engine's own terms, so it can be explained and reproduced.
public struct ConsoleError: Sendable, Hashable {
    /// What failed.
    public enum Failure: Sendable, Hashable {
        /// A CORS check or preflight failed (the engine's kind, with whatever value the message names).
        case blocked(CORSBlockReason)
        /// `fetch()` threw before sending anything.
        case typeError(FetchTypeError)
        /// The page is not on http or https (a `file://` page, say): browsers do CORS for http(s)
        /// only (Fetch §4.3 "scheme fetch"). Chromium's `CorsDisabledScheme`, Firefox's "CORS request not HTTP".
        case schemeNotHTTP
        /// Firefox's "CORS request did not succeed" on its own: no response came back at all
        /// (server down, refused, TLS failure, a redirect loop), so there was nothing to check.
        case didNotSucceed
        /// Firefox's "CORS disabled": the user turned CORS off (`content.cors.disable`).
        case corsDisabled

        /// The kind's name, as `cors check --json` names it (Chromium's DevTools names for blocks).
        public var kind: String {
            switch self {
            case .blocked(let reason): reason.kind
            case .typeError: "TypeError"
            case .schemeNotHTTP: "CorsDisabledScheme"
            case .didNotSucceed: "NetworkError"
            case .corsDisabled: "CorsDisabled"
            }
        }
    }

    /// Whose wording the message is in.
    public var browser: BrowserProfile.Name
    /// What failed, as far as the words tell.
    public var failure: Failure
    /// The URL the message names (the last hop when there were redirects).
    public var url: String?
    /// The page's origin: Chromium names it; Firefox's lines do not.
    public var origin: String?
    /// The URL first asked for, when Chromium says the request was redirected.
    public var redirectedFrom: String?
    /// What made the request: `fetch`, `XMLHttpRequest`, `font`, ... (Chromium's "Access to X at").
    public var initiator: String?
    /// Whether the failure was the preflight's; `nil` when the browser's words do not tell
    /// (Firefox names a preflight only by the second line that follows a failed one).
    public var preflight: Bool?
    /// The status Firefox prints after the reason (`Status code: 404`).
    public var status: Int?
    /// The console lines that were recognized, as pasted.
    public var lines: [String]

    /// A console error with what the message says of it.
    public init(
        browser: BrowserProfile.Name,
        failure: Failure,
        url: String? = nil,
        origin: String? = nil,
        redirectedFrom: String? = nil,
        initiator: String? = nil,
        preflight: Bool? = nil,
        status: Int? = nil,
        lines: [String] = []
    ) {
        self.browser = browser
        self.failure = failure
        self.url = url
        self.origin = origin
        self.redirectedFrom = redirectedFrom
        self.initiator = initiator
        self.preflight = preflight
        self.status = status
        self.lines = lines
    }
}

/// Text that is not a CORS console message, named for what it is instead, so a user pasting the
/// wrong line is sent to the right one.
public enum NotACORSMessage: Error, Sendable, Hashable {
    /// An https page asked for an http URL: blocked before any CORS (Mixed Content).
    case mixedContent
    /// The page's Content-Security-Policy (`connect-src`) forbids the URL: the page's own policy, not the server's CORS.
    case contentSecurityPolicy
    /// Private or Local Network Access: a public page asked for a private or loopback address.
    case localNetworkAccess
    /// A network failure with the browser's code (`net::ERR_CONNECTION_REFUSED`, ...): no response at all.
    case networkError(String)
    /// Only what the script sees (`TypeError: Failed to fetch`): the browser's reason is in another console line.
    case scriptErrorOnly
    /// Nothing recognizable.
    case unrecognized

    /// What the text is, and where to look instead.
    public var explanation: String {
        switch self {
        case .mixedContent:
            return
                "This is a Mixed Content block, not CORS: a page loaded over https asked for an http URL, and the browser refused to send it. Serve the API over https (or the page over http while developing)."
        case .contentSecurityPolicy:
            return
                "This is a Content-Security-Policy block, not CORS: the page's own CSP (its connect-src directive) does not list the URL, so the browser never sent the request. Add the API's origin to connect-src where the page's CSP is set."
        case .localNetworkAccess:
            return
                "This is a Private/Local Network Access block, not a CORS header problem: a page from a public (or less private) address asked for a private or loopback address. Serve the page from a secure context and answer the preflight's Access-Control-Request-Private-Network with Access-Control-Allow-Private-Network: true, or have the user grant the local-network permission."
        case .networkError(let code):
            return
                "This is a network error (\(code)), not CORS: no response came back at all, so there were no headers to check. Check that the server is running at that address and port, that its name resolves, its certificate is valid, and that no extension blocked it (ERR_BLOCKED_BY_CLIENT)."
        case .scriptErrorOnly:
            return
                "This is what the script sees (fetch's TypeError), which says only that the request failed. The browser puts the reason in a separate console line, starting 'Access to fetch at' (Chromium) or 'Cross-Origin Request Blocked' (Firefox): paste that one."
        case .unrecognized:
            return
                "This does not look like a browser's CORS console message. Paste the whole red line from the console: Chromium's starts with 'Access to fetch at', Firefox's with 'Cross-Origin Request Blocked'."
        }
    }
}
