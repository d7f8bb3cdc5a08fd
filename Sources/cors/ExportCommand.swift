import ArgumentParser
import CORSExport
import Foundation

/// `cors export --format F POLICY`: the policy as F's configuration (arguments and printing only;
/// the writing is `CORSExporter`'s).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a policy (or a routes file) as nginx, Apache, Caddy, HAProxy or Envoy configuration.",
        discussion: """
            A policy file is one route for every path; a routes file is {"routes": [{"prefix": "/api", "policy": {...}}, ...]} \
            (longest prefix wins). Without --upstream the output is a fragment to include; with it, a complete \
            minimal server configuration proxying to that upstream. What the format cannot express exactly is \
            refused, with the way out. Exit status: 0 written, 1 refused (invalid policy or not expressible), 2 usage \
            or unreadable file, 3 --check found a syntax error.
            """
    )

    @Option(name: .long, help: "nginx, apache, caddy, haproxy or envoy.")
    var format: String

    @Argument(help: "The JSON policy or routes file.")
    var file: String

    @Option(name: .long, help: "http://host:port to proxy to: write a complete configuration.")
    var upstream: String?

    @Option(name: .long, help: "With --upstream: the address the server listens on.")
    var listen: String = "127.0.0.1:8080"

    @Option(name: [.customShort("o"), .long], help: "Write to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Run the server's own syntax check on the result when it is installed.")
    var check = false

    func run() throws {
        guard let format = ExportFormat(rawValue: format.lowercased()) else {
            fail("--format: \"\(format)\" is not one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))", 2)
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { fail("cannot read \(file)", 2) }
        let exported: ExportedConfiguration
        do {
            let upstream = try self.upstream.map { text throws(ExportError) in try ExportUpstream(parsing: text) }
            exported = try CORSExporter(format: format, upstream: upstream, listen: listen).export(ExportRoute.read(text))
        } catch {
            switch error {
            case .unreadable, .invalidUpstream: fail("\(file): \(error)", 2)
            default: fail("\(error)", 1)
            }
        }
        for warning in exported.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        if let output {
            do { try exported.text.write(toFile: output, atomically: true, encoding: .utf8) } catch { fail("cannot write \(output): \(error)", 2) }
        } else {
            print(exported.text, terminator: "")
        }
        if check {
            guard upstream != nil else {
                FileHandle.standardError.write(Data("check: a fragment is not a whole configuration; give --upstream to check a complete one\n".utf8))
                throw ExitCode(2)
            }
            try syntaxCheck(exported.text, format: format)
        }
    }

    /// Runs the format's own check on `text` (a temporary file when it went to stdout).
    func syntaxCheck(_ text: String, format: ExportFormat) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cors-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cors.\(format.fileExtension)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        var command = format.syntaxCheck.map { $0 == "FILE" ? file.path : $0 }
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        guard let executable = paths.map({ "\($0)/\(command[0])" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            FileHandle.standardError.write(Data("check: \(command[0]) is not installed; syntax not checked\n".utf8))
            return
        }
        command[0] = executable
        if format == .nginx { command += ["-p", directory.path + "/"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let said = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 0 {
            FileHandle.standardError.write(Data("check: \(command.joined(separator: " ")): OK\n".utf8))
        } else {
            FileHandle.standardError.write(Data("check: \(command.joined(separator: " ")) failed:\n\(said)".utf8))
            throw ExitCode(3)
        }
    }

    private func fail(_ message: String, _ status: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(status)
    }
}
