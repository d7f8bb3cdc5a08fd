import CORS
import Testing

@Suite struct OriginPatternTests {
    func allows(_ patterns: [String], _ origin: String) throws -> Bool {
        let responder = try CORSResponder(policy: CORSPolicy(allowOrigins: patterns))
        return responder.decideNow(request(.get, [("Origin", origin)])).outcome == .actualAllowed
    }

    @Test func subdomainPatternMatchesSubdomainsAtAnyDepthButNotTheBase() throws {
        let pattern = ["https://*.example.com"]
        #expect(try allows(pattern, "https://a.example.com"))
        #expect(try allows(pattern, "https://a.b.example.com"))
        #expect(try !allows(pattern, "https://example.com"))
    }

    @Test func subdomainPatternIsAnchored() throws {
        let pattern = ["https://*.example.com"]
        #expect(try !allows(pattern, "https://evilexample.com"))
        #expect(try !allows(pattern, "https://example.com.evil.com"))
        #expect(try !allows(pattern, "https://a.example.com.evil.com"))
        #expect(try !allows(pattern, "https://aexample.com"))
    }

    @Test func exactOriginIsExact() throws {
        let pattern = ["https://example.com"]
        #expect(try allows(pattern, "https://example.com"))
        #expect(try !allows(pattern, "https://evilexample.com"))
        #expect(try !allows(pattern, "https://example.com.evil.com"))
        #expect(try !allows(pattern, "https://EXAMPLE.com"))
        #expect(try !allows(pattern, "https://example.com/"))
        #expect(try !allows(pattern, "http://example.com"))
        #expect(try !allows(pattern, "https://example.com:443"))
        #expect(try !allows(pattern, "https://example.com:8443"))
        #expect(try !allows(pattern, "https://sub.example.com"))
        #expect(try !allows(pattern, "null"))
    }

    @Test func listedOriginsDoNotCombine() throws {
        // The published Go advisory: foo.com and bar.com listed, barfoo.com accepted.
        let patterns = ["https://foo.com", "https://bar.com", "https://*.baz.com"]
        #expect(try !allows(patterns, "https://barfoo.com"))
        #expect(try !allows(patterns, "https://foobar.com"))
        #expect(try !allows(patterns, "https://foo.com.bar.com"))
        #expect(try !allows(patterns, "https://bar.baz.comx"))
        #expect(try allows(patterns, "https://x.baz.com"))
    }

    @Test func portPatternMatchesEveryPortOfOneHost() throws {
        let pattern = ["http://localhost:*"]
        #expect(try allows(pattern, "http://localhost"))
        #expect(try allows(pattern, "http://localhost:3000"))
        #expect(try !allows(pattern, "https://localhost:3000"))
        #expect(try !allows(pattern, "http://localhost.evil.com:3000"))
        #expect(try !allows(pattern, "http://a.localhost:3000"))
    }

    @Test func subdomainPatternKeepsItsPortUnlessWildcarded() throws {
        #expect(try allows(["https://*.example.com:8443"], "https://a.example.com:8443"))
        #expect(try !allows(["https://*.example.com:8443"], "https://a.example.com"))
        #expect(try !allows(["https://*.example.com"], "https://a.example.com:8443"))
        #expect(try allows(["https://*.example.com:*"], "https://a.example.com:8443"))
        #expect(try allows(["https://*.example.com:*"], "https://a.example.com"))
    }

    @Test func nullMatchesOnlyWhenOptedIn() throws {
        let policy = CORSPolicy(allowOrigins: ["null"], dangerouslyAllowNullOrigin: true)
        let responder = try CORSResponder(policy: policy)
        #expect(responder.decideNow(request(.get, [("Origin", "null")])).outcome == .actualAllowed)
        #expect(try !allows(["https://a.com"], "null"))
    }

    @Test func parsesEachPatternForm() throws {
        #expect(try OriginPattern(parsing: "https://a.com") == .exact(Origin("https://a.com")!))
        #expect(
            try OriginPattern(parsing: "https://*.a.com:*")
                == .subdomains(scheme: "https", base: "a.com", port: nil, anyPort: true)
        )
        #expect(try OriginPattern(parsing: "http://localhost:*") == .anyPort(scheme: "http", host: "localhost"))
        #expect(try OriginPattern(parsing: "null") == .null)
    }

    @Test(arguments: [
        ("https://a.*.com", OriginPatternError.misplacedWildcard("https://a.*.com")),
        ("https://*a.com", .misplacedWildcard("https://*a.com")),
        ("https://*", .matchesEverySite("https://*")),
        ("https://*.*", .matchesEverySite("https://*.*")),
        ("*", .wildcardInList),
        ("https://*.1.2.3.4", .subdomainsOfAddress("https://*.1.2.3.4")),
        ("file:///home/me/index.html", .fileScheme("file:///home/me/index.html")),
        ("https://a.com:8080:*", .misplacedWildcard("https://a.com:8080:*")),
    ])
    func rejectsMalformedPatterns(_ text: String, _ error: OriginPatternError) {
        #expect(throws: error) { try OriginPattern(parsing: text) }
    }

    @Test func suggestsTheOriginThatWasMeant() {
        #expect(throws: OriginPatternError.notAnOrigin("https://A.com/", suggestion: "https://a.com")) {
            try OriginPattern(parsing: "https://A.com/")
        }
        #expect(throws: OriginPatternError.notAnOrigin("https://a.com:443/x?y", suggestion: "https://a.com")) {
            try OriginPattern(parsing: "https://a.com:443/x?y")
        }
        #expect(throws: OriginPatternError.notAnOrigin("https://*.Example.com/", suggestion: "https://*.example.com")) {
            try OriginPattern(parsing: "https://*.Example.com/")
        }
    }
}
