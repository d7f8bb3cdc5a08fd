import CORS
import CORSBrowser
import HTTPTypes
import Synchronization
import Testing

/// Each Chromium/Firefox difference in `BrowserProfile`, pinned offline; the agreement suites hold
/// the same behaviours against the real browsers.
@Suite struct BrowserProfileTests {
    let origin = "https://app.test"

    @Test func onlyChromiumSafelistsClientHints() {
        for (name, value) in [("DPR", "2"), ("Save-Data", "on"), ("Device-Memory", "8"), ("ECT", "4g"), ("RTT", "50")] {
            #expect(CORSSafelist.isSafelisted(name: name, value: value, browser: .chromium))
            #expect(!CORSSafelist.isSafelisted(name: name, value: value, browser: .firefox))
            #expect(CORSPreflight.isNeeded(method: "GET", headers: [(name, value)], browser: .firefox))
        }
        #expect(!CORSSafelist.isSafelisted(name: "DPR", value: "abc", browser: .chromium))
    }

    @Test func firefoxCountsSeveralAllowOriginValuesOnlyAsSeveralLines() {
        let oneLine = fields([("Access-Control-Allow-Origin", "\(origin),\(origin)")])
        #expect(
            CORSAccessCheck.check(oneLine, origin: origin, credentials: .omit, browser: .chromium)
                == .multipleAllowOriginValues("\(origin),\(origin)", preflight: false)
        )
        #expect(
            CORSAccessCheck.check(oneLine, origin: origin, credentials: .omit, browser: .firefox)
                == .allowOriginMismatch("\(origin),\(origin)", preflight: false)
        )
        let twoLines = fields([("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Origin", origin)])
        #expect(
            CORSAccessCheck.check(twoLines, origin: origin, credentials: .omit, browser: .firefox)
                == .multipleAllowOriginValues("\(origin), \(origin)", preflight: false)
        )
        // Chromium's "invalid value" is a mismatch in Firefox.
        let invalid = fields([("Access-Control-Allow-Origin", "nonsense")])
        #expect(
            CORSAccessCheck.check(invalid, origin: origin, credentials: .omit, browser: .chromium)
                == .invalidAllowOriginValue("nonsense", preflight: false)
        )
        #expect(
            CORSAccessCheck.check(invalid, origin: origin, credentials: .omit, browser: .firefox)
                == .allowOriginMismatch("nonsense", preflight: false)
        )
    }

    @Test func anUnparsableMaxAgeIsTheDefaultInChromiumAndNoCachingInFirefox() throws {
        for value in ["abc", "1.5"] {
            let answer = fields([("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", value)])
            let chromium = try CORSPreflight.validate(status: 204, fields: answer, origin: origin, method: "PUT", headers: [], credentials: .omit)
                .get()
            let firefox = try CORSPreflight.validate(
                status: 204,
                fields: answer,
                origin: origin,
                method: "PUT",
                headers: [],
                credentials: .omit,
                browser: .firefox
            ).get()
            #expect(PreflightCache(browser: .chromium).lifetime(of: chromium) == 5)
            #expect(PreflightCache(browser: .firefox).lifetime(of: firefox) == 0)
        }
        let long = CORSPreflight.Grant(methods: [], headerNames: [], maxAge: 86400)
        #expect(PreflightCache(browser: .chromium).lifetime(of: long) == 7200)
        #expect(PreflightCache(browser: .firefox).lifetime(of: long) == 86400)
    }

    @Test func firefoxKeysItsPreflightCacheByCredentials() {
        let grant = CORSPreflight.Grant(methods: ["PUT"], headerNames: [], maxAge: 60)
        let chromium = PreflightCache(browser: .chromium)
        let firefox = PreflightCache(browser: .firefox)
        for cache in [chromium, firefox] { cache.store(grant, origin: origin, url: "u", credentials: .include) }
        #expect(chromium.covers(origin: origin, url: "u", credentials: .omit, method: "PUT", headers: []))
        #expect(!firefox.covers(origin: origin, url: "u", credentials: .omit, method: "PUT", headers: []))
        #expect(firefox.covers(origin: origin, url: "u", credentials: .include, method: "PUT", headers: []))
    }

    @Test func aCachedWildcardCoversOtherNamesOnlyInChromium() {
        let grant = CORSPreflight.Grant(methods: ["*"], headerNames: ["*"], maxAge: 60)
        let chromium = PreflightCache(browser: .chromium)
        let firefox = PreflightCache(browser: .firefox)
        for cache in [chromium, firefox] { cache.store(grant, origin: origin, url: "u", credentials: .omit) }
        #expect(chromium.covers(origin: origin, url: "u", credentials: .omit, method: "PATCH", headers: [("X-Z", "1")]))
        #expect(!firefox.covers(origin: origin, url: "u", credentials: .omit, method: "PATCH", headers: []))
        #expect(!firefox.covers(origin: origin, url: "u", credentials: .omit, method: "GET", headers: [("X-Z", "1")]))
    }

    @Test func firefoxListsARepeatedUnsafeNameOncePerEntry() {
        let headers = [(name: "X-A", value: "1"), (name: "x-a", value: "2")]
        #expect(CORSSafelist.unsafeNames(headers, browser: .chromium) == ["x-a"])
        #expect(CORSSafelist.unsafeNames(headers, browser: .firefox) == ["x-a", "x-a"])
    }

    @Test func firefoxConsoleLinesQuoteAndFollowUpAsFirefoxDoes() {
        let url = "http://api.test/x"
        let missing = CORSBlockReason.missingAllowOriginHeader(preflight: false).firefoxMessages(url: url, status: 200, interrupted: false)
        #expect(
            missing == [
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test/x. (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing). Status code: 200."
            ]
        )
        let wildcard = CORSBlockReason.wildcardOriginNotAllowed(preflight: false).firefoxMessages(url: url, status: 200, interrupted: false)
        #expect(wildcard.first?.contains("remote resource at \u{2018}http://api.test/x\u{2019}.") == true)
        let method = CORSBlockReason.methodDisallowedByPreflightResponse("PUT").firefoxMessages(url: url, status: 204, interrupted: true)
        #expect(method.count == 2)
        #expect(method[0].contains("(Reason: Did not find method in CORS header \u{2018}Access-Control-Allow-Methods\u{2019})."))
        #expect(method[1].hasSuffix("(Reason: CORS request did not succeed). Status code: (null)."))
        let token = CORSBlockReason.invalidAllowMethodsPreflightResponse("GET, PUT DELETE").firefoxReason
        #expect(token == "invalid token \u{2018}PUT DELETE\u{2019} in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}")
        let redirect = CORSBlockReason.preflightDisallowedRedirect.firefoxMessages(url: url, status: 307, interrupted: true)
        #expect(redirect.count == 3)
        #expect(redirect[1].contains("(Reason: CORS preflight response did not succeed). Status code: 307."))
    }

    @Test func methodOverrideHeadersAreForbiddenOnlyWithAForbiddenMethod() {
        for value in ["TRACE", "track", "GET, connect ", "GET,track "] {
            #expect(FetchVocabulary.isForbiddenRequestHeader(name: "X-HTTP-Method-Override", value: value))
            #expect(FetchVocabulary.isForbiddenRequestHeader(name: "x-method-override", value: value))
        }
        for value in ["GETTRACE", "GET", "PATCH", "\",TRACE\","] {
            #expect(!FetchVocabulary.isForbiddenRequestHeader(name: "X-HTTP-Method", value: value))
        }
        #expect(!FetchVocabulary.isForbiddenRequestHeader(name: "X-Other", value: "TRACE"))
        #expect(FetchVocabulary.isForbiddenRequestHeader(name: "Sec-Anything", value: ""))
    }

    @Test func profilesAreFoundByNameAndNamedForPeople() {
        #expect(BrowserProfile(named: "Firefox") == .firefox)
        #expect(BrowserProfile(named: "chromium") == .chromium)
        #expect(BrowserProfile(named: "safari") == nil)
        #expect(BrowserProfile.all.map(\.description) == ["Chromium", "Firefox"])
    }
}
