import CORSBrowser
import CORSFetch

/// What `cors check` and `cors debug`'s form take, as text: read into the `fetch()` to run and
/// the browsers to run it in, or the first option that is wrong.
public struct CheckOptions: Sendable {
    /// The URL to fetch.
    public var url: String
    /// The page's origin.
    public var origin: String
    /// `-X`: the method (`nil`: GET, or POST with a body).
    public var method: String?
    /// `Name: value` lines (`Name:` sends it empty).
    public var headers: [String]
    /// `-d`: the body, as fetch() sends a string.
    public var body: String?
    /// fetch()'s `credentials`: omit, same-origin or include.
    public var credentials = "same-origin"
    /// fetch()'s `mode`: cors, no-cors or same-origin.
    public var mode = "cors"
    /// fetch()'s `redirect`: follow, error or manual.
    public var redirect = "follow"
    /// fetch()'s `cache` (whether a cached preflight may be reused).
    public var cache = "default"
    /// `chromium`, `firefox` or `all`.
    public var browser = "chromium"

    /// The options with fetch()'s defaults for the rest.
    public init(url: String, origin: String, method: String? = nil, headers: [String] = [], body: String? = nil) {
        self.url = url
        self.origin = origin
        self.method = method
        self.headers = headers
        self.body = body
    }

    /// An option whose value is not one it takes, worded for the command line.
    public struct InvalidOption: Error, Sendable, CustomStringConvertible {
        /// What is wrong, naming the option.
        public var description: String
    }

    /// The browsers named by `browser`.
    public func browsers() throws(InvalidOption) -> [BrowserProfile] {
        if browser.lowercased() == "all" { return BrowserProfile.all }
        if let one = BrowserProfile(named: browser) { return [one] }
        throw InvalidOption(description: "--browser must be chromium, firefox or all, not '\(browser)'")
    }

    /// The `fetch()` the options describe (GET, or POST with a body, unless a method is given).
    public func request() throws(InvalidOption) -> FetchRequest {
        guard let credentialsMode = CredentialsMode(rawValue: credentials) else {
            throw InvalidOption(description: "--credentials must be omit, same-origin or include, not '\(credentials)'")
        }
        guard let fetchMode = FetchRequest.Mode(rawValue: mode) else {
            throw InvalidOption(description: "--mode must be cors, no-cors or same-origin, not '\(mode)'")
        }
        guard let redirectMode = FetchRequest.Redirect(rawValue: redirect) else {
            throw InvalidOption(description: "--redirect must be follow, error or manual, not '\(redirect)'")
        }
        guard let cacheMode = FetchRequest.Cache(rawValue: cache) else {
            throw InvalidOption(description: "--cache must be default, no-store, reload, no-cache, force-cache or only-if-cached, not '\(cache)'")
        }
        var pairs: [(name: String, value: String)] = []
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw InvalidOption(description: "-H '\(header)': write a header as 'Name: value'")
            }
            let value = header[header.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            pairs.append((String(header[..<colon]), String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed())))
        }
        return FetchRequest(
            url: url,
            origin: origin,
            method: method ?? (body == nil ? "GET" : "POST"),
            headers: pairs,
            body: body,
            credentials: credentialsMode,
            mode: fetchMode,
            redirect: redirectMode,
            cache: cacheMode
        )
    }
}
