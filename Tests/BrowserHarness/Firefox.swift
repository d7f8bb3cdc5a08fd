import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A headless Firefox driven over WebDriver BiDi, with no geckodriver: started with
/// `--remote-debugging-port=0`, it prints the WebSocket it listens on, and commands and events go
/// over that socket as JSON. The profile is fresh and keeps the browser off the network: every
/// request to a host other than 127.0.0.1 or localhost goes to a proxy on a closed port.
///
/// Calls block until Firefox answers, so drive it from a thread of its own (`Firefox.session`).
public final class Firefox: @unchecked Sendable {
    /// The installed Firefox, if any.
    public static let executable = firstExecutable(["/usr/bin/firefox-esr", "/usr/bin/firefox", "/usr/lib/firefox-esr/firefox-esr"])
    /// CI sets `CORS_REQUIRE_FIREFOX=1`: a missing browser is then a failure, not a skip.
    public static let isRequired = ProcessInfo.processInfo.environment["CORS_REQUIRE_FIREFOX"] == "1"
    /// Whether the Firefox suites run: Firefox is installed, or its absence must fail them.
    public static let shouldRun = executable != nil || isRequired
    /// What `firefox-esr --version` says ("Mozilla Firefox 153.8.0esr").
    public static let versionDescription = versionLine(of: executable)
    public static let skipReason = "Firefox is not installed (apt-get install firefox-esr); the Firefox suite is skipped"

    /// Preferences of the fresh profile: off the network, no first-run pages, no updates.
    static let userPreferences: [(String, String)] = [
        ("network.proxy.type", "1"), ("network.proxy.http", "\"127.0.0.1\""), ("network.proxy.http_port", "9"),
        ("network.proxy.ssl", "\"127.0.0.1\""), ("network.proxy.ssl_port", "9"),
        ("network.proxy.no_proxies_on", "\"127.0.0.1, localhost\""), ("network.proxy.allow_hijacking_localhost", "false"),
        ("network.captive-portal-service.enabled", "false"), ("network.connectivity-service.enabled", "false"),
        ("app.update.enabled", "false"), ("browser.shell.checkDefaultBrowser", "false"),
        ("datareporting.policy.dataSubmissionEnabled", "false"), ("toolkit.telemetry.enabled", "false"),
        ("browser.safebrowsing.malware.enabled", "false"), ("browser.safebrowsing.phishing.enabled", "false"),
        ("extensions.update.enabled", "false"), ("browser.startup.homepage_override.mstone", "\"ignore\""),
    ]

    private let process: BrowserProcess
    private let mailbox = ProtocolMailbox()
    private var socket: WebSocketConnection!
    private let outputFD: Int32

    /// Starts Firefox headless with a fresh profile and opens a BiDi session.
    public init(executable: String, preferences extra: [(String, String)] = []) throws {
        let profile = BrowserProcess.freshProfile("cors-firefox")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let prefs = (Self.userPreferences + extra).map { "user_pref(\"\($0.0)\", \($0.1));\n" }.joined()
        try prefs.write(to: profile.appendingPathComponent("user.js"), atomically: true, encoding: .utf8)
        guard let output = makePipe() else {
            throw BrowserDriverError.launchFailed("pipe: errno \(errno)")
        }
        let arguments = [executable, "--headless", "--no-remote", "--profile", profile.path, "--remote-debugging-port=0"]
        let spawned = Result { try BrowserProcess(arguments: arguments, descriptors: [(output[1], 1), (output[1], 2)], profile: profile) }
        BrowserProcess.closeFD(output[1])
        do {
            process = try spawned.get()
        } catch {
            BrowserProcess.closeFD(output[0])
            try? FileManager.default.removeItem(at: profile)
            throw error
        }
        outputFD = output[0]
        // Firefox prints where BiDi listens, then keeps writing; the pipe is drained until it exits.
        let found = NSCondition()
        nonisolated(unsafe) var endpoint: String?
        nonisolated(unsafe) var ended = false
        let reader = Thread { [outputFD] in
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(outputFD, $0.baseAddress!, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                pending += chunk[0..<count]
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeFirst(newline + 1)
                    if let range = line.range(of: "WebDriver BiDi listening on ") {
                        found.withLock {
                            endpoint = String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
                            found.broadcast()
                        }
                    }
                }
            }
            BrowserProcess.closeFD(outputFD)
            found.withLock {
                ended = true
                found.broadcast()
            }
        }
        reader.name = "firefox-output"
        reader.start()
        let deadline = Date().addingTimeInterval(60)
        let url: String? = found.withLock {
            while endpoint == nil && !ended && found.wait(until: deadline) {}
            return endpoint
        }
        guard let url else {
            process.finish(waitingUpTo: 0)
            throw BrowserDriverError.launchFailed("Firefox did not print its WebDriver BiDi endpoint within 60 s")
        }
        let mailbox = self.mailbox
        do {
            socket = try WebSocketConnection(
                url: url + "/session",
                onMessage: { data in Self.deliver(data, to: mailbox) },
                onClose: { mailbox.close() }
            )
            try send("session.new", ["capabilities": [String: Any]()])
        } catch {
            process.finish(waitingUpTo: 0)
            throw error
        }
    }

    /// Launches Firefox on a thread of its own, runs `body` there, and closes the browser. A run
    /// longer than `timeoutSeconds` is cut off by killing the browser, which fails the pending call.
    public static func session<T: Sendable>(
        timeoutSeconds: Double = 300,
        preferences: [(String, String)] = [],
        _ body: @escaping @Sendable (Firefox) throws -> T
    ) async throws -> T {
        guard let executable else {
            throw BrowserDriverError.notInstalled("CORS_REQUIRE_FIREFOX=1 but no Firefox is installed (apt-get install firefox-esr)")
        }
        return try await runOnOwnThread(
            timeoutSeconds: timeoutSeconds,
            launch: { try Firefox(executable: executable, preferences: preferences) },
            kill: { $0.kill() },
            close: { $0.close() },
            body
        )
    }

    /// Sends one BiDi command and waits for its `result`.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], timeout: Double = 30) throws -> [String: Any] {
        let id = mailbox.takeID()
        let data = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        do {
            try socket.send(text: String(decoding: data, as: UTF8.self))
        } catch {
            throw BrowserDriverError.browserExited(whilePending: method)
        }
        let answer = try mailbox.answer(to: id, method: method, timeout: timeout)
        if answer["type"] as? String == "error" {
            throw BrowserDriverError.commandFailed(method, message: "\(answer["error"] ?? "error"): \(answer["message"] ?? "")")
        }
        return answer["result"] as? [String: Any] ?? [:]
    }

    /// How many events have arrived so far: a mark to ask for the events after it.
    public var eventCount: Int { mailbox.eventCount }

    /// The events after `mark`.
    public func events(since mark: Int = 0) -> [BrowserEvent] { mailbox.events(since: mark, session: nil) }

    /// Waits for an event named `method` after `mark` that satisfies `matching`.
    @discardableResult
    public func waitForEvent(
        _ method: String,
        since mark: Int,
        timeout: Double = 30,
        matching: (BrowserEvent) -> Bool = { _ in true }
    ) throws -> BrowserEvent {
        try mailbox.waitForEvent(method, since: mark, session: nil, timeout: timeout, matching: matching)
    }

    /// The browser's first tab, subscribed to console entries.
    public func firstTab() throws -> FirefoxTab {
        try send("session.subscribe", ["events": ["log.entryAdded"]])
        let tree = try send("browsingContext.getTree", [:])
        guard let contexts = tree["contexts"] as? [[String: Any]], let context = contexts.first?["context"] as? String else {
            throw BrowserDriverError.commandFailed("browsingContext.getTree", message: "no context in \(tree)")
        }
        return FirefoxTab(browser: self, context: context)
    }

    /// Closes the browser: politely, then by force; reaps the process either way.
    public func close() {
        _ = try? send("browser.close", timeout: 5)
        socket?.shutdownConnection()
        process.finish(waitingUpTo: 10)
    }

    /// Kills the browser at once: pending and later calls fail instead of hanging.
    public func kill() { process.kill() }

    private static func deliver(_ data: Data, to mailbox: ProtocolMailbox) {
        guard let message = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        if let id = message["id"] as? Int {
            mailbox.deliverAnswer(id: id, message)
        } else if message["type"] as? String == "event", let method = message["method"] as? String {
            mailbox.deliverEvent(BrowserEvent(method: method, params: message["params"] as? [String: Any] ?? [:], session: nil))
        }
    }
}

/// One top-level browsing context (a tab) of a `Firefox`.
public final class FirefoxTab: @unchecked Sendable {
    public let browser: Firefox
    public let context: String

    init(browser: Firefox, context: String) {
        self.browser = browser
        self.context = context
    }

    /// Loads `url` and waits for its load event.
    public func navigate(to url: String, timeout: Double = 30) throws {
        try browser.send("browsingContext.navigate", ["context": context, "url": url, "wait": "complete"], timeout: timeout)
    }

    /// Evaluates `expression` in the page, awaiting it if it is a promise, and returns its value
    /// passed through JSON (String, NSNumber, [Any], [String: Any] or nil). A thrown exception is an error.
    public func evaluate(_ expression: String, timeout: Double = 30) throws -> Any? {
        let wrapped = "(async () => JSON.stringify((await (\(expression))) ?? null))()"
        let result = try browser.send(
            "script.evaluate",
            ["expression": wrapped, "target": ["context": context], "awaitPromise": true, "resultOwnership": "none"],
            timeout: timeout
        )
        if result["type"] as? String == "exception" {
            let details = result["exceptionDetails"] as? [String: Any]
            throw BrowserDriverError.scriptThrew("\(details?["text"] ?? details ?? [:])")
        }
        guard let value = result["result"] as? [String: Any], let text = value["value"] as? String else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// Evaluates `expression` and decodes its value, which must be JSON-like, as `T`.
    public func evaluate<T: Decodable>(_ expression: String, as type: T.Type, timeout: Double = 30) throws -> T {
        let value = try evaluate(expression, timeout: timeout) ?? NSNull()
        let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// Sets a cookie in the browser's jar for `domain`, as if that server had set it.
    public func setCookie(name: String, value: String, domain: String) throws {
        try browser.send(
            "storage.setCookie",
            ["cookie": ["name": name, "value": ["type": "string", "value": value], "domain": domain, "path": "/"]]
        )
    }

    /// The console entries (`log.entryAdded`) of this tab after `mark`: level and text.
    public func consoleEntries(since mark: Int) -> [(level: String, text: String)] {
        browser.events(since: mark).compactMap { event in
            guard event.method == "log.entryAdded", let text = event.params["text"] as? String else { return nil }
            let source = event.params["source"] as? [String: Any]
            if let entryContext = source?["context"] as? String, entryContext != context { return nil }
            return (event.params["level"] as? String ?? "", text)
        }
    }
}
