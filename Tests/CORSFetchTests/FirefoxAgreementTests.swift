#if Hummingbird
import BrowserHarness
import CORSBrowser
import CORSExplain
import CORSFetch
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The browser engine, with the Firefox profile, against a real headless Firefox (WebDriver BiDi):
/// the same case matrix as `ChromiumAgreementTests`, fetched by a page in Firefox and by
/// `CORSFetcher`, against the same scripted server; they must agree on what reached the server,
/// whether the page may read the answer, Firefox's console lines word for word, the TypeError,
/// and the headers a script can read.
///
/// Without Firefox the suite is skipped and says why; with `CORS_REQUIRE_FIREFOX=1` (CI) a
/// missing Firefox is a failure.
@Suite(.serialized) struct FirefoxAgreementTests {
    typealias SeenRequest = CORSFetcherTests.SeenRequest
    typealias Case = AgreementMatrix.Case

    /// What Firefox did with one case.
    struct Observation: AgreementMatrix.Observed {
        var result: AgreementMatrix.BrowserResult
        /// The console's CORS errors ("Cross-Origin Request Blocked: ..."), in order.
        var console: [String]
        /// The console's CORS warnings, in order.
        var warnings: [String]
        var seen: [SeenRequest]
        var hasConsoleMessage: Bool { !console.isEmpty }
    }

    static let blockedPrefix = "Cross-Origin Request Blocked"

    /// Runs `cases` one by one in `tab` (already on the page).
    static func observe(_ cases: [Case], in tab: FirefoxTab, api: String, recorder: CORSFetcherTests.RequestRecorder?) throws -> [Observation] {
        _ = recorder?.take()
        var observations: [Observation] = []
        for testCase in cases {
            let mark = tab.browser.eventCount
            let result = try tab.evaluate(try AgreementMatrix.runCase(testCase, api: api), as: AgreementMatrix.BrowserResult.self)
            if !result.ok {
                // A blocked fetch logs its reason; a TypeError raised before any request logs none.
                _ = try? tab.browser.waitForEvent("log.entryAdded", since: mark, timeout: 2) {
                    ($0.params["text"] as? String)?.hasPrefix(blockedPrefix) == true
                }
            }
            _ = try tab.evaluate("0")  // a round trip, so entries sent before it have arrived
            let entries = tab.consoleEntries(since: mark)
            observations.append(
                Observation(
                    result: result,
                    console: entries.filter { $0.level == "error" && $0.text.hasPrefix(blockedPrefix) }.map(\.text),
                    warnings: entries.filter { $0.level == "warn" && ($0.text.contains("CORS") || $0.text.contains("Cross-Origin")) }.map(\.text),
                    seen: recorder?.take() ?? []
                )
            )
        }
        return observations
    }

    /// Preflights to paths of their own before the matrix, until a cached one is reused: a fresh
    /// profile's first preflight-cache entries are not kept (observed on Firefox 153: the first
    /// repeat re-sends its preflight), which would look like a cache disagreement. Returns how
    /// many pairs it took.
    static func warmUp(_ tab: FirefoxTab, api: String, recorder: CORSFetcherTests.RequestRecorder) throws -> Int {
        for attempt in 1...20 {
            let warm = Case(path: "/warm\(attempt)?acao=*&acam=PUT&maxage=60", method: "PUT")
            _ = try tab.evaluate(try AgreementMatrix.runCase(warm, api: api))
            _ = recorder.take()
            _ = try tab.evaluate(try AgreementMatrix.runCase(warm, api: api))
            if !recorder.take().contains(where: { $0.method == "OPTIONS" }) { return attempt }
        }
        throw BrowserDriverError.commandFailed("warm-up", message: "Firefox re-sent the preflight in 20 pairs of requests")
    }

    @Test(.enabled(if: Firefox.shouldRun, Comment(rawValue: Firefox.skipReason)))
    func fetcherAgreesWithFirefox() async throws {
        nonisolated(unsafe) var warmUpPairs = 0
        let report = try await AgreementMatrix.run(
            browser: .firefox,
            browse: { cases, page, api, recorder in
                try await Firefox.session { browser in
                    let tab = try browser.firstTab()
                    try tab.setCookie(name: "sid", value: "abc", domain: "127.0.0.1")
                    try tab.navigate(to: page + "/page.html")
                    warmUpPairs = try Self.warmUp(tab, api: api, recorder: recorder)
                    return try Self.observe(cases, in: tab, api: api, recorder: recorder)
                }
            },
            compare: { ours, oursSeen, theirs, _ in Self.compare(ours, oursSeen, theirs) }
        )
        if let path = ProcessInfo.processInfo.environment["CORS_AGREEMENT_DUMP"] {
            let dump = zip(report.cases, report.observations).enumerated().map { index, pair in
                "case \(index) \(pair.0.summary)\n  result \(pair.1.result)\n  console \(pair.1.console)\n  warnings \(pair.1.warnings)\n  seen \(pair.1.seen)"
            }
            try (dump + report.disagreements).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        print(
            "Firefox agreement: \(report.agree)/\(report.cases.count) cases agree (\(Firefox.versionDescription); preflight cache warm after \(warmUpPairs) pair(s)): \(report.allowed) allowed, \(report.preflights) with a preflight, \(report.cookies) with a cookie and \(report.messages) console messages compared"
        )
        for line in report.disagreements { print("  disagreement: \(line)") }
        #expect(report.cases.count >= 200)
        #expect(report.allowed >= 50 && report.messages >= 50 && report.preflights >= 50 && report.cookies >= 5)
        #expect(report.agree == report.cases.count, "\(report.disagreements.joined(separator: "\n"))")
    }

    /// Everything observable on which the engine and Firefox disagree, one line each.
    static func compare(_ ours: CORSFetcher.Outcome, _ oursSeen: [SeenRequest], _ theirs: Observation) -> [String] {
        var problems: [String] = []
        let result = theirs.result
        if ours.allowed != result.ok { problems.append("allowed: ours \(ours.allowed), Firefox \(result.ok)") }
        if oursSeen != theirs.seen {
            problems.append("server saw:\n      ours    \(oursSeen)\n      Firefox \(theirs.seen)")
        }
        if result.ok {
            let readable = Set(result.headers ?? [])
            if Set(ours.readableHeaders) != readable {
                problems.append("readable headers: ours \(ours.readableHeaders.sorted()), Firefox \(readable.sorted())")
            }
        } else {
            let oursError = ours.scriptError
            if oursError != result.error { problems.append("TypeError: ours \(oursError ?? "none"), Firefox \(result.error ?? "none")") }
        }
        if ours.consoleMessages != theirs.console {
            problems.append("console:\n      ours    \(ours.consoleMessages)\n      Firefox \(theirs.console)")
        }
        // `cors explain` reads Firefox's own console lines back as the engine's kind, as far as
        // Firefox's words tell it (an invalid value reads as a mismatch; a redirect with
        // credentials only as a request that did not succeed).
        if !theirs.console.isEmpty {
            let read = try? ConsoleErrorReader.read(theirs.console.joined(separator: "\n")).get()
            let expected: String =
                switch ours.blockReason {
                case .invalidAllowOriginValue(_, let preflight): CORSBlockReason.allowOriginMismatch("", preflight: preflight).kind
                case .redirectContainsCredentials, nil: "NetworkError"
                case let reason?: reason.kind
                }
            let readPreflight = read.flatMap { error -> Bool? in if case .blocked(let reason) = error.failure { reason.isPreflight } else { nil } }
            let preflightOK: Bool =
                switch ours.blockReason {
                case .redirectContainsCredentials, nil: true
                case let reason?: readPreflight == reason.isPreflight
                }
            if read?.failure.kind != expected || read?.url != ours.failedURL || !preflightOK {
                problems.append(
                    "explain read \(read.map { "\($0.failure.kind) \($0.url ?? "-")" } ?? "nothing"), expected \(expected), from Firefox's \(theirs.console)"
                )
            }
        }
        return problems
    }
}
#endif
