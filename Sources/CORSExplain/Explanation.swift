import CORSBrowser
import CORSFetch

/// `cors explain`'s answer: the console error read back, what it means and what to change, and
/// the `cors check` command that reproduces it against the real server.
public struct Explanation: Sendable {
    /// The message, read back.
    public var error: ConsoleError
    /// What it means and what to change.
    public var guide: ErrorGuide

    /// The explanation of `error`.
    public init(_ error: ConsoleError) {
        self.error = error
        guide = ErrorGuide(error.failure, origin: error.origin, status: error.status)
    }

    /// The browser's console message for the error, in its own words, as the engine writes it
    /// (what `cors check --json` puts in `error.message`).
    public var message: String { error.lines.first ?? "" }

    /// The request the message tells of, as far as it does: a method or a header it names, and
    /// credentials when the failure is about them.
    public var suggestedRequest: (method: String?, headers: [String], credentials: String?) {
        guard case .blocked(let reason) = error.failure else { return (nil, [], nil) }
        switch reason {
        case .methodDisallowedByPreflightResponse(let method) where !method.isEmpty: return (method, [], nil)
        case .headerDisallowedByPreflightResponse(let name): return (nil, ["\(name): x"], nil)
        case .wildcardOriginNotAllowed, .invalidAllowCredentials: return (nil, [], "include")
        default: return (nil, [], nil)
        }
    }

    /// The `cors check` command line that sends the same request as the page did, from what the
    /// message says (the origin, a method or header it names, credentials when the failure is
    /// about them). `nil` without a URL to fetch.
    public var checkCommand: String? {
        guard let url = error.url, !url.isEmpty else { return nil }
        var words = ["cors", "check", Self.shellQuoted(url), "--origin", Self.shellQuoted(error.origin ?? ErrorGuide.unknownOrigin)]
        let suggested = suggestedRequest
        if let method = suggested.method { words += ["-X", Self.shellQuoted(method)] }
        for header in suggested.headers { words += ["-H", Self.shellQuoted(header)] }
        if let credentials = suggested.credentials { words += ["--credentials", credentials] }
        words += ["--browser", error.browser.rawValue]
        return words.joined(separator: " ")
    }

    /// What the command line above cannot know from the message, said once.
    public var checkCommandNote: String? {
        var missing: [String] = []
        if error.origin == nil { missing.append("your page's origin for --origin") }
        if error.preflight != false {
            missing.append("the method (-X) and the headers (-H) your fetch() sets, if the message does not name them")
        }
        return missing.isEmpty ? nil : "Put in " + missing.joined(separator: ", and ") + "."
    }

    /// `value` as one word for a POSIX shell.
    static func shellQuoted(_ value: String) -> String {
        let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "-_./:@%+=,".contains($0) }
        return plain && !value.isEmpty ? value : "'" + value.replacing("'", with: "'\\''") + "'"
    }
}
