import Foundation
import TestHarness
import Testing

/// `cors check` as a black box, against `cors serve` on 127.0.0.1.
@Suite(.serialized, .ownThread) struct CheckCommandTests {
    static let policy = """
        {
          "allowOrigins": ["http://localhost:3000"],
          "allowMethods": ["PUT"],
          "allowHeaders": ["Content-Type"],
          "exposeHeaders": ["X-Request-Id"],
          "allowCredentials": true,
          "maxAge": 600
        }
        """

    func json(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    @Test func reportsWhatTheBrowserWouldDoWithExitCodes() throws {
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(Self.policy))
        let url = "http://127.0.0.1:\(server.port)/items/1"

        let allowed = try CORSTool.run([
            "check", url, "--origin", "http://localhost:3000", "-X", "PUT", "-H", "Content-Type: application/json",
            "-d", "-starts-with-dash", "--credentials", "include", "--json",
        ])
        #expect(allowed.status == 0, "\(allowed.output)")
        let allowedJSON = try json(allowed.output)
        #expect(allowedJSON["allowed"] as? Bool == true)
        #expect((allowedJSON["preflight"] as? [String: Any])?["sent"] as? Bool == true)
        #expect((allowedJSON["preflight"] as? [String: Any])?["status"] as? Int == 204)
        #expect(allowedJSON["error"] is NSNull)
        let trace = try #require(allowedJSON["trace"] as? [[String: Any]])
        #expect(trace.count == 2)
        #expect(trace.last?["method"] as? String == "PUT")

        let blocked = try CORSTool.run(["check", url, "--origin", "http://localhost:3000", "-X", "PUT", "-H", "X-Secret: 1", "--json"])
        #expect(blocked.status == 1)
        let error = try #require(try json(blocked.output)["error"] as? [String: Any])
        #expect(error["kind"] as? String == "PreflightMissingAllowOriginHeader")
        #expect(
            (error["message"] as? String)?.hasPrefix(
                "Access to fetch at '\(url)' from origin 'http://localhost:3000' has been blocked by CORS policy"
            ) == true
        )

        let human = try CORSTool.run(["check", url, "--origin", "https://evil.test"])
        #expect(human.status == 1)
        #expect(human.output.contains("BLOCKED"))
        #expect(human.output.contains("No 'Access-Control-Allow-Origin' header is present on the requested resource."))
        #expect(human.output.contains("fix:"))
        #expect(human.output.contains("in hummingbird:"))
        #expect(human.output.contains("CORSPolicyMiddleware(policy: CORSPolicy(allowOrigins: [\"https://evil.test\"]))"))

        let dropped = try CORSTool.run(["check", url, "--origin", "http://localhost:3000", "-H", "Cookie: a=b", "--json"])
        #expect(try json(dropped.output)["droppedHeaders"] as? [String] == ["Cookie"])

        let typeError = try CORSTool.run(["check", url, "--origin", "http://localhost:3000", "-X", "TRACE", "--json"])
        #expect(typeError.status == 1)
        #expect((try json(typeError.output)["error"] as? [String: Any])?["kind"] as? String == "TypeError")
    }

    @Test func unreachableServerAndUsageErrorsExitTwo() throws {
        let unreachable = try CORSTool.run(["check", "http://127.0.0.1:1/x", "--origin", "http://localhost:3000"])
        #expect(unreachable.status == 2)
        #expect(unreachable.output.contains("cannot reach http://127.0.0.1:1/x"))
        let usage = try CORSTool.run(["check", "http://127.0.0.1:1/x", "--origin", "http://localhost:3000", "--credentials", "sometimes"])
        #expect(usage.status == 2, "\(usage.output)")
        #expect(usage.output.contains("--credentials must be omit, same-origin or include"))
    }
}

extension CheckCommandTests {
    /// A client hint (DPR) is safelisted by Chromium only: against a policy that allows no such
    /// header, Chromium sends no preflight and reads the answer; Firefox preflights and is refused.
    @Test func browserAllSaysWhichBrowserBlocksWhyAndTheFixForBoth() throws {
        let server = try CORSTool.Server(policyFile: try temporaryPolicyFile(Self.policy))
        let url = "http://127.0.0.1:\(server.port)/items/1"
        let base = ["check", url, "--origin", "http://localhost:3000", "-H", "DPR: 2"]

        let chromium = try CORSTool.run(base + ["--browser", "chromium"])
        #expect(chromium.status == 0, "\(chromium.output)")
        let firefox = try CORSTool.run(base + ["--browser", "firefox", "--json"])
        #expect(firefox.status == 1)
        let firefoxJSON = try json(firefox.output)
        #expect(firefoxJSON["browser"] as? String == "firefox")
        let message = try #require((firefoxJSON["error"] as? [String: Any])?["message"] as? String)
        #expect(
            message.hasPrefix(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at \(url). (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing). Status code: 403."
            )
        )

        let all = try CORSTool.run(base + ["--browser", "all"])
        #expect(all.status == 1, "every browser must allow it for exit 0")
        #expect(all.output.contains("== Chromium") && all.output.contains("== Firefox"))
        #expect(all.output.contains("ALLOWED") && all.output.contains("BLOCKED in Firefox"))
        #expect(all.output.contains("The browsers differ: Firefox blocks this request and Chromium allows it: Chromium safelists `dpr`"))
        #expect(all.output.contains("list it in Access-Control-Allow-Headers"))

        let allJSON = try json(try CORSTool.run(base + ["--browser", "all", "--json"]).output)
        #expect(allJSON["allowed"] as? Bool == false)
        #expect(allJSON["verdictsDiffer"] as? Bool == true)
        let browsers = try #require(allJSON["browsers"] as? [String: [String: Any]])
        #expect(browsers["chromium"]?["allowed"] as? Bool == true)
        #expect(browsers["firefox"]?["allowed"] as? Bool == false)
        #expect((allJSON["difference"] as? String)?.contains("Firefox blocks") == true)

        let agreeing = try CORSTool.run(["check", url, "--origin", "http://localhost:3000", "-X", "PUT", "--browser", "all"])
        #expect(agreeing.status == 0, "\(agreeing.output)")
        #expect(agreeing.output.contains("Every browser agrees: they all allow it."))

        // Each browser keeps its own preflight-cache entries in the one file.
        let cacheFile = FileManager.default.temporaryDirectory.appendingPathComponent("cors-cache-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: cacheFile) }
        let put = ["check", url, "--origin", "http://localhost:3000", "-X", "PUT", "--browser", "all", "--preflight-cache", cacheFile, "--json"]
        for (round, expectFromCache) in [(1, false), (2, true)] {
            let browsersJSON = try #require(try json(try CORSTool.run(put).output)["browsers"] as? [String: [String: Any]])
            for name in ["chromium", "firefox"] {
                let preflight = browsersJSON[name]?["preflight"] as? [String: Any]
                #expect(preflight?["fromCache"] as? Bool == expectFromCache, "round \(round), \(name)")
            }
        }

        let usage = try CORSTool.run(base + ["--browser", "safari"])
        #expect(usage.status == 2)
        #expect(usage.output.contains("--browser must be chromium, firefox or all"))
    }
}
