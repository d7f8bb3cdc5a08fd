#if Hummingbird
import CORSBrowser
import CORSFetch
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The browser engine against a real headless Chromium: each case is fetched by a page in
/// Chromium and by `CORSFetcher`, against the same scripted server on 127.0.0.1, and they must
/// agree on whether the page may read the answer, on Chromium's console message (or TypeError),
/// and on the headers a script can read.
///
/// Without Chromium the suite is skipped and says why; with `CORS_REQUIRE_CHROMIUM=1` (CI) a
/// missing Chromium is a failure.
@Suite(.serialized) struct ChromiumAgreementTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let required = ProcessInfo.processInfo.environment["CORS_REQUIRE_CHROMIUM"] == "1"

    struct Case: Codable {
        var path: String
        var method: String = "GET"
        var headers: [String: String] = [:]
        var body: String?
        var credentials: String = "same-origin"
        var mode: String = "cors"
        var redirect: String = "follow"
    }

    /// One case per shape of request and server answer; every path is distinct, so Chromium's
    /// preflight cache never mixes cases.
    static func cases(page: String) -> [Case] {
        var cases: [Case] = []
        func add(_ query: String, _ method: String = "GET", headers: [String: String] = [:], body: String? = nil,
                 credentials: String = "same-origin", mode: String = "cors", redirect: String = "follow") {
            cases.append(Case(
                path: "/c\(cases.count)?\(query)", method: method, headers: headers, body: body, credentials: credentials,
                mode: mode, redirect: redirect))
        }
        let p = page
        add("acao=*")
        add("acao=*&aceh=X-Total")
        add("")
        add("acao=https://other.test")
        add("acao=http://a.test&acao=http://b.test")
        add("acao=nonsense")
        add("acao=\(p)")
        add("acao=\(p)/")
        add("acao=*", credentials: "include")
        add("acao=\(p)", credentials: "include")
        add("acao=\(p)&acac=yes", credentials: "include")
        add("acao=\(p)&acac=true&aceh=*", credentials: "include")
        add("acao=*&aceh=*")
        add("acao=*&pstatus=500", "PUT")
        add("acao=*&pstatus=302&location=/x", "PUT")
        add("acao=*&acam=PATCH", "PUT")
        add("acao=*&acam=PUT", "PUT")
        add("acao=*&acam=put", "put")
        add("acao=*&acam=patch", "patch")
        add("acao=*&acam=PATCH", "patch")
        add("acao=*&acam=*", "DELETE")
        add("acao=\(p)&acac=true&acam=*", "PUT", credentials: "include")
        add("acao=\(p)&acac=true&acam=PUT", "PUT", credentials: "include")
        add("acao=*&acam=PUT%20DELETE", "PUT")
        add("acao=*&acam=PUT&acah=x-a%20x-b", "PUT", headers: ["X-A": "1"])
        add("acao=*&acam=PUT&acah=x-a", "PUT", headers: ["X-B": "1"])
        add("acao=*&acam=PUT&acah=X-A", "PUT", headers: ["x-a": "1"])
        add("acao=*&acah=*", headers: ["X-Z": "1"])
        add("acao=*&acam=*&acah=*", "PUT", headers: ["Authorization": "Bearer t"])
        add("acao=\(p)&acac=true&acah=*", headers: ["X-Z": "1"], credentials: "include")
        add("acao=*", "POST", headers: ["Content-Type": "text/plain"], body: "x")
        add("acao=*", "POST", headers: ["Content-Type": "application/json"], body: "{}")
        add("acao=*&acah=content-type", "POST", headers: ["Content-Type": "application/json"], body: "{}")
        add("acao=*", headers: ["Range": "bytes=0-"])
        add("acao=*&acam=GET", headers: ["Range": "Bytes=0-"])
        add("acao=*", headers: ["Accept": "text/html{"])
        add("acao=*", headers: ["Accept-Language": "en-US,en;q=0.9"])
        for (name, value) in [
            ("DPR", "2"), ("DPR", "1.5"), ("DPR", "abc"), ("Save-Data", "on"), ("Device-Memory", "8"), ("Width", "100"),
            ("Viewport-Width", "1280"), ("Viewport-Width", "12.5"), ("Downlink", "10"), ("ECT", "4g"), ("ECT", "5g"),
            ("RTT", "50"),
        ] {
            add("acao=*", headers: [name: value])
        }
        add("acao=*&status=404")
        add("acao=*&status=500")
        add("acao=*&pstatus=200&acam=PUT", "PUT")
        add("acao=*&status=302&location=/final%3Facao%3D*")
        add("status=302&location=/final%3Facao%3D*")
        add("acao=*&status=302&location=/final")
        add("acao=*&status=302&location=/final%3Facao%3D*", redirect: "error")
        add("acao=*&status=302&location=/final%3Facao%3D*", redirect: "manual")
        add("status=302&location=/final%3Facao%3D*", redirect: "manual")
        add("", "TRACE")
        add("", "GET", body: "x")
        add("acao=*", "PUT", mode: "no-cors")
        return cases
    }

    static func pageHTML() -> String {
        """
        <!doctype html><html><body><pre id="out"></pre><script>
        const q = new URLSearchParams(location.search);
        const api = q.get('api');
        const cases = JSON.parse(q.get('cases'));
        (async () => {
          const results = [];
          for (const c of cases) {
            const init = {method: c.method, headers: c.headers, credentials: c.credentials, mode: c.mode, redirect: c.redirect};
            if (c.body !== null && c.body !== undefined) init.body = c.body;
            try {
              const r = await fetch(api + c.path, init);
              results.push({ok: true, status: r.status, headers: [...r.headers.keys()]});
            } catch (e) { results.push({ok: false, error: String(e)}); }
          }
          document.getElementById('out').textContent = JSON.stringify(results);
        })();
        </script></body></html>
        """
    }

    /// Serves `/page.html`, the page whose script runs the cases, on a port of its own (its origin).
    static func pageServer() -> some ApplicationProtocol {
        let router = Router()
        router.get("/page.html") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: pageHTML())))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    struct BrowserResult: Decodable {
        var ok: Bool
        var status: Int?
        var headers: [String]?
        var error: String?
    }

    @Test(.enabled(if: chromium != nil || required, "Chromium is not installed (apt-get install chromium); the browser suite is skipped"))
    func fetcherAgreesWithChromium() async throws {
        let chromium = try #require(Self.chromium, "CORS_REQUIRE_CHROMIUM=1 but no Chromium is installed")
        try await Self.pageServer().test(.live) { pageClient in
            let page = "http://127.0.0.1:\(pageClient.port!)"
            try await CORSFetcherTests.scriptedServer().test(.live) { apiClient in
                let api = "http://127.0.0.1:\(apiClient.port!)"
                let cases = Self.cases(page: page)
                let (results, console) = try await Self.chromiumResults(chromium, page: page, api: api, cases: cases)
                try #require(results.count == cases.count, "Chromium ran \(results.count) of \(cases.count) cases")
                var agree = 0
                var disagreements: [String] = []
                var messagesCompared = 0
                var allowedCompared = 0
                try await CORSFetcher.with { fetcher in
                    for (index, testCase) in cases.enumerated() {
                        let request = FetchRequest(
                            url: api + testCase.path, origin: page, method: testCase.method,
                            headers: testCase.headers.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }, body: testCase.body,
                            credentials: CredentialsMode(rawValue: testCase.credentials)!,
                            mode: FetchRequest.Mode(rawValue: testCase.mode)!,
                            redirect: FetchRequest.Redirect(rawValue: testCase.redirect)!)
                        let ours = try await fetcher.fetch(request)
                        let theirs = results[index]
                        var problems: [String] = []
                        if ours.allowed != theirs.ok { problems.append("allowed: ours \(ours.allowed), Chromium \(theirs.ok)") }
                        if theirs.ok {
                            allowedCompared += 1
                            let readable = Set(theirs.headers ?? [])
                            if Set(ours.readableHeaders) != readable {
                                problems.append("readable headers: ours \(ours.readableHeaders.sorted()), Chromium \(readable.sorted())")
                            }
                        } else if ours.networkError != nil {
                            if theirs.error != "TypeError: Failed to fetch" { problems.append("network error: Chromium \(theirs.error ?? "none")") }
                        } else if let error = theirs.error, error != "TypeError: Failed to fetch" {
                            if ours.chromiumMessage != error { problems.append("TypeError: ours \(ours.chromiumMessage ?? "none"), Chromium \(error)") }
                        } else {
                            let message = console.first { $0.contains("'\(api + testCase.path)'") }
                            if message != nil { messagesCompared += 1 }
                            if ours.chromiumMessage != message {
                                problems.append("message:\n    ours     \(ours.chromiumMessage ?? "none")\n    Chromium \(message ?? "none")")
                            }
                        }
                        if problems.isEmpty {
                            agree += 1
                        } else {
                            disagreements.append("case \(index) \(testCase.method) \(testCase.path): " + problems.joined(separator: "; "))
                        }
                    }
                }
                print("Chromium agreement: \(agree)/\(cases.count) cases agree (\(allowedCompared) allowed, \(messagesCompared) console messages compared word for word)")
                // Both verdicts must be exercised, or agreement proves nothing.
                #expect(allowedCompared >= 10 && messagesCompared >= 20)
                for line in disagreements { print("  disagreement: \(line)") }
                #expect(agree == cases.count, "\(disagreements.joined(separator: "\n"))")
            }
        }
    }

    /// `runChromium` on a thread of its own: it blocks until Chromium exits, and blocking one of
    /// the few cooperative threads would starve the in-process servers Chromium is talking to.
    static func chromiumResults(_ chromium: String, page: String, api: String, cases: [Case]) async throws -> ([BrowserResult], [String]) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runChromium(chromium, page: page, api: api, cases: cases) })
            }.start()
        }
    }

    /// Chromium gets this long; a run that hangs is killed and fails the suite instead of CI.
    static let timeoutSeconds = 120.0

    /// Loads the page in headless Chromium; returns each case's outcome and the console's CORS messages.
    static func runChromium(_ chromium: String, page: String, api: String, cases: [Case]) throws -> ([BrowserResult], [String]) {
        let casesJSON = String(decoding: try JSONEncoder().encode(cases), as: UTF8.self)
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let url = "\(page)/page.html?api=\(api.addingPercentEncoding(withAllowedCharacters: allowed)!)&cases=\(casesJSON.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("cors-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000", "--dump-dom", url,
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) { [process] in
            if process.isRunning { process.terminate() }
        }
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        while !errorData.isSet { Thread.sleep(forTimeInterval: 0.01) }
        let log = String(decoding: errorData.value, as: UTF8.self)
        guard let start = dom.range(of: "<pre id=\"out\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            return ([], [])
        }
        let json = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        let results = try JSONDecoder().decode([BrowserResult].self, from: Data(json.utf8))
        var messages: [String] = []
        for line in log.split(separator: "\n") where line.contains("CONSOLE") {
            guard let open = line.range(of: "] \""), let close = line.range(of: "\", source:", options: .backwards) else { continue }
            messages.append(String(line[open.upperBound..<close.lowerBound]))
        }
        return (results, messages)
    }

    final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data: Data?
        func set(_ value: Data) { lock.withLock { data = value } }
        var isSet: Bool { lock.withLock { data != nil } }
        var value: Data { lock.withLock { data ?? Data() } }
    }
}
#endif
