#if Hummingbird
import CORSBrowser
import CORSFetch
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The cases of the agreement suite: request shapes (methods and their case, safelisted and unsafe
/// headers and values, content types, credentials modes) crossed with server answers (every
/// Access-Control-Allow-* variant, status codes, malformed and duplicate headers, redirects,
/// Max-Age and cache reuse). The scripted server answers as each path's query string says.
///
/// Every case has a path of its own, so Chromium's preflight cache never mixes cases, except in
/// the cache family, where consecutive cases share a path on purpose.
enum AgreementMatrix {
    /// One request the page makes, as `fetch(api + path, init)`.
    struct Case: Codable, Sendable {
        var path: String
        var method: String = "GET"
        /// Name-value pairs in the order the script sets them (`fetch` accepts them so; a name
        /// given twice is combined by the Headers object).
        var headers: [[String]] = []
        var body: String?
        var credentials: String = "same-origin"
        var mode: String = "cors"
        var redirect: String = "follow"
        var cache: String = "default"

        init(
            path: String,
            method: String = "GET",
            headers: [String: String] = [:],
            headerList: [(String, String)] = [],
            body: String? = nil,
            credentials: String = "same-origin",
            mode: String = "cors",
            redirect: String = "follow",
            cache: String = "default"
        ) {
            self.path = path
            self.method = method
            self.headers = (headers.sorted { $0.key < $1.key } + headerList).map { [$0.0, $0.1] }
            self.body = body
            self.credentials = credentials
            self.mode = mode
            self.redirect = redirect
            self.cache = cache
        }

        var headerPairs: [(name: String, value: String)] { headers.map { ($0[0], $0[1]) } }

        var summary: String {
            var text = "\(method) \(path)"
            if !headers.isEmpty { text += " \(headers.map { "\($0[0]): \($0[1])" })" }
            if credentials != "same-origin" { text += " credentials=\(credentials)" }
            if mode != "cors" { text += " mode=\(mode)" }
            if redirect != "follow" { text += " redirect=\(redirect)" }
            return text
        }

        /// The same call for `CORSFetcher`, from the page at `page` to the API at `api`.
        func request(api: String, page: String) -> FetchRequest {
            FetchRequest(
                url: api + path,
                origin: page,
                method: method,
                headers: headerPairs,
                body: body,
                credentials: CredentialsMode(rawValue: credentials)!,
                mode: FetchRequest.Mode(rawValue: mode)!,
                redirect: FetchRequest.Redirect(rawValue: redirect)!,
                cache: FetchRequest.Cache(rawValue: cache)!
            )
        }
    }

    struct BrowserResult: Decodable, Sendable {
        var ok: Bool
        var status: Int?
        var headers: [String]?
        var error: String?
    }

    /// What the real browser did with one case, as far as every suite compares it.
    protocol Observed: Sendable {
        var result: BrowserResult { get }
        var seen: [CORSFetcherTests.SeenRequest] { get }
        /// Whether the browser's console said something about the case.
        var hasConsoleMessage: Bool { get }
    }

    /// What a run of the matrix came to.
    struct Report<Observation: Observed> {
        var cases: [Case]
        var observations: [Observation]
        var agree = 0
        var disagreements: [String] = []
        var allowed = 0, messages = 0, preflights = 0, cookies = 0
    }

    /// Serves the page and the scripted API on 127.0.0.1, lets `browse` run every case in the real
    /// browser (the cookie `sid=abc` set for the API), runs each again with `CORSFetcher` under
    /// `browser`'s profile, and compares the two with `compare` (one line per disagreement).
    static func run<Observation: Observed>(
        browser: BrowserProfile,
        browse:
            @escaping @Sendable (_ cases: [Case], _ page: String, _ api: String, _ recorder: CORSFetcherTests.RequestRecorder) async throws ->
            [Observation],
        compare: @escaping @Sendable (CORSFetcher.Outcome, [CORSFetcherTests.SeenRequest], Observation, _ url: String) -> [String]
    ) async throws -> Report<Observation> {
        let recorder = CORSFetcherTests.RequestRecorder()
        nonisolated(unsafe) var report: Report<Observation>?
        try await pageServer().test(.live) { pageClient in
            let page = "http://127.0.0.1:\(pageClient.port!)"
            try await CORSFetcherTests.scriptedServer(recorder: recorder).test(.live) { apiClient in
                let api = "http://127.0.0.1:\(apiClient.port!)"
                let cases = Self.cases(page: page, apiPort: apiClient.port!)
                let observations = try await browse(cases, page, api, recorder)
                try #require(observations.count == cases.count, "\(browser) ran \(observations.count) of \(cases.count) cases")
                var result = Report(cases: cases, observations: observations)
                try await CORSFetcher.with(browser: browser, cookies: CookieJar(["127.0.0.1": ["sid": "abc"]])) { fetcher in
                    for (index, testCase) in cases.enumerated() {
                        _ = recorder.take()
                        let theirs = observations[index]
                        let problems: [String]
                        do {
                            let ours = try await fetcher.fetch(testCase.request(api: api, page: page))
                            problems = compare(ours, recorder.take(), theirs, api + testCase.path)
                        } catch {
                            problems = ["ours failed: \(error); \(browser) \(theirs.result)"]
                        }
                        if theirs.result.ok { result.allowed += 1 }
                        if theirs.hasConsoleMessage { result.messages += 1 }
                        if theirs.seen.contains(where: { $0.requestMethod != nil }) { result.preflights += 1 }
                        if theirs.seen.contains(where: { $0.cookie != nil }) { result.cookies += 1 }
                        if problems.isEmpty {
                            result.agree += 1
                        } else {
                            result.disagreements.append("case \(index) \(testCase.summary):\n    " + problems.joined(separator: "\n    "))
                        }
                    }
                }
                report = result
            }
        }
        return try #require(report)
    }

    /// The page's call for one case: `runCase(api, case)`, both as JSON literals.
    static func runCase(_ testCase: Case, api: String) throws -> String {
        let apiLiteral = String(decoding: try JSONEncoder().encode([api]), as: UTF8.self).dropFirst().dropLast()
        return "runCase(\(apiLiteral), \(String(decoding: try JSONEncoder().encode(testCase), as: UTF8.self)))"
    }

    /// The page both suites load: it only defines `runCase`, which the driver calls once per case.
    static let pageHTML = """
        <!doctype html><html><head><title>swift-cors agreement</title></head><body><script>
        async function runCase(api, c) {
          const init = {method: c.method, headers: c.headers, credentials: c.credentials, mode: c.mode, redirect: c.redirect, cache: c.cache};
          if (c.body !== null && c.body !== undefined) init.body = c.body;
          try {
            const r = await fetch(api + c.path, init);
            return {ok: true, status: r.status, headers: [...r.headers.keys()]};
          } catch (e) { return {ok: false, error: String(e)}; }
        }
        </script></body></html>
        """

    /// Serves `/page.html` on a port of its own (its origin).
    static func pageServer() -> some ApplicationProtocol {
        let router = Router()
        router.get("/page.html") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: pageHTML)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Query-string value encoding: spaces and the like escaped, `*`, `:`, `/` and `,` kept.
    static func encoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:/*,")
        return value.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    static func cases(page p: String, apiPort: Int) -> [Case] {
        var cases: [Case] = []
        /// Adds a case whose server answers as `answer` says (`key=value` pairs, values encoded
        /// here). `sharing` reuses an earlier case's path (cache cases only).
        func add(
            _ answer: [(String, String)],
            _ method: String = "GET",
            headers: [String: String] = [:],
            headerList: [(String, String)] = [],
            body: String? = nil,
            credentials: String = "same-origin",
            mode: String = "cors",
            redirect: String = "follow",
            cache: String = "default",
            sharing: Int? = nil
        ) {
            let query = answer.map { "\($0.0)=\(encoded($0.1))" }.joined(separator: "&")
            let path = sharing.map { cases[$0].path } ?? "/c\(cases.count)?\(query)"
            cases.append(
                Case(
                    path: path,
                    method: method,
                    headers: headers,
                    headerList: headerList,
                    body: body,
                    credentials: credentials,
                    mode: mode,
                    redirect: redirect,
                    cache: cache
                )
            )
        }
        /// The path a redirect in case number `cases.count` goes on to.
        func next(_ answer: [(String, String)]) -> String {
            "/c\(cases.count)-next?" + answer.map { "\($0.0)=\(encoded($0.1))" }.joined(separator: "&")
        }
        let any = [("acao", "*")]
        let exact = [("acao", p), ("acac", "true")]

        // Access-Control-Allow-Origin and -Credentials, for each credentials mode.
        for acao in ["*", p, "\(p)/", "null", "http://127.0.0.1", p.uppercased(), " \(p) ", "\(p),\(p)", "*, *", "nonsense", "https://other.test"] {
            add([("acao", acao)])
            add([("acao", acao)], credentials: "include")
            add([("acao", acao), ("acac", "true")], credentials: "include")
            add([("acao", acao), ("acac", "true")], credentials: "omit")
        }
        add([])
        add([], credentials: "include")
        add([("acao", "http://a.test"), ("acao", "http://b.test")])
        add([("acao", p), ("acao", p)])
        add([("acao", p), ("acac", "TRUE")], credentials: "include")
        add([("acao", p), ("acac", "yes")], credentials: "include")
        add([("acao", p), ("acac", "true"), ("acac", "true")], credentials: "include")
        add([("acao", p), ("acac", " true ")], credentials: "include")

        // Access-Control-Expose-Headers: what a script reads, anonymous and credentialed.
        for aceh in ["", "X-Total", "x-total", "X-Total, Content-Language", "*", "X-Total,*", "X-Other X-Total", "X-Nope", "X-Total, , X-Other"] {
            let expose = aceh.isEmpty ? [] : [("aceh", aceh)]
            add(any + expose + [("extra", "1")])
            add(exact + expose + [("extra", "1")], credentials: "include")
        }

        // Methods (and their case) against Access-Control-Allow-Methods.
        for method in ["DELETE", "PATCH", "patch", "Patch", "OPTIONS", "FOO", "delete", "Put", "HEAD", "post", "get"] {
            var answers = ["", "*", method, method.uppercased(), "GET, POST, HEAD", "\(method.uppercased()), OPTIONS"]
            answers = answers.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
            for acam in answers {
                add(any + (acam.isEmpty ? [] : [("acam", acam)]), method)
            }
        }
        add(exact + [("acam", "*")], "PUT", credentials: "include")
        add(exact + [("acam", "PUT")], "PUT", credentials: "include")
        add(any + [("acam", "PUT DELETE")], "PUT")
        add(any + [("acam", "PUT;")], "PUT")
        add(any + [("acam", "PUT,")], "PUT")
        add(any + [("acam", ",PUT")], "PUT")
        add(any + [("acam", "PUT,,DELETE")], "DELETE")
        add(any + [("acam", "PATCH"), ("acam", "PUT")], "PUT")
        add([], "TRACE")
        add([], "CONNECT")
        add([], "GET", body: "x")
        // What fetch() refuses before sending: each browser's TypeError, word for word.
        add([], "a b")
        add([], "trace")
        add([], "HEAD", body: "x")
        add(any, "DELETE", mode: "no-cors")
        add(any, headerList: [("a b", "1")])
        add(any, headerList: [("X-A", "a\nb")])
        add(any, cache: "only-if-cached")
        add(any, mode: "same-origin")
        add(any, "PUT", mode: "no-cors")
        add(any, "GET", mode: "no-cors")

        // Request headers (safelisted or not, by name and by value) against -Allow-Headers.
        let longAccept = String(repeating: "a", count: 129)
        let requests: [(String, [String: String], String?)] = [
            ("GET", ["X-A": "1"], nil),
            ("GET", ["X-A": "1", "X-B": "2"], nil),
            ("POST", ["Content-Type": "text/plain;charset=UTF-8"], "x"),
            ("POST", ["Content-Type": "application/x-www-form-urlencoded"], "a=b"),
            ("POST", ["Content-Type": "multipart/form-data; boundary=x"], "x"),
            ("POST", ["Content-Type": "text/csv"], "a,b"),
            ("POST", ["Content-Type": "application/json"], "{}"),
            ("GET", ["Accept": "application/json"], nil),
            ("GET", ["Accept": longAccept], nil),
            ("GET", ["Accept-Language": "fr-CH, fr;q=0.9"], nil),
            ("GET", ["Accept-Language": "fr@"], nil),
            ("GET", ["Content-Language": "de-DE"], nil),
            ("GET", ["Authorization": "Bearer t"], nil),
            ("GET", ["Range": "bytes=0-10"], nil),
            ("GET", ["Range": "bytes=0-10,20-30"], nil),
            ("GET", ["Range": "bytes=-5"], nil),
            ("GET", ["Last-Event-ID": "1"], nil),
        ]
        for (method, headers, body) in requests {
            for acah in ["", "*", "x-a", "X-A, X-B, Content-Type", "authorization, range, accept, accept-language, last-event-id"] {
                add(any + (acah.isEmpty ? [] : [("acah", acah)]), method, headers: headers, body: body)
            }
        }
        add(exact + [("acah", "*")], headers: ["X-A": "1"], credentials: "include")
        add(exact + [("acah", "x-a")], headers: ["X-A": "1"], credentials: "include")
        add(any + [("acam", "*"), ("acah", "*")], "PUT", headers: ["Authorization": "Bearer t"])
        add(exact + [("acam", "*"), ("acah", "*, authorization")], "PUT", headers: ["Authorization": "Bearer t"], credentials: "include")
        add(any + [("acah", "x-a,,x-b")], headers: ["X-B": "1"])
        add(any + [("acah", "x-a;")], headers: ["X-A": "1"])
        add(any + [("acah", "x-a"), ("acah", "x-b")], headers: ["X-A": "1", "X-B": "2"])
        for (name, value) in [
            ("DPR", "2"), ("DPR", "abc"), ("Save-Data", "on"), ("Device-Memory", "8"), ("Width", "100"),
            ("Viewport-Width", "12.5"), ("Downlink", "10"), ("ECT", "4g"), ("ECT", "5g"), ("RTT", "50"),
        ] {
            add(any, headers: [name: value])
        }

        // The request-header rules of fetch() (Fetch §2.2.2, §5.2), before any preflight decision:
        // forbidden names are dropped silently, so they cause no preflight; method-override
        // headers only with a forbidden method in their value; a name set twice is combined with
        // ", " and the combined value is what the safelist (and its 128-byte limit) judges.
        // Each request goes to a server that allows any header, so what reached it is visible.
        let anyHeader = any + [("acah", "*")]
        for name in [
            "Accept-Charset", "Accept-Encoding", "Access-Control-Request-Headers", "Access-Control-Request-Method",
            "Connection", "Content-Length", "Cookie2", "Date", "DNT", "Expect", "Host", "Keep-Alive", "Origin",
            "Referer", "Set-Cookie", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Via", "Proxy-Authorization",
            "Proxy-X", "Sec-Fetch-Mode", "Sec-X", "Permissions-Policy", "User-Agent",
        ] {
            add(anyHeader, headers: [name: "1"])
        }
        for (name, value) in [
            ("X-HTTP-Method-Override", "TRACE"), ("X-HTTP-Method-Override", "GET, track "), ("X-HTTP-Method", "connect"),
            ("X-Method-Override", "TRACK"), ("X-HTTP-Method-Override", "GETTRACE"), ("X-HTTP-Method-Override", "PATCH"),
            ("X-HTTP-Method-Override", "\",TRACE\","),
        ] {
            add(anyHeader, headers: [name: value])
        }
        let seventy = String(repeating: "a", count: 70)
        for list in [
            [("Accept", "text/html"), ("Accept", "application/json")],
            [("Accept", seventy), ("Accept", seventy)],
            [("Accept-Language", "en"), ("accept-language", "fr")],
            [("Content-Language", seventy), ("Content-Language", seventy)],
            [("Content-Type", "text/plain"), ("Content-Type", "text/plain")],
            [("Range", "bytes=0-1"), ("Range", "bytes=2-3")],
            [("X-A", "1"), ("x-a", "2")],
            [("X-HTTP-Method-Override", "GET"), ("X-HTTP-Method-Override", "TRACE")],
            [("Accept", " padded\t")],
            [("X-A", "")],
        ] {
            add(anyHeader, headerList: list)
        }
        add(any, headers: ["User-Agent": "swift-cors"])

        // Status codes of the actual response and of the preflight.
        for status in [201, 204, 206, 299, 400, 404, 500, 503] {
            add(any + [("status", "\(status)")])
        }
        add([("status", "404")])
        add([("status", "500")], credentials: "include")
        for status in [200, 201, 204, 299, 300, 304, 400, 401, 403, 404, 500] {
            add(any + [("acam", "PUT"), ("pstatus", "\(status)")], "PUT")
        }
        add([("pstatus", "500")], "PUT")
        add(any + [("pstatus", "307"), ("location", "/elsewhere")], "PUT")

        // Redirects: every hop is checked, and a cross-origin hop makes the origin opaque.
        let other = "http://localhost:\(apiPort)"
        for status in ["301", "302", "303", "307", "308"] {
            add(any + [("status", status), ("location", next(any))])
            add(any + [("status", status), ("location", next(any))], "POST", headers: ["Content-Type": "text/plain"], body: "x")
            add(any + [("status", status), ("location", other + next(any))])
        }
        // A JSON POST turned into GET loses its Content-Type, so the next hop needs no preflight;
        // Authorization goes only to the same origin.
        for status in ["301", "303", "307"] {
            add(
                any + [("acah", "content-type"), ("status", status), ("location", next(any + [("acah", "content-type")]))],
                "POST",
                headers: ["Content-Type": "application/json"],
                body: "{}"
            )
        }
        add(
            any + [("acah", "authorization"), ("status", "302"), ("location", next(any + [("acah", "authorization")]))],
            headers: ["Authorization": "Bearer t"]
        )
        add(
            any + [("acah", "authorization"), ("status", "302"), ("location", other + next(any + [("acah", "authorization")]))],
            headers: ["Authorization": "Bearer t"]
        )
        add([("status", "302"), ("location", next(any))])
        add(any + [("status", "302"), ("location", next([]))])
        add(any + [("status", "302"), ("location", other + next([("acao", p)]))])
        add(any + [("status", "302"), ("location", other + next([("acao", "null")]))])
        add(exact + [("status", "302"), ("location", next(exact))], credentials: "include")
        add(exact + [("status", "302"), ("location", other + next([("acao", "null"), ("acac", "true")]))], credentials: "include")
        add(any + [("status", "302"), ("location", "http://user:pw@127.0.0.1:\(apiPort)" + next(any))])
        add(any + [("status", "302"), ("location", "")])
        add(any + [("status", "302"), ("location", next(any))], redirect: "error")
        add(any + [("status", "302"), ("location", next(any))], redirect: "manual")
        add([("status", "302"), ("location", next(any))], redirect: "manual")
        add(any + [("acam", "PUT"), ("status", "307"), ("location", next(any + [("acam", "PUT")]))], "PUT")

        // The preflight cache: consecutive cases on one path.
        func pair(
            _ answer: [(String, String)],
            first: (String, [String: String]),
            then: (String, [String: String]),
            credentials: (String, String) = ("same-origin", "same-origin"),
            cache: String = "default"
        ) {
            add(answer, first.0, headers: first.1, credentials: credentials.0)
            add(answer, then.0, headers: then.1, credentials: credentials.1, cache: cache, sharing: cases.count - 1)
        }
        let put = ("PUT", [String: String]())
        pair(any + [("acam", "PUT"), ("maxage", "60")], first: put, then: put)
        pair(any + [("acam", "PUT")], first: put, then: put)
        pair(any + [("acam", "PUT"), ("maxage", "0")], first: put, then: put)
        pair(any + [("acam", "PUT"), ("maxage", "-1")], first: put, then: put)
        pair(any + [("acam", "PUT"), ("maxage", "abc")], first: put, then: put)
        pair(any + [("acam", "PUT"), ("maxage", "1.5")], first: put, then: put)
        pair(any + [("acam", "PUT, DELETE"), ("maxage", "60")], first: put, then: ("DELETE", [:]))
        pair(any + [("acam", "PUT"), ("maxage", "60")], first: put, then: ("DELETE", [:]))
        pair(any + [("acam", "PUT"), ("acah", "x-a, x-b"), ("maxage", "60")], first: ("PUT", ["X-A": "1"]), then: ("PUT", ["X-B": "1"]))
        pair(any + [("acam", "PUT"), ("maxage", "60")], first: put, then: ("PUT", ["X-A": "1"]))
        pair(any + [("acam", "*"), ("acah", "*"), ("maxage", "60")], first: put, then: ("PATCH", ["X-Z": "1"]))
        pair([("acao", p), ("acac", "true"), ("acam", "PUT"), ("maxage", "60")], first: put, then: put, credentials: ("same-origin", "include"))
        pair([("acao", p), ("acac", "true"), ("acam", "PUT"), ("maxage", "60")], first: put, then: put, credentials: ("include", "same-origin"))
        pair([("acao", p), ("acam", "PUT"), ("maxage", "60")], first: put, then: put, credentials: ("same-origin", "include"))
        pair([("acao", p), ("acac", "true"), ("acam", "PUT"), ("maxage", "60")], first: put, then: put, credentials: ("omit", "include"))
        pair([("acao", p), ("acac", "true"), ("acam", "PUT"), ("maxage", "60")], first: put, then: put, credentials: ("include", "include"))
        pair(any + [("acam", "PUT"), ("maxage", "60")], first: put, then: put, credentials: ("omit", "same-origin"))
        pair(
            [("acao", p), ("acac", "true"), ("acam", "*"), ("maxage", "60")],
            first: ("DELETE", [:]),
            then: ("DELETE", [:]),
            credentials: ("same-origin", "include")
        )
        pair(
            [("acao", p), ("acac", "true"), ("acam", "*, DELETE"), ("maxage", "60")],
            first: ("DELETE", [:]),
            then: ("PATCH", [:]),
            credentials: ("include", "same-origin")
        )
        pair(
            [("acao", p), ("acac", "true"), ("acam", "PUT"), ("acah", "*, x-a"), ("maxage", "60")],
            first: ("PUT", ["X-A": "1"]),
            then: ("PUT", ["X-B": "1"]),
            credentials: ("include", "omit")
        )
        pair(any + [("acam", "PUT"), ("maxage", "60")], first: put, then: put, cache: "no-store")
        pair(any + [("acam", "PUT"), ("maxage", "60")], first: put, then: put, cache: "force-cache")
        return cases
    }
}
#endif
