import CORS
import Testing

@Suite struct PolicyFileTests {
    @Test func readsEveryKey() throws {
        let text = """
            {
              "allowOrigins": ["https://a.com", "https://*.b.com"],
              "allowMethods": ["PUT"],
              "allowHeaders": "*",
              "exposeHeaders": ["X-Id"],
              "allowCredentials": false,
              "maxAge": 600,
              "preflightStatus": 200,
              "preflightPassthrough": true,
              "dangerouslyAllowNullOrigin": true,
              "dangerouslyAllowInsecureOriginsWithCredentials": true,
              "dangerouslyAllowSubdomainsOfPublicSuffixes": true
            }
            """
        let (policy, problems) = try CORSPolicyFile.read(text)
        #expect(problems.isEmpty)
        #expect(
            policy
                == CORSPolicy(
                    allowOrigins: ["https://a.com", "https://*.b.com"],
                    allowMethods: ["PUT"],
                    allowHeaders: ["*"],
                    exposeHeaders: ["X-Id"],
                    maxAge: 600,
                    preflightStatus: 200,
                    preflightPassthrough: true,
                    dangerouslyAllowNullOrigin: true,
                    dangerouslyAllowInsecureOriginsWithCredentials: true,
                    dangerouslyAllowSubdomainsOfPublicSuffixes: true
                )
        )
    }

    @Test func writesWhatItReads() throws {
        let policies = [
            CORSPolicy(allowOrigins: ["*"]),
            CORSPolicy(
                allowOrigins: ["https://a.com", "http://localhost:*"],
                allowMethods: ["PUT", "DELETE"],
                allowHeaders: ["*", "Authorization"],
                exposeHeaders: ["X-\"Odd\"\\"],
                allowCredentials: true,
                maxAge: 0,
                preflightStatus: 200,
                preflightPassthrough: true,
                dangerouslyAllowNullOrigin: true
            ),
        ]
        for policy in policies {
            let text = CORSPolicyFile.write(policy)
            let (read, problems) = try CORSPolicyFile.read(text)
            #expect(problems.isEmpty)
            #expect(read == policy, "\(text)")
        }
        #expect(CORSPolicyFile.write(CORSPolicy(allowOrigins: ["*"])) == "{\n  \"allowOrigins\": \"*\"\n}\n")
    }

    @Test func unknownKeysNameTheNearestValidOne() throws {
        let (_, problems) = try CORSPolicyFile.read("{\n  \"allowOrigin\": \"*\",\n  \"maxage\": 5,\n  \"colour\": 1\n}")
        #expect(
            problems == [
                .unknownKey("allowOrigin", line: 2, column: 3, suggestion: "allowOrigins"),
                .unknownKey("maxage", line: 3, column: 3, suggestion: "maxAge"),
                .unknownKey("colour", line: 4, column: 3, suggestion: nil),
            ]
        )
        #expect(problems[0].description == "error: 2:3: unknown key \"allowOrigin\"; did you mean \"allowOrigins\"?")
    }

    /// A key is a typo of a valid one within a third of its length (at least 2 edits): one edit
    /// past that, or a key far longer than any valid key (whose table was once built anyway, its
    /// length times each key's), gets no suggestion.
    @Test(
        arguments: [
            ("maxAgexx", "maxAge"), ("maxAgexxx", "maxAge"), ("maxAgexxxx", nil), ("xmaxAgexxx", nil),
            ("ALLOWORIGINS", "allowOrigins"), ("dangerouslyAllowNullOrigins", "dangerouslyAllowNullOrigin"),
            (String(repeating: "allowOrigins", count: 100), nil),
        ] as [(String, String?)]
    )
    func suggestionsReachAsFarAsATypoAndNoFurther(_ key: String, _ suggestion: String?) throws {
        let (_, problems) = try CORSPolicyFile.read("{\"\(key)\": 1}")
        #expect(problems == [.unknownKey(key, line: 1, column: 2, suggestion: suggestion)])
    }

    @Test func wrongTypesSayWhatWasExpected() throws {
        let (_, problems) = try CORSPolicyFile.read(#"{"allowOrigins": "https://a.com", "maxAge": "600", "allowCredentials": "yes"}"#)
        #expect(problems.count == 3)
        #expect(problems[0].description == "error: 1:2: allowOrigins must be \"*\" or a list of origin strings, found a string")
        #expect(problems[1].description.contains("maxAge must be a whole number of seconds, found a string"))
    }

    @Test func duplicateKeysAndNonObjectsAreProblems() throws {
        #expect(try CORSPolicyFile.read(#"{"maxAge": 1, "maxAge": 2}"#).problems == [.duplicateKey("maxAge", line: 1, column: 15)])
        #expect(try CORSPolicyFile.read("[]").problems == [.notAnObject(found: "a list")])
    }

    @Test(arguments: [
        ("{\n  \"allowOrigins\": [\"https://a.com\",]\n}", 2, 36, "trailing comma before ']'"),
        ("{\n  'allowOrigins': []\n}", 2, 3, "unexpected ''', expected a key in double quotes"),
        ("{\"maxAge\": 600", 1, 15, "unexpected end of file, expected ',' or '}'"),
        ("{\"allowOrigins\": [\"https://a.com]}", 1, 19, "unterminated string"),
        ("{} x", 1, 4, "unexpected 'x' after the end of the JSON value"),
        ("", 1, 1, "unexpected end of file, expected a value"),
    ])
    func malformedFilesSayWhere(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        #expect(throws: JSONSyntaxError(line: line, column: column, message: message)) { try CORSPolicyFile.read(text) }
    }
}
