import CORSBrowser

/// The same `fetch()` as several browsers would run it, and what a user needs when they disagree:
/// which browser blocks, why, and the fix that satisfies all of them.
public struct BrowserComparison: Sendable {
    /// Each browser's outcome, in the order asked.
    public let outcomes: [(browser: BrowserProfile, outcome: CORSFetcher.Outcome)]

    /// A comparison of these browsers' outcomes for one request.
    public init(_ outcomes: [(browser: BrowserProfile, outcome: CORSFetcher.Outcome)]) { self.outcomes = outcomes }

    /// Whether every browser lets the page read the response.
    public var allAllow: Bool { outcomes.allSatisfy(\.outcome.allowed) }

    /// Whether the browsers reach different verdicts.
    public var verdictsDiffer: Bool { Set(outcomes.map(\.outcome.allowed)).count > 1 }

    /// One sentence when the verdicts differ: who blocks, why (naming the difference between the
    /// engines where it is a known one), and the fix that works in every browser. `nil` when they agree.
    public func difference(for request: FetchRequest) -> String? {
        guard verdictsDiffer, let first = outcomes.first(where: { !$0.outcome.allowed }),
            let allowed = outcomes.first(where: { $0.outcome.allowed })
        else { return nil }
        let blocking = outcomes.filter { !$0.outcome.allowed }.map(\.browser.description).joined(separator: " and ")
        let allowing = outcomes.filter(\.outcome.allowed).map(\.browser.description).joined(separator: " and ")
        let verbs = blocking.contains(" and ") ? ("block", "allow") : ("blocks", "allows")
        // The blocking browser's own words for the failure.
        let failure =
            first.outcome.blockReason.map { first.browser.name == .firefox ? $0.firefoxReason : $0.chromiumDetail }
            ?? first.outcome.networkError ?? first.outcome.scriptError ?? "the fetch fails"
        var why = "its check fails: \(failure)"
        var fix = first.outcome.blockReason.map { $0.fix(origin: request.origin) }
        // Headers one browser safelists and the other preflights (Chromium's client hints).
        let onlyHere = Set(CORSSafelist.unsafeNames(request.headers, browser: first.browser))
            .subtracting(CORSSafelist.unsafeNames(request.headers, browser: allowed.browser)).sorted()
        if first.outcome.preflightSent, !allowed.outcome.preflightSent, !onlyHere.isEmpty {
            let names = onlyHere.map { "`\($0)`" }.joined(separator: ", ")
            why =
                "\(allowed.browser) safelists \(names) (a client hint) and sends no preflight; \(first.browser) preflights it, as the Fetch Standard says, and the preflight fails (\(failure))"
            fix =
                "answer the preflight for \(names): list \(onlyHere.count > 1 ? "them" : "it") in Access-Control-Allow-Headers (a swift-cors policy's allowHeaders), or do not send \(onlyHere.count > 1 ? "them" : "it") from the page."
        } else if case .multipleAllowOriginValues = first.outcome.blockReason {
            why = "\(first.browser) reads several Access-Control-Allow-Origin values differently (\(failure))"
        }
        let fixText = fix.map { " Fix for every browser: \($0.prefix(1).lowercased() + $0.dropFirst())" } ?? ""
        return "\(blocking) \(verbs.0) this request and \(allowing) \(verbs.1) it: \(why).\(fixText)"
    }
}
