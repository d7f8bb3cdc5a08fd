import CORS
import CORSScan
import Testing

/// `CORSScanner` against real servers on 127.0.0.1, each made vulnerable in one class: the scan
/// must report exactly that class (and, where a class implies a harmless companion, only that).
@Suite struct ScannerTests {
    /// Fast enough for a test, still through the rate limiter.
    static let options = ScanOptions(requestsPerSecond: 2000, maxRequests: 200, timeout: .seconds(5))

    static func scan(
        _ behaviour: @escaping ServerBehaviour,
        site: String? = Misconfiguration.site,
        options: ScanOptions = options
    ) async throws -> ScanReport {
        try await MisconfiguredServer.with(behaviour) { server in
            try await CORSScanner(target: ScanTarget(url: server.url, site: site), options: options).scan()
        }
    }

    static let cases: [(String, ServerBehaviour, [MisconfigurationClass])] = [
        ("reflects any origin", Misconfiguration.reflectsAnyOrigin, [.reflectedOrigin]),
        ("trusts null", Misconfiguration.trustsNull, [.nullOrigin]),
        ("prefix match", Misconfiguration.prefixMatch, [.prefixMatch]),
        ("suffix match", Misconfiguration.suffixMatch, [.suffixMatch]),
        ("substring match", Misconfiguration.substringMatch, [.substringMatch]),
        ("unescaped dot", Misconfiguration.unescapedDot, [.unescapedDot]),
        ("any subdomain", Misconfiguration.anySubdomain, [.anySubdomain]),
        ("insecure origin", Misconfiguration.insecureOrigin, [.insecureOrigin]),
        ("special characters", Misconfiguration.specialCharacters, [.specialCharacters]),
        ("wildcard", Misconfiguration.wildcard, [.wildcardOrigin]),
        ("wildcard with credentials", Misconfiguration.wildcardWithCredentials, [.wildcardWithCredentials, .wildcardOrigin]),
        ("wildcard turned into reflection", Misconfiguration.wildcardTurnedIntoReflection, [.reflectedOrigin, .wildcardWithCredentials]),
        (
            "a list in Access-Control-Allow-Origin", Misconfiguration.invalidAllowOrigin(["https://www.target.test, https://admin.target.test"]),
            [.invalidAllowOrigin]
        ),
        (
            "two Access-Control-Allow-Origin lines", Misconfiguration.invalidAllowOrigin(["https://www.target.test", "https://admin.target.test"]),
            [.invalidAllowOrigin]
        ),
        ("a URL, not an origin", Misconfiguration.invalidAllowOrigin(["https://www.target.test/"]), [.invalidAllowOrigin]),
        ("missing Vary", Misconfiguration.missingVary, [.missingVary]),
        ("preflight reflection", Misconfiguration.preflightReflection, [.preflightReflection]),
        ("null and prefix at once", Misconfiguration.nullAndPrefix, [.nullOrigin, .prefixMatch]),
    ]

    @Test(arguments: cases.indices)
    func reportsExactlyTheClassTheServerHas(_ index: Int) async throws {
        let (name, behaviour, expected) = Self.cases[index]
        let report = try await Self.scan(behaviour)
        #expect(Set(report.classes) == Set(expected), "\(name): \(report.text)")
        #expect(report.classes.count == expected.count, "\(name): each class once: \(report.classes)")
        #expect(report.isComplete, "\(name)")
        for kind in expected {
            let finding = try #require(report.findings.first { $0.kind == kind })
            #expect(!finding.evidence.responseHeaders.isEmpty, "\(name): evidence carries the response headers")
        }
    }

    @Test func severityIsHighOnlyWhenTheTrustedOriginGetsCredentials() async throws {
        let credentialed = try await Self.scan(Misconfiguration.reflectsAnyOrigin)
        let finding = try #require(credentialed.findings.first)
        #expect(finding.severity == .high && finding.credentials)
        let origin = try #require(finding.evidence.origin)
        #expect(origin.hasPrefix("https://evil") && origin.hasSuffix(".net"))
        #expect(finding.evidence.responseHeaders.contains { $0.name == "Access-Control-Allow-Origin" && $0.value == origin })
        #expect(finding.evidence.responseHeaders.contains { $0.name == "Access-Control-Allow-Credentials" && $0.value == "true" })

        // What reflection already explains is not sent, and the report says so.
        #expect(credentialed.notTried.contains { $0.kind == .nullOrigin && $0.reason == .explainedBy(.reflectedOrigin) })
        #expect(credentialed.requestsSent == 2 + 1 + 1)

        let uncredentialed = try await Self.scan(Misconfiguration.reflectsWithoutCredentials)
        #expect(uncredentialed.findings.map(\.kind) == [.reflectedOrigin])
        #expect(uncredentialed.findings.first?.severity == .medium)
        #expect(uncredentialed.findings.first?.credentials == false)

        // One hole needs another first: a subdomain to take over.
        #expect(try await Self.scan(Misconfiguration.anySubdomain).findings.first?.severity == .medium)
        #expect(try await Self.scan(Misconfiguration.wildcard).findings.first?.severity == .info)
        #expect(
            try await Self.scan(Misconfiguration.wildcardWithCredentials).findings.first { $0.kind == .wildcardWithCredentials }?.severity == .low
        )
    }

    @Test func theDetectedOriginIsTheOneTheClassNames() async throws {
        let prefix = try #require(try await Self.scan(Misconfiguration.prefixMatch).findings.first?.evidence.origin)
        #expect(prefix.hasPrefix("https://www.target.test.evil"))
        let suffix = try #require(try await Self.scan(Misconfiguration.suffixMatch).findings.first?.evidence.origin)
        #expect(suffix.hasPrefix("https://evil") && suffix.hasSuffix("target.test"))
        let dot = try #require(try await Self.scan(Misconfiguration.unescapedDot).findings.first?.evidence.origin)
        #expect(dot == "https://wwwxtarget.test")
        let special = try #require(try await Self.scan(Misconfiguration.specialCharacters).findings.first?.evidence.origin)
        #expect(special.hasPrefix("https://www.target.test_."))
        let insecure = try #require(try await Self.scan(Misconfiguration.insecureOrigin).findings.first?.evidence.origin)
        #expect(insecure == "http://www.target.test")
        let null = try #require(try await Self.scan(Misconfiguration.trustsNull).findings.first?.evidence.origin)
        #expect(null == "null")
    }

    @Test func swiftCORSUnderAStrictPolicyAndAServerWithoutCORSGiveNoFindings() async throws {
        let clean = try await Self.scan(try Misconfiguration.swiftCORS(Misconfiguration.strictPolicy))
        #expect(clean.findings.isEmpty, "\(clean.text)")
        #expect(clean.isComplete && clean.notTried.isEmpty)
        // Every crafted origin went out: 2 baselines, 1+1+1+1+1 single probes, 2 subdomains,
        // 2 look-alikes, 1 insecure, one per special character, and the preflight.
        #expect(clean.requestsSent == 2 + 5 + 2 + 2 + 1 + CraftedOrigins.hostCharacters.count + 1)
        #expect(clean.text.contains("No CORS misconfiguration found."))

        let none = try await Self.scan(Misconfiguration.noCORS)
        #expect(none.findings.isEmpty, "\(none.text)")
    }

    @Test func eachScanUsesFreshAttackerLabels() async throws {
        let first = try await Self.scan(Misconfiguration.reflectsAnyOrigin)
        let second = try await Self.scan(Misconfiguration.reflectsAnyOrigin)
        #expect(first.findings.first?.evidence.origin != second.findings.first?.evidence.origin)
    }

    @Test func extraHeadersGoWithGetProbesOnlyAndAreNotShown() async throws {
        var options = Self.options
        options.extraHeaders = [("Cookie", "session=s3cret")]
        try await MisconfiguredServer.with(Misconfiguration.reflectsAnyOrigin) { server in
            let report = try await CORSScanner(target: ScanTarget(url: server.url, site: Misconfiguration.site), options: options).scan()
            let gets = server.requests.filter { $0.method == "GET" }
            let preflights = server.requests.filter { $0.method == "OPTIONS" }
            #expect(!gets.isEmpty && gets.allSatisfy { $0.value("Cookie") == "session=s3cret" })
            #expect(preflights.count == 1 && preflights.allSatisfy { $0.value("Cookie") == nil })
            #expect(!report.json.rendered().contains("s3cret"))
            #expect(!report.text.contains("s3cret"))
        }
    }

    @Test func theRequestBudgetStopsTheScanAndSaysSo() async throws {
        var options = Self.options
        options.maxRequests = 4
        try await MisconfiguredServer.with(Misconfiguration.noCORS) { server in
            let report = try await CORSScanner(target: ScanTarget(url: server.url, site: Misconfiguration.site), options: options).scan()
            #expect(server.requests.count == 4)
            #expect(report.requestsSent == 4)
            #expect(!report.isComplete)
            #expect(report.notTried.contains { $0.kind == .preflightReflection })
            #expect(report.text.contains("INCOMPLETE"))
        }
    }

    @Test func theRateLimitSpacesRequests() async throws {
        var options = Self.options
        options.requestsPerSecond = 50
        options.maxRequests = 6
        let clock = ContinuousClock()
        let elapsed = try await clock.measure { _ = try await Self.scan(Misconfiguration.noCORS, options: options) }
        // Six requests at 50/s: five gaps of 20 ms at least.
        #expect(elapsed >= .milliseconds(100))
    }

    @Test func aSiteWithoutARegistrableDomainSaysWhichClassesWereNotTried() async throws {
        let report = try await Self.scan(Misconfiguration.noCORS, site: nil)
        let skipped = Set(report.notTried.map(\.kind))
        #expect(skipped == [.suffixMatch, .substringMatch, .anySubdomain, .unescapedDot, .insecureOrigin])
        #expect(report.text.contains("pass --site"))
        #expect(report.isComplete)
    }

    @Test func badInputIsRefusedWithTheFix() async throws {
        #expect(throws: ScanError.invalidURL("ftp://x")) { try ScanTarget(url: "ftp://x") }
        #expect(throws: ScanError.invalidSite("https://www.target.test/", suggestion: "https://www.target.test")) {
            try ScanTarget(url: "http://127.0.0.1:1/", site: "https://www.target.test/")
        }
        #expect(throws: ScanError.self) { try ScanOptions.header("no colon") }
        var options = Self.options
        options.maxRequests = 2
        #expect(throws: ScanError.self) { try CORSScanner(target: ScanTarget(url: "http://127.0.0.1:1/"), options: options) }
        options = Self.options
        options.extraHeaders = [("Origin", "https://x.test")]
        #expect(throws: ScanError.reservedHeader("Origin")) { try CORSScanner(target: ScanTarget(url: "http://127.0.0.1:1/"), options: options) }
        options = Self.options
        options.timeout = .seconds(1)
        let unreachable = options
        await #expect {
            try await CORSScanner(target: ScanTarget(url: "http://127.0.0.1:1/x"), options: unreachable).scan()
        } throws: { error in
            guard case ScanError.unreachable(let url, _) = error else { return false }
            return url == "http://127.0.0.1:1/x"
        }
    }

    @Test func jsonHasOneObjectWithFindingsEachWithClassSeverityEvidenceAndFix() async throws {
        let report = try await Self.scan(Misconfiguration.nullAndPrefix)
        guard case .object(let members) = report.json else {
            Issue.record("not an object")
            return
        }
        let keys = members.map(\.key)
        #expect(keys.contains("findings"))
        let text = report.json.rendered()
        let parsed = try JSONValue.parse(text)
        guard case .object(let top) = parsed, case .array(let findings)? = top.first(where: { $0.key == "findings" })?.value else {
            Issue.record("no findings array")
            return
        }
        #expect(findings.count == 2)
        for finding in findings {
            guard case .object(let fields) = finding else {
                Issue.record("finding is not an object")
                continue
            }
            let names = Set(fields.map(\.key))
            #expect(names.isSuperset(of: ["class", "severity", "evidence", "fix"]))
            guard case .object(let evidence)? = fields.first(where: { $0.key == "evidence" })?.value else { continue }
            #expect(Set(evidence.map(\.key)).isSuperset(of: ["origin", "responseHeaders"]))
        }
    }
}

extension ScannerTests {
    @Test func aRedirectingEndpointIsScannedAsItAnswersAndTheReportSaysItRedirects() async throws {
        let redirects: ServerBehaviour = { _ in ServerAnswer(status: 302, headers: [("Location", "https://www.target.test/login")], body: "") }
        let report = try await Self.scan(redirects)
        #expect(report.findings.isEmpty)
        #expect(report.warnings.count == 1)
        #expect(report.text.contains("warning: the endpoint redirects to https://www.target.test/login (status 302)"))
    }

    @Test func limitsOutOfRangeAreRefused() {
        for rate in [0, -1, 1e-9, .infinity, .nan] as [Double] {
            #expect(throws: ScanError.self, "\(rate)") { try ScanOptions(requestsPerSecond: rate).validated() }
        }
        #expect(throws: ScanError.self) { try ScanOptions(timeout: .seconds(100_000)).validated() }
        #expect(throws: ScanError.self) { try ScanOptions(timeout: .zero).validated() }
    }
}
