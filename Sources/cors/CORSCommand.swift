import ArgumentParser
import CORS
import Foundation

/// The `cors` command line: lint a policy, serve an API under it, check a URL as a browser would,
/// scan an endpoint for misconfigurations, proxy, export, explain a console error (`explain`,
/// `debug`), walk through CORS in a browser (`demo`).
@main
struct CORSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cors",
        abstract:
            "Cross-Origin Resource Sharing, done right: lint, serve, check a URL as a browser would, scan, proxy, export, explain a console error.",
        version: SwiftCORS.version,
        subcommands: subcommands
    )

    /// Like ArgumentParser's, except that usage errors exit with 2, the status every subcommand
    /// documents for "could not even start" (ArgumentParser's default is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Self.exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

#if Hummingbird
private let subcommands: [any ParsableCommand.Type] = [
    LintCommand.self, ServeCommand.self, CheckCommand.self, ScanCommand.self, DemoCommand.self, ProxyCommand.self, ExportCommand.self,
    ExplainCommand.self, DebugCommand.self,
]
#else
private let subcommands: [any ParsableCommand.Type] = [
    LintCommand.self, CheckCommand.self, ScanCommand.self, ProxyCommand.self, ExportCommand.self, ExplainCommand.self,
]
#endif
