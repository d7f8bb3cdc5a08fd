import CORS
import CORSBrowser
import CORSExport
import CORSProxy
import Foundation
import HTTPTypes
import Logging
import NIOCore
import TestHarness
import Testing

/// Each format's exported configuration, run in the real server in front of a real upstream,
/// against swift-cors' own answer (`cors proxy` under the same policy, in front of the same
/// upstream): for every request of the matrix the status, whether it was forwarded, every
/// Access-Control-* header, the Vary names and the browser engine's verdict must be the same.
@Suite(.serialized, .ownThread) struct ExportAgreementTests {
    static let policies: [(name: String, routes: String)] = [
        (
            "exact list with credentials",
            """
            {"allowOrigins": ["https://app.example.com", "https://admin.example.com"], "allowMethods": ["PUT", "DELETE"],
             "allowHeaders": ["Content-Type", "X-Api-Key"], "exposeHeaders": ["X-Request-Id"], "allowCredentials": true, "maxAge": 600}
            """
        ),
        (
            "patterns",
            """
            {"allowOrigins": ["https://*.example.com", "http://localhost:*"], "allowMethods": ["PUT"], "allowHeaders": ["X-Api-Key"],
             "preflightStatus": 200}
            """
        ),
        (
            "any origin",
            """
            {"allowOrigins": "*", "allowMethods": ["PUT", "DELETE"], "allowHeaders": "*", "exposeHeaders": ["X-Request-Id"], "maxAge": 7200}
            """
        ),
        (
            "per route",
            """
            {"routes": [
              {"prefix": "/public", "policy": {"allowOrigins": "*"}},
              {"prefix": "/api", "policy": {"allowOrigins": ["https://app.example.com"], "allowMethods": ["PATCH"], "allowHeaders": ["Authorization"], "allowCredentials": true}},
              {"prefix": "/api/admin", "policy": {"allowOrigins": ["https://admin.example.com"], "allowCredentials": true, "maxAge": 60}}
            ]}
            """
        ),
    ]

    static let origins = [
        "https://app.example.com", "https://admin.example.com", "https://example.com", "https://a.b.example.com",
        "https://app.example.com.evil.net", "https://evilexample.com", "https://app.example.com:8443", "http://app.example.com",
        "null", "http://localhost:3000", "http://localhost", "https://APP.example.com", "https://evil.net", "not an origin",
    ]

    /// One request of the matrix.
    struct Probe: CustomStringConvertible {
        var method: String
        var path: String
        var headers: [(String, String)]
        var description: String { "\(method) \(path) " + headers.map { "\($0.0): \($0.1)" }.joined(separator: "; ") }
        var origin: String? { headers.first { $0.0 == "Origin" }?.1 }
        var originCount: Int { headers.filter { $0.0 == "Origin" }.count }
        var isPreflight: Bool { method == "OPTIONS" && headers.contains { $0.0 == "Access-Control-Request-Method" } }
    }

    static func probes(paths: [String]) -> [Probe] {
        var probes: [Probe] = []
        for base in paths {
            for path in ["/ok", "/missing", "/error", "/cors"] {
                probes.append(Probe(method: "GET", path: base + path, headers: []))
                for origin in origins { probes.append(Probe(method: "GET", path: base + path, headers: [("Origin", origin)])) }
            }
            let path = base + "/ok"
            probes.append(Probe(method: "POST", path: path, headers: [("Origin", "https://app.example.com")]))
            probes.append(Probe(method: "OPTIONS", path: path, headers: [("Origin", "https://app.example.com")]))
            probes.append(Probe(method: "OPTIONS", path: path, headers: []))
            probes.append(Probe(method: "OPTIONS", path: base + "/cors", headers: [("Origin", "https://admin.example.com")]))
            probes.append(Probe(method: "GET", path: path, headers: [("Origin", "https://app.example.com"), ("Origin", "https://evil.net")]))
            probes.append(Probe(method: "GET", path: path, headers: [("Origin", "https://evil.net"), ("Origin", "https://app.example.com")]))
            let requests: [[(String, String)]] = [
                [("Access-Control-Request-Method", "PUT")],
                [("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "content-type")],
                [("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "Content-Type, X-Api-Key")],
                [("Access-Control-Request-Method", "DELETE"), ("Access-Control-Request-Headers", "x-api-key,,content-type")],
                [("Access-Control-Request-Method", "PATCH"), ("Access-Control-Request-Headers", "authorization")],
                [("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "x-anything")],
                [("Access-Control-Request-Method", "put")],
                [("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization,x-api-key")],
                [("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "")],
            ]
            for origin in [
                "https://app.example.com", "https://admin.example.com", "https://a.b.example.com", "http://localhost:8080", "https://evil.net",
                "null",
            ] {
                for request in requests { probes.append(Probe(method: "OPTIONS", path: path, headers: [("Origin", origin)] + request)) }
            }
            probes.append(
                Probe(
                    method: "OPTIONS",
                    path: path,
                    headers: [("Origin", "https://app.example.com"), ("Origin", "https://evil.net"), ("Access-Control-Request-Method", "PUT")]
                )
            )
        }
        return probes
    }

    /// What a response says that the comparison looks at.
    struct Answer: Equatable, CustomStringConvertible {
        var status: Int
        var forwarded: Bool
        var allowOrigin: [String]
        var lists: [String: Set<String>]
        var single: [String: [String]]
        var vary: Set<String>
        var emptyBody: Bool
        var verdict: String

        init(_ response: RawHTTPResponse, probe: Probe) {
            status = response.status
            forwarded = !response.values("X-Upstream-Method").isEmpty
            allowOrigin = response.values("Access-Control-Allow-Origin")
            func items(_ name: String, lower: Bool) -> Set<String> {
                Set(
                    response.values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }.map { lower ? $0.lowercased() : $0 }
                )
            }
            lists = [
                "Access-Control-Allow-Methods": items("Access-Control-Allow-Methods", lower: false),
                "Access-Control-Allow-Headers": items("Access-Control-Allow-Headers", lower: true),
                "Access-Control-Expose-Headers": items("Access-Control-Expose-Headers", lower: true),
            ]
            single = [
                "Access-Control-Allow-Credentials": response.values("Access-Control-Allow-Credentials"),
                "Access-Control-Max-Age": response.values("Access-Control-Max-Age"),
            ]
            vary = items("Vary", lower: true)
            emptyBody = probe.isPreflight ? response.body.isEmpty : true
            var fields = HTTPFields()
            for (name, value) in response.headers {
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            guard let origin = probe.origin else {
                verdict = "no origin"
                return
            }
            if probe.isPreflight {
                let method = probe.headers.first { $0.0 == "Access-Control-Request-Method" }!.1
                let requested = (probe.headers.first { $0.0 == "Access-Control-Request-Headers" }?.1 ?? "")
                    .split(separator: ",").map { (name: $0.trimmingCharacters(in: .whitespaces), value: "1") }.filter { !$0.name.isEmpty }
                switch CORSPreflight.validate(
                    status: response.status,
                    fields: fields,
                    origin: origin,
                    method: method,
                    headers: requested,
                    credentials: .include
                ) {
                case .success: verdict = "preflight passes"
                case .failure(let reason): verdict = "preflight fails: \(reason)"
                }
            } else {
                verdict = CORSAccessCheck.check(fields, origin: origin, credentials: .include).map { "blocked: \($0)" } ?? "readable"
            }
        }

        var description: String {
            "\(status)\(forwarded ? " forwarded" : "") ACAO=\(allowOrigin) \(lists.filter { !$0.value.isEmpty }) \(single.filter { !$0.value.isEmpty }) Vary=\(vary.sorted())\(emptyBody ? "" : " BODY") \(verdict)"
        }
    }

    /// A request that got no answer, named with the side that gave none.
    struct NoAnswer: Error { var text: String }

    /// `probe` put to the exported server and to the gateway.
    static func ask(
        _ probe: Probe,
        _ format: ExportFormat,
        _ server: ServerProcess,
        gatewayPort: Int
    ) -> Result<(RawHTTPResponse, RawHTTPResponse), NoAnswer> {
        let theirs: RawHTTPResponse
        do {
            theirs = try rawRequest(port: server.port, method: probe.method, path: probe.path, headers: probe.headers, timeoutSeconds: 30)
        } catch {
            return .failure(NoAnswer(text: "\(probe)\n    \(format): \(error)\n    its output: \(server.printed.suffix(600))"))
        }
        do {
            return .success(
                (theirs, try rawRequest(port: gatewayPort, method: probe.method, path: probe.path, headers: probe.headers, timeoutSeconds: 30))
            )
        } catch {
            return .failure(NoAnswer(text: "\(probe)\n    swift-cors: \(error)"))
        }
    }

    /// Runs the matrix against `format`'s export and the reference gateway; the differences, each named.
    static func differences(_ format: ExportFormat, policy: String) async throws -> (compared: Int, differences: [String], known: Int) {
        let routes = try ExportRoute.read(policy)
        let upstream = try await ExportUpstreamServer()
        defer { Task { await upstream.stop() } }
        let upstreamURL = UpstreamURL(scheme: .http, host: "127.0.0.1", port: upstream.port)
        let configuration = ProxyConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0),
            routes: try routes.map { ProxyRoute(prefix: $0.prefix, upstream: upstreamURL, responder: try CORSResponder(policy: $0.policy)) },
            accessLog: .off,
            shutdownGracePeriod: .milliseconds(100)
        )
        let gateway = try CORSProxyServer(
            configuration: configuration,
            logger: Logger(label: "export-tests") { _ in SwiftLogNoOpLogHandler() },
            threads: 1
        )
        let gatewayPort = try await gateway.start().port!
        let server = try ExportedServer.start(format, routes: routes, upstreamPort: upstream.port)
        defer { server.stop() }
        let paths = routes.map(\.prefix).map { $0 == "/" ? "" : $0 }
        var differences: [String] = []
        var known = 0
        let probes = Self.probes(paths: paths)
        for probe in probes {
            let (theirs, ours): (RawHTTPResponse, RawHTTPResponse)
            switch Self.ask(probe, format, server, gatewayPort: gatewayPort) {
            case .success(let answers): (theirs, ours) = answers
            case .failure(let failure):
                differences.append(failure.text)
                continue
            }
            let (a, b) = (Answer(theirs, probe: probe), Answer(ours, probe: probe))
            if a == b { continue }
            // nginx cannot count Origin fields (said in the export's comment and on stderr): it judges the first.
            if format == .nginx, probe.originCount > 1 {
                known += 1
                continue
            }
            differences.append("\(probe)\n    \(format): \(a)\n    swift-cors: \(b)")
        }
        server.stop()
        await gateway.shutdown()
        // The server's own error when the upstream cannot be reached (502 or 503, as each server
        // says it) carries the same headers as the gateway's: both started again toward a port
        // nothing listens on (no pooled connection to race with).
        let deadPort = ServerProcess.closedPort
        let deadURL = UpstreamURL(scheme: .http, host: "127.0.0.1", port: deadPort)
        let deadGateway = try CORSProxyServer(
            configuration: ProxyConfiguration(
                listen: ListenAddress(host: "127.0.0.1", port: 0),
                routes: try routes.map { ProxyRoute(prefix: $0.prefix, upstream: deadURL, responder: try CORSResponder(policy: $0.policy)) },
                accessLog: .off,
                shutdownGracePeriod: .milliseconds(100)
            ),
            logger: Logger(label: "export-tests") { _ in SwiftLogNoOpLogHandler() },
            threads: 1
        )
        let deadGatewayPort = try await deadGateway.start().port!
        let deadServer = try ExportedServer.start(format, routes: routes, upstreamPort: deadPort)
        defer { deadServer.stop() }
        var downProbes = 0
        for base in paths {
            for origin in ["https://app.example.com", "https://admin.example.com", "https://evil.net"] {
                let probe = Probe(method: "GET", path: base + "/ok", headers: [("Origin", origin)])
                let (theirResponse, ourResponse): (RawHTTPResponse, RawHTTPResponse)
                switch Self.ask(probe, format, deadServer, gatewayPort: deadGatewayPort) {
                case .success(let answers): (theirResponse, ourResponse) = answers
                case .failure(let failure):
                    differences.append("with the upstream down: " + failure.text)
                    continue
                }
                var theirs = Answer(theirResponse, probe: probe)
                var ours = Answer(ourResponse, probe: probe)
                downProbes += 1
                guard (500...599).contains(theirs.status), (500...599).contains(ours.status) else {
                    differences.append("\(probe) with the upstream down: \(format) \(theirs.status), swift-cors \(ours.status)")
                    continue
                }
                (theirs.status, ours.status) = (0, 0)
                if theirs != ours { differences.append("\(probe) with the upstream down\n    \(format): \(theirs)\n    swift-cors: \(ours)") }
            }
        }
        await deadGateway.shutdown()
        return (probes.count + downProbes, differences, known)
    }

    @Test(arguments: ExportFormat.allCases)
    func theExportedServerAnswersAsSwiftCORSDoes(_ format: ExportFormat) async throws {
        guard ExportedServer.executable(format) != nil else {
            #expect(!ExportedServer.required, "CORS_REQUIRE_SERVERS=1 but \(format) is not installed")
            print("ExportAgreementTests: \(format) skipped (not installed)")
            return
        }
        var total = 0
        for (name, policy) in Self.policies {
            let (compared, differences, known) = try await Self.differences(format, policy: policy)
            total += compared
            let shown = differences.prefix(12).joined(separator: "\n")
            #expect(differences.isEmpty, "\(format), \(name): \(differences.count) of \(compared) differ:\n\(shown)")
            if format == .nginx { #expect(known > 0, "nginx judged two Origin fields as swift-cors does: the known limit is gone, say so") }
        }
        print("\(format) export vs swift-cors: \(total) requests over \(Self.policies.count) policies compared")
    }
}
