import Foundation
import TestHarness
import Testing

/// `cors export` as a user runs it: what it writes, what it refuses and why, and its exit codes.
@Suite(.ownThread) struct ExportCommandTests {
    static let policy = """
        {"allowOrigins": ["https://app.example.com"], "allowMethods": ["PUT"], "allowCredentials": true}
        """

    @Test func aCompleteNginxConfigurationPassesNginxsOwnCheck() throws {
        let path = try temporaryPolicyFile(Self.policy)
        let result = try CORSTool.run(["export", "--format", "nginx", path, "--upstream", "http://127.0.0.1:3000", "--check"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("map $http_origin $cors_r0_origin"), "\(result.output)")
        #expect(result.output.contains("warning: nginx: a request with two Origin fields is judged by its first"))
        if ServerProcess.find("nginx") != nil { #expect(result.output.contains(": OK"), "\(result.output)") }
    }

    @Test func whatAFormatCannotExpressIsRefusedWithOneLineAndTheWayOut() throws {
        let path = try temporaryPolicyFile(#"{"allowOrigins": ["https://app.example.com"], "preflightPassthrough": true}"#)
        for format in ["nginx", "apache", "caddy", "haproxy", "envoy"] {
            let result = try CORSTool.run(["export", "--format", format, path])
            #expect(result.status == 1, "\(format): \(result.output)")
            #expect(
                result.output.contains("cannot express preflightPassthrough") && result.output.contains("remove preflightPassthrough"),
                "\(result.output)"
            )
        }
    }

    @Test func anInvalidPolicyOrRoutesFileIsRefusedWithEveryProblemLocated() throws {
        let invalid = try temporaryPolicyFile(#"{"allowOrigins": "*", "allowCredentials": true}"#)
        let refused = try CORSTool.run(["export", "--format", "haproxy", invalid])
        #expect(refused.status == 1 && refused.output.contains("allowCredentials"), "\(refused.output)")
        let routes = try temporaryPolicyFile(
            #"{"routes": [{"prefix": "api", "policy": {}}, {"prefx": "/x", "policy": {"allowOrigins": ["https://a.example"]}}]}"#
        )
        let located = try CORSTool.run(["export", "--format", "caddy", routes])
        #expect(located.status == 1, "\(located.output)")
        #expect(located.output.contains("routes[0].prefix") && located.output.contains("did you mean \"prefix\""), "\(located.output)")
    }

    @Test func usageErrorsExitTwo() throws {
        let path = try temporaryPolicyFile(Self.policy)
        #expect(try CORSTool.run(["export", "--format", "iis", path]).status == 2)
        #expect(try CORSTool.run(["export", "--format", "nginx", path, "--upstream", "ftp://x"]).status == 2)
        #expect(try CORSTool.run(["export", "--format", "nginx", path, "--check"]).status == 2)
        let notJSON = try temporaryPolicyFile("allowOrigins: everything")
        #expect(try CORSTool.run(["export", "--format", "nginx", notJSON]).status == 2)
    }
}
