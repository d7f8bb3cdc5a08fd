#if Hummingbird
import BrowserHarness
import CORSBrowser
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
    struct Observation: Sendable {
        var result: AgreementMatrix.BrowserResult
        /// The console's CORS errors ("Cross-Origin Request Blocked: ..."), in order.
        var console: [String]
        /// The console's CORS warnings, in order.
        var warnings: [String]
        var seen: [SeenRequest]
    }

    static let blockedPrefix = "Cross-Origin Request Blocked"

    /// Runs `cases` one by one in `tab` (already on the page).
    static func observe(_ cases: [Case], in tab: FirefoxTab, api: String, recorder: CORSFetcherTests.RequestRecorder?) throws -> [Observation] {
        let apiLiteral = String(decoding: try JSONEncoder().encode([api]), as: UTF8.self).dropFirst().dropLast()
        _ = recorder?.take()
        var observations: [Observation] = []
        for testCase in cases {
            let mark = tab.browser.eventCount
            let json = String(decoding: try JSONEncoder().encode(testCase), as: UTF8.self)
            let result = try tab.evaluate("runCase(\(apiLiteral), \(json))", as: AgreementMatrix.BrowserResult.self)
            if !result.ok {
                // A blocked fetch logs its reason; a TypeError raised before any request logs none.
                _ = try? tab.browser.waitForEvent("log.entryAdded", since: mark, timeout: 2) {
                    ($0.params["text"] as? String)?.hasPrefix(blockedPrefix) == true
                }
            }
            _ = try tab.evaluate("0")  // a round trip, so entries sent before it have arrived
            let entries = tab.consoleEntries(since: mark)
            observations.append(Observation(
                result: result,
                console: entries.filter { $0.level == "error" && $0.text.hasPrefix(blockedPrefix) }.map(\.text),
                warnings: entries.filter { $0.level == "warn" && ($0.text.contains("CORS") || $0.text.contains("Cross-Origin")) }.map(\.text),
                seen: recorder?.take() ?? []))
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
            let json = String(decoding: try JSONEncoder().encode(warm), as: UTF8.self)
            _ = try tab.evaluate("runCase('\(api)', \(json))")
            _ = recorder.take()
            _ = try tab.evaluate("runCase('\(api)', \(json))")
            if !recorder.take().contains(where: { $0.method == "OPTIONS" }) { return attempt }
        }
        throw BrowserDriverError.commandFailed("warm-up", message: "Firefox re-sent the preflight in 20 pairs of requests")
    }

    @Test(.enabled(if: Firefox.shouldRun, Comment(rawValue: Firefox.skipReason)))
    func fetcherAgreesWithFirefox() async throws {
        let recorder = CORSFetcherTests.RequestRecorder()
        try await AgreementMatrix.pageServer().test(.live) { pageClient in
            let page = "http://127.0.0.1:\(pageClient.port!)"
            try await CORSFetcherTests.scriptedServer(recorder: recorder).test(.live) { apiClient in
                let port = apiClient.port!
                let api = "http://127.0.0.1:\(port)"
                let cases = AgreementMatrix.cases(page: page, apiPort: port)
                let (warmUpPairs, observations) = try await Firefox.session { browser in
                    let tab = try browser.firstTab()
                    try tab.setCookie(name: "sid", value: "abc", domain: "127.0.0.1")
                    try tab.navigate(to: page + "/page.html")
                    let pairs = try Self.warmUp(tab, api: api, recorder: recorder)
                    return (pairs, try Self.observe(cases, in: tab, api: api, recorder: recorder))
                }
                try #require(observations.count == cases.count, "Firefox ran \(observations.count) of \(cases.count) cases")
                var agree = 0
                var disagreements: [String] = []
                var tally = (allowed: 0, messages: 0, preflights: 0, cookies: 0)
                var dump: [String] = []
                try await CORSFetcher.with(browser: .firefox, cookies: CookieJar(["127.0.0.1": ["sid": "abc"]])) { fetcher in
                    for (index, testCase) in cases.enumerated() {
                        let request = testCase.request(api: api, page: page)
                        _ = recorder.take()
                        let theirs = observations[index]
                        let problems: [String]
                        do {
                            let ours = try await fetcher.fetch(request)
                            problems = Self.compare(ours, recorder.take(), theirs)
                        } catch {
                            problems = ["ours failed: \(error); Firefox \(theirs.result)"]
                        }
                        if theirs.result.ok { tally.allowed += 1 }
                        if !theirs.console.isEmpty { tally.messages += 1 }
                        if theirs.seen.contains(where: { $0.requestMethod != nil }) { tally.preflights += 1 }
                        if theirs.seen.contains(where: { $0.cookie != nil }) { tally.cookies += 1 }
                        dump.append("case \(index) \(testCase.summary)\n  result \(theirs.result)\n  console \(theirs.console)\n  warnings \(theirs.warnings)\n  seen \(theirs.seen)\n  problems \(problems)")
                        if problems.isEmpty {
                            agree += 1
                        } else {
                            disagreements.append("case \(index) \(testCase.summary):\n    " + problems.joined(separator: "\n    "))
                        }
                    }
                }
                if let path = ProcessInfo.processInfo.environment["CORS_AGREEMENT_DUMP"] {
                    try dump.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
                }
                print("Firefox agreement: \(agree)/\(cases.count) cases agree (\(Firefox.versionDescription); preflight cache warm after \(warmUpPairs) pair(s)): \(tally.allowed) allowed, \(tally.preflights) with a preflight, \(tally.cookies) with a cookie and \(tally.messages) console messages compared")
                for line in disagreements { print("  disagreement: \(line)") }
                #expect(cases.count >= 200)
                #expect(tally.allowed >= 50 && tally.messages >= 50 && tally.preflights >= 50 && tally.cookies >= 5)
                #expect(agree == cases.count, "\(disagreements.joined(separator: "\n"))")
            }
        }
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
        return problems
    }
}
#endif
