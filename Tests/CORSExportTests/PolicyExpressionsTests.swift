import CORS
import Foundation
import Testing

@testable import CORSExport

/// The regular expressions every format is written from, held against swift-cors' own definitions
/// (`Origin`, `OriginPattern.matches`) on generated origins: a mismatch here would be one in every server.
@Suite struct PolicyExpressionsTests {
    static func matches(_ pattern: String, _ text: String, caseInsensitive: Bool = false) -> Bool {
        let regex = try! NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test func portRangesMatchExactlyTheSerializedPortsButTheDefault() {
        for excluded in [80, 443, 21, nil] as [Int?] {
            let pattern = "^\(PortRange.regex(excluding: excluded))$"
            let regex = try! NSRegularExpression(pattern: pattern)
            let wrong = (0...70000).filter { port in
                let text = String(port)
                let matched = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                return matched != (port <= 65535 && port != excluded)
            }
            #expect(wrong.isEmpty, "ports judged wrongly by \(pattern): \(wrong.prefix(20))")
            for text in ["080", "00", "01", "", "65536", "099999", "+1"] {
                #expect(!Self.matches(pattern, text), "\(text)")
            }
        }
    }

    /// Origins near every pattern: neighbours, suffixes, ports, schemes, case, junk.
    static let candidates: [String] = {
        var list = [
            "null", "https://example.com", "https://a.example.com", "https://a.b.example.com", "https://a_b.example.com",
            "https://example.com.evil.net", "https://evilexample.com", "https://a.example.com:8443", "https://a.example.com:443",
            "http://a.example.com", "https://A.example.com", "https://a.example.com/", "https://a..example.com",
            "http://localhost", "http://localhost:80", "http://localhost:3000", "http://localhost:65535", "http://localhost:65536",
            "http://localhost:03000", "https://localhost:3000", "http://localhost.evil.net:3000", "http://127.0.0.1:8080",
            "https://app.example.com", "https://app.example.com:443", "https://appxexample.com", "https://app.example.co",
            "https://[::1]:8080", "ws://socket.example.com", "https://-a.example.com", " https://app.example.com", "https://app.example.com ",
            "https://app.example.com, https://evil.net", "file://", "https://", "https://app.example.com:0", "http://x.localhost:1",
        ]
        for port in [1, 79, 81, 442, 444, 8080, 65534] {
            list.append("http://localhost:\(port)")
            list.append("https://x.example.com:\(port)")
        }
        return list
    }()

    @Test(arguments: [
        ["https://app.example.com", "https://admin.example.com"], ["https://*.example.com"], ["http://localhost:*"],
        ["https://*.example.com:*"], ["https://*.example.com:8443"], ["https://app.example.com", "https://*.example.com", "http://localhost:*"],
    ])
    func theOriginExpressionAllowsWhatThePatternsMatch(_ origins: [String]) throws {
        let rules = try PolicyExpressions(route: ExportRoute(prefix: "/", policy: CORSPolicy(allowOrigins: origins)), format: .nginx)
        let patterns = try origins.map { try OriginPattern(parsing: $0) }
        for origin in Self.candidates {
            let expected = patterns.contains { $0.matches(origin) }
            #expect(Self.matches(rules.originAllowed, origin) == expected, "\(origin) under \(origins): \(rules.originAllowed)")
        }
    }

    @Test func theWildcardAllowsEveryWellFormedOriginAndNull() throws {
        let rules = try PolicyExpressions(route: ExportRoute(prefix: "/", policy: CORSPolicy(allowOrigins: ["*"])), format: .nginx)
        for origin in Self.candidates {
            let expected = origin == "null" || Origin(origin) != nil
            let got = Self.matches(rules.originAllowed, origin) && !Self.matches(rules.originRefused!, origin)
            #expect(got == expected, "\(origin)")
        }
    }

    @Test func methodsAreCaseSensitiveAndHeadersCaseInsensitiveAsTheResponderSays() throws {
        let rules = try PolicyExpressions(
            route: ExportRoute(
                prefix: "/",
                policy: CORSPolicy(allowOrigins: ["https://a.example"], allowMethods: ["PUT"], allowHeaders: ["Content-Type", "X-Api-Key"])
            ),
            format: .nginx
        )
        for (method, allowed) in [("PUT", true), ("put", false), ("GET", true), ("POST", true), ("DELETE", false), ("PUT ", false), ("", false)] {
            #expect(Self.matches(rules.methodAllowed, method) == allowed, "\(method)")
        }
        for (value, allowed) in [
            ("", true), ("content-type", true), ("Content-Type,x-api-key", true), (" content-type , x-api-key ", true),
            ("content-type,,x-api-key", true),
            ("content-type,authorization", false), ("x-api-key2", false), ("content-type x-api-key", false),
        ] {
            #expect(Self.matches(rules.headersAllowed, value, caseInsensitive: true) == allowed, "\(value)")
        }
        let star = try PolicyExpressions(
            route: ExportRoute(prefix: "/", policy: CORSPolicy(allowOrigins: ["https://a.example"], allowHeaders: ["*"])),
            format: .nginx
        )
        for (value, allowed) in [
            ("x-anything,content-type", true), ("authorization", false), ("x-a, Authorization", false), ("x-authorization", true),
        ] {
            let got =
                Self.matches(star.headersAllowed, value, caseInsensitive: true) && !Self.matches(star.headersRefused!, value, caseInsensitive: true)
            #expect(got == allowed, "\(value)")
        }
    }

    @Test func whatNoFormatCanExpressIsRefusedWithTheWayOut() throws {
        #expect(throws: ExportError.self) {
            _ = try PolicyExpressions(
                route: ExportRoute(prefix: "/", policy: CORSPolicy(allowOrigins: ["https://a.example"], preflightPassthrough: true)),
                format: .nginx
            )
        }
        do {
            _ = try PolicyExpressions(
                route: ExportRoute(prefix: "/api", policy: CORSPolicy(allowOrigins: ["*"], allowCredentials: true)),
                format: .haproxy
            )
            Issue.record("an invalid policy was exported")
        } catch {
            #expect("\(error)".contains("route /api:") && "\(error)".contains("allowCredentials"), "\(error)")
        }
    }
}
