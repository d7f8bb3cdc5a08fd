import Foundation

/// Runs the built `cors` executable, as a user would.
enum CORSTool {
    /// The `cors` binary SwiftPM built beside the test bundle.
    static var executable: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug"),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("cors")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates.last!.appendingPathComponent("cors")
    }

    /// Runs `cors arguments` to completion: its exit status and everything it printed.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A running `cors` command (a server), started and waited on until it has printed a line
    /// for each of `prefixes`; stopped by `stop()` or when released.
    final class Running: @unchecked Sendable {
        let process = Process()
        /// For each prefix, the rest of its line.
        let values: [String]
        private let output = Pipe()
        private let lines = LockedLines()

        init(_ arguments: [String], waitingFor prefixes: [String]) throws {
            process.executableURL = CORSTool.executable
            process.arguments = arguments
            process.standardOutput = output
            process.standardError = output
            let lines = self.lines
            output.fileHandleForReading.readabilityHandler = { handle in
                lines.append(String(decoding: handle.availableData, as: UTF8.self))
            }
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            var found: [String?] = prefixes.map { _ in nil }
            while found.contains(where: { $0 == nil }), Date() < deadline, process.isRunning {
                found = prefixes.map { Self.value(after: $0, in: lines.text) }
                if found.contains(where: { $0 == nil }) { Thread.sleep(forTimeInterval: 0.05) }
            }
            guard !found.contains(where: { $0 == nil }) else {
                process.terminate()
                throw ServerDidNotStart(output: lines.text)
            }
            values = found.compactMap { $0 }
        }

        /// The rest of the line after `prefix`, once the whole line has arrived.
        static func value(after prefix: String, in text: String) -> String? {
            guard let range = text.firstRange(of: prefix) else { return nil }
            let rest = text[range.upperBound...]
            guard let end = rest.firstIndex(of: "\n") else { return nil }
            return String(rest[..<end])
        }

        /// Everything the command has printed so far.
        var log: String { lines.text }

        /// SIGTERM, then SIGKILL if the command has not exited within five seconds.
        func stop() {
            output.fileHandleForReading.readabilityHandler = nil
            guard process.isRunning else { return }
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    /// A running `cors serve` on 127.0.0.1 with a free port; terminated when released.
    final class Server {
        let running: Running
        let port: Int

        init(policyFile: String) throws {
            running = try Running(
                ["serve", "--policy", policyFile, "--host", "127.0.0.1", "--port", "0"],
                waitingFor: ["listening on http://127.0.0.1:"]
            )
            guard let port = Int(running.values[0].prefix { $0.isNumber }) else {
                throw ServerDidNotStart(output: running.log)
            }
            self.port = port
        }

        var log: String { running.log }
    }

    struct ServerDidNotStart: Error { var output: String }

    final class LockedLines: @unchecked Sendable {
        private let lock = NSLock()
        private var storage = ""
        func append(_ text: String) { lock.withLock { storage += text } }
        var text: String { lock.withLock { storage } }
    }
}

/// A policy file in a fresh temporary directory.
func temporaryPolicyFile(_ json: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cors-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("policy.json").path
    try json.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
