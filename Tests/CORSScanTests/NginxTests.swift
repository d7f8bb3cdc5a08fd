import CORSScan
import Foundation
import TestHarness
import Testing

/// The scanner against nginx configured as CORS is configured in the wild: each location one of
/// the snippets that circulate, judged by what the scan reports.
@Suite struct NginxTests {
    static let http = """
        map $http_origin $cors_prefix { default ""; "~^https://www.target.test" $http_origin; }
        map $http_origin $cors_contains { default ""; "~*target\\.test" $http_origin; }
        map $http_origin $cors_subdomains { default ""; "~^https://([a-z0-9-]+\\.)*target\\.test$" $http_origin; }
        map $http_origin $cors_exact { default ""; "https://www.target.test" $http_origin; }
        """

    static let server = """
        location /reflect { add_header Access-Control-Allow-Origin $http_origin always; add_header Access-Control-Allow-Credentials true always; return 200 '{"me":1}'; }
        location /prefix { add_header Access-Control-Allow-Origin $cors_prefix always; add_header Access-Control-Allow-Credentials true always; add_header Vary Origin always; return 200 '{"me":1}'; }
        location /contains { add_header Access-Control-Allow-Origin $cors_contains always; add_header Vary Origin always; return 200 '{"me":1}'; }
        location /subdomains { add_header Access-Control-Allow-Origin $cors_subdomains always; add_header Access-Control-Allow-Credentials true always; add_header Vary Origin always; return 200 '{"me":1}'; }
        location /exact { add_header Access-Control-Allow-Origin $cors_exact always; add_header Access-Control-Allow-Credentials true always; add_header Vary Origin always; return 200 '{"me":1}'; }
        location /public { add_header Access-Control-Allow-Origin * always; return 200 '{"me":1}'; }
        """

    /// The classes each location's snippet must give, and the severity of its worst finding.
    static let expectations: [(path: String, classes: Set<MisconfigurationClass>)] = [
        // `$http_origin` echoed, and no Vary: nginx leaves out a header whose value is empty.
        ("/reflect", [.reflectedOrigin, .missingVary]),
        // An unanchored, unescaped regular expression: two holes.
        ("/prefix", [.prefixMatch, .unescapedDot]),
        ("/contains", [.substringMatch]),
        ("/subdomains", [.anySubdomain]),
        ("/exact", []),
        ("/public", [.wildcardOrigin]),
    ]

    @Test func eachSnippetGivesItsClassesAndTheExactOneNone() async throws {
        guard NginxServer.executable != nil || NginxServer.required else {
            print("NginxTests skipped: nginx is not installed (CORS_REQUIRE_NGINX=1 makes this a failure)")
            return
        }
        let nginx = try await NginxServer(http: Self.http, server: Self.server)
        defer { nginx.stop() }
        let options = ScanOptions(requestsPerSecond: 2000, maxRequests: 200, timeout: .seconds(5))
        for (path, classes) in Self.expectations {
            let report = try await CORSScanner(target: ScanTarget(url: nginx.url(path), site: "https://www.target.test"), options: options).scan()
            #expect(Set(report.classes) == classes, "\(path): \(report.text)")
            #expect(report.classes.count == classes.count, "\(path)")
            #expect(report.warnings.isEmpty, "\(path): \(report.warnings)")
        }
    }
}
