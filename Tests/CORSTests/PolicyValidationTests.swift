import CORS
import Testing

@Suite struct PolicyValidationTests {
    func errors(_ policy: CORSPolicy) -> [CORSPolicyError] { policy.validate().errors }
    func warnings(_ policy: CORSPolicy) -> [CORSPolicyWarning] { policy.validate().warnings }

    @Test func aSensiblePolicyIsValidWithoutWarnings() {
        let policy = CORSPolicy(
            allowOrigins: ["https://app.example.com", "https://*.example.org", "http://localhost:*"],
            allowMethods: ["PUT", "DELETE"],
            allowHeaders: ["Content-Type", "Authorization"],
            exposeHeaders: ["X-Request-Id"],
            allowCredentials: true,
            maxAge: 600
        )
        #expect(policy.validate() == CORSPolicyDiagnostics())
    }

    @Test func wildcardOriginWithCredentialsIsRefused() {
        #expect(errors(CORSPolicy(allowOrigins: ["*"], allowCredentials: true)) == [.wildcardOriginWithCredentials])
    }

    @Test func wildcardsInOtherListsWithCredentialsAreRefused() {
        let policy = CORSPolicy(
            allowOrigins: ["https://a.com"],
            allowMethods: ["*"],
            allowHeaders: ["*"],
            exposeHeaders: ["*"],
            allowCredentials: true
        )
        #expect(
            errors(policy) == [
                .wildcardWithCredentials(key: "allowMethods"), .wildcardWithCredentials(key: "allowHeaders"),
                .wildcardWithCredentials(key: "exposeHeaders"),
            ]
        )
    }

    @Test func wildcardBesideOtherEntriesIsRefusedWhereItWouldBeLiteral() {
        #expect(errors(CORSPolicy(allowOrigins: ["https://a.com", "*"])) == [.wildcardOriginAmongOthers(index: 1)])
        #expect(
            errors(CORSPolicy(allowOrigins: ["*"], allowMethods: ["PUT", "*"]))
                == [.wildcardAmongOthers(key: "allowMethods", index: 1)]
        )
        // `*` with Authorization named is how headers say "anything, Authorization included".
        #expect(errors(CORSPolicy(allowOrigins: ["*"], allowHeaders: ["*", "Authorization"])).isEmpty)
    }

    @Test func emptyOriginListIsRefusedUnlessAPredicateDecides() {
        #expect(errors(CORSPolicy()) == [.noOriginsAllowed])
        #expect(errors(CORSPolicy(allowOriginPredicate: .sync { _ in true })).isEmpty)
    }

    @Test(arguments: [
        ("https://a.com/", "https://a.com"), ("https://A.com", "https://a.com"), ("https://a.com:443", "https://a.com"),
        ("http://a.com:80/x", "http://a.com"), ("https://user:pw@a.com", "https://a.com"),
        ("https://a.com?x=1", "https://a.com"), (" https://a.com", "https://a.com"),
    ])
    func originThatIsNotSerializedSaysWhatWasMeant(_ text: String, _ meant: String) throws {
        let error = try #require(errors(CORSPolicy(allowOrigins: [text])).first)
        #expect(error == .notASerializedOrigin(index: 0, value: text, suggestion: meant))
        #expect(error.fix == "did you mean \"\(meant)\"?")
        #expect(error.key == "allowOrigins[0]")
    }

    @Test func nonASCIIOriginIsRefused() {
        #expect(errors(CORSPolicy(allowOrigins: ["https://bücher.de"])).count == 1)
    }

    @Test func nullAndFileOriginsNeedTheOptIn() {
        #expect(errors(CORSPolicy(allowOrigins: ["null"])) == [.nullOriginNotOptedIn(index: 0)])
        #expect(errors(CORSPolicy(allowOrigins: ["null"], dangerouslyAllowNullOrigin: true)).isEmpty)
        #expect(errors(CORSPolicy(allowOrigins: ["file://"])) == [.fileOrigin(index: 0, value: "file://")])
    }

    @Test func plainHTTPOriginsWithCredentialsNeedTheOptInExceptLoopback() {
        let policy = CORSPolicy(
            allowOrigins: ["http://a.com", "http://localhost:3000", "http://127.0.0.1:*", "http://*.localhost"],
            allowCredentials: true
        )
        #expect(errors(policy) == [.insecureOriginWithCredentials(index: 0, value: "http://a.com")])
        var optedIn = policy
        optedIn.dangerouslyAllowInsecureOriginsWithCredentials = true
        #expect(errors(optedIn).isEmpty)
        #expect(errors(CORSPolicy(allowOrigins: ["http://a.com"])).isEmpty)
    }

    @Test(arguments: ["https://*.com", "https://*.co.uk", "https://*.github.io", "https://*.org:*"])
    func patternsOverPublicSuffixesAreRefused(_ pattern: String) throws {
        let error = try #require(errors(CORSPolicy(allowOrigins: [pattern])).first)
        guard case .patternCoversPublicSuffix = error else {
            Issue.record("expected a public-suffix error, got \(error)")
            return
        }
        var optedIn = CORSPolicy(allowOrigins: [pattern])
        optedIn.dangerouslyAllowSubdomainsOfPublicSuffixes = true
        #expect(optedIn.validate().isValid)
    }

    @Test func patternsThatMatchEverySiteOrMisplaceTheWildcardAreRefused() {
        #expect(errors(CORSPolicy(allowOrigins: ["https://*"])) == [.patternMatchesEverySite(index: 0, value: "https://*")])
        #expect(errors(CORSPolicy(allowOrigins: ["https://a*.com"])) == [.misplacedWildcard(index: 0, value: "https://a*.com")])
        #expect(errors(CORSPolicy(allowOrigins: ["https://*.10.0.0.1"])) == [.subdomainsOfIPAddress(index: 0, value: "https://*.10.0.0.1")])
        #expect(errors(CORSPolicy(allowOrigins: ["https://*.example.com"])).isEmpty)
    }

    @Test func forbiddenAndMalformedMethodsAreRefused() {
        let policy = CORSPolicy(allowOrigins: ["*"], allowMethods: ["CONNECT", "trace", "PUT PATCH", "PUT,PATCH", "TRACK"])
        #expect(
            errors(policy) == [
                .forbiddenMethod(index: 0, value: "CONNECT"), .forbiddenMethod(index: 1, value: "trace"),
                .notAToken(key: "allowMethods", index: 2, value: "PUT PATCH"),
                .notAToken(key: "allowMethods", index: 3, value: "PUT,PATCH"), .forbiddenMethod(index: 4, value: "TRACK"),
            ]
        )
    }

    @Test func malformedHeaderNamesAreRefused() {
        let policy = CORSPolicy(allowOrigins: ["*"], allowHeaders: ["X-Ok", "X Bad"], exposeHeaders: ["X:Bad"])
        #expect(
            errors(policy) == [
                .notAToken(key: "allowHeaders", index: 1, value: "X Bad"),
                .notAToken(key: "exposeHeaders", index: 0, value: "X:Bad"),
            ]
        )
    }

    @Test func maxAgeMustBeBetweenZeroAndADay() {
        #expect(errors(CORSPolicy(allowOrigins: ["*"], maxAge: -1)) == [.negativeMaxAge(-1)])
        #expect(errors(CORSPolicy(allowOrigins: ["*"], maxAge: 86401)) == [.maxAgeAboveOneDay(86401)])
        #expect(errors(CORSPolicy(allowOrigins: ["*"], maxAge: 86400)).isEmpty)
        #expect(warnings(CORSPolicy(allowOrigins: ["*"], maxAge: 7201)) == [.maxAgeAboveChromiumCap(7201)])
        #expect(warnings(CORSPolicy(allowOrigins: ["*"], maxAge: 7200)).isEmpty)
    }

    @Test func preflightStatusMustBeOK() {
        #expect(errors(CORSPolicy(allowOrigins: ["*"], preflightStatus: 301)) == [.preflightStatusNotOK(301)])
        #expect(errors(CORSPolicy(allowOrigins: ["*"], preflightStatus: 200)).isEmpty)
    }

    @Test func headersBrowsersNeverLetScriptsSendAreWarnedAbout() {
        let policy = CORSPolicy(allowOrigins: ["*"], allowHeaders: ["Cookie", "Host", "Sec-Fetch-Mode", "Proxy-X", "X-Ok"])
        #expect(
            warnings(policy) == [
                .forbiddenRequestHeaderListed(index: 0, value: "Cookie"),
                .forbiddenRequestHeaderListed(index: 1, value: "Host"),
                .forbiddenRequestHeaderListed(index: 2, value: "Sec-Fetch-Mode"),
                .forbiddenRequestHeaderListed(index: 3, value: "Proxy-X"),
            ]
        )
    }

    @Test func methodAndExposureMistakesAreWarnedAbout() {
        let policy = CORSPolicy(
            allowOrigins: ["https://a.com", "https://a.com"],
            allowMethods: ["delete", "patch", "GET", "PUT", "PUT"],
            exposeHeaders: ["Set-Cookie", "Content-Type", "X-Id", "x-id"]
        )
        #expect(
            warnings(policy) == [
                .duplicate(key: "allowOrigins", index: 1, value: "https://a.com"),
                .methodNeverSentInThisCase(index: 0, value: "delete"),
                .safelistedMethodListed(index: 2, value: "GET"),
                .duplicate(key: "allowMethods", index: 4, value: "PUT"),
                .unexposableHeader(index: 0, value: "Set-Cookie"),
                .safelistedHeaderExposed(index: 1, value: "Content-Type"),
                .duplicate(key: "exposeHeaders", index: 3, value: "x-id"),
            ]
        )
    }

    @Test func everyProblemIsReportedAtOnceWithKeyReasonAndFix() {
        let policy = CORSPolicy(
            allowOrigins: ["*"],
            allowMethods: ["TRACE"],
            allowCredentials: true,
            maxAge: -5,
            preflightStatus: 500
        )
        let diagnostics = policy.validate()
        #expect(diagnostics.errors.count == 4)
        for line in diagnostics.lines { #expect(line.hasPrefix("error: ")) }
        for error in diagnostics.errors {
            #expect(!error.key.isEmpty && !error.reason.isEmpty && !error.fix.isEmpty)
        }
        #expect(throws: CORSPolicyValidationError.self) { try CORSResponder(policy: policy) }
    }
}
