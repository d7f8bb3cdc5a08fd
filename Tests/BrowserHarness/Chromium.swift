import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`):
/// commands go to the browser's fd 3, answers and events come back on its fd 4, each one JSON
/// text ended by NUL. No port, no WebSocket, nothing beyond Foundation.
///
/// Calls block until Chromium answers, so drive it from a thread of its own (`Chromium.session`).
public final class Chromium: @unchecked Sendable {
    /// The installed Chromium, if any.
    public static let executable = firstExecutable(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"])
    /// CI sets `CORS_REQUIRE_CHROMIUM=1`: a missing browser is then a failure, not a skip.
    public static let isRequired = ProcessInfo.processInfo.environment["CORS_REQUIRE_CHROMIUM"] == "1"
    /// Whether the browser suites run: Chromium is installed, or its absence must fail them.
    public static let shouldRun = executable != nil || isRequired
    /// What `chromium --version` says, for reports ("Chromium 156.0.8078.79 ...").
    public static let versionDescription = versionLine(of: executable)
    public static let skipReason = "Chromium is not installed (apt-get install chromium); the browser suite is skipped"

    public typealias Event = BrowserEvent
    public typealias DriverError = BrowserDriverError

    private let process: BrowserProcess
    private let commandFD: Int32
    private let eventFD: Int32
    private let mailbox = ProtocolMailbox()

    /// Starts Chromium headless with a fresh profile.
    public init(executable: String, arguments extra: [String] = []) throws {
        let profile = BrowserProcess.freshProfile("cors-chromium")
        guard let toBrowser = makePipe(), let fromBrowser = makePipe() else {
            throw DriverError.launchFailed("pipe: errno \(errno)")
        }
        // Move the child's ends well above 4 so the dup2 onto fds 3 and 4 cannot collide.
        let childReads = fcntl(toBrowser[0], F_DUPFD_CLOEXEC, 100)
        let childWrites = fcntl(fromBrowser[1], F_DUPFD_CLOEXEC, 100)
        BrowserProcess.closeFD(toBrowser[0])
        BrowserProcess.closeFD(fromBrowser[1])
        defer {
            BrowserProcess.closeFD(childReads)
            BrowserProcess.closeFD(childWrites)
        }
        let arguments =
            [
                executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-extensions", "--remote-debugging-pipe",
                "--user-data-dir=\(profile.path)", "--window-size=1280,1000",
            ] + extra + ["about:blank"]
        do {
            process = try BrowserProcess(arguments: arguments, descriptors: [(childReads, 3), (childWrites, 4)], profile: profile)
        } catch {
            BrowserProcess.closeFD(toBrowser[1])
            BrowserProcess.closeFD(fromBrowser[0])
            throw error
        }
        commandFD = toBrowser[1]
        eventFD = fromBrowser[0]
        let reader = Thread { [self] in readMessages() }
        reader.name = "chromium-devtools-reader"
        reader.start()
    }

    /// Launches Chromium on a thread of its own, runs `body` there, and closes the browser. A run
    /// longer than `timeoutSeconds` is cut off by killing the browser, which fails the pending call.
    public static func session<T: Sendable>(
        timeoutSeconds: Double = 240,
        arguments: [String] = [],
        _ body: @escaping @Sendable (Chromium) throws -> T
    ) async throws -> T {
        guard let executable else {
            throw DriverError.notInstalled("CORS_REQUIRE_CHROMIUM=1 but no Chromium is installed (apt-get install chromium)")
        }
        return try await runOnOwnThread(
            timeoutSeconds: timeoutSeconds,
            launch: { try Chromium(executable: executable, arguments: arguments) },
            kill: { $0.kill() },
            close: { $0.close() },
            body
        )
    }

    /// Sends one command and waits for its answer's `result`.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: Double = 30) throws -> [String: Any] {
        let id = mailbox.takeID()
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        guard data.withUnsafeBytes({ writeAll(commandFD, $0) }) else { throw DriverError.browserExited(whilePending: method) }
        let answer = try mailbox.answer(to: id, method: method, timeout: timeout)
        if let error = answer["error"] as? [String: Any] {
            throw DriverError.commandFailed(method, message: "\(error["message"] ?? error)")
        }
        return answer["result"] as? [String: Any] ?? [:]
    }

    /// How many events have arrived so far: a mark to ask for the events after it.
    public var eventCount: Int { mailbox.eventCount }

    /// The events that arrived after `mark`, optionally only those of one page session.
    public func events(since mark: Int = 0, session: String? = nil) -> [Event] { mailbox.events(since: mark, session: session) }

    /// Waits for an event named `method` after `mark` that satisfies `matching`.
    @discardableResult
    public func waitForEvent(
        _ method: String,
        since mark: Int,
        session: String? = nil,
        timeout: Double = 30,
        matching: (Event) -> Bool = { _ in true }
    ) throws -> Event {
        try mailbox.waitForEvent(method, since: mark, session: session, timeout: timeout, matching: matching)
    }

    /// Opens a tab on `about:blank`, attached, with the given domains enabled.
    public func newPage(enabling domains: [String] = ["Page", "Runtime", "Network", "Log"]) throws -> ChromiumPage {
        let target = try send("Target.createTarget", ["url": "about:blank"])
        let targetID = target["targetId"] as? String ?? ""
        let attached = try send("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let session = attached["sessionId"] as? String else {
            throw DriverError.commandFailed("Target.attachToTarget", message: "no sessionId in \(attached)")
        }
        let page = ChromiumPage(browser: self, session: session)
        for domain in domains { try page.send("\(domain).enable") }
        return page
    }

    /// Closes the browser: politely, then by force; reaps the process either way.
    public func close() {
        _ = try? send("Browser.close", timeout: 5)
        process.finish(waitingUpTo: 5)
        BrowserProcess.closeFD(commandFD)
    }

    /// Kills the browser at once: pending and later calls fail instead of hanging.
    public func kill() { process.kill() }

    private func readMessages() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(eventFD, $0.baseAddress!, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            buffer.append(contentsOf: chunk[0..<count])
            var start = 0
            while let end = buffer[start...].firstIndex(of: 0) {
                deliver(Data(buffer[start..<end]))
                start = end + 1
            }
            buffer.removeFirst(start)
        }
        BrowserProcess.closeFD(eventFD)
        mailbox.close()
    }

    private func deliver(_ data: Data) {
        guard let message = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        if let id = message["id"] as? Int {
            mailbox.deliverAnswer(id: id, message)
        } else if let method = message["method"] as? String {
            mailbox.deliverEvent(
                BrowserEvent(method: method, params: message["params"] as? [String: Any] ?? [:], session: message["sessionId"] as? String)
            )
        }
    }
}
