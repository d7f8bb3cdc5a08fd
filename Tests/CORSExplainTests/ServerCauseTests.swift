import CORSBrowser
import CORSFetch
import Foundation
import TestHarness
import Testing

@testable import CORSExplain

/// Each cause `cors check --probe-errors` names, found on a real nginx or Apache configured with
/// the snippets people copy, misconfigured one way at a time.
@Suite(.ownThread) struct ServerCauseTests {
    static let json = [(name: "Content-Type", value: "application/json")]

    @Test(.enabled(if: RealServer.nginxRuns))
    func nginxAddHeaderInsideIfLosesTheInheritedHeadersOnThePreflight() async throws {
        // The seeds' nginx snippet: the `add_header` inside `if` replaces the location's.
        let nginx = try await NginxServer(
            server: """
                location /api/ {
                    add_header 'Access-Control-Allow-Origin' '\(pageOrigin)' always;
                    add_header 'Access-Control-Allow-Methods' 'GET, POST, PUT, DELETE, OPTIONS' always;
                    add_header 'Access-Control-Allow-Headers' 'Authorization, Content-Type' always;
                    add_header 'Access-Control-Allow-Credentials' 'true' always;
                    if ($request_method = 'OPTIONS') {
                        add_header 'Access-Control-Max-Age' 86400;
                        return 204;
                    }
                    return 200 '{"ok":true}';
                }
                """
        )
        defer { nginx.stop() }
        let (outcome, causes) = try await check(nginx.url("/api/items"), method: "PUT", headers: Self.json, body: "{}")
        #expect(outcome.blockReason == .missingAllowOriginHeader(preflight: true))
        #expect(
            causes.contains(
                .preflightMissesSomeHeaders(
                    present: ["access-control-max-age"],
                    missing: ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"],
                    server: .nginx
                )
            )
        )
    }

    @Test(.enabled(if: RealServer.nginxRuns))
    func nginxAddHeaderWithoutAlwaysLeavesErrorsBare() async throws {
        let nginx = try await NginxServer(
            server: """
                add_header Access-Control-Allow-Origin '\(pageOrigin)';
                add_header Vary Origin;
                location = /api/items { return 200 '{"ok":true}'; }
                location / { return 404; }
                """
        )
        defer { nginx.stop() }
        let (outcome, causes) = try await check(nginx.url("/api/items"))
        #expect(outcome.allowed)
        #expect(causes == [.headersOnlyOnSuccess(status: 404, server: .nginx)])
        #expect(causes[0].fix.contains("always"))
    }

    @Test(.enabled(if: RealServer.nginxRuns))
    func nginxPrintingItsAllowListInOneValueIsNamed() async throws {
        let nginx = try await NginxServer(
            server: """
                location / {
                    add_header Access-Control-Allow-Origin "\(pageOrigin), http://localhost:8080" always;
                    return 200 '{}';
                }
                """
        )
        defer { nginx.stop() }
        let (outcome, causes) = try await check(nginx.url("/api/items"))
        #expect(outcome.blockReason?.kind == "MultipleAllowOriginValues")
        #expect(causes.contains(.allowOriginIsAList("\(pageOrigin), http://localhost:8080")))
    }

    @Test(.enabled(if: RealServer.nginxRuns))
    func anAllowOriginWithATrailingSlashIsANearMiss() async throws {
        let nginx = try await NginxServer(
            server: """
                location / {
                    add_header Access-Control-Allow-Origin "\(pageOrigin)/" always;
                    return 200 '{}';
                }
                """
        )
        defer { nginx.stop() }
        let (outcome, causes) = try await check(nginx.url("/api/items"))
        #expect(!outcome.allowed)
        #expect(causes.contains(.allowOriginNearMiss(value: "\(pageOrigin)/", origin: pageOrigin, .trailingSlash)))
    }

    @Test(.enabled(if: RealServer.nginxRuns))
    func nginxReflectingTheOriginWithoutVaryIsNamed() async throws {
        let nginx = try await NginxServer(
            http: """
                map $http_origin $cors_origin {
                    default "";
                    "\(pageOrigin)" $http_origin;
                }
                """,
            server: """
                location / {
                    add_header Access-Control-Allow-Origin $cors_origin always;
                    return 200 '{}';
                }
                """
        )
        defer { nginx.stop() }
        let (outcome, causes) = try await check(nginx.url("/api/items"))
        #expect(outcome.allowed)
        #expect(causes == [.missingVaryOrigin])
    }

    @Test(.enabled(if: RealServer.nginxRuns))
    func aProxyAddingTheHeaderAnApplicationAlreadySendsIsNamed() async throws {
        // The application (a second server block standing for it) sends its own header; the proxy adds one more.
        let nginx = try await NginxServer(
            server: """
                location /app/ {
                    add_header Access-Control-Allow-Origin '\(pageOrigin)' always;
                    add_header Vary Origin always;
                    return 200 '{}';
                }
                location /api/ {
                    proxy_pass http://127.0.0.1:PORT/app/;
                    add_header Access-Control-Allow-Origin '*' always;
                }
                """
        )
        defer { nginx.stop() }
        let (outcome, causes) = try await check(nginx.url("/api/items"))
        #expect(outcome.blockReason?.kind == "MultipleAllowOriginValues")
        #expect(causes.contains(.allowOriginAddedTwice(values: [pageOrigin, "*"], server: .nginx)))
    }

    @Test(.enabled(if: RealServer.apacheRuns))
    func apacheHeaderSetWithoutAlwaysLeavesErrorsBare() async throws {
        let apache = try await blocking {
            try RealServer.apache(
                directives: """
                    Header set Access-Control-Allow-Origin "\(pageOrigin)"
                    Header set Vary Origin
                    """,
                files: ["api/items.json": "{}"]
            )
        }
        defer { apache.stop() }
        let (outcome, causes) = try await check(apache.url("/api/items.json"))
        #expect(outcome.allowed)
        #expect(causes.contains(.headersOnlyOnSuccess(status: 404, server: .apache)))
        #expect(causes.first { $0.name == "headers-only-on-success" }?.fix.contains("Header always set") == true)
    }

    @Test(.enabled(if: RealServer.apacheRuns))
    func apacheSettingTheHeaderInBothTablesSendsItTwice() async throws {
        let apache = try await blocking {
            try RealServer.apache(
                directives: """
                    Header always set Access-Control-Allow-Origin "\(pageOrigin)"
                    Header set Access-Control-Allow-Origin "\(pageOrigin)"
                    """,
                files: ["api/items.json": "{}"]
            )
        }
        defer { apache.stop() }
        let (outcome, causes) = try await check(apache.url("/api/items.json"))
        #expect(outcome.blockReason?.kind == "MultipleAllowOriginValues")
        #expect(causes.contains(.apacheSetsTheHeaderInBothTables))
    }

    @Test(.enabled(if: RealServer.nginxRuns))
    func aCorrectNginxConfigurationShowsNoCause() async throws {
        // The seeds' snippet mended: every header with `always`, repeated in the OPTIONS block, and Vary.
        let nginx = try await NginxServer(
            server: """
                location /api/ {
                    add_header 'Access-Control-Allow-Origin' '\(pageOrigin)' always;
                    add_header 'Vary' 'Origin' always;
                    if ($request_method = 'OPTIONS') {
                        add_header 'Access-Control-Allow-Origin' '\(pageOrigin)' always;
                        add_header 'Access-Control-Allow-Methods' 'GET, POST, PUT, DELETE' always;
                        add_header 'Access-Control-Allow-Headers' 'Authorization, Content-Type' always;
                        add_header 'Vary' 'Origin' always;
                        return 204;
                    }
                    return 200 '{"ok":true}';
                }
                location / { return 404; }
                """
        )
        defer { nginx.stop() }
        let (outcome, causes) = try await check(nginx.url("/api/items"), method: "PUT", headers: Self.json, body: "{}")
        #expect(outcome.allowed)
        #expect(causes.isEmpty)
    }
}

/// The evidence rules alone, on answers written by hand.
@Suite struct CauseFinderTests {
    @Test func nearMissesAreToldApart() {
        let origin = "http://localhost:5173"
        #expect(
            CauseFinder.causes(origin: origin, answers: [answer(acao: ["HTTP://LOCALHOST:5173"])]) == [
                .allowOriginNearMiss(value: "HTTP://LOCALHOST:5173", origin: origin, .letterCase)
            ]
        )
        #expect(
            CauseFinder.causes(origin: origin, answers: [answer(acao: ["http://localhost:3000"])]) == [
                .allowOriginNearMiss(value: "http://localhost:3000", origin: origin, .port)
            ]
        )
        #expect(
            CauseFinder.causes(origin: origin, answers: [answer(acao: ["https://localhost:5173"])]) == [
                .allowOriginNearMiss(value: "https://localhost:5173", origin: origin, .scheme)
            ]
        )
        #expect(CauseFinder.causes(origin: origin, answers: [answer(acao: ["http://evil.example"])]).isEmpty)
    }

    @Test func preflightRedirectsAreToldApart() {
        func kind(_ url: String, _ location: String) -> ServerCause? {
            CauseFinder.causes(
                origin: "http://a.example",
                answers: [
                    ObservedAnswer(
                        purpose: .preflight,
                        method: "OPTIONS",
                        url: url,
                        origin: "http://a.example",
                        status: 301,
                        headers: [("Location", location)]
                    )
                ]
            ).first
        }
        #expect(kind("http://api.example/x", "https://api.example/x") == .preflightRedirected(.httpToHTTPS, location: "https://api.example/x"))
        #expect(kind("https://api.example/x", "/login?next=/x") == .preflightRedirected(.login, location: "/login?next=/x"))
        #expect(kind("https://api.example/x/", "https://api.example/x") == .preflightRedirected(.trailingSlash, location: "https://api.example/x"))
        #expect(kind("https://api.example/x", "https://cdn.example/x") == .preflightRedirected(.other, location: "https://cdn.example/x"))
    }

    @Test func vaporsErrorBodyNamesItInEitherKeyOrder() {
        for body in [#"{"error":true,"reason":"Not Found"}"#, #"{"reason":"Not Found","error":true}"#] {
            let answer = ObservedAnswer(
                purpose: .missingPath,
                method: "GET",
                url: "http://a.example/x",
                origin: nil,
                status: 404,
                headers: [],
                body: body
            )
            #expect(CauseFinder.serverFromShape(answer) == .vapor, "\(body)")
        }
        let other = ObservedAnswer(
            purpose: .missingPath,
            method: "GET",
            url: "http://a.example/x",
            origin: nil,
            status: 404,
            headers: [],
            body: #"{"error":"not found"}"#
        )
        #expect(CauseFinder.serverFromShape(other) == nil)
    }

    private func answer(acao: [String]) -> ObservedAnswer {
        ObservedAnswer(
            purpose: .actual,
            method: "GET",
            url: "http://api.example/x",
            origin: "http://localhost:5173",
            status: 200,
            headers: acao.map { ("Access-Control-Allow-Origin", $0) }
        )
    }
}
