import Foundation
import TestHarness
import Testing

/// `cors serve` as a black box: the built binary on 127.0.0.1, real HTTP over a socket.
@Suite(.serialized, .ownThread) struct ServeCommandTests {
    static let policy = """
        {
          "allowOrigins": ["https://app.example.com", "https://*.example.org"],
          "allowMethods": ["PUT"],
          "allowHeaders": ["Content-Type"],
          "exposeHeaders": ["X-Request-Id"],
          "allowCredentials": true,
          "maxAge": 600
        }
        """

    @Test func answersPreflightsAndDecoratesResponsesOverRealHTTP() throws {
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(Self.policy))

        let preflight = try rawRequest(
            port: server.port,
            method: "OPTIONS",
            path: "/items/1",
            headers: [
                ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "content-type"),
            ]
        )
        #expect(preflight.status == 204)
        #expect(preflight.values("Access-Control-Allow-Origin") == ["https://app.example.com"])
        #expect(preflight.values("Access-Control-Allow-Credentials") == ["true"])
        #expect(preflight.values("Access-Control-Allow-Methods") == ["PUT"])
        #expect(preflight.values("Access-Control-Allow-Headers") == ["Content-Type"])
        #expect(preflight.values("Access-Control-Max-Age") == ["600"])
        #expect(preflight.values("Vary") == ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"])
        #expect(preflight.body.isEmpty)

        let refused = try rawRequest(
            port: server.port,
            method: "OPTIONS",
            path: "/items/1",
            headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "DELETE")]
        )
        #expect(refused.status == 403)
        #expect(refused.headers.allSatisfy { !$0.name.lowercased().hasPrefix("access-control-allow") })

        let actual = try rawRequest(
            port: server.port,
            method: "PUT",
            path: "/items/1",
            headers: [("Origin", "https://a.b.example.org")]
        )
        #expect(actual.status == 200)
        #expect(actual.values("Access-Control-Allow-Origin") == ["https://a.b.example.org"])
        #expect(actual.values("Access-Control-Expose-Headers") == ["X-Request-Id"])
        #expect(actual.values("Vary") == ["Origin"])
        let echo = try JSONSerialization.jsonObject(with: Data(actual.body.utf8)) as? [String: Any]
        #expect(echo?["method"] as? String == "PUT")
        #expect(echo?["path"] as? String == "/items/1")
        #expect((echo?["headers"] as? [String: String])?["origin"] == "https://a.b.example.org")

        for evil in ["https://evilexample.org", "https://example.org.evil.com", "http://app.example.com", "null"] {
            let response = try rawRequest(port: server.port, method: "GET", path: "/", headers: [("Origin", evil)])
            #expect(response.status == 200, "handed on untouched: \(evil)")
            #expect(response.values("Access-Control-Allow-Origin") == [], "\(evil)")
            #expect(response.values("Vary") == ["Origin"])
        }

        let log = server.log
        #expect(log.contains("OPTIONS /items/1 origin=https://app.example.com cors=preflightRejected reason=method-not-allowed"))
        #expect(log.contains("origin=https://evilexample.org cors=actualRejected reason=origin-not-allowed"))
    }

    @Test func refusesToStartUnderAnInvalidPolicy() throws {
        let path = try temporaryPolicyFile(#"{"allowOrigins": "*", "allowCredentials": true}"#)
        let (status, output) = try CORSTool.run(["serve", "--policy", path, "--port", "0"])
        #expect(status == 1)
        #expect(output.contains("error: allowCredentials: allowOrigins is \"*\" and allowCredentials is true"))
        #expect(output.contains("refusing to start"))
    }

    @Test func swapsInAValidEditAndKeepsThePolicyOnAnInvalidOne() throws {
        let path = try temporaryPolicyFile(#"{"allowOrigins": ["https://a.test"]}"#)
        let server = try CORSTool.Server(policyFile: path)
        func allowOrigin(_ origin: String) throws -> [String] {
            try rawRequest(port: server.port, method: "GET", path: "/", headers: [("Origin", origin)])
                .values("Access-Control-Allow-Origin")
        }
        #expect(try allowOrigin("https://b.test") == [])
        try #"{"allowOrigins": ["https://b.test"]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        var swapped = false
        for _ in 0..<100 where !swapped {
            Thread.sleep(forTimeInterval: 0.1)
            swapped = try allowOrigin("https://b.test") == ["https://b.test"]
        }
        #expect(swapped)
        #expect(try allowOrigin("https://a.test") == [])

        try #"{"allowOrigins": ["https://c.test/"]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        var reported = false
        for _ in 0..<100 where !reported {
            Thread.sleep(forTimeInterval: 0.1)
            reported = server.log.contains("keeping the running policy")
        }
        #expect(reported)
        #expect(server.log.contains("did you mean \\\"https://c.test\\\"?") || server.log.contains("did you mean \"https://c.test\"?"))
        #expect(try allowOrigin("https://b.test") == ["https://b.test"])
    }
}

@Suite(.ownThread) struct LintCommandTests {
    @Test func validPolicyExitsZeroEvenWithWarnings() throws {
        let path = try temporaryPolicyFile(#"{"allowOrigins": ["https://a.com"], "maxAge": 9000}"#)
        let (status, output) = try CORSTool.run(["lint", path])
        #expect(status == 0)
        #expect(output.contains("warning: maxAge: maxAge is 9000 seconds, but Chromium caches preflights for at most 7200"))
        #expect(output.contains("valid with 1 warning"))
    }

    @Test func invalidPolicyExitsOneListingEveryProblem() throws {
        let path = try temporaryPolicyFile(
            #"{"allowOrigins": ["https://a.com/", "https://*.co.uk"], "alowCredentials": true, "maxAge": -1}"#
        )
        let (status, output) = try CORSTool.run(["lint", path])
        #expect(status == 1)
        #expect(output.contains("unknown key \"alowCredentials\"; did you mean \"allowCredentials\"?"))
        #expect(output.contains("error: allowOrigins[0]:") && output.contains("did you mean \"https://a.com\"?"))
        #expect(output.contains("error: allowOrigins[1]: \"https://*.co.uk\" matches every site registered under the public suffix \"co.uk\""))
        #expect(output.contains("error: maxAge: maxAge is -1"))
        #expect(output.contains("invalid: 4 errors, 0 warnings"))
    }

    @Test func unreadableOrMalformedFileExitsTwoSayingWhere() throws {
        let path = try temporaryPolicyFile("{\n  \"allowOrigins\": [\"https://a.com\",]\n}")
        let (status, output) = try CORSTool.run(["lint", path])
        #expect(status == 2)
        #expect(output.contains("\(path):2:36: trailing comma before ']'"))
        let missing = try CORSTool.run(["lint", "/nonexistent/policy.json"])
        #expect(missing.status == 2)
        #expect(missing.output.contains("does not exist"))
    }

    @Test func theExamplePolicyIsValid() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/policy.json").path
        let (status, output) = try CORSTool.run(["lint", example])
        #expect(status == 0, "\(output)")
    }
}
