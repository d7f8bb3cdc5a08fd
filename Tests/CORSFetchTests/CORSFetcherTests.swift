#if Hummingbird
import CORSBrowser
import CORSFetch
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// `CORSFetcher` against a real HTTP server on 127.0.0.1 whose every answer is scripted by the
/// query string: `acao`, `acac`, `acam`, `acah`, `aceh`, `maxage` set those headers (repeat a key
/// for several lines), `status` the actual status, `pstatus` the preflight's, `location` a redirect.
@Suite(.serialized) struct CORSFetcherTests {
    static let page = "http://127.0.0.1:8000"

    static func scriptedServer(recorder: RequestRecorder? = nil) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ScriptedAnswers(recorder: recorder))
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Answers every other request, whatever its method, as its query string says.
    struct ScriptedAnswers<Context: RequestContext>: RouterMiddleware {
        let recorder: RequestRecorder?
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            recorder?.record(request)
            let preflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
            return scripted(request, preflight: preflight)
        }
    }

    static func scripted(_ request: Request, preflight: Bool) -> Response {
        var headers = HTTPFields()
        let query = request.uri.queryParameters
        let names: [(String, HTTPField.Name)] = [
            ("acao", .accessControlAllowOrigin), ("acac", .accessControlAllowCredentials),
            ("acam", .accessControlAllowMethods), ("acah", .accessControlAllowHeaders),
            ("aceh", .accessControlExposeHeaders), ("maxage", .accessControlMaxAge), ("location", .location),
        ]
        for (key, name) in names {
            for value in query.getAll(key) { headers.append(HTTPField(name: name, value: String(value))) }
        }
        headers.append(HTTPField(name: HTTPField.Name("X-Total")!, value: "3"))
        if query.get("extra") != nil {
            // Safelisted response headers, and one that is not: what a script may read of them.
            headers.append(HTTPField(name: .contentLanguage, value: "en"))
            headers.append(HTTPField(name: .lastModified, value: "Sun, 22 Nov 2026 10:00:00 GMT"))
            headers.append(HTTPField(name: .cacheControl, value: "no-cache"))
            headers.append(HTTPField(name: HTTPField.Name("X-Other")!, value: "1"))
        }
        let status = Int(query.get(preflight ? "pstatus" : "status") ?? "") ?? (preflight ? 204 : 200)
        // 204 and 304 have no body (RFC 9110 §15.3.5, §15.4.5).
        let body = preflight || status == 204 || status == 304 ? "" : "body"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// What the server saw of each request: enough to tell a preflight from an actual request and
    /// to compare what two clients sent.
    struct SeenRequest: Hashable, Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var origin: String?
        var requestMethod: String?
        var requestHeaders: String?
        var cookie: String?
        var contentType: String?
        var authorization: String?
        var description: String {
            var text = "\(method) \(path) Origin=\(origin ?? "-")"
            if let requestMethod { text += " ACRM=\(requestMethod)" }
            if let requestHeaders { text += " ACRH=\(requestHeaders)" }
            if let cookie { text += " Cookie=\(cookie)" }
            if let contentType { text += " Content-Type=\(contentType)" }
            if let authorization { text += " Authorization=\(authorization)" }
            return text
        }
    }

    /// Every request the scripted server saw, in order, until taken.
    final class RequestRecorder: Sendable {
        private let seen = Mutex<[SeenRequest]>([])
        func record(_ request: Request) {
            let entry = SeenRequest(
                method: request.method.rawValue,
                path: request.uri.description,
                origin: request.headers[.origin],
                requestMethod: request.headers[.accessControlRequestMethod],
                requestHeaders: request.headers[.accessControlRequestHeaders],
                cookie: request.headers[.cookie],
                contentType: request.headers[.contentType],
                authorization: request.headers[.authorization]
            )
            seen.withLock { $0.append(entry) }
        }
        /// The requests seen since the last call.
        func take() -> [SeenRequest] {
            seen.withLock { taken in
                defer { taken = [] }
                return taken
            }
        }
    }

    func withServer(_ body: @Sendable (String) async throws -> Void) async throws {
        try await Self.scriptedServer().test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }

    func fetch(
        _ url: String,
        method: String = "GET",
        headers: [(String, String)] = [],
        body: String? = nil,
        credentials: CredentialsMode = .omit,
        fetcher: CORSFetcher? = nil
    ) async throws -> CORSFetcher.Outcome {
        let request = FetchRequest(
            url: url,
            origin: Self.page,
            method: method,
            headers: headers.map { ($0.0, $0.1) },
            body: body,
            credentials: credentials
        )
        if let fetcher { return try await fetcher.fetch(request) }
        return try await CORSFetcher.with { try await $0.fetch(request) }
    }

    @Test func simpleGetIsAllowedByStarAndReadsOnlySafelistedAndExposedHeaders() async throws {
        try await withServer { base in
            let outcome = try await fetch("\(base)/a?acao=*&aceh=X-Total")
            #expect(outcome.allowed)
            #expect(!outcome.preflightSent)
            #expect(outcome.readableHeaders.contains("x-total"))
            #expect(outcome.body == "body")
        }
    }

    @Test func missingAllowOriginBlocksWithChromiumsMessage() async throws {
        try await withServer { base in
            let outcome = try await fetch("\(base)/b")
            #expect(!outcome.allowed)
            #expect(outcome.blockReason == .missingAllowOriginHeader(preflight: false))
            #expect(
                outcome.chromiumMessage?.hasPrefix(
                    "Access to fetch at '\(base)/b' from origin '\(Self.page)' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header"
                ) == true
            )
        }
    }

    @Test func credentialedRequestsNeedTheExactOriginAndTrue() async throws {
        try await withServer { base in
            let result1 = try await fetch("\(base)/c?acao=*", credentials: .include).blockReason
            #expect(result1 == .wildcardOriginNotAllowed(preflight: false))
            let result2 = try await fetch("\(base)/c?acao=\(Self.page)", credentials: .include).blockReason
            #expect(result2 == .invalidAllowCredentials("", preflight: false))
            let result3 = try await fetch("\(base)/c?acao=\(Self.page)&acac=true", credentials: .include).allowed
            #expect(result3)
        }
    }

    @Test func preflightIsSentValidatedAndCached() async throws {
        try await withServer { base in
            try await CORSFetcher.with { fetcher in
                let url = "\(base)/p?acao=\(Self.page)&acam=PUT&acah=content-type&maxage=60"
                let first = try await fetch(url, method: "PUT", headers: [("Content-Type", "application/json")], body: "{}", fetcher: fetcher)
                #expect(first.allowed)
                #expect(first.preflightSent)
                #expect(
                    first.trace.first?.requestHeaders.contains { $0.name == "Access-Control-Request-Headers" && $0.value == "content-type" } == true
                )
                let second = try await fetch(url, method: "PUT", headers: [("Content-Type", "application/json")], body: "{}", fetcher: fetcher)
                #expect(second.allowed)
                #expect(!second.preflightSent && second.preflightFromCache)
            }
        }
    }

    @Test func cacheModesThatBypassTheHTTPCacheAlsoSendAFreshPreflight() async throws {
        try await withServer { base in
            try await CORSFetcher.with { fetcher in
                for (mode, sendsPreflight) in [
                    (FetchRequest.Cache.default, false), (.forceCache, false), (.noStore, true), (.reload, true), (.noCache, true),
                ] {
                    let url = "\(base)/cache-\(mode.rawValue)?acao=*&acam=PUT&maxage=60"
                    _ = try await fetcher.fetch(FetchRequest(url: url, origin: Self.page, method: "PUT"))
                    let second = try await fetcher.fetch(FetchRequest(url: url, origin: Self.page, method: "PUT", cache: mode))
                    #expect(second.preflightSent == sendsPreflight, "\(mode)")
                    #expect(second.allowed)
                }
                let onlyIfCached = try await fetcher.fetch(FetchRequest(url: "\(base)/x", origin: Self.page, cache: .onlyIfCached))
                #expect(onlyIfCached.typeError == .onlyIfCachedOutsideSameOrigin("cors"))
            }
        }
    }

    @Test func preflightFailuresInChromiumsOrder() async throws {
        try await withServer { base in
            let result4 = try await fetch("\(base)/f?acao=*&pstatus=500", method: "PUT").blockReason
            #expect(result4 == .preflightInvalidStatus(500))
            let result5 = try await fetch("\(base)/f?acao=*&pstatus=307&location=/x", method: "PUT").blockReason
            #expect(result5 == .preflightDisallowedRedirect)
            let result6 = try await fetch("\(base)/f?acao=*&acam=PATCH", method: "PUT").blockReason
            #expect(result6 == .methodDisallowedByPreflightResponse("PUT"))
            #expect(
                try await fetch("\(base)/f?acao=*&acam=PUT&acah=x-a", method: "PUT", headers: [("X-B", "1")]).blockReason
                    == .headerDisallowedByPreflightResponse("x-b")
            )
            let result7 = try await fetch("\(base)/f?acao=*&acam=PUT%20DELETE", method: "PUT").blockReason
            #expect(result7 == .invalidAllowMethodsPreflightResponse("PUT DELETE"))
            let result8 = try await fetch("\(base)/f?pstatus=500", method: "PUT").blockReason
            #expect(result8 == .missingAllowOriginHeader(preflight: true))
        }
    }

    @Test func redirectsAreCheckedAtEveryHop() async throws {
        try await withServer { base in
            // The first hop answers without CORS headers: blocked there.
            let result9 = try await fetch("\(base)/r?status=302&location=/final%3Facao%3D*").blockReason
            #expect(result9 == .missingAllowOriginHeader(preflight: false))
            // Every hop allows: the final answer is read.
            let followed = try await fetch("\(base)/r?status=302&acao=*&location=/final%3Facao%3D*")
            #expect(followed.allowed)
            #expect(followed.trace.count == 2)
        }
    }

    @Test func redirectsAsChromiumFollowsThem() async throws {
        let recorder = RequestRecorder()
        try await Self.scriptedServer(recorder: recorder).test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            // A Location whose query holds a URL is still a relative reference.
            let relative = try await fetch("\(base)/r1?acao=*&status=302&location=/next%3Forigin%3Dhttp://a.test%26acao%3D*")
            #expect(relative.allowed && relative.trace.count == 2)
            // An empty Location is no redirect: the 302 itself is the answer.
            let empty = try await fetch("\(base)/r2?acao=*&status=302&location=")
            #expect(empty.allowed && empty.status == 302)
            // A preflighted request is preflighted again at the redirect's target.
            _ = recorder.take()
            _ = try await fetch("\(base)/r3?acao=*&acam=PUT&status=307&location=/r3-next%3Facao%3D*%26acam%3DPUT", method: "PUT")
            #expect(recorder.take().map { "\($0.method) \($0.path.prefix(6))" } == ["OPTIONS /r3?ac", "PUT /r3?ac", "OPTIONS /r3-ne", "PUT /r3-ne"])
            // no-cors GET carries no Origin header; no-cors POST does.
            _ = try await CORSFetcher.with { try await $0.fetch(FetchRequest(url: "\(base)/n", origin: Self.page, mode: .noCORS)) }
            _ = try await CORSFetcher.with {
                try await $0.fetch(FetchRequest(url: "\(base)/n", origin: Self.page, method: "POST", body: "x", mode: .noCORS))
            }
            #expect(recorder.take().map(\.origin) == [nil, Self.page])
        }
    }

    @Test func fetchRefusesWhatItRefusesBeforeSending() async throws {
        try await withServer { base in
            let result10 = try await fetch("\(base)/t", method: "TRACE").typeError
            #expect(result10 == .forbiddenMethod("TRACE"))
            let result11 = try await fetch("\(base)/t", body: "x").typeError
            #expect(result11 == .bodyWithGetOrHead)
            let result12 = try await fetch("http://user:pw@127.0.0.1:1/t").typeError
            #expect(result12 == .credentialsInURL("http://user:pw@127.0.0.1:1/t"))
            let dropped = try await fetch("\(base)/t?acao=*", headers: [("Cookie", "a=b")])
            #expect(dropped.droppedHeaders == ["Cookie"])
            #expect(dropped.trace.first?.requestHeaders.contains { $0.name == "Cookie" } == false)
        }
    }
}
#endif

#if Hummingbird
@Suite struct CookieJarTests {
    @Test func cookiesGoOnlyWithCredentialedRequestsAndComeBackFromSetCookie() async throws {
        let router = Router()
        router.get("/login") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .setCookie: "session=abc; Path=/; HttpOnly", .accessControlAllowOrigin: CORSFetcherTests.page,
                    .accessControlAllowCredentials: "true",
                ]
            )
        }
        router.get("/me") { request, _ in
            Response(
                status: .ok,
                headers: [.accessControlAllowOrigin: CORSFetcherTests.page, .accessControlAllowCredentials: "true"],
                body: .init(byteBuffer: ByteBuffer(string: request.headers[.cookie] ?? "none"))
            )
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            let jar = CookieJar()
            try await CORSFetcher.with(cookies: jar) { fetcher in
                _ = try await fetcher.fetch(FetchRequest(url: base + "/login", origin: CORSFetcherTests.page, credentials: .omit))
                #expect(jar.header(for: "127.0.0.1") == nil)
                _ = try await fetcher.fetch(FetchRequest(url: base + "/login", origin: CORSFetcherTests.page, credentials: .include))
                #expect(jar.header(for: "127.0.0.1") == "session=abc")
                let omitted = try await fetcher.fetch(FetchRequest(url: base + "/me", origin: CORSFetcherTests.page, credentials: .omit))
                #expect(omitted.body == "none")
                let included = try await fetcher.fetch(FetchRequest(url: base + "/me", origin: CORSFetcherTests.page, credentials: .include))
                #expect(included.body == "session=abc")
            }
        }
    }
}
#endif
