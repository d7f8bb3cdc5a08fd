import BrowserHarness
import Foundation
import TestHarness
import Testing

/// `cors proxy` in front of an upstream with no CORS at all, as headless Chromium sees it: a page
/// of one origin calls the gateway with fetch(). The browser's verdict (what the script could
/// read, or the TypeError and the console's CORS error) and what the upstream received are both
/// checked; the same requests made straight to the upstream show it is the gateway that lets them through.
@Suite(.serialized, .ownThread) struct ProxyInChromiumTests {
    /// What the page's fetch() came to.
    struct Outcome: Decodable, Sendable {
        var ok: Bool
        var status: Int?
        var body: String?
        /// The upstream's own X-Upstream header, as the script reads it (only if exposed).
        var upstreamHeader: String?
        var error: String?
    }

    /// One fetch() from the page: its outcome and the console's CORS errors it caused.
    struct Observed: Sendable {
        var outcome: Outcome
        var console: [String]
    }

    /// The page's fetch(`url`, `options`), resolving to an `Outcome` (never rejecting).
    static func script(_ url: String, _ options: [String: Any]) throws -> String {
        let initJSON = String(decoding: try JSONSerialization.data(withJSONObject: options, options: [.sortedKeys]), as: UTF8.self)
        return """
            (async () => {
              try {
                const r = await fetch(\(String(decoding: try JSONSerialization.data(withJSONObject: url, options: [.fragmentsAllowed]), as: UTF8.self)), \(initJSON));
                return {ok: true, status: r.status, body: await r.text(), upstreamHeader: r.headers.get('x-upstream')};
              } catch (e) {
                return {ok: false, error: e.name + ': ' + e.message};
              }
            })()
            """
    }

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func chromiumReadsThroughTheGatewayWhatPolicyAllowsAndNothingElse() async throws {
        let upstream = try BareHTTPServer()
        let pages = try BareHTTPServer(.page)
        defer {
            pages.stop()  // (also keeps both alive until the end: their last uses are early)
            upstream.stop()
        }
        // 127.0.0.1 and localhost on one port: two origins. The allowed page is same-site with the
        // gateway (127.0.0.1, ports differ) so a cookie set for it goes with credentials: "include".
        let allowedPage = "http://127.0.0.1:\(pages.port)"
        let refusedPage = "http://localhost:\(pages.port)"
        let policy = try temporaryPolicyFile(
            """
            {
              "allowOrigins": ["\(allowedPage)"],
              "allowMethods": ["PUT"],
              "allowHeaders": ["Content-Type", "X-Client-Version"],
              "exposeHeaders": ["X-Upstream"],
              "allowCredentials": true
            }
            """
        )
        let proxy = try CORSTool.Proxy(["--upstream", upstream.url, "--policy", policy, "--listen", "127.0.0.1:0"])
        let gateway = "http://127.0.0.1:\(proxy.port)"
        let direct = upstream.url

        let observed: [String: Observed] = try await Chromium.session(timeoutSeconds: 90) { browser in
            let put: [String: Any] = [
                "method": "PUT", "credentials": "include", "body": #"{"name":"seven"}"#,
                "headers": ["Content-Type": "application/json", "X-Client-Version": "7"],
            ]
            let tab = try browser.newPage()
            func fetch(_ url: String, _ options: [String: Any] = [:], blocked: Bool) throws -> Observed {
                let mark = browser.eventCount
                let outcome = try tab.evaluate(Self.script(url, options), as: Outcome.self)
                // The console's line may trail the promise; wait for it when one is due.
                let deadline = Date().addingTimeInterval(blocked ? 5 : 0)
                var console: [String] = []
                repeat {
                    _ = try tab.evaluate("0")
                    console = tab.events(since: mark).filter { $0.method == "Log.entryAdded" }
                        .compactMap { ($0.params["entry"] as? [String: Any])?["text"] as? String }
                        .filter { $0.contains("blocked by CORS policy") }
                    if !console.isEmpty { break }
                    Thread.sleep(forTimeInterval: 0.05)
                } while Date() < deadline
                return Observed(outcome: outcome, console: console)
            }
            var observed: [String: Observed] = [:]
            try tab.navigate(to: allowedPage + "/page.html")
            try tab.setCookie(name: "session", value: "s3cret", url: gateway + "/")
            // The upstream alone: no Access-Control-Allow-Origin, and OPTIONS is 405.
            observed["direct GET"] = try fetch(direct + "/direct", blocked: true)
            observed["direct PUT"] = try fetch(direct + "/direct-put", put, blocked: true)
            // (a) An allowed simple GET through the gateway.
            observed["simple GET"] = try fetch(gateway + "/api/simple", blocked: false)
            // (c) A preflighted, credentialed PUT with a custom header the policy allows.
            observed["credentialed PUT"] = try fetch(gateway + "/api/items/7", put, blocked: false)
            // (b) A refused origin: the policy allows the other page only.
            try tab.navigate(to: refusedPage + "/page.html")
            observed["refused GET"] = try fetch(gateway + "/api/refused", blocked: true)
            observed["refused PUT"] = try fetch(gateway + "/api/refused-put", put, blocked: true)
            return observed
        }
        let requests = upstream.requests
        func received(_ method: String, _ path: String) -> [BareHTTPServer.Request] {
            requests.filter { $0.method == method && $0.path == path }
        }
        func blockedLine(_ url: String, from origin: String) -> String {
            "Access to fetch at '\(url)' from origin '\(origin)' has been blocked by CORS policy: "
        }
        let noAllowOrigin = "No 'Access-Control-Allow-Origin' header is present on the requested resource."

        // The upstream alone is unusable from the page: that is what the gateway is for.
        let directGET = try #require(observed["direct GET"])
        #expect(!directGET.outcome.ok)
        #expect(directGET.outcome.error == "TypeError: Failed to fetch")
        #expect(directGET.console == [blockedLine(direct + "/direct", from: allowedPage) + noAllowOrigin])
        let directPUT = try #require(observed["direct PUT"])
        #expect(!directPUT.outcome.ok)
        #expect(
            directPUT.console.first?.hasPrefix(
                blockedLine(direct + "/direct-put", from: allowedPage) + "Response to preflight request doesn't pass access control check"
            ) == true,
            "\(directPUT.console)"
        )
        #expect(received("OPTIONS", "/direct-put").count == 1, "Chromium's preflight went to the upstream, which answered 405")
        #expect(received("PUT", "/direct-put").isEmpty)

        // (a) The script reads the body and the exposed header.
        let simple = try #require(observed["simple GET"])
        #expect(simple.outcome.ok, "\(simple.outcome.error ?? "") \(simple.console)")
        #expect(simple.outcome.status == 200)
        #expect(simple.console.isEmpty, "\(simple.console)")
        #expect(simple.outcome.upstreamHeader == "bare")
        let simpleEcho = try JSONSerialization.jsonObject(with: Data((simple.outcome.body ?? "").utf8)) as? [String: Any]
        #expect(simpleEcho?["upstream"] as? String == "bare")
        #expect(simpleEcho?["method"] as? String == "GET")
        #expect(simpleEcho?["path"] as? String == "/api/simple")
        let simpleSeen = received("GET", "/api/simple")
        #expect(simpleSeen.count == 1)
        #expect(simpleSeen.first?.value("origin") == allowedPage)
        #expect(simpleSeen.first?.value("cookie") == nil, "credentials were not included, so no cookie")

        // (c) Preflight answered by the gateway, the PUT relayed with its cookie, header and body.
        let credentialed = try #require(observed["credentialed PUT"])
        #expect(credentialed.outcome.ok, "\(credentialed.outcome.error ?? "") \(credentialed.console)")
        #expect(credentialed.outcome.status == 200)
        #expect(credentialed.console.isEmpty, "\(credentialed.console)")
        let putEcho = try JSONSerialization.jsonObject(with: Data((credentialed.outcome.body ?? "").utf8)) as? [String: Any]
        #expect(putEcho?["method"] as? String == "PUT")
        #expect(putEcho?["path"] as? String == "/api/items/7")
        #expect(putEcho?["body"] as? String == #"{"name":"seven"}"#)
        let putSeen = received("PUT", "/api/items/7")
        #expect(putSeen.count == 1)
        #expect(putSeen.first?.value("origin") == allowedPage)
        #expect(putSeen.first?.value("x-client-version") == "7")
        #expect(putSeen.first?.value("content-type") == "application/json")
        #expect(putSeen.first?.value("cookie") == "session=s3cret", "credentials: \"include\" sends the cookie through the gateway")
        #expect(putSeen.first?.body == #"{"name":"seven"}"#)
        #expect(!requests.contains { $0.method == "OPTIONS" && $0.path.hasPrefix("/api") }, "the gateway answers preflights itself")
        #expect(proxy.waitForOutput("\"path\":\"/api/refused-put\""), "\(proxy.log)")
        let accessLog = proxy.accessLog
        let preflightLogged = accessLog.first { $0["method"] as? String == "OPTIONS" && $0["path"] as? String == "/api/items/7" }
        #expect(preflightLogged?["cors"] as? String == "preflight-allowed", "Chromium sent its preflight to the gateway\n\(proxy.log)")
        #expect(preflightLogged?["status"] as? Int == 204)
        #expect(preflightLogged?["upstream_status"] is NSNull)

        // (b) A refused origin: the simple GET goes out (CORS hides answers, it does not stop
        // simple requests), the script gets a TypeError, the console names the missing header;
        // the preflighted PUT is refused by the gateway and never reaches the upstream.
        let refusedGET = try #require(observed["refused GET"])
        #expect(!refusedGET.outcome.ok)
        #expect(refusedGET.outcome.error == "TypeError: Failed to fetch")
        #expect(refusedGET.console == [blockedLine(gateway + "/api/refused", from: refusedPage) + noAllowOrigin], "\(refusedGET.console)")
        #expect(received("GET", "/api/refused").first?.value("origin") == refusedPage)
        let refusedPUT = try #require(observed["refused PUT"])
        #expect(!refusedPUT.outcome.ok)
        #expect(refusedPUT.outcome.error == "TypeError: Failed to fetch")
        #expect(
            refusedPUT.console == [
                blockedLine(gateway + "/api/refused-put", from: refusedPage)
                    + "Response to preflight request doesn't pass access control check: " + noAllowOrigin
            ],
            "\(refusedPUT.console)"
        )
        #expect(received("PUT", "/api/refused-put").isEmpty && received("OPTIONS", "/api/refused-put").isEmpty)
        let refusedPreflight = accessLog.first { $0["method"] as? String == "OPTIONS" && $0["path"] as? String == "/api/refused-put" }
        #expect(refusedPreflight?["cors"] as? String == "preflight-rejected", "\(proxy.log)")
        #expect(refusedPreflight?["reason"] as? String == "origin-not-allowed")
        print("cors proxy in Chromium: \(observed.count) fetches, upstream received \(requests.count) requests (\(Chromium.versionDescription))")
    }
}
