import CORSBrowser
import HTTPTypes
import Synchronization
import Testing

@Suite struct CacheAndReadableHeadersTests {
    final class ManualClock: Sendable {
        let instant = Mutex(ContinuousClock.now)
        func advance(_ seconds: Int) { instant.withLock { $0 = $0.advanced(by: .seconds(seconds)) } }
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
    }

    let grant = CORSPreflight.Grant(methods: ["PUT"], headerNames: ["x-a"], maxAge: 600)

    @Test func entriesLiveForTheirMaxAgeCappedByTheBrowser() {
        let clock = ManualClock()
        let cache = PreflightCache(cap: .webkit) { clock.now }
        cache.store(grant, origin: "https://a.test", url: "https://api.test/x", credentials: .omit)
        #expect(cache.covers(origin: "https://a.test", url: "https://api.test/x", credentials: .omit, method: "PUT", headers: [("X-A", "1")]))
        clock.advance(599)
        #expect(cache.covers(origin: "https://a.test", url: "https://api.test/x", credentials: .omit, method: "PUT", headers: []))
        clock.advance(1)
        #expect(!cache.covers(origin: "https://a.test", url: "https://api.test/x", credentials: .omit, method: "PUT", headers: []))
        #expect(PreflightCache(cap: .chromium).lifetime(of: CORSPreflight.Grant(methods: [], headerNames: [], maxAge: 86400)) == 7200)
        #expect(PreflightCache(cap: .firefox).lifetime(of: CORSPreflight.Grant(methods: [], headerNames: [], maxAge: 86400)) == 86400)
    }

    @Test func defaultIsFiveSecondsAndZeroMeansNoCaching() {
        let clock = ManualClock()
        let cache = PreflightCache { clock.now }
        cache.store(CORSPreflight.Grant(methods: ["PUT"], headerNames: [], maxAge: nil), origin: "o", url: "u", credentials: .omit)
        clock.advance(4)
        #expect(cache.covers(origin: "o", url: "u", credentials: .omit, method: "PUT", headers: []))
        clock.advance(1)
        #expect(!cache.covers(origin: "o", url: "u", credentials: .omit, method: "PUT", headers: []))
        cache.store(CORSPreflight.Grant(methods: ["PUT"], headerNames: [], maxAge: 0), origin: "o", url: "u", credentials: .omit)
        #expect(!cache.covers(origin: "o", url: "u", credentials: .omit, method: "PUT", headers: []))
    }

    @Test func entriesAreKeyedAndMatchedPerMethodHeaderAndCredentials() {
        let cache = PreflightCache()
        let star = CORSPreflight.Grant(methods: ["*"], headerNames: ["*"], maxAge: 60)
        cache.store(star, origin: "o", url: "u", credentials: .omit)
        #expect(cache.covers(origin: "o", url: "u", credentials: .omit, method: "PATCH", headers: [("X-Z", "1")]))
        #expect(cache.covers(origin: "o", url: "u", credentials: .omit, method: "PATCH", headers: [("Authorization", "t")]))
        #expect(!cache.covers(origin: "o", url: "u", credentials: .include, method: "PATCH", headers: []))
        #expect(!cache.covers(origin: "other", url: "u", credentials: .omit, method: "PATCH", headers: []))
        #expect(!cache.covers(origin: "o", url: "u2", credentials: .omit, method: "PATCH", headers: []))
        cache.store(star, origin: "o", url: "u", credentials: .include)
        #expect(!cache.covers(origin: "o", url: "u", credentials: .include, method: "PATCH", headers: []))
    }

    @Test func aCredentialedPreflightServesBothKindsAnUncredentialedOneOnlyItsOwn() {
        let cache = PreflightCache()
        let put = CORSPreflight.Grant(methods: ["PUT", "*"], headerNames: ["*"], maxAge: 60)
        cache.store(put, origin: "o", url: "u", credentials: .include)
        #expect(cache.covers(origin: "o", url: "u", credentials: .include, method: "PUT", headers: []))
        #expect(cache.covers(origin: "o", url: "u", credentials: .sameOrigin, method: "PUT", headers: []))
        // `*` granted to a credentialed preflight is the literal method name "*", for anyone.
        #expect(!cache.covers(origin: "o", url: "u", credentials: .omit, method: "PATCH", headers: []))
        #expect(!cache.covers(origin: "o", url: "u", credentials: .omit, method: "PUT", headers: [("X-A", "1")]))
        cache.store(put, origin: "o", url: "u", credentials: .omit)  // replaces the entry, as in Chromium
        #expect(!cache.covers(origin: "o", url: "u", credentials: .include, method: "PUT", headers: []))
        #expect(cache.covers(origin: "o", url: "u", credentials: .omit, method: "PATCH", headers: [("X-A", "1")]))
    }

    @Test func scriptsReadSafelistedAndExposedHeadersButNeverSetCookie() {
        var fields: HTTPFields = [
            .contentType: "application/json", .setCookie: "a=b", .accessControlExposeHeaders: "X-Total, set-cookie",
            .date: "today",
        ]
        fields.append(HTTPField(name: HTTPField.Name("X-Total")!, value: "3"))
        fields.append(HTTPField(name: HTTPField.Name("X-Hidden")!, value: "1"))
        #expect(ReadableResponseHeaders.names(of: fields, credentials: .omit) == ["content-type", "x-total"])
        fields[.accessControlExposeHeaders] = "*"
        #expect(
            ReadableResponseHeaders.names(of: fields, credentials: .omit)
                == ["content-type", "access-control-expose-headers", "date", "x-total", "x-hidden"]
        )
        #expect(ReadableResponseHeaders.names(of: fields, credentials: .include) == ["content-type"])
    }
}
