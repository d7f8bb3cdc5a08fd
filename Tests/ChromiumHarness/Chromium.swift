import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The C functions, named apart from `Chromium.close()` and `Chromium.kill()`.
@discardableResult private func closeDescriptor(_ descriptor: Int32) -> Int32 { close(descriptor) }
@discardableResult private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 { kill(pid, signal) }

/// Held from creating a browser's pipes until it is spawned: `pipe` then `FD_CLOEXEC` is not
/// atomic, and a browser spawned in between by another session would inherit this one's pipe ends
/// (its reader would then never see end-of-file when this browser dies).
private let spawnLock = NSLock()

/// A pipe whose ends are closed on exec (only the ends duplicated onto fds 3 and 4 reach Chromium).
private func makePipe() -> [Int32]? {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    return ends
}

/// A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`):
/// commands go to the browser's fd 3, answers and events come back on its fd 4, each one JSON
/// text ended by NUL. No port, no WebSocket, nothing beyond Foundation.
///
/// Calls block until Chromium answers, so drive it from a thread of its own (`Chromium.session`):
/// blocking the cooperative pool would starve the in-process servers the browser is talking to.
public final class Chromium: @unchecked Sendable {
    /// The installed Chromium, if any.
    public static let executable: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    /// CI sets `CORS_REQUIRE_CHROMIUM=1`: a missing browser is then a failure, not a skip.
    public static let isRequired = ProcessInfo.processInfo.environment["CORS_REQUIRE_CHROMIUM"] == "1"
    /// Whether the browser suites run: Chromium is installed, or its absence must fail them.
    public static let shouldRun = executable != nil || isRequired
    /// What `chromium --version` says, for reports ("Chromium 156.0.8078.79 ...").
    public static let versionDescription: String = {
        guard let executable else { return "not installed" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown version" }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }()
    public static let skipReason = "Chromium is not installed (apt-get install chromium); the browser suite is skipped"

    /// One event the browser sent: `Network.loadingFailed`, `Log.entryAdded`, ...
    public struct Event: @unchecked Sendable {
        public let method: String
        public let params: [String: Any]
        public let session: String?
    }

    /// What went wrong talking to the browser.
    public enum DriverError: Error, CustomStringConvertible {
        case launchFailed(String)
        case browserExited(whilePending: String)
        case noAnswer(to: String, seconds: Double)
        case commandFailed(String, message: String)
        case scriptThrew(String)
        case notInstalled

        public var description: String {
            switch self {
            case .launchFailed(let why): "could not start Chromium: \(why)"
            case .browserExited(let method): "Chromium exited while \(method) was pending"
            case .noAnswer(let method, let seconds): "Chromium gave no answer to \(method) within \(seconds) s"
            case .commandFailed(let method, let message): "\(method) failed: \(message)"
            case .scriptThrew(let text): "the page's script threw: \(text)"
            case .notInstalled: "CORS_REQUIRE_CHROMIUM=1 but no Chromium is installed (apt-get install chromium)"
            }
        }
    }

    private let pid: pid_t
    private let commandFD: Int32
    private let eventFD: Int32
    private let profile: URL
    private let state = NSCondition()
    private var answers: [Int: [String: Any]] = [:]
    private var received: [Event] = []
    private var exited = false
    /// Set once `close()` has reaped the process: its pid may belong to another process after that.
    private var reaped = false
    private var nextID = 0

    /// Starts Chromium headless with a fresh profile.
    public init(executable: String, arguments extra: [String] = []) throws {
        signal(SIGPIPE, SIG_IGN)  // a write to a dead browser must fail, not kill the tests
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("cors-chromium-\(UUID().uuidString)")
        spawnLock.lock()
        defer { spawnLock.unlock() }
        guard let toBrowser = makePipe(), let fromBrowser = makePipe() else {
            throw DriverError.launchFailed("pipe: errno \(errno)")
        }
        // Move the child's ends well above 4 so the dup2 onto fds 3 and 4 below cannot collide.
        let childReads = fcntl(toBrowser[0], F_DUPFD_CLOEXEC, 100)
        let childWrites = fcntl(fromBrowser[1], F_DUPFD_CLOEXEC, 100)
        _ = closeDescriptor(toBrowser[0])
        _ = closeDescriptor(fromBrowser[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childReads, 3)
        posix_spawn_file_actions_adddup2(&actions, childWrites, 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [
            executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-extensions", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "--window-size=1280,1000",
        ] + extra + ["about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        _ = closeDescriptor(childReads)
        _ = closeDescriptor(childWrites)
        guard status == 0 else {
            _ = closeDescriptor(toBrowser[1])
            _ = closeDescriptor(fromBrowser[0])
            throw DriverError.launchFailed("posix_spawn \(executable): error \(status)")
        }
        self.pid = pid
        commandFD = toBrowser[1]
        eventFD = fromBrowser[0]
        let reader = Thread { [self] in readMessages() }
        reader.name = "chromium-devtools-reader"
        reader.start()
    }

    /// Launches Chromium on a thread of its own, runs `body` there, and closes the browser. A run
    /// longer than `timeoutSeconds` is cut off by killing the browser, which fails the pending call.
    public static func session<T: Sendable>(
        timeoutSeconds: Double = 240, arguments: [String] = [], _ body: @escaping @Sendable (Chromium) throws -> T
    ) async throws -> T {
        guard let executable else { throw DriverError.notInstalled }
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    let browser = try Chromium(executable: executable, arguments: arguments)
                    let watchdog = DispatchWorkItem { [browser] in browser.kill() }
                    defer {
                        watchdog.cancel()
                        browser.close()
                    }
                    DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
                    return try body(browser)
                })
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Sends one command and waits for its answer's `result`.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: Double = 30) throws -> [String: Any] {
        state.lock()
        nextID += 1
        let id = nextID
        state.unlock()
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(commandFD, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw DriverError.browserExited(whilePending: method)
                }
                offset += written
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        state.lock()
        defer { state.unlock() }
        while answers[id] == nil {
            if exited { throw DriverError.browserExited(whilePending: method) }
            if !state.wait(until: deadline) { throw DriverError.noAnswer(to: method, seconds: timeout) }
        }
        let answer = answers.removeValue(forKey: id)!
        if let error = answer["error"] as? [String: Any] {
            throw DriverError.commandFailed(method, message: "\(error["message"] ?? error)")
        }
        return answer["result"] as? [String: Any] ?? [:]
    }

    /// How many events have arrived so far: a mark to ask for the events after it.
    public var eventCount: Int { state.withLock { received.count } }

    /// The events that arrived after `mark`, optionally only those of one page session.
    public func events(since mark: Int = 0, session: String? = nil) -> [Event] {
        state.withLock { Array(received[min(mark, received.count)...]).filter { session == nil || $0.session == session } }
    }

    /// Waits for an event named `method` after `mark` that satisfies `matching`.
    @discardableResult
    public func waitForEvent(
        _ method: String, since mark: Int, session: String? = nil, timeout: Double = 30, matching: (Event) -> Bool = { _ in true }
    ) throws -> Event {
        let deadline = Date().addingTimeInterval(timeout)
        state.lock()
        defer { state.unlock() }
        var checked = mark
        while true {
            while checked < received.count {
                let event = received[checked]
                checked += 1
                if event.method == method, session == nil || event.session == session, matching(event) { return event }
            }
            if exited { throw DriverError.browserExited(whilePending: "waiting for \(method)") }
            if !state.wait(until: deadline) { throw DriverError.noAnswer(to: "waiting for \(method)", seconds: timeout) }
        }
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
        for _ in 0..<50 {
            if reapIfExited() { return cleanUp() }
            usleep(100_000)
        }
        state.withLock {
            guard !reaped else { return }
            _ = sendSignal(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            reaped = true
        }
        cleanUp()
    }

    /// Kills the browser at once: pending and later calls fail instead of hanging. Does nothing
    /// once the process has been reaped (its pid may name another process by then).
    public func kill() {
        state.withLock {
            if !reaped { _ = sendSignal(pid, SIGKILL) }
        }
    }

    /// Reaps the process if it has exited; whether it has been reaped.
    private func reapIfExited() -> Bool {
        state.withLock {
            var status: Int32 = 0
            if !reaped, waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            return reaped
        }
    }

    private func cleanUp() {
        _ = closeDescriptor(commandFD)
        try? FileManager.default.removeItem(at: profile)
    }

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
        _ = closeDescriptor(eventFD)
        state.withLock {
            exited = true
            state.broadcast()
        }
    }

    private func deliver(_ data: Data) {
        guard let message = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        state.withLock {
            if let id = message["id"] as? Int {
                answers[id] = message
            } else if let method = message["method"] as? String {
                received.append(Event(method: method, params: message["params"] as? [String: Any] ?? [:], session: message["sessionId"] as? String))
            }
            state.broadcast()
        }
    }
}
