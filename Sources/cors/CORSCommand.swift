import ArgumentParser

/// The `cors` command line: lint a policy, serve an API under one.
@main
struct CORSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cors",
        abstract: "Cross-Origin Resource Sharing, done right: lint a policy, serve an API under it.",
        subcommands: subcommands
    )
}

#if Hummingbird
private let subcommands: [any ParsableCommand.Type] = [LintCommand.self, ServeCommand.self]
#else
private let subcommands: [any ParsableCommand.Type] = [LintCommand.self]
#endif
