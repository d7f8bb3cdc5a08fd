import Foundation
import TestHarness

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The C functions, named apart from the methods below.
@discardableResult private func closeDescriptor(_ descriptor: Int32) -> Int32 { close(descriptor) }
@discardableResult private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 { kill(pid, signal) }

/// A pipe whose ends are closed on exec (only ends a spawn duplicates explicitly reach the child).
func makePipe() -> [Int32]? {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    return ends
}

/// Writes all of `bytes` to `descriptor`, retrying on EINTR; false once the peer is gone.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += written
    }
    return true
}

/// A browser's process and its fresh profile folder: spawned with chosen descriptors, killed
/// only by its own pid and only until reaped, the profile removed once it has gone.
final class BrowserProcess: @unchecked Sendable {
    let pid: pid_t
    let profile: URL
    private let lock = NSLock()
    /// Set once reaped: the pid may belong to another process after that.
    private var reaped = false

    /// Spawns `arguments` (the executable first). `descriptors` maps a descriptor of ours onto
    /// the child's; stdout and stderr go to /dev/null unless mapped; no other descriptor is inherited.
    init(arguments: [String], descriptors: [(ours: Int32, theirs: Int32)], profile: URL) throws {
        self.profile = profile
        signal(SIGPIPE, SIG_IGN)  // a write to a dead browser must fail, not kill the tests
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let mapped = Set(descriptors.map(\.theirs))
        if !mapped.contains(1) { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        if !mapped.contains(2) { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
        for (ours, theirs) in descriptors { posix_spawn_file_actions_adddup2(&actions, ours, theirs) }
        // Nothing else reaches the browser: SwiftNIO's sockets are not close-on-exec, and a
        // browser holding a copy would keep a closed listener listening, or a cut connection open.
        try Self.closeTheRest(&actions, from: max(2, descriptors.map(\.theirs).max() ?? 2) + 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        guard status == 0 else { throw BrowserDriverError.launchFailed("posix_spawn \(arguments[0]): error \(status)") }
        self.pid = pid
    }

    /// Adds "close every descriptor from `lowest` up" to `actions` (glibc's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time: Swift's Glibc does not
    /// import it).
    private static func closeTheRest(_ actions: inout posix_spawn_file_actions_t, from lowest: Int32) throws {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            throw BrowserDriverError.launchFailed("this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later)")
        }
        let status = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
        guard status == 0 else { throw BrowserDriverError.launchFailed("posix_spawn_file_actions_addclosefrom_np: error \(status)") }
    }

    /// Kills the process at once; nothing once it has been reaped.
    func kill() {
        lock.withLock {
            if !reaped { _ = sendSignal(pid, SIGKILL) }
        }
    }

    /// Waits up to `seconds` for the process to exit by itself, then kills it; reaps it and
    /// removes the profile either way.
    func finish(waitingUpTo seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !reapIfExited() { usleep(100_000) }
        lock.withLock {
            guard !reaped else { return }
            _ = sendSignal(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            reaped = true
        }
        try? FileManager.default.removeItem(at: profile)
    }

    private func reapIfExited() -> Bool {
        lock.withLock {
            var status: Int32 = 0
            if !reaped, waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            return reaped
        }
    }

    /// A fresh, empty profile folder under the temporary directory.
    static func freshProfile(_ prefix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    }

    static func closeFD(_ descriptor: Int32) { _ = closeDescriptor(descriptor) }
}

/// What went wrong driving a browser.
public enum BrowserDriverError: Error, CustomStringConvertible {
    case launchFailed(String)
    case browserExited(whilePending: String)
    case noAnswer(to: String, seconds: Double)
    case commandFailed(String, message: String)
    case scriptThrew(String)
    case notInstalled(String)

    public var description: String {
        switch self {
        case .launchFailed(let why): "could not start the browser: \(why)"
        case .browserExited(let method): "the browser exited while \(method) was pending"
        case .noAnswer(let method, let seconds): "the browser gave no answer to \(method) within \(seconds) s"
        case .commandFailed(let method, let message): "\(method) failed: \(message)"
        case .scriptThrew(let text): "the page's script threw: \(text)"
        case .notInstalled(let what): what
        }
    }
}

/// Runs `body` on a thread of its own (browser calls block, and blocking the cooperative pool
/// would starve the in-process servers the browser talks to), killing the browser after
/// `timeoutSeconds` so a stuck call fails instead of hanging the suite.
func runOnOwnThread<Browser: Sendable, T: Sendable>(
    timeoutSeconds: Double,
    launch: @escaping @Sendable () throws -> Browser,
    kill: @escaping @Sendable (Browser) -> Void,
    close: @escaping @Sendable (Browser) -> Void,
    _ body: @escaping @Sendable (Browser) throws -> T
) async throws -> T {
    try await blocking {
        let browser = try launch()
        let watchdog = DispatchWorkItem { kill(browser) }
        defer {
            watchdog.cancel()
            close(browser)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
        return try body(browser)
    }
}

/// The first executable among `paths`, if any.
func firstExecutable(_ paths: [String]) -> String? {
    paths.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// What `executable --version` prints, trimmed, for reports.
func versionLine(of executable: String?) -> String {
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
}
