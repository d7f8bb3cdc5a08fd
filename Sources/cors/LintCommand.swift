import ArgumentParser
import Foundation

/// `cors lint FILE`: every error and warning in a policy file.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check a policy file: print every error and warning.",
        discussion: "Exit status: 0 when valid (warnings allowed), 1 when invalid, 2 when the file cannot be read or is not JSON."
    )

    @Argument(help: "The JSON policy file.")
    var file: String

    func run() throws {
        let loaded = LoadedPolicy.load(file)
        for line in loaded.lines { print(line) }
        print(loaded.summary(for: file))
        if loaded.status != .valid { throw ExitCode(loaded.status.rawValue) }
    }
}
