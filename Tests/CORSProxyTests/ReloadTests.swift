import CORS
import CORSProxy
import Foundation
import Synchronization
import TestHarness
import Testing

/// A new configuration takes over for requests that start after it, without disturbing those in
/// flight; an invalid one is refused whole and the running one stays.
@Suite struct ReloadTests {
    static func policy(_ origin: String) -> CORSPolicy { CORSPolicy(allowOrigins: [origin]) }

    @Test func aReloadAppliesToNewRequestsWhileTheOneInFlightFinishesUnderTheOldPolicy() async throws {
        let gate = Gate()
        let upstream: UpstreamBehaviour = { request in
            request.uri == "/slow" ? [.wait(gate)] + Reply.response(200, body: "slow done") : Reply.response(200, body: "fast")
        }
        try await withProxy(upstream: upstream, policy: Self.policy("https://a.example")) { proxy in
            defer { gate.open() }
            let inFlight = Task { [port = proxy.port] in
                try await blocking {
                    try RawConnection(port: port).request("GET", "/slow", headers: [("Origin", "https://a.example")])
                }
            }
            #expect(try await eventually { proxy.upstream.record.requestCount == 1 })

            let old = proxy.gateway.server.configuration
            let route = ProxyRoute(prefix: "/", upstream: proxy.upstream.url, responder: TestPolicy.responder(Self.policy("https://b.example")))
            proxy.gateway.server.reload(old.with(routes: [route]))
            #expect(proxy.gateway.server.generation == 2)

            let newA = try await fetch(proxy.port, "GET", "/fast", headers: [("Origin", "https://a.example")])
            let newB = try await fetch(proxy.port, "GET", "/fast", headers: [("Origin", "https://b.example")])
            #expect(newA.accessControlNames == [])
            #expect(newB.values("Access-Control-Allow-Origin") == ["https://b.example"])

            gate.open()
            let slow = try await inFlight.value
            #expect(slow.status == 200)
            #expect(slow.complete && slow.text == "slow done")
            #expect(slow.values("Access-Control-Allow-Origin") == ["https://a.example"])
        }
    }

    @Test func aReloadThatMovesARouteSendsNewRequestsToTheNewUpstreamUnderItsLimits() async throws {
        try await withUpstream({ _ in Reply.response(200, body: "second") }) { second in
            try await withProxy(upstream: { _ in Reply.response(200, body: "first") }) { proxy in
                let before = try await fetch(proxy.port, "GET", "/")
                #expect(before.text == "first")
                var limits = proxy.gateway.server.configuration.limits
                limits.requestBodyBytes = 4
                let route = ProxyRoute(prefix: "/", upstream: second.url, responder: TestPolicy.responder())
                var moved = proxy.gateway.server.configuration.with(routes: [route])
                moved.limits = limits
                proxy.gateway.server.reload(moved)
                // The idle pooled connection to the first upstream is not the second's.
                #expect(try await fetch(proxy.port, "GET", "/").text == "second")
                #expect(try await fetch(proxy.port, "POST", "/", body: Array("12345".utf8)).status == 413)
                #expect(proxy.upstream.requests.count == 1)
                #expect(second.requests.count == 1)
            }
        }
    }

    /// The files of a configuration in a folder of their own: the configuration names its policy by a relative path.
    struct ConfigurationFolder {
        let directory: String
        var configuration: String { directory + "/gateway.json" }
        var policy: String { directory + "/policy.json" }

        init(upstreamPort: Int, origin: String) throws {
            directory = temporaryPath("reload")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try writeConfiguration(upstreamPort: upstreamPort)
            try writePolicy(#"{"allowOrigins": ["\#(origin)"]}"#)
        }

        func writeConfiguration(upstreamPort: Int, extra: String = "") throws {
            try """
            {
              "listen": "127.0.0.1:0",\(extra)
              "routes": [{"prefix": "/", "upstream": "http://127.0.0.1:\(upstreamPort)", "policy": "policy.json"}]
            }
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        }

        func writePolicy(_ text: String) throws { try text.write(toFile: policy, atomically: true, encoding: .utf8) }
        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test func theReloaderAppliesAValidEditAndRefusesAnInvalidOneKeepingTheRunningConfiguration() async throws {
        try await withUpstream(Reply.ok) { upstream in
            let folder = try ConfigurationFolder(upstreamPort: upstream.port, origin: "https://a.example")
            defer { folder.remove() }
            let source = ProxyConfigurationSource(.file(folder.configuration), accessLog: .off, environment: [:])
            try await withGateway(try source.load().get()) { gateway in
                let reports = Mutex<[(applied: Bool, lines: [String])]>([])
                let reloader = ProxyReloader(server: gateway.server, source: source) { applied, lines in
                    reports.withLock { $0.append((applied, lines)) }
                }
                func allowOrigin(_ origin: String) async throws -> [String] {
                    try await fetch(gateway.port, "GET", "/", headers: [("Origin", origin)]).values("Access-Control-Allow-Origin")
                }
                #expect(try await allowOrigin("https://a.example") == ["https://a.example"])

                try folder.writePolicy(#"{"allowOrigins": ["https://b.example"]}"#)
                #expect(reloader.reload())
                #expect(gateway.server.generation == 2)
                #expect(try await allowOrigin("https://b.example") == ["https://b.example"])

                try folder.writePolicy(#"{"allowOrigins": "*", "allowCredentials": true}"#)
                #expect(!reloader.reload())
                let refusedPolicy = try #require(reports.withLock { $0.last })
                #expect(!refusedPolicy.applied)
                let policyError = try #require(CORSPolicy(allowOrigins: ["*"], allowCredentials: true).validate().lines.first)
                #expect(
                    refusedPolicy.lines.contains { $0.contains("routes[0].policy: the policy is invalid:") && $0.contains(policyError) },
                    "\(refusedPolicy.lines)"
                )
                #expect(refusedPolicy.lines.last == "the new configuration is refused; the running one stays in force")

                try folder.writePolicy(#"{"allowOrigins": ["https://c.example"]}"#)
                try folder.writeConfiguration(upstreamPort: upstream.port, extra: #"\#n  "rutes": [],"#)
                #expect(!reloader.reload())
                let refusedFile = reports.withLock { $0.last?.lines ?? [] }
                #expect(refusedFile.contains(#"error: 3:3: rutes: unknown key; did you mean "routes"?"#), "\(refusedFile)")

                // Both refusals left the running configuration alone.
                #expect(gateway.server.generation == 2)
                #expect(try await allowOrigin("https://b.example") == ["https://b.example"])
                #expect(try await allowOrigin("https://c.example") == [])
            }
        }
    }

    @Test func theReloaderWatchingTheFilesAppliesAnEditOnItsOwn() async throws {
        try await withUpstream(Reply.ok) { upstream in
            let folder = try ConfigurationFolder(upstreamPort: upstream.port, origin: "https://a.example")
            defer { folder.remove() }
            let source = ProxyConfigurationSource(.file(folder.configuration), accessLog: .off, environment: [:])
            #expect(Set(source.watchedFiles) == [folder.configuration, folder.policy])
            try await withGateway(try source.load().get()) { gateway in
                let reloader = ProxyReloader(server: gateway.server, source: source) { _, _ in }
                let watcher = Task { await reloader.watch(interval: .milliseconds(20)) }
                defer { watcher.cancel() }
                // The watcher's first look at the files cannot be observed, and an edit made before
                // it is part of what it compares against: edit (each time differently) until one is seen.
                var seen = false
                for attempt in 0..<10 where !seen {
                    try folder.writePolicy(#"{"allowOrigins": ["https://b.example"]}"# + String(repeating: " ", count: attempt))
                    seen = try await eventually(timeout: .seconds(5)) { gateway.server.generation >= 2 }
                }
                #expect(seen)
                #expect(gateway.server.generation == 2, "one edit, one reload")
                let response = try await fetch(gateway.port, "GET", "/", headers: [("Origin", "https://b.example")])
                #expect(response.values("Access-Control-Allow-Origin") == ["https://b.example"])
            }
        }
    }
}
