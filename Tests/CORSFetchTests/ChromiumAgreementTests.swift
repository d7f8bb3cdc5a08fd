#if Hummingbird
import BrowserHarness
import CORSBrowser
import CORSExplain
import CORSFetch
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The browser engine against a real headless Chromium: each case is fetched by a page in
/// Chromium (driven over the DevTools protocol) and by `CORSFetcher`, against the same scripted
/// server on 127.0.0.1, and they must agree on everything observable: what reached the server
/// (preflight or not, with which Origin, Access-Control-Request-Method/-Headers and Cookie),
/// whether the page may read the answer, the CORS error kind DevTools reports, Chromium's console
/// message word for word (or its TypeError), and the headers a script can read.
///
/// Without Chromium the suite is skipped and says why; with `CORS_REQUIRE_CHROMIUM=1` (CI) a
/// missing Chromium is a failure.
@Suite(.serialized) struct ChromiumAgreementTests {
    typealias SeenRequest = CORSFetcherTests.SeenRequest
    typealias Case = AgreementMatrix.Case
    typealias BrowserResult = AgreementMatrix.BrowserResult

    /// What Chromium did with one case.
    struct Observation: AgreementMatrix.Observed {
        var result: BrowserResult
        /// `corsErrorStatus.corsError` of the request's `Network.loadingFailed`, if any.
        var corsError: String?
        /// The console's "Access to fetch at ..." line, if any.
        var console: String?
        /// What the server saw, in order.
        var seen: [SeenRequest]
        var hasConsoleMessage: Bool { console != nil }
    }

    /// Runs `cases` one by one in `tab` (already on the page), collecting for each the script's
    /// result, the DevTools CORS error kind, the console message and what the server saw.
    static func observe(_ cases: [Case], in tab: ChromiumPage, api: String, recorder: CORSFetcherTests.RequestRecorder?) throws -> [Observation] {
        _ = recorder?.take()
        var observations: [Observation] = []
        for testCase in cases {
            let mark = tab.browser.eventCount
            let result = try tab.evaluate(try AgreementMatrix.runCase(testCase, api: api), as: BrowserResult.self)
            if !result.ok {
                // The request's own failure event (not its preflight's) carries the CORS error kind;
                // a TypeError raised before any request has none, hence the short wait.
                _ = try? tab.browser.waitForEvent("Network.loadingFailed", since: mark, session: tab.session, timeout: 2) {
                    $0.params["type"] as? String != "Preflight"
                }
            }
            _ = try tab.evaluate("0")  // a round trip, so events sent before it have arrived
            let events = tab.events(since: mark)
            let corsError = events.lazy.filter { $0.method == "Network.loadingFailed" }
                .compactMap { ($0.params["corsErrorStatus"] as? [String: Any])?["corsError"] as? String }.first
            let console = events.lazy.filter { $0.method == "Log.entryAdded" }
                .compactMap { ($0.params["entry"] as? [String: Any])?["text"] as? String }
                .first { $0.hasPrefix("Access to fetch at") }
            observations.append(Observation(result: result, corsError: corsError, console: console, seen: recorder?.take() ?? []))
        }
        return observations
    }

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func fetcherAgreesWithChromium() async throws {
        let report = try await AgreementMatrix.run(
            browser: .chromium,
            browse: { cases, page, api, recorder in
                try await Chromium.session { browser in
                    let tab = try browser.newPage()
                    try tab.setCookie(name: "sid", value: "abc", url: api + "/")
                    try tab.navigate(to: page + "/page.html")
                    return try Self.observe(cases, in: tab, api: api, recorder: recorder)
                }
            },
            compare: Self.compare
        )
        let kinds = report.observations.filter { $0.corsError != nil }.count
        print(
            "Chromium agreement: \(report.agree)/\(report.cases.count) cases agree (\(Chromium.versionDescription)): \(report.allowed) allowed, \(report.preflights) with a preflight, \(report.cookies) with a cookie, \(kinds) DevTools error kinds and \(report.messages) console messages compared"
        )
        for line in report.disagreements { print("  disagreement: \(line)") }
        // Every observable must be exercised, or agreement proves nothing.
        #expect(report.cases.count >= 200)
        #expect(report.allowed >= 50 && report.messages >= 50 && kinds >= 50 && report.preflights >= 50 && report.cookies >= 5)
        #expect(report.agree == report.cases.count, "\(report.disagreements.joined(separator: "\n"))")
    }

    /// Everything observable on which the engine and Chromium disagree, one line each.
    static func compare(_ ours: CORSFetcher.Outcome, _ oursSeen: [SeenRequest], _ theirs: Observation, url: String) -> [String] {
        var problems: [String] = []
        let result = theirs.result
        if ours.allowed != result.ok { problems.append("allowed: ours \(ours.allowed), Chromium \(result.ok)") }
        if oursSeen != theirs.seen {
            problems.append("server saw:\n      ours     \(oursSeen)\n      Chromium \(theirs.seen)")
        }
        if ours.blockReason?.kind != theirs.corsError {
            problems.append("error kind: ours \(ours.blockReason?.kind ?? "none"), Chromium \(theirs.corsError ?? "none")")
        }
        if result.ok {
            let readable = Set(result.headers ?? [])
            if Set(ours.readableHeaders) != readable {
                problems.append("readable headers: ours \(ours.readableHeaders.sorted()), Chromium \(readable.sorted())")
            }
        } else if ours.networkError != nil {
            if result.error != "TypeError: Failed to fetch" { problems.append("network error: Chromium \(result.error ?? "none")") }
        } else if let error = result.error, error != "TypeError: Failed to fetch" {
            if ours.chromiumMessage != error { problems.append("TypeError: ours \(ours.chromiumMessage ?? "none"), Chromium \(error)") }
        } else if ours.chromiumMessage != theirs.console {
            problems.append("message:\n      ours     \(ours.chromiumMessage ?? "none")\n      Chromium \(theirs.console ?? "none")")
        }
        // `cors explain` reads Chromium's own console line back as the kind DevTools reported.
        if let console = theirs.console {
            let read = try? ConsoleErrorReader.read(console).get()
            if read?.failure.kind != theirs.corsError || read?.url != ours.failedURL || read?.origin != ours.origin {
                problems.append(
                    "explain read \(read.map { "\($0.failure.kind) \($0.url ?? "-") \($0.origin ?? "-")" } ?? "nothing") from Chromium's \(console)"
                )
            }
        }
        return problems
    }
}
#endif
