/// What `fetch()` itself refuses before sending anything, with the exception text Chromium throws.
public enum FetchTypeError: Error, Sendable, Hashable {
    /// CONNECT, TRACE or TRACK, in any case (Fetch §2.2.1 "forbidden method").
    case forbiddenMethod(String)
    /// A method that is not an HTTP token.
    case invalidMethod(String)
    /// A header name that is not an HTTP token.
    case invalidHeaderName(String)
    /// A header value with a NUL, CR or LF.
    case invalidHeaderValue(String)
    /// A body on a GET or HEAD request.
    case bodyWithGetOrHead
    /// A URL with a user name or password.
    case credentialsInURL(String)
    /// A method other than GET, HEAD or POST in `no-cors` mode.
    case methodUnsupportedInNoCORS(String)
    /// A URL that does not parse as http(s).
    case invalidURL(String)
    /// `only-if-cached` with a mode other than `same-origin` (the mode, for Firefox's wording).
    case onlyIfCachedOutsideSameOrigin(String)

    /// The `TypeError` message, as Chromium words it.
    public var message: String {
        let prefix = "Failed to execute 'fetch' on 'Window': "
        switch self {
        case .forbiddenMethod(let method): return prefix + "'\(method)' HTTP method is unsupported."
        case .invalidMethod(let method): return prefix + "'\(method)' is not a valid HTTP method."
        case .invalidHeaderName: return prefix + "Invalid name"
        case .invalidHeaderValue: return prefix + "Invalid value"
        case .bodyWithGetOrHead: return prefix + "Request with GET/HEAD method cannot have body."
        case .credentialsInURL(let url):
            return prefix + "Request cannot be constructed from a URL that includes credentials: \(url)"
        case .methodUnsupportedInNoCORS(let method): return prefix + "'\(method)' is unsupported in no-cors mode."
        case .invalidURL(let url): return prefix + "Failed to parse URL from \(url)"
        case .onlyIfCachedOutsideSameOrigin: return prefix + "'only-if-cached' can be set only with 'same-origin' mode"
        }
    }

    /// The `TypeError` message, as Firefox 153 words it (observed: `Window.fetch: ...`).
    public var firefoxMessage: String {
        let prefix = "Window.fetch: "
        switch self {
        case .forbiddenMethod(let method), .invalidMethod(let method), .methodUnsupportedInNoCORS(let method):
            return prefix + "Invalid request method \(method)."
        case .invalidHeaderName(let name): return prefix + "\(name) is an invalid header name."
        case .invalidHeaderValue(let value): return prefix + "\(value) is an invalid header value."
        case .bodyWithGetOrHead: return prefix + "HEAD or GET Request cannot have a body."
        case .credentialsInURL(let url): return prefix + "\(url) is an url with embedded credentials."
        case .invalidURL(let url): return prefix + "\(url) is not a valid URL."
        case .onlyIfCachedOutsideSameOrigin(let mode):
            return prefix
                + "Request mode '\(mode)' was used, but request cache mode 'only-if-cached' can only be used with request mode 'same-origin'."
        }
    }

    /// The message in `browser`'s words.
    public func message(in browser: BrowserProfile) -> String {
        browser.name == .firefox ? firefoxMessage : message
    }
}
