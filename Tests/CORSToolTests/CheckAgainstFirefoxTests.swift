import BrowserHarness
import Foundation
import TestHarness
import Testing

/// `cors check --browser firefox` against Firefox itself, on the requests of
/// `CheckAgainstChromiumTests` plus a client hint (where the two browsers differ): the verdicts
/// must match and the "Firefox:" lines must be Firefox's console lines word for word, in order.
@Suite(.serialized, .ownThread) struct CheckAgainstFirefoxTests {
    typealias Request = CheckAgainstChromiumTests.Request

    @Test(.enabled(if: Firefox.shouldRun, Comment(rawValue: Firefox.skipReason)))
    func checksLinesAreFirefoxsConsoleLines() async throws {
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(CheckAgainstChromiumTests.policy))
        let port = server.port
        let requests =
            CheckAgainstChromiumTests.requests + [
                Request(pageHost: "localhost", apiHost: "127.0.0.1", path: "/client-hint", headers: ["DPR": "2"])
            ]
        // `cors serve` answers JSON: without the JSON viewer it is an ordinary document of its origin.
        let plainJSON = [("devtools.jsonview.enabled", "false")]
        let observed: [(CheckAgainstChromiumTests.BrowserVerdict, [String])] = try await Firefox.session(preferences: plainJSON) { browser in
            let tab = try browser.firstTab()
            var observed: [(CheckAgainstChromiumTests.BrowserVerdict, [String])] = []
            for request in requests {
                try tab.navigate(to: "http://\(request.pageHost):\(port)/page")
                let mark = browser.eventCount
                let verdict = try tab.evaluate(
                    CheckAgainstChromiumTests.script(for: request, port: port),
                    as: CheckAgainstChromiumTests.BrowserVerdict.self
                )
                if !verdict.ok {
                    _ = try? browser.waitForEvent("log.entryAdded", since: mark, timeout: 2) {
                        ($0.params["text"] as? String)?.hasPrefix("Cross-Origin Request Blocked") == true
                    }
                }
                _ = try tab.evaluate("0")
                observed.append((verdict, tab.consoleEntries(since: mark).map(\.text).filter { $0.hasPrefix("Cross-Origin Request Blocked") }))
            }
            return observed
        }
        var blockedCompared = 0
        for (request, (verdict, console)) in zip(requests, observed) {
            let check = try CORSTool.run(CheckAgainstChromiumTests.arguments(for: request, port: port) + ["--browser", "firefox"])
            #expect(
                check.status == (verdict.ok ? 0 : 1),
                "\(request.path): cors check exited \(check.status), Firefox ok=\(verdict.ok)\n\(check.output)"
            )
            let lines = check.output.split(separator: "\n").filter { $0.hasPrefix("Firefox:  Cross-Origin") }.map {
                String($0.dropFirst("Firefox:  ".count))
            }
            #expect(lines == console, "\(request.path)")
            if !console.isEmpty { blockedCompared += 1 }
        }
        print("cors check vs Firefox: \(requests.count) requests, \(blockedCompared) console messages compared (\(Firefox.versionDescription))")
        #expect(blockedCompared >= 5)
        // The client hint: Chromium lets it through where Firefox blocks it.
        #expect(observed.last?.0.ok == false)
    }
}
