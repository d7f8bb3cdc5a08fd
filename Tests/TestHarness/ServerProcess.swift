import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real server (nginx, Apache, Caddy, HAProxy, Envoy) started in the foreground on 127.0.0.1
/// for one test, in a temporary directory, and known to be ready only once the port is bound by
/// a process of its process group (Foundation starts a child as the leader of a group of its
/// own), not merely answering: another test may have taken the port first.
public final class ServerProcess: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// Its temporary directory (configuration, logs, pid files); removed by `stop()`.
    public let directory: URL
    private let process: Process
    private let output: URL

    public struct DidNotStart: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Starts `executable` with the arguments `arguments(port, directory)` gives, after `prepare`
    /// has written what it needs into the directory, on a port no other test's `bind(0)` can take
    /// (below the kernel's ephemeral range); tries up to five ports.
    public init(
        name: String,
        executable: String,
        environment: [String: String] = [:],
        timeout: Double = 15,
        prepare: (_ port: Int, _ directory: URL) throws -> Void = { _, _ in },
        arguments: (_ port: Int, _ directory: URL) -> [String]
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cors-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
        output = directory.appendingPathComponent("logs/output.log")
        var problems: [String] = []
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<32000)
            guard Self.isFree(port: port) else { continue }
            try prepare(port, directory)
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments(port, directory)
            process.currentDirectoryURL = directory
            var env = ProcessInfo.processInfo.environment
            for (key, value) in environment { env[key] = value }
            process.environment = env
            let log = try FileHandle(forWritingTo: output)
            process.standardOutput = log
            process.standardError = log
            try process.run()
            try? log.close()
            if Self.waitUntilBound(port: port, by: process, timeout: timeout) {
                self.port = port
                self.process = process
                return
            }
            // Say which way it failed: a server that exited (a port taken, a bad configuration)
            // or one still running that never listened within the timeout (a loaded machine).
            let state =
                process.isRunning
                ? "still running, not listening after \(Int(timeout)) s"
                : "exited with status \(process.terminationStatus)"
            Self.kill(process)
            let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? "no output"
            problems.append("port \(port) (\(state)): " + printed)
        }
        throw DidNotStart(description: "\(name) did not start:\n" + problems.joined(separator: "\n"))
    }

    /// `http://127.0.0.1:port` + `path`.
    public func url(_ path: String = "") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// What the server printed on stdout and stderr so far.
    public var printed: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Kills the server's whole process group, workers included (nothing it holds is worth a
    /// clean exit; some servers started this way ignore SIGTERM, an inherited signal mask), and
    /// removes its directory.
    public func stop() {
        Self.kill(process)
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private static func kill(_ process: Process) {
        guard process.processIdentifier > 0 else { return }
        if process.isRunning { _ = Glibc.kill(-process.processIdentifier, SIGKILL) }
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A port nothing listens on, for an upstream that is down: 1 on loopback, privileged, so no
    /// test (and nothing in CI) listens there, unlike a port merely free now, which a parallel
    /// test's listener or connection may take at once.
    public static let closedPort = 1

    /// Whether nothing listens on `port` now.
    public static func isFree(port: Int) -> Bool { listeningInode(port: port) == nil }

    /// Waits until a socket listening on 127.0.0.1:`port` belongs to a process of `process`'s
    /// group (its own or a worker's), or it exits, or `timeout` passes.
    static func waitUntilBound(port: Int, by process: Process, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning {
            if let inode = listeningInode(port: port), groupHolds(inode: inode, group: process.processIdentifier) { return true }
            usleep(20_000)
        }
        return false
    }

    /// The inode of the socket listening on 127.0.0.1 (or any address) at `port`, from /proc/net/tcp.
    static func listeningInode(port: Int) -> String? {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .ascii) else { return nil }
        let portHex = String(format: "%04X", port)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[3] == "0A" else { continue }  // 0A: LISTEN
            let local = fields[1].split(separator: ":")
            guard local.count == 2, local[1] == portHex, local[0] == "0100007F" || local[0] == "00000000" else { continue }
            return String(fields[9])
        }
        return nil
    }

    /// Whether a process of the process group `group` has the socket `inode` open.
    static func groupHolds(inode: String, group: Int32) -> Bool {
        let target = "socket:[\(inode)]"
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
        for pid in pids where pid.allSatisfy(\.isNumber) {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .ascii),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "(comm)": state, ppid, pgrp, ...
            let rest = stat[stat.index(after: close)...].split(separator: " ")
            guard rest.count > 2, Int32(rest[2]) == group else { continue }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == target {
                return true
            }
        }
        return false
    }

    /// The first executable named `name` on PATH or in the usual system places.
    public static func find(_ name: String, also extra: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"]
        let candidates = extra + directories.map { "\($0)/\(name)" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
