import CORS
import CORSProxy
import Testing

/// A configuration file is refused with every problem at once, each located by line:column in
/// the file and saying what to do, the way `cors lint` reports a policy.
@Suite struct ConfigurationFileTests {
    /// Where `needle` first occurs in `text` on or after line `fromLine`: 1-based line and column.
    static func position(of needle: String, in text: String, fromLine: Int = 1) -> (line: Int, column: Int) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where index + 1 >= fromLine {
            if let range = line.range(of: needle) { return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1) }
        }
        return (0, 0)
    }

    @Test func everyProblemIsListedAtOnceWithItsLineAndColumn() throws {
        let text = """
            {
              "listen": "127.0.0.1:0",
              "limitz": {"requestBodyBytes": 10},
              "routes": [
                {"prefix": "/a", "policy": {"allowOrigins": ["https://a.example"]}},
                {"prefix": "/b", "upstream": "http://127.0.0.1:9", "policy": {"allowOrigins": "*", "allowCredentials": true}},
                {"prefix": "/c", "upstream": "http://127.0.0.1:9", "policy": {"allowOrigins": ["https://c.example"]},
                 "requestHeaders": {"set": {"Authorization": {"env": "MISSING_TOKEN"}}}}
              ]
            }
            """
        let result = ProxyConfigurationFile.read(text, directory: "", environment: ["OTHER": "x"], readFile: { _ in nil })
        guard case .failure(let errors) = result else {
            Issue.record("an invalid configuration was accepted")
            return
        }
        let limitz = Self.position(of: "\"limitz\"", in: text)
        // A route's own problems are placed at its first key (array elements carry no position).
        let route0 = Self.position(of: "\"prefix\"", in: text, fromLine: 5)
        let policy = Self.position(of: "\"policy\"", in: text, fromLine: 6)
        let authorization = Self.position(of: "\"Authorization\"", in: text)
        let policyLines = CORSPolicy(allowOrigins: ["*"], allowCredentials: true).validate().errors.map {
            "error: \($0.key): \($0.reason); \($0.fix)"
        }
        #expect(!policyLines.isEmpty)
        #expect(
            errors.problems == [
                .unknownKey(
                    key: "limitz",
                    line: limitz.line,
                    column: limitz.column,
                    suggestion: "limits",
                    valid: ProxyConfigurationFile.keys
                ),
                .missingKey(key: "routes[0].upstream", line: route0.line, column: route0.column),
                .invalidPolicy(key: "routes[1].policy", line: policy.line, column: policy.column, lines: policyLines),
                .missingEnvironmentVariable(
                    key: "routes[2].requestHeaders.set.Authorization",
                    line: authorization.line,
                    column: authorization.column,
                    variable: "MISSING_TOKEN"
                ),
            ]
        )
        let lines = errors.problems.map(\.description)
        #expect(lines[0] == "error: 3:3: limitz: unknown key; did you mean \"limits\"?")
        #expect(lines[1] == "error: 5:\(route0.column): routes[0].upstream: is required")
        #expect(lines[2].hasPrefix("error: 6:\(policy.column): routes[1].policy: the policy is invalid:\n    error: allowCredentials: "))
        #expect(
            lines[3]
                == "error: 8:\(authorization.column): routes[2].requestHeaders.set.Authorization: the environment variable MISSING_TOKEN is not set; export it before starting the gateway"
        )
        // The environment's values are never part of a report.
        #expect(!errors.description.contains("OTHER"))
    }

    @Test func headerRulesOnHeadersTheGatewayOwnsAreRefused() {
        let text = """
            {"routes": [{"prefix": "/", "upstream": "http://127.0.0.1:9", "policy": {"allowOrigins": ["https://a.example"]},
              "requestHeaders": {"set": {"Host": "other", "X-Forwarded-For": "1.2.3.4", "Bad Name": "x"}, "remove": ["Connection"]}}]}
            """
        let result = ProxyConfigurationFile.read(text, directory: "", environment: [:], readFile: { _ in nil })
        guard case .failure(let errors) = result else {
            Issue.record("accepted")
            return
        }
        let lines = errors.problems.map(\.description)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.contains { $0.contains(#"routes[0].requestHeaders.set.Host: "Host" is managed by the gateway itself"#) }, "\(lines)")
        #expect(lines.contains { $0.contains(#""X-Forwarded-For" is managed by the gateway itself"#) })
        #expect(lines.contains { $0.contains(#""Bad Name" is not a header name"#) })
        #expect(lines.contains { $0.contains(#"routes[0].requestHeaders.remove: "Connection" is managed by the gateway itself"#) })
    }

    @Test func aFileThatIsNotJSONIsOneProblemAtItsPosition() {
        let result = ProxyConfigurationFile.read("{\n  \"routes\": [,]\n}", directory: "", environment: [:], readFile: { _ in nil })
        guard case .failure(let errors) = result, case .notJSON(let error)? = errors.problems.first else {
            Issue.record("not refused as not JSON: \(result)")
            return
        }
        #expect(errors.problems.count == 1)
        #expect(error.line == 2)
    }

    @Test func theSingleUpstreamFormReportsABadUpstreamAndABadPolicyTogether() {
        let result = ProxyConfigurationFile.single(
            upstream: "ftp://example.com/path",
            policyText: #"{"allowOrigin": ["https://a.example"]}"#,
            policyPath: "policy.json",
            listen: ListenAddress(host: "127.0.0.1", port: 0)
        )
        guard case .failure(let errors) = result else {
            Issue.record("accepted")
            return
        }
        #expect(errors.problems.count == 2)
        #expect(errors.problems.first == .unusableUpstream(key: "--upstream", line: 1, column: 1, value: "ftp://example.com/path", .notHTTP))
        #expect(errors.description.contains(#"unknown key "allowOrigin"; did you mean "allowOrigins"?"#), "\(errors)")
    }

    @Test func upstreamURLsAreParsedStrictly() {
        #expect(UpstreamURL.parse("http://127.0.0.1:8080/") == .success(UpstreamURL(scheme: .http, host: "127.0.0.1", port: 8080)))
        #expect(UpstreamURL.parse("https://API.example") == .success(UpstreamURL(scheme: .https, host: "api.example", port: 443)))
        #expect(UpstreamURL.parse("http://[::1]:3000").map(\.hostHeader) == .success("[::1]:3000"))
        #expect(UpstreamURL.parse("http://example.com/v1") == .failure(.hasPath))
        #expect(UpstreamURL.parse("http://user:pw@example.com") == .failure(.hasUserInfo))
        #expect(UpstreamURL.parse("http://example.com:0") == .failure(.invalidPort))
        #expect(UpstreamURL.parse("example.com") == .failure(.notHTTP))
        #expect(UpstreamURL.parse("http://") == .failure(.missingHost))
    }
}
