import CORS
import CORSProxy
import NIOCore
import Testing

/// What a gateway configuration file's keys beyond `routes` become, and how each is refused:
/// `limits`, `shutdownGracePeriodSeconds`, `open`, policies given by path, and the top-level values.
@Suite struct ConfigurationFileReadingTests {
    static let route = #"{"prefix": "/", "upstream": "http://127.0.0.1:9", "policy": {"allowOrigins": ["https://a.example"]}}"#

    static func read(
        _ text: String,
        directory: String = "",
        files: [String: String] = [:]
    ) -> Result<ProxyConfiguration, ProxyConfigurationErrors> {
        ProxyConfigurationFile.read(text, directory: directory, environment: [:], readFile: { files[$0] })
    }

    /// The problems of a refused configuration, as the lines `cors proxy` prints.
    static func refusal(_ text: String, directory: String = "", files: [String: String] = [:]) -> [String] {
        switch read(text, directory: directory, files: files) {
        case .success: return ["accepted"]
        case .failure(let errors): return errors.problems.map(\.description)
        }
    }

    @Test func everyLimitAndTheGracePeriodAreTakenFromTheFileInTheirUnits() throws {
        let text = """
            {"routes": [\(Self.route)],
             "limits": {"requestHeaderBytes": 4096, "requestBodyBytes": 0, "idleConnectionsPerUpstream": 3,
                        "connectTimeoutSeconds": 0.25, "responseHeadTimeoutSeconds": 2, "idleTimeoutSeconds": 7,
                        "deadlineSeconds": 86400},
             "shutdownGracePeriodSeconds": 1.5}
            """
        let configuration = try Self.read(text).get()
        var expected = ProxyLimits()
        expected.requestHeaderBytes = 4096
        expected.requestBodyBytes = 0
        expected.idleConnectionsPerUpstream = 3
        expected.connectTimeout = .milliseconds(250)
        expected.responseHeadTimeout = .seconds(2)
        expected.idleTimeout = .seconds(7)
        expected.deadline = .seconds(86_400)
        #expect(configuration.limits == expected)
        #expect(configuration.shutdownGracePeriod == .milliseconds(1500))
    }

    @Test func limitsNotGivenKeepTheirDefaultsAndAnEmptyLimitsObjectChangesNothing() throws {
        let some = try Self.read(#"{"routes": [\#(Self.route)], "limits": {"deadlineSeconds": 30}}"#).get()
        var expected = ProxyLimits()
        expected.deadline = .seconds(30)
        #expect(some.limits == expected)
        let none = try Self.read(#"{"routes": [\#(Self.route)], "limits": {}}"#).get()
        #expect(none.limits == ProxyLimits())
        #expect(none.shutdownGracePeriod == .seconds(10))
    }

    @Test func limitsOutsideTheirBoundsAreRefusedEachWithItsRange() {
        let text = """
            {"routes": [\(Self.route)],
             "limits": {"requestHeaderBytes": 1023, "requestBodyBytes": 1.5, "idleConnectionsPerUpstream": -1,
                        "connectTimeoutSeconds": 0, "responseHeadTimeoutSeconds": 86401, "idleTimeoutSeconds": "60",
                        "deadlineSeconds": 10, "retries": 3},
             "shutdownGracePeriodSeconds": -1}
            """
        #expect(
            Self.refusal(text) == [
                #"error: 4:36: limits.retries: unknown key; valid keys here are \#(ProxyConfigurationFile.limitKeys.joined(separator: ", "))"#,
                "error: 2:13: limits.requestHeaderBytes: must be a whole number from 1024 to 81920",
                "error: 2:41: limits.requestBodyBytes: must be a whole number from 0 to 1125899906842624",
                "error: 2:66: limits.idleConnectionsPerUpstream: must be a whole number from 0 to 100000",
                "error: 3:13: limits.connectTimeoutSeconds: must be more than 0 and at most 86400 seconds",
                "error: 3:41: limits.responseHeadTimeoutSeconds: must be more than 0 and at most 86400 seconds",
                "error: 3:78: limits.idleTimeoutSeconds: must be a number, found a string",
                "error: 5:2: shutdownGracePeriodSeconds: must be more than 0 and at most 86400 seconds",
            ]
        )
    }

    @Test func openModeIsReadFromTheFileWithTheDefaultPolicyWhenNoneIsGiven() throws {
        let text = """
            {"open": {"allowTargets": ["https://api.vendor.example/", "https://*.cdn.example", "HTTP://localhost:*"],
                      "allowPrivateTargets": true}}
            """
        let configuration = try Self.read(text).get()
        #expect(configuration.routes.isEmpty)
        let open = try #require(configuration.openMode)
        #expect(open.allowTargets.map(\.description) == ["https://api.vendor.example", "https://*.cdn.example", "http://localhost:*"])
        #expect(open.allowPrivateTargets)
        #expect(open.responder.policy.allowOrigins == ["*"])
        #expect(open.responder.policy.allowMethods == OpenMode.defaultPolicy.allowMethods)
        #expect(!open.responder.policy.allowCredentials)
        // Private targets stay refused unless the file says otherwise.
        let closed = try Self.read(#"{"open": {"allowTargets": ["https://api.vendor.example"]}}"#).get()
        #expect(closed.openMode?.allowPrivateTargets == false)
    }

    @Test func openModeRefusesTargetsThatAreNotPatternsAnEmptyListAndCredentials() {
        let text = """
            {"open": {"allowTargets": ["ftp://files.example", "https://a.example/path"],
                      "policy": {"allowOrigins": ["https://app.example"], "allowCredentials": true}}}
            """
        let lines = Self.refusal(text)
        #expect(lines.count == 3, "\(lines)")
        #expect(
            lines.first
                == #"error: 1:11: open.allowTargets: "ftp://files.example" is not a target pattern: a target is http:// or https://; write scheme://host, *.host or :* ports ("https://api.vendor.example")"#
        )
        #expect(
            lines.dropFirst().first?.hasPrefix(#"error: 1:11: open.allowTargets: "https://a.example/path" is not a target pattern: "#) == true,
            "\(lines)"
        )
        #expect(
            lines.last
                == "error: 2:11: open.policy: allowCredentials is refused in open mode: cookies are stripped there and any allowed target could read what the browser sends; use a route instead"
        )

        #expect(
            Self.refusal(#"{"open": {"allowTargets": []}}"#) == [
                #"error: 1:11: open.allowTargets: "" is not a target pattern: the list is empty, so no target could ever be reached; write scheme://host, *.host or :* ports ("https://api.vendor.example")"#
            ]
        )
        #expect(
            Self.refusal(#"{"open": {"allowPrivateTargets": "yes"}}"#) == [
                "error: 1:2: open.allowTargets: is required",
                "error: 1:11: open.allowPrivateTargets: must be true or false, found a string",
            ]
        )
        // Not an object: no open mode, and so no route at all.
        #expect(
            Self.refusal(#"{"open": ["https://a.example"]}"#) == [
                "error: 1:2: open: must be an object, found a list",
                #"error: 1:1: routes: the configuration has no route; add {"prefix": "/", "upstream": "http://127.0.0.1:3000", "policy": ...}"#,
            ]
        )
    }

    @Test func aPolicyGivenByPathIsReadFromTheConfigurationsFolderUnlessAbsolute() throws {
        let policy = #"{"allowOrigins": ["https://a.example"], "allowMethods": ["PUT"]}"#
        let text = """
            {"routes": [{"prefix": "/rel", "upstream": "http://127.0.0.1:9", "policy": "policies/a.json"},
                        {"prefix": "/abs", "upstream": "http://127.0.0.1:9", "policy": "/etc/cors/a.json"}]}
            """
        let configuration = try Self.read(
            text,
            directory: "/srv/gateway",
            files: ["/srv/gateway/policies/a.json": policy, "/etc/cors/a.json": policy]
        ).get()
        #expect(configuration.routes.map(\.prefix) == ["/rel", "/abs"])
        #expect(configuration.routes.allSatisfy { $0.responder.policy.allowMethods == ["PUT"] })

        #expect(
            Self.refusal(text, directory: "/srv/gateway", files: ["/etc/cors/a.json": policy]) == [
                "error: 1:66: routes[0].policy: the policy file /srv/gateway/policies/a.json cannot be read; give a readable path (relative paths start at the configuration file's folder)"
            ]
        )
        // A policy file that is not JSON: its own position, inside the configuration's problem.
        #expect(
            Self.refusal(
                text,
                directory: "/srv/gateway",
                files: [
                    "/srv/gateway/policies/a.json": "{\n  \"allowOrigins\": [\"https://a.example\",]\n}", "/etc/cors/a.json": policy,
                ]
            ).first?.hasPrefix("error: 1:66: routes[0].policy: the policy is invalid:\n    error: 2:") == true
        )
        #expect(
            Self.refusal(#"{"routes": [{"prefix": "/", "upstream": "http://127.0.0.1:9", "policy": ["https://a.example"]}]}"#) == [
                "error: 1:63: routes[0].policy: must be a policy object or the path of a policy file, found a list"
            ]
        )
    }

    @Test func topLevelValuesAreTakenFromTheFile() throws {
        let text = """
            {"listen": "[::1]:8443", "admin": "9100", "routes": [\(Self.route)],
             "trustedProxies": ["10.0.0.0/8", "::1"], "forwardedHeaders": "forwarded", "accessLog": "logs/access.jsonl"}
            """
        let configuration = try Self.read(text, directory: "/srv/gateway").get()
        #expect(configuration.listen == ListenAddress(host: "::1", port: 8443))
        #expect(configuration.admin == ListenAddress(host: "127.0.0.1", port: 9100))
        #expect(configuration.trustedProxies.map(\.description) == ["10.0.0.0/8", "::1"])
        #expect(configuration.forwardedStyle == .forwarded)
        #expect(configuration.accessLog == .file("/srv/gateway/logs/access.jsonl"))
        let defaults = try Self.read(#"{"routes": [\#(Self.route)], "accessLog": "off"}"#).get()
        #expect(defaults.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(defaults.admin == nil)
        #expect(defaults.forwardedStyle == .xForwarded)
        #expect(defaults.accessLog == .off)
    }

    @Test func topLevelValuesOfTheWrongShapeAreEachNamedWithWhatIsExpected() {
        let text = """
            {"listen": "localhost", "admin": 9100, "listen": "127.0.0.1:1",
             "trustedProxies": ["10.0.0.0/33", 7], "forwardedHeaders": "both", "accessLog": "",
             "routes": {"prefix": "/"}}
            """
        #expect(
            Self.refusal(text) == [
                "error: 1:40: listen: appears twice; keep one",
                #"error: 1:2: listen: "localhost" is not host:port (for example "127.0.0.1:8080" or "[::1]:8080")"#,
                "error: 1:25: admin: must be a string, found a number",
                "error: 3:2: routes: must be a list of routes, found an object",
                "error: 2:2: trustedProxies: must be a list of strings, found a list holding a number",
                #"error: 2:40: forwardedHeaders: "both" is not one of "x-forwarded", "forwarded""#,
                #"error: 2:68: accessLog: "" is not one of "stdout", "off", "a file path""#,
            ]
        )
        #expect(
            Self.refusal(#"{"routes": [\#(Self.route)], "trustedProxies": ["10.0.0.0/33"]}"#).last
                == #"error: 1:116: trustedProxies: "10.0.0.0/33" is not an IP address or network (for example "10.0.0.0/8" or "::1")"#
        )
        guard case .failure(let notAnObject) = Self.read("[]") else {
            Issue.record("a list was read as a configuration")
            return
        }
        #expect(notAnObject.problems == [.notAnObject(key: "", line: 1, column: 1, found: "a list")])
        #expect(
            Self.refusal("{}") == [
                #"error: 1:1: routes: the configuration has no route; add {"prefix": "/", "upstream": "http://127.0.0.1:3000", "policy": ...}"#
            ]
        )
    }

    @Test func routesAreRefusedForABadPrefixAPrefixTwiceAndAnUnknownUpstreamCORSChoice() {
        let policy = #""policy": {"allowOrigins": ["https://a.example"]}"#
        let text = """
            {"routes": [
              {"prefix": "api", "upstream": "http://127.0.0.1:9", \(policy)},
              {"prefix": "/b", "upstream": "http://127.0.0.1:9", \(policy)},
              {"prefix": "/b/", "upstream": "http://127.0.0.1:9", \(policy), "upstreamCORS": "merge"},
              {"prefix": "/c", "upstream": "http://127.0.0.1:9/v1", \(policy)},
              "/d"
            ]}
            """
        #expect(
            Self.refusal(text) == [
                #"error: 2:4: routes[0].prefix: "api" is not a path; a prefix starts with / ("/" covers every path)"#,
                #"error: 4:106: routes[2].upstreamCORS: "merge" is not one of "replace", "keep""#,
                // "/b/" is "/b": the trailing slash is dropped before prefixes are compared.
                #"error: 4:4: routes[2].prefix: "/b" is already another route's prefix; merge the two routes"#,
                #"error: 5:20: routes[3].upstream: "http://127.0.0.1:9/v1" is not usable: \#(UpstreamURL.ParseError.hasPath)"#,
                "error: 1:2: routes[4]: must be an object, found a string",
            ]
        )
    }
}
