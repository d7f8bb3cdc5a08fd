import Foundation
import TestHarness
import Testing

/// `cors scan` as a black box, against `cors serve` on 127.0.0.1.
@Suite(.serialized, .ownThread) struct ScanCommandTests {
    static let site = "https://www.target.test"
    static let strict = """
        {"allowOrigins": ["https://www.target.test"], "allowMethods": ["PUT"], "allowHeaders": ["Content-Type"],
         "allowCredentials": true, "maxAge": 600}
        """

    func json(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    func scan(_ port: Int, _ extra: [String] = []) throws -> (status: Int32, output: String) {
        try CORSTool.run(["scan", "http://127.0.0.1:\(port)/items/1", "--site", Self.site, "--rate", "1000"] + extra)
    }

    @Test func aStrictPolicyScansCleanAndExitsZero() throws {
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(Self.strict))
        let human = try scan(server.port)
        #expect(human.status == 0, "\(human.output)")
        #expect(human.output.contains("No CORS misconfiguration found."))
        let machine = try scan(server.port, ["--json"])
        #expect(machine.status == 0, "\(machine.output)")
        let object = try json(machine.output)
        #expect((object["findings"] as? [Any])?.isEmpty == true)
        #expect(object["complete"] as? Bool == true)
        #expect(object["site"] as? String == Self.site)
    }

    @Test func aFindingExitsOneWithItsClassSeverityEvidenceAndFix() throws {
        let policy = #"{"allowOrigins": ["https://*.target.test"], "allowCredentials": true}"#
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(policy))
        let result = try scan(server.port, ["--json", "-H", "Cookie: session=abc"])
        #expect(result.status == 1, "\(result.output)")
        let findings = try #require(try json(result.output)["findings"] as? [[String: Any]])
        #expect(findings.map { $0["class"] as? String } == ["any-subdomain"])
        let finding = try #require(findings.first)
        #expect(finding["severity"] as? String == "medium")
        #expect((finding["fix"] as? String)?.isEmpty == false)
        let evidence = try #require(finding["evidence"] as? [String: Any])
        let origin = try #require(evidence["origin"] as? String)
        #expect(origin.hasSuffix(".www.target.test") || origin.hasSuffix(".target.test"))
        let headers = try #require(evidence["responseHeaders"] as? [[String: String]])
        #expect(headers.contains { $0["name"]?.lowercased() == "access-control-allow-origin" && $0["value"] == origin })
        #expect(!result.output.contains("session=abc"))

        let human = try scan(server.port)
        #expect(human.status == 1)
        #expect(human.output.contains("[MEDIUM] any-subdomain: every subdomain is trusted"))
        #expect(human.output.contains("fix:"))
    }

    @Test func failOnSetsTheSeverityThatCounts() throws {
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(#"{"allowOrigins": ["*"]}"#))
        let any = try scan(server.port)
        #expect(any.status == 1, "\(any.output)")
        #expect(any.output.contains("[INFO] wildcard-origin"))
        let medium = try scan(server.port, ["--fail-on", "medium"])
        #expect(medium.status == 0, "\(medium.output)")
        #expect(medium.output.contains("[INFO] wildcard-origin"))
    }

    @Test func expectReportsNoDifferenceForTheSamePolicyAndEveryOneForAnother() throws {
        let path = try temporaryPolicyFile(Self.strict)
        let server = try CORSTool.Server(policyFile: path)
        let same = try scan(server.port, ["--expect", path])
        #expect(same.status == 0, "\(same.output)")
        #expect(same.output.contains("The live endpoint does what the policy says."))

        let wider = try temporaryPolicyFile(
            """
            {"allowOrigins": ["https://www.target.test", "https://admin.target.test"], "allowMethods": ["PUT", "PATCH"],
             "allowHeaders": ["Content-Type"], "allowCredentials": true, "maxAge": 600}
            """
        )
        let differs = try scan(server.port, ["--expect", wider, "--json"])
        #expect(differs.status == 1, "\(differs.output)")
        let differences = try #require(try json(differs.output)["differences"] as? [[String: Any]])
        let requests = differences.compactMap { $0["request"] as? [String: Any] }
        #expect(requests.contains { $0["origin"] as? String == "https://admin.target.test" })
        #expect(requests.contains { $0["kind"] as? String == "preflight" && $0["method"] as? String == "PATCH" })
        #expect(differences.allSatisfy { $0["direction"] as? String == "too-strict" })
    }

    @Test func usageAndNetworkErrorsAndACutShortScanExitTwo() throws {
        let unreachable = try CORSTool.run(["scan", "http://127.0.0.1:1/x", "--site", Self.site, "--timeout", "1"])
        #expect(unreachable.status == 2)
        #expect(unreachable.output.contains("cannot reach http://127.0.0.1:1/x"))
        let badSite = try CORSTool.run(["scan", "http://127.0.0.1:1/x", "--site", "https://WWW.target.test/"])
        #expect(badSite.status == 2)
        #expect(badSite.output.contains("did you mean 'https://www.target.test'"), "\(badSite.output)")
        let badHeader = try CORSTool.run(["scan", "http://127.0.0.1:1/x", "-H", "no colon"])
        #expect(badHeader.status == 2)
        #expect(badHeader.output.contains("write a header as 'Name: value'"))
        let badFailOn = try CORSTool.run(["scan", "http://127.0.0.1:1/x", "--fail-on", "severe"])
        #expect(badFailOn.status == 2)
        #expect(badFailOn.output.contains("--fail-on must be info, low, medium or high"))
        let missingPolicy = try CORSTool.run(["scan", "http://127.0.0.1:1/x", "--expect", "/nonexistent/policy.json"])
        #expect(missingPolicy.status == 2)
        #expect(missingPolicy.output.contains("does not exist"))

        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(Self.strict))
        let cut = try scan(server.port, ["--max-requests", "3"])
        #expect(cut.status == 2, "\(cut.output)")
        #expect(cut.output.contains("INCOMPLETE"))
    }
}
