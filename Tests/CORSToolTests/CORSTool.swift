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

    /// A running `cors serve` on 127.0.0.1 with a free port; terminated when released.
    final class Server {
        let process = Process()
        let port: Int
        private let output: Pipe
        private let lines = LockedLines()

        init(policyFile: String) throws {
            output = Pipe()
            process.executableURL = CORSTool.executable
            process.arguments = ["serve", "--policy", policyFile, "--host", "127.0.0.1", "--port", "0"]
            process.standardOutput = output
            process.standardError = output
            let lines = self.lines
            output.fileHandleForReading.readabilityHandler = { handle in
                lines.append(String(decoding: handle.availableData, as: UTF8.self))
            }
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            var found: Int?
            while found == nil, Date() < deadline, process.isRunning {
                if let range = lines.text.firstRange(of: "listening on http://127.0.0.1:") {
                    let digits = lines.text[range.upperBound...].prefix { $0.isNumber }
                    found = Int(digits)
                } else {
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            guard let found else {
                process.terminate()
                throw ServerDidNotStart(output: lines.text)
            }
            port = found
        }

        var log: String { lines.text }

        deinit {
            output.fileHandleForReading.readabilityHandler = nil
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
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
