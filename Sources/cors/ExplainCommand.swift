import ArgumentParser
import CORSBrowser
import CORSExplain
import Foundation

/// `cors explain MESSAGE`: a browser's CORS console error read back: which browser, what it
/// means, the likely causes, the fix, and the `cors check` line that reproduces it.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a CORS error from the browser's console: the cause, the fix, and the cors check command that reproduces it.",
        discussion: """
            Paste the console's red line (Chromium's 'Access to fetch at ...' or Firefox's 'Cross-Origin Request \
            Blocked: ...'), as an argument or on standard input; surrounding console lines are ignored. Exit \
            status: 0 when the text is a CORS error, 1 when it is not (it says what it is instead), 2 for a usage error.
            """
    )

    @Argument(help: "The console message; read from standard input when left out.")
    var message: [String] = []

    @Flag(help: "Print one JSON object (its error object is shaped like cors check --json's).")
    var json = false

    func run() throws {
        var text = message.joined(separator: " ")
        if text.isEmpty {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("give the console message as an argument or on standard input")
        }
        switch ConsoleErrorReader.read(text) {
        case .success(let error):
            let explanation = Explanation(error)
            print(json ? ReportJSON.text(ReportJSON.explain(explanation)) : Self.report(explanation), terminator: json ? "\n" : "")
        case .failure(let what):
            print(json ? ReportJSON.text(ReportJSON.notCORS(what)) : "not a CORS error: \(what.explanation)")
            throw ExitCode(1)
        }
    }

    static func report(_ explanation: Explanation) -> String {
        let error = explanation.error
        let guide = explanation.guide
        var out = ""
        let browser = error.browser == .firefox ? "Firefox" : "Chromium"
        var said = "\(browser) said: \(error.failure.kind)"
        if let preflight = error.preflight { said += preflight ? " (on the preflight)" : " (on the response)" }
        out += said + "\n"
        if let url = error.url { out += "request:  \(url)\(error.redirectedFrom.map { " (redirected from \($0))" } ?? "")\n" }
        if let origin = error.origin { out += "page:     \(origin)\n" }
        if let status = error.status { out += "status:   \(status)\n" }
        out += "\nWhat it means: \(guide.meaning)\n"
        out += "\nLikely causes, most likely first:\n"
        for (index, cause) in guide.causes.enumerated() { out += "  \(index + 1). \(cause)\n" }
        out += "\nFix: \(guide.fix)\n"
        if let policy = guide.policyFix { out += "\nswift-cors policy:\n    \(policy)\n" }
        for (server, snippet) in guide.serverFixes {
            out += "\(server.rawValue):\n"
            for line in snippet.split(separator: "\n") { out += "    \(line)\n" }
        }
        if let check = explanation.checkCommand {
            out += "\nReproduce it against the server, and find the cause there:\n    \(check) --probe-errors\n"
            if let note = explanation.checkCommandNote { out += "    (\(note))\n" }
        }
        return out
    }
}
