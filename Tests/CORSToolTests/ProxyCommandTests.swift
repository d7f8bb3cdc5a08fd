import Foundation
import TestHarness
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CORSTool {
    /// A running `cors proxy`, waited on until it has printed its listening line; SIGTERM'd when released.
    final class Proxy {
        let running: Running
        let port: Int
        /// The listening line's rest after the port: ` (/ -> http://127.0.0.1:PORT)`.
        let summary: String

        init(_ arguments: [String]) throws {
            running = try Running(["proxy"] + arguments, waitingFor: ["cors proxy: listening on http://127.0.0.1:"])
            let rest = running.values[0]
            guard let port = Int(rest.prefix { $0.isNumber }) else { throw ServerDidNotStart(output: running.log) }
            self.port = port
            summary = String(rest.drop { $0.isNumber })
        }

        var log: String { running.log }
        var process: Process { running.process }

        func signal(_ number: Int32) { kill(running.process.processIdentifier, number) }

        /// Waits up to `timeout` seconds for `text` to have been printed.
        func waitForOutput(_ text: String, timeout: Double = 10) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while !log.contains(text), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            return log.contains(text)
        }

        /// Waits up to `timeout` seconds for the process to exit; whether it did.
        func waitForExit(timeout: Double) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            return !process.isRunning
        }

        /// The access log's lines so far (the JSON objects among the output's lines).
        var accessLog: [[String: Any]] {
            log.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }
    }
}

/// Writes `text` as `name` beside `sibling` (in the same temporary folder); its path.
private func writeBeside(_ sibling: String, _ name: String, _ text: String) throws -> String {
    let path = (sibling as NSString).deletingLastPathComponent + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// `cors proxy` as a black box: the built binary, a bare upstream of the test's own (no CORS at
/// all, OPTIONS answered 405), real HTTP over sockets, signals sent to the process.
@Suite(.serialized, .ownThread) struct ProxyCommandTests {
    static let appOrigin = "https://app.example"

    // MARK: refusing to start

    @Test func anInvalidConfigFileIsRefusedWithEveryProblemAndItsLineAndColumn() throws {
        let policy = try temporaryPolicyFile("{}")
        let config = try writeBeside(
            policy,
            "proxy.json",
            """
            {
              "listen": "127.0.0.1:0",
              "colour": "blue",
              "routes": [
                {"prefix": "/a", "policy": {"allowOrigins": ["https://a.test"]}},
                {"prefix": "/b", "upstream": "http://127.0.0.1:9",
                 "policy": {"allowOrigins": ["https://*"]}}
              ]
            }
            """
        )
        let (status, output) = try CORSTool.run(["proxy", "--config", config])
        #expect(status == 2, "\(output)")
        let errors = output.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 3, "\(output)")
        // Every problem is located: "error: LINE:COLUMN: key: ...".
        #expect(errors.allSatisfy { $0.wholeMatch(of: /error: \d+:\d+: \S+: .+/) != nil }, "\(output)")
        #expect(output.contains("error: 3:3: colour: unknown key; valid keys here are listen, routes,"), "\(output)")
        #expect(output.contains("error: 7:6: routes[1].policy: the policy is invalid:"), "\(output)")
        #expect(output.contains("    error: allowOrigins[0]: \"https://*\" matches every site on the web"), "\(output)")
        let missing = errors.first { $0.contains("routes[0].upstream: is required") }
        #expect(missing != nil, "\(output)")
        // The route without an upstream is the object at line 5: its problem is located at the
        // route's first key (5:6), not at the "routes" key every route shares (4:3).
        #expect(missing?.hasPrefix("error: 5:6: ") == true, "\(output)")
        #expect(output.contains("cors proxy: refusing to start: 3 problems"), "\(output)")
        #expect(!output.contains("listening on"))
    }

    @Test func upstreamWithoutPolicyExitsTwo() throws {
        let (status, output) = try CORSTool.run(["proxy", "--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0"])
        #expect(status == 2, "\(output)")
        #expect(output.contains("error: 1:1: --policy: is required"), "\(output)")
        #expect(output.contains("cors proxy: refusing to start: 1 problem\n"), "\(output)")
        #expect(!output.contains("listening on"))
    }

    @Test func openWithoutAllowTargetExitsTwo() throws {
        let (status, output) = try CORSTool.run(["proxy", "--open", "--listen", "127.0.0.1:0"])
        #expect(status == 2, "\(output)")
        #expect(output.contains("error: --open needs at least one --allow-target pattern"), "\(output)")
        #expect(!output.contains("listening on"))
    }

    // MARK: running

    @Test func aValidConfigStartsAndAddsCORSInFrontOfAnUpstreamWithout() throws {
        let upstream = try BareHTTPServer()
        let policy = try temporaryPolicyFile(
            """
            {"allowOrigins": ["\(Self.appOrigin)"], "allowMethods": ["PUT"], "allowHeaders": ["X-Client"], "exposeHeaders": ["X-Upstream"]}
            """
        )
        let config = try writeBeside(
            policy,
            "proxy.json",
            """
            {
              "listen": "127.0.0.1:0",
              "routes": [{"prefix": "/api", "upstream": "\(upstream.url)", "policy": "policy.json"}],
              "accessLog": "stdout"
            }
            """
        )
        let proxy = try CORSTool.Proxy(["--config", config])
        #expect(proxy.summary == " (/api -> \(upstream.url))", "\(proxy.log)")
        #expect(proxy.log.contains("cors proxy: listening on http://127.0.0.1:\(proxy.port) (/api -> \(upstream.url))\n"))

        let get = try rawRequest(port: proxy.port, method: "GET", path: "/api/items?page=2", headers: [("Origin", Self.appOrigin)])
        #expect(get.status == 200)
        #expect(get.values("Access-Control-Allow-Origin") == [Self.appOrigin])
        #expect(get.values("Access-Control-Expose-Headers") == ["X-Upstream"])
        #expect(get.values("Vary") == ["Origin"])
        #expect(get.values("X-Upstream") == ["bare"])
        let echo = try JSONSerialization.jsonObject(with: Data(get.body.utf8)) as? [String: Any]
        #expect(echo?["method"] as? String == "GET")
        #expect(echo?["path"] as? String == "/api/items?page=2")
        let seen = upstream.requests.last
        #expect(seen?.path == "/api/items?page=2")
        #expect(seen?.value("origin") == Self.appOrigin)
        #expect(seen?.value("host") == "127.0.0.1:\(upstream.port)")

        let preflight = try rawRequest(
            port: proxy.port,
            method: "OPTIONS",
            path: "/api/items/1",
            headers: [("Origin", Self.appOrigin), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-client")]
        )
        #expect(preflight.status == 204)
        #expect(preflight.values("Access-Control-Allow-Origin") == [Self.appOrigin])
        #expect(preflight.values("Access-Control-Allow-Methods") == ["PUT"])
        #expect(preflight.values("Access-Control-Allow-Headers") == ["X-Client"])
        #expect(!upstream.requests.contains { $0.method == "OPTIONS" }, "the gateway answers preflights itself")

        let elsewhere = try rawRequest(port: proxy.port, method: "GET", path: "/apix", headers: [("Origin", Self.appOrigin)])
        #expect(elsewhere.status == 404)
        #expect(elsewhere.body.contains("\"no-route\""))
        #expect(upstream.requests.count == 1)

        // One line per request, written once the answer has gone: lines of requests on different
        // connections may come in either order, so each is found by its request.
        for path in ["/api/items", "/api/items/1", "/apix"] { #expect(proxy.waitForOutput("\"path\":\"\(path)\""), "\(proxy.log)") }
        let lines = proxy.accessLog
        #expect(lines.count == 3, "\(proxy.log)")
        func line(_ method: String, _ path: String) -> [String: Any]? {
            lines.first { $0["method"] as? String == method && $0["path"] as? String == path }
        }
        let relayed = line("GET", "/api/items"), answered = line("OPTIONS", "/api/items/1"), unrouted = line("GET", "/apix")
        #expect(relayed?["status"] as? Int == 200)
        #expect(relayed?["upstream_status"] as? Int == 200)
        #expect(relayed?["cors"] as? String == "allowed")
        #expect(relayed?["origin"] as? String == Self.appOrigin)
        #expect(relayed?["route"] as? String == "/api")
        #expect(answered?["status"] as? Int == 204)
        #expect(answered?["upstream_status"] is NSNull)
        #expect(answered?["cors"] as? String == "preflight-allowed")
        #expect(unrouted?["status"] as? Int == 404)
        #expect(unrouted?["fault"] as? String == "no-route")
    }

    @Test func sighupAppliesARewrittenPolicyAndRefusesAnInvalidOne() throws {
        let upstream = try BareHTTPServer()
        let path = try temporaryPolicyFile(#"{"allowOrigins": ["https://a.test"], "allowMethods": ["PUT"]}"#)
        let proxy = try CORSTool.Proxy(["--upstream", upstream.url, "--policy", path, "--listen", "127.0.0.1:0", "--access-log", "off"])
        func preflight(from origin: String) throws -> RawHTTPResponse {
            try rawRequest(
                port: proxy.port,
                method: "OPTIONS",
                path: "/items/1",
                headers: [("Origin", origin), ("Access-Control-Request-Method", "PUT")]
            )
        }
        #expect(try preflight(from: "https://a.test").status == 204)
        #expect(try preflight(from: "https://b.test").status == 403)

        // SIGHUP alone reloads (nothing changed, so the file watcher has no part in this one).
        proxy.signal(SIGHUP)
        #expect(proxy.waitForOutput("cors proxy: reloaded: 1 route, generation 2\n"), "\(proxy.log)")

        try #"{"allowOrigins": ["https://b.test"], "allowMethods": ["PUT"]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        proxy.signal(SIGHUP)
        var allowed = false
        for _ in 0..<100 where !allowed {
            allowed = try preflight(from: "https://b.test").status == 204
            if !allowed { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(allowed, "the newly allowed origin's preflight never passed\n\(proxy.log)")
        let passed = try preflight(from: "https://b.test")
        #expect(passed.values("Access-Control-Allow-Origin") == ["https://b.test"])
        #expect(try preflight(from: "https://a.test").status == 403, "the old policy's origin is gone with it")

        try #"{"allowOrigins": ["https://*"], "allowMethods": ["PUT"]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        proxy.signal(SIGHUP)
        #expect(proxy.waitForOutput("the new configuration is refused; the running one stays in force"), "\(proxy.log)")
        #expect(proxy.log.contains("\"https://*\" matches every site on the web"), "\(proxy.log)")
        #expect(proxy.log.contains("cors proxy: refusing") == false)
        #expect(proxy.process.isRunning)
        let kept = try preflight(from: "https://b.test")
        #expect(kept.status == 204, "the running policy keeps answering")
        #expect(kept.values("Access-Control-Allow-Origin") == ["https://b.test"])
        #expect(try preflight(from: "https://a.test").status == 403)
        #expect(try preflight(from: "https://evil.test").status == 403, "the refused \"https://*\" is not in force")
        #expect(!upstream.requests.contains { $0.method == "OPTIONS" })
    }

    @Test func sigtermLetsASlowRequestFinishThenExitsZero() throws {
        let upstream = try BareHTTPServer(delays: ["/slow": 5])
        defer { upstream.stop() }  // (also keeps it alive until the end: its last use is early)
        let policy = try temporaryPolicyFile(#"{"allowOrigins": ["\#(Self.appOrigin)"]}"#)
        let proxy = try CORSTool.Proxy(["--upstream", upstream.url, "--policy", policy, "--listen", "127.0.0.1:0"])
        let port = proxy.port

        let result = ResultBox()
        let thread = Thread {
            result.set(Result { try rawRequest(port: port, method: "GET", path: "/slow", headers: [("Origin", Self.appOrigin)]) })
        }
        thread.start()
        #expect(upstream.waitForRequest { $0.path == "/slow" } != nil, "the slow request never reached the upstream")

        proxy.signal(SIGTERM)
        // Draining: the listener closes at once (a new connection is refused) while the slow
        // request goes on. A connection that got in before it closed is answered if its request
        // was read before the drain began, and cut unanswered if not (`late` says which).
        var refused = false
        var late: [String] = []
        let deadline = Date().addingTimeInterval(4)  // under the upstream's 5 s (a loaded machine is slow to drain)
        while !refused, Date() < deadline {
            do {
                late.append("answered \(try rawRequest(port: port, method: "GET", path: "/", headers: []).status)")
            } catch RawHTTPRequestError.connect {
                refused = true
            } catch {
                late.append("\(error)")
            }
            if !refused { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(refused, "new connections are still taken after SIGTERM: \(late)\n\(proxy.log)")
        #expect(proxy.process.isRunning, "the gateway exited with a request in flight\n\(proxy.log)")
        #expect(result.value == nil, "the slow request was answered before the upstream did")

        let outcome = try #require(result.wait(timeout: 10), "the slow request got no answer\n\(proxy.log)")
        guard case .success(let response) = outcome else {
            Issue.record("the slow request in flight was cut: \(outcome)\n\(proxy.log)")
            return
        }
        #expect(response.status == 200)
        #expect(response.values("Access-Control-Allow-Origin") == [Self.appOrigin])
        let echo = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        #expect(echo?["path"] as? String == "/slow")

        #expect(proxy.waitForExit(timeout: 5), "the gateway did not exit after its last request\n\(proxy.log)")
        #expect(proxy.process.terminationReason == .exit)
        #expect(proxy.process.terminationStatus == 0, "\(proxy.log)")
        let logged = proxy.accessLog.first { $0["path"] as? String == "/slow" }
        #expect(logged?["status"] as? Int == 200, "\(proxy.log)")
        #expect(logged?["fault"] is NSNull, "\(proxy.log)")
    }

    /// A keep-alive client whose request is in flight at SIGTERM: the gateway closes the connection
    /// after the answer (it drains), so the answer must say so (RFC 9112 §9.6: a sender SHOULD
    /// send "close" when it intends to close), or the client may reuse a connection being closed.
    @Test func sigtermTellsAKeepAliveClientInFlightThatItsConnectionCloses() throws {
        let upstream = try BareHTTPServer(delays: ["/slow": 1])
        defer { upstream.stop() }
        let policy = try temporaryPolicyFile(#"{"allowOrigins": ["\#(Self.appOrigin)"]}"#)
        let proxy = try CORSTool.Proxy(["--upstream", upstream.url, "--policy", policy, "--listen", "127.0.0.1:0", "--access-log", "off"])
        let port = proxy.port
        let result = ResultBox()
        let thread = Thread {
            result.set(
                Result {
                    try rawRequest(port: port, method: "GET", path: "/slow", headers: [("Origin", Self.appOrigin)], connectionClose: false)
                }
            )
        }
        thread.start()
        #expect(upstream.waitForRequest { $0.path == "/slow" } != nil, "the slow request never reached the upstream")
        proxy.signal(SIGTERM)
        let started = Date()
        let response = try #require(result.wait(timeout: 10), "the slow request got no answer\n\(proxy.log)").get()
        #expect(Date().timeIntervalSince(started) < 5, "the gateway kept the connection open after its answer while draining")
        #expect(response.status == 200)
        #expect(response.values("Access-Control-Allow-Origin") == [Self.appOrigin])
        #expect(
            response.values("Connection").map { $0.lowercased() } == ["close"],
            "while draining, the answer says Connection: close before the gateway closes; headers: \(response.headers.map { "\($0.name): \($0.value)" })"
        )
        #expect(proxy.waitForExit(timeout: 5), "\(proxy.log)")
        #expect(proxy.process.terminationStatus == 0, "\(proxy.log)")
    }
}

/// One result, set by another thread.
final class ResultBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var stored: Result<RawHTTPResponse, Error>?

    func set(_ result: Result<RawHTTPResponse, Error>) {
        condition.withLock {
            stored = result
            condition.broadcast()
        }
    }

    var value: Result<RawHTTPResponse, Error>? { condition.withLock { stored } }

    func wait(timeout: Double) -> Result<RawHTTPResponse, Error>? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while stored == nil, condition.wait(until: deadline) {}
        return stored
    }
}
