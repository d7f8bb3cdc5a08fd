import CORS
import CORSBrowser
import CORSScan
import Testing

/// `cors scan --expect`: a live endpoint held against a policy, on real servers on 127.0.0.1.
@Suite struct PolicyConformanceTests {
    static let options = ScanOptions(requestsPerSecond: 2000, maxRequests: 200, timeout: .seconds(5))

    static let policy = CORSPolicy(
        allowOrigins: ["https://app.example.com", "https://admin.example.com", "https://*.example.org"],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["Content-Type", "X-Request-Id"],
        allowCredentials: true,
        maxAge: 600
    )

    static func check(_ behaviour: @escaping ServerBehaviour, policy: CORSPolicy = policy) async throws -> ConformanceReport {
        try await MisconfiguredServer.with(behaviour) { server in
            try await PolicyConformanceCheck(target: ScanTarget(url: server.url), policy: policy, options: options).run()
        }
    }

    @Test func swiftCORSUnderTheSamePolicyShowsNoDifference() async throws {
        let report = try await Self.check(try Misconfiguration.swiftCORS(Self.policy))
        #expect(report.differences.isEmpty, "\(report.text)")
        #expect(report.isComplete)
        #expect(report.requestsSent == report.probes && report.probes > 20)
        #expect(report.text.contains("does what the policy says"))
    }

    @Test func anAllowListThatForgetsAnOriginIsCaughtWithThatOrigin() async throws {
        var forgetful = Self.policy
        forgetful.allowOrigins.removeAll { $0 == "https://admin.example.com" }
        let report = try await Self.check(try Misconfiguration.swiftCORS(forgetful))
        #expect(!report.differences.isEmpty, "\(report.text)")
        for difference in report.differences {
            #expect(difference.direction == .tooStrict, "\(report.text)")
            #expect(difference.probe.origin == "https://admin.example.com", "\(report.text)")
        }
        #expect(report.differences.contains { $0.probe.kind == .actual && $0.credentials == [.omit, .include] })
    }

    @Test func aPatternThatAlsoTrustsTheBareDomainIsCaughtAsTooPermissive() async throws {
        // Hand-written, as such checks are: "ends with example.org".
        let server = Misconfiguration.trusting { origin in
            ["https://app.example.com", "https://admin.example.com"].contains(origin)
                || origin.hasPrefix("https://") && (origin.hasSuffix(".example.org") || origin == "https://example.org")
        }
        let report = try await Self.check(
            server,
            policy: CORSPolicy(
                allowOrigins: ["https://app.example.com", "https://admin.example.com", "https://*.example.org"],
                allowMethods: ["PUT"],
                allowHeaders: ["Content-Type"],
                allowCredentials: true
            )
        )
        let permissive = report.differences.filter { $0.direction == .tooPermissive }
        #expect(permissive.map(\.probe.origin) == ["https://example.org"], "\(report.text)")
        #expect(permissive.first?.probe.purpose.contains("bare domain") == true)
        #expect(
            permissive.first?.evidence.responseHeaders.contains { $0.name == "Access-Control-Allow-Origin" && $0.value == "https://example.org" }
                == true
        )
        #expect(report.text.contains("TOO PERMISSIVE (security): GET with Origin: https://example.org"))
    }

    @Test func aMissingMethodIsCaughtWithThePreflightThatShowsIt() async throws {
        var withoutDelete = Self.policy
        withoutDelete.allowMethods = ["PUT"]
        let report = try await Self.check(try Misconfiguration.swiftCORS(withoutDelete))
        #expect(report.differences.count == 1, "\(report.text)")
        let difference = try #require(report.differences.first)
        #expect(difference.direction == .tooStrict)
        #expect(difference.probe.kind == .preflight && difference.probe.method == "DELETE")
        // swift-cors refuses a preflight with a bare 403, so the browser names the missing header.
        #expect(difference.live == .blocked(.missingAllowOriginHeader(preflight: true)))
        #expect(difference.expected == .allowed)
    }

    @Test func nearMissesCoverPortsSchemesNeighboursAndLists() {
        let probes = PolicyProbe.derive(for: Self.policy, label: "abc")
        let origins = Set(probes.filter { $0.kind == .actual }.map(\.origin))
        #expect(
            origins.isSuperset(of: [
                "https://app.example.com", "http://app.example.com", "https://app.example.com:8443", "https://app.example.com.evilabc.net",
                "https://xabc.example.org", "https://example.org", "https://evilabcexample.org", "http://xabc.example.org", "null",
            ])
        )
        let preflights = probes.filter { $0.kind == .preflight }
        #expect(preflights.contains { $0.method == "PATCH" })
        #expect(preflights.contains { $0.headerNames == ["x-scan-abc"] })
        #expect(preflights.contains { $0.headerNames == ["authorization"] })
        #expect(preflights.contains { $0.headerNames == ["x-request-id"] })
    }

    @Test func anInvalidPolicyIsRefusedWithItsProblems() throws {
        #expect(throws: ScanError.self) {
            try PolicyConformanceCheck(
                target: ScanTarget(url: "http://127.0.0.1:1/"),
                policy: CORSPolicy(allowOrigins: ["*"], allowCredentials: true)
            )
        }
    }
}
