import Foundation

/// One tab of a `Chromium`, attached through a flat DevTools session.
public final class ChromiumPage: @unchecked Sendable {
    public let browser: Chromium
    public let session: String

    init(browser: Chromium, session: String) {
        self.browser = browser
        self.session = session
    }

    /// Sends a command to this tab.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], timeout: Double = 30) throws -> [String: Any] {
        try browser.send(method, params, session: session, timeout: timeout)
    }

    /// Loads `url` and waits for its load event.
    public func navigate(to url: String, timeout: Double = 30) throws {
        let mark = browser.eventCount
        try send("Page.navigate", ["url": url])
        try browser.waitForEvent("Page.loadEventFired", since: mark, session: session, timeout: timeout)
    }

    /// Evaluates `expression` in the page, awaiting it if it is a promise, and returns its value
    /// (JSON-like: String, NSNumber, [Any], [String: Any] or nil). A thrown exception is an error.
    public func evaluate(_ expression: String, timeout: Double = 30) throws -> Any? {
        let result = try send(
            "Runtime.evaluate",
            ["expression": expression, "awaitPromise": true, "returnByValue": true],
            timeout: timeout
        )
        if let exception = result["exceptionDetails"] as? [String: Any] {
            let description = (exception["exception"] as? [String: Any])?["description"] as? String
            throw BrowserDriverError.scriptThrew(description ?? "\(exception["text"] ?? exception)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` and decodes its value, which must be JSON-like, as `T`.
    public func evaluate<T: Decodable>(_ expression: String, as type: T.Type, timeout: Double = 30) throws -> T {
        let value = try evaluate(expression, timeout: timeout) ?? NSNull()
        let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// Waits until `condition` (a JavaScript expression) is truthy in the page.
    public func waitUntil(_ condition: String, timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try evaluate("Boolean(\(condition))") as? Bool, value { return }
            usleep(50_000)
        }
        throw BrowserDriverError.noAnswer(to: "waiting for \(condition)", seconds: timeout)
    }

    /// A PNG of the whole page.
    public func screenshot() throws -> Data {
        let result = try send("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true], timeout: 60)
        return Data(base64Encoded: result["data"] as? String ?? "") ?? Data()
    }

    /// Sets a cookie in the browser's jar for `url`, as if that server had set it.
    public func setCookie(name: String, value: String, url: String) throws {
        try send("Network.setCookie", ["name": name, "value": value, "url": url])
    }

    /// This tab's events after `mark` (see `Chromium.eventCount`).
    public func events(since mark: Int) -> [Chromium.Event] { browser.events(since: mark, session: session) }
}
