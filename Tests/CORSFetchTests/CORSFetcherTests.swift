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

    static func scriptedServer() -> some ApplicationProtocol {
        let router = Router()
        let hits = HitCounter()
        router.on("/**", method: .options) { request, _ in hits.increment(); return scripted(request, preflight: true) }
        router.on("/**", method: .get) { request, _ in scripted(request, preflight: false) }
        router.on("/**", method: .put) { request, _ in scripted(request, preflight: false) }
        router.on("/**", method: .post) { request, _ in scripted(request, preflight: false) }
        router.get("/hits") { _, _ in "\(hits.value)" }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
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
        let status = Int(query.get(preflight ? "pstatus" : "status") ?? "") ?? (preflight ? 204 : 200)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: preflight ? "" : "body")))
    }

    final class HitCounter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    func withServer(_ body: @Sendable (String) async throws -> Void) async throws {
        try await Self.scriptedServer().test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }

    func fetch(_ url: String, method: String = "GET", headers: [(String, String)] = [], body: String? = nil,
               credentials: CredentialsMode = .omit, fetcher: CORSFetcher? = nil) async throws -> CORSFetcher.Outcome {
        let request = FetchRequest(
            url: url, origin: Self.page, method: method, headers: headers.map { ($0.0, $0.1) }, body: body, credentials: credentials)
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
            #expect(outcome.chromiumMessage?.hasPrefix("Access to fetch at '\(base)/b' from origin '\(Self.page)' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header") == true)
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
            #expect(first.trace.first?.requestHeaders.contains { $0.name == "Access-Control-Request-Headers" && $0.value == "content-type" } == true)
            let second = try await fetch(url, method: "PUT", headers: [("Content-Type", "application/json")], body: "{}", fetcher: fetcher)
            #expect(second.allowed)
            #expect(!second.preflightSent && second.preflightFromCache)
            }
        }
    }

    @Test func cacheModesThatBypassTheHTTPCacheAlsoSendAFreshPreflight() async throws {
        try await withServer { base in
            try await CORSFetcher.with { fetcher in
                for (mode, sendsPreflight) in [(FetchRequest.Cache.default, false), (.forceCache, false), (.noStore, true), (.reload, true), (.noCache, true)] {
                    let url = "\(base)/cache-\(mode.rawValue)?acao=*&acam=PUT&maxage=60"
                    _ = try await fetcher.fetch(FetchRequest(url: url, origin: Self.page, method: "PUT"))
                    let second = try await fetcher.fetch(FetchRequest(url: url, origin: Self.page, method: "PUT", cache: mode))
                    #expect(second.preflightSent == sendsPreflight, "\(mode)")
                    #expect(second.allowed)
                }
                let onlyIfCached = try await fetcher.fetch(FetchRequest(url: "\(base)/x", origin: Self.page, cache: .onlyIfCached))
                #expect(onlyIfCached.typeError == .onlyIfCachedOutsideSameOrigin)
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
                    == .headerDisallowedByPreflightResponse("x-b"))
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
            Response(status: .ok, headers: [.setCookie: "session=abc; Path=/; HttpOnly", .accessControlAllowOrigin: CORSFetcherTests.page, .accessControlAllowCredentials: "true"])
        }
        router.get("/me") { request, _ in
            Response(
                status: .ok, headers: [.accessControlAllowOrigin: CORSFetcherTests.page, .accessControlAllowCredentials: "true"],
                body: .init(byteBuffer: ByteBuffer(string: request.headers[.cookie] ?? "none")))
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
