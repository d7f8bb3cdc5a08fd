import Foundation
import TestHarness
import Testing

/// `cors explain` as a black box, and the explanation followed up with `cors check
/// --probe-errors` against a real server.
@Suite(.serialized, .ownThread) struct ExplainCommandTests {
    func json(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    /// Runs `cors explain` with `input` on standard input.
    func explain(stdin input: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = CORSTool.executable
        process.arguments = ["explain"] + arguments
        let inPipe = Pipe()
        let outPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = outPipe
        try process.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let data = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func aChromiumMessageIsExplainedWithTheCheckThatReproducesIt() throws {
        let message =
            "Access to fetch at 'http://127.0.0.1:3000/api' from origin 'http://localhost:5173' has been blocked by CORS policy: Method PATCH is not allowed by Access-Control-Allow-Methods in preflight response."
        let text = try CORSTool.run(["explain", message])
        #expect(text.status == 0, "\(text.output)")
        #expect(text.output.hasPrefix("Chromium said: MethodDisallowedByPreflightResponse (on the preflight)"))
        #expect(
            text.output.contains("cors check http://127.0.0.1:3000/api --origin http://localhost:5173 -X PATCH --browser chromium --probe-errors")
        )
        #expect(text.output.contains("\"allowMethods\": [\"PATCH\"]"))
        let json = try json(try CORSTool.run(["explain", "--json", message]).output)
        #expect(json["browser"] as? String == "chromium")
        #expect(json["url"] as? String == "http://127.0.0.1:3000/api")
        #expect(json["origin"] as? String == "http://localhost:5173")
        let error = try #require(json["error"] as? [String: Any])
        // The same keys and names as `cors check --json`'s error object.
        #expect(error["kind"] as? String == "MethodDisallowedByPreflightResponse")
        #expect(error["message"] as? String == message)
        #expect((error["fix"] as? String)?.contains("PATCH") == true)
        #expect((error["servers"] as? [String: String])?.keys.sorted() == ["apache", "caddy", "express", "hummingbird", "nginx", "vapor"])
    }

    @Test func firefoxLinesOnStandardInputAreExplained() throws {
        let lines = """
            Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/v1. (Reason: CORS preflight response did not succeed). Status code: 401.
            Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/v1. (Reason: CORS request did not succeed). Status code: (null).
            """
        let result = try explain(stdin: lines, ["--json"])
        #expect(result.status == 0, "\(result.output)")
        let json = try json(result.output)
        #expect(json["browser"] as? String == "firefox")
        #expect(json["status"] as? Int == 401)
        #expect((json["error"] as? [String: Any])?["kind"] as? String == "PreflightInvalidStatus")
        let causes = try #require((json["error"] as? [String: Any])?["causes"] as? [String])
        #expect(causes.first?.hasPrefix("Authentication runs before CORS") == true, "a 401 ranks authentication first: \(causes)")
    }

    @Test func textThatIsNotCORSExitsOneAndSaysWhatItIs() throws {
        let mixed = try CORSTool.run([
            "explain",
            "Mixed Content: The page at 'https://a.example/' was loaded over HTTPS, but requested an insecure resource 'http://b.example/'. This request has been blocked; the content must be served over HTTPS.",
        ])
        #expect(mixed.status == 1)
        #expect(mixed.output.hasPrefix("not a CORS error: This is a Mixed Content block"))
        let refused = try json(try CORSTool.run(["explain", "--json", "GET http://127.0.0.1:9/x net::ERR_CONNECTION_REFUSED"]).output)
        #expect(refused["recognized"] as? Bool == false)
        #expect(refused["what"] as? String == "networkError")
        #expect(try explain(stdin: "  \n").status == 2)
    }

    @Test func checkWithProbeErrorsNamesTheCauseExplainPointsTo() throws {
        // An API with no CORS at all that answers OPTIONS 405: the preflight is not routed.
        let bare = try BareHTTPServer()
        let url = bare.url + "/items"
        let result = try CORSTool.run(["check", url, "--origin", "http://localhost:5173", "-X", "PUT", "--probe-errors"])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("probes (--probe-errors):"))
        #expect(result.output.contains("missing-path: GET \(bare.url)/cors-check-no-such-path"))
        #expect(result.output.contains("cause:    The preflight got 405: nothing routes OPTIONS to the CORS handling"))
        let json = try json(try CORSTool.run(["check", url, "--origin", "http://localhost:5173", "-X", "PUT", "--probe-errors", "--json"]).output)
        let causes = try #require(json["causes"] as? [[String: Any]])
        #expect(causes.map { $0["cause"] as? String } == ["preflight-not-routed"])
    }
}
