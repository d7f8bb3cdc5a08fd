import BrowserHarness
import Foundation
import TestHarness
import Testing

/// `cors check` against Chromium itself: for each request, a page in headless Chromium fetches it
/// from `cors serve` and `cors check` is run with the same origin and options; the verdicts must
/// match and `cors check`'s "Chromium:" line must be the console message word for word.
@Suite(.serialized, .ownThread) struct CheckAgainstChromiumTests {
    static let policy = """
        {
          "allowOrigins": ["http://localhost:*"],
          "allowMethods": ["PUT"],
          "allowHeaders": ["Content-Type"],
          "exposeHeaders": ["X-Request-Id"],
          "allowCredentials": true
        }
        """

    struct Request: Sendable {
        var pageHost: String
        var apiHost: String
        var path: String
        var method = "GET"
        var headers: [String: String] = [:]
        var body: String?
        var credentials = "same-origin"
    }

    struct BrowserVerdict: Decodable, Sendable {
        var ok: Bool
        var error: String?
    }

    static let requests = [
        Request(
            pageHost: "localhost",
            apiHost: "127.0.0.1",
            path: "/ok",
            method: "PUT",
            headers: ["Content-Type": "application/json"],
            body: "{}",
            credentials: "include"
        ),
        Request(pageHost: "localhost", apiHost: "127.0.0.1", path: "/secret", method: "PUT", headers: ["X-Secret": "1"]),
        Request(pageHost: "localhost", apiHost: "127.0.0.1", path: "/delete", method: "DELETE"),
        Request(pageHost: "localhost", apiHost: "127.0.0.1", path: "/get", credentials: "include"),
        Request(pageHost: "127.0.0.1", apiHost: "localhost", path: "/other-origin"),
        Request(pageHost: "127.0.0.1", apiHost: "localhost", path: "/other-origin-put", method: "PUT"),
    ]

    /// The page's `fetch()` of `request`, resolving to `{ok, error}`.
    static func script(for request: Request, port: Int) throws -> String {
        let initJSON = try JSONSerialization.data(
            withJSONObject: [
                "method": request.method, "headers": request.headers, "credentials": request.credentials, "body": request.body ?? NSNull(),
            ] as [String: Any]
        )
        return """
            (() => { const init = \(String(decoding: initJSON, as: UTF8.self)); if (init.body === null) delete init.body;
              return fetch('http://\(request.apiHost):\(port)\(request.path)', init)
                .then(() => ({ok: true}), e => ({ok: false, error: String(e)})); })()
            """
    }

    /// `cors check` with the same origin and options.
    static func arguments(for request: Request, port: Int) -> [String] {
        var arguments = [
            "check", "http://\(request.apiHost):\(port)\(request.path)", "--origin", "http://\(request.pageHost):\(port)",
            "-X", request.method, "--credentials", request.credentials,
        ]
        for (name, value) in request.headers { arguments += ["-H", "\(name): \(value)"] }
        if let body = request.body { arguments += ["-d", body] }
        return arguments
    }

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func checksMessageIsChromiumsConsoleMessage() async throws {
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(Self.policy))
        let port = server.port
        let requests = Self.requests
        let observed: [(BrowserVerdict, String?)] = try await Chromium.session { browser in
            let tab = try browser.newPage()
            var observed: [(BrowserVerdict, String?)] = []
            for request in requests {
                try tab.navigate(to: "http://\(request.pageHost):\(port)/page")  // any document of that origin will do
                let mark = browser.eventCount
                let verdict = try tab.evaluate(Self.script(for: request, port: port), as: BrowserVerdict.self)
                func text(_ event: BrowserEvent) -> String? { (event.params["entry"] as? [String: Any])?["text"] as? String }
                // A blocked fetch's console line may trail its promise: wait for it when one is due.
                if !verdict.ok {
                    _ = try? browser.waitForEvent("Log.entryAdded", since: mark, timeout: 5) { text($0)?.hasPrefix("Access to fetch at") == true }
                }
                _ = try tab.evaluate("0")
                let console = tab.events(since: mark).lazy.filter { $0.method == "Log.entryAdded" }
                    .compactMap(text).first { $0.hasPrefix("Access to fetch at") }
                observed.append((verdict, console))
            }
            return observed
        }
        var blockedCompared = 0
        for (request, (verdict, console)) in zip(requests, observed) {
            let check = try CORSTool.run(Self.arguments(for: request, port: port))
            #expect(
                check.status == (verdict.ok ? 0 : 1),
                "\(request.path): cors check exited \(check.status), Chromium ok=\(verdict.ok)\n\(check.output)"
            )
            let line = check.output.split(separator: "\n").first { $0.hasPrefix("Chromium: ") }.map { String($0.dropFirst("Chromium: ".count)) }
            #expect(line == console, "\(request.path)")
            if console != nil { blockedCompared += 1 }
        }
        print("cors check vs Chromium: \(requests.count) requests, \(blockedCompared) console messages compared (\(Chromium.versionDescription))")
        #expect(blockedCompared >= 4)
    }
}
