import BrowserHarness
import Foundation
import TestHarness
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `cors demo` in a real browser: every stage's buttons clicked in headless Chromium, the
/// browser's verdict checked against the lesson and against swift-cors' engine.
@Suite(.serialized, .ownThread) struct DemoCommandTests {
    static let buttons = [
        "stage1", "stage2", "stage3-without", "stage3-with", "stage4-wildcard", "stage4-exact", "stage5-hidden",
        "stage5-exposed", "stage6",
    ]

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func everyStageBehavesInChromiumAsTheDemoSays() async throws {
        let demo = try DemoProcess()
        defer { demo.stop() }
        let pageURL = demo.pageURL
        #expect(pageURL.hasPrefix("http://127.0.0.1:") && pageURL.hasSuffix("/"), "\(demo.log)")
        #expect(demo.apiOrigin.hasPrefix("http://127.0.0.1:"), "\(demo.log)")
        let buttons = Self.buttons

        let run = try await Chromium.session { browser in
            let page = try browser.newPage()
            try page.navigate(to: pageURL)
            try page.waitUntil("document.body.dataset.ready === 'true'")
            var results: [String: DemoButtonResult] = [:]
            for id in buttons {
                let selector = "document.querySelector('button[data-button=\"\(id)\"]')"
                _ = try page.evaluate("\(selector).click()")
                try page.waitUntil("\(selector).dataset.outcome", timeout: 60)
                results[id] = try page.evaluate("window.demoResults['\(id)']", as: DemoButtonResult.self)
            }
            // The whole page, not just the viewport: size the viewport to the content first.
            let metrics = try page.send("Page.getLayoutMetrics")
            let content = metrics["cssContentSize"] as? [String: Any]
            let height = (content?["height"] as? NSNumber)?.intValue ?? 1000
            try page.send(
                "Emulation.setDeviceMetricsOverride",
                ["width": 1280, "height": min(max(height, 1000), 16000), "deviceScaleFactor": 1, "mobile": false]
            )
            return DemoRun(results: results, screenshot: try page.screenshot())
        }

        let results = run.results
        func result(_ id: String) throws -> DemoButtonResult { try #require(results[id], "no result for \(id)") }

        // Every button: swift-cors' engine reaches the browser's verdict, fetch by fetch.
        for id in buttons {
            let button = try result(id)
            #expect(button.engineOutcome == button.outcome, "\(id): engine \(button.engineOutcome), browser \(button.outcome)")
            #expect(button.engine.map(\.allowed) == button.browser.map(\.allowed), "\(id)")
            // ...for the same request: the URL the engine fetched is the one the server saw first.
            let seen = try #require(button.server.first?.first, "\(id): the server saw nothing")
            #expect(button.engine.first?.trace.first?.url.hasSuffix("\(seen.path)?\(seen.query)") == true, "\(id)")
        }

        // 1. No CORS headers: blocked, though the server answered.
        let stage1 = try result("stage1")
        #expect(stage1.outcome == "blocked")
        #expect(stage1.browser.first?.error == "TypeError: Failed to fetch")
        #expect(stage1.server.first?.map(\.method) == ["GET"])
        #expect(stage1.engine.first?.kind == "MissingAllowOriginHeader")

        // 2. The page's origin allowed: a simple GET, no preflight.
        let stage2 = try result("stage2")
        #expect(stage2.outcome == "allowed")
        #expect(stage2.browser.first?.status == 200)
        #expect(stage2.server.first?.map(\.method) == ["GET"])
        #expect(stage2.server.first?.first?.header("Access-Control-Allow-Origin") == demo.pageOrigin)

        // 3. JSON body: preflighted; refused without Access-Control-Allow-Headers, allowed with it.
        let without = try result("stage3-without")
        #expect(without.outcome == "blocked")
        #expect(without.server.first?.map(\.method) == ["OPTIONS"], "the POST is never sent")
        let with = try result("stage3-with")
        #expect(with.outcome == "allowed")
        #expect(with.server.first?.map(\.method) == ["OPTIONS", "POST"])
        #expect(with.server.first?.first?.header("Access-Control-Allow-Headers")?.lowercased() == "content-type")
        #expect(with.engine.first?.preflightSent == true)

        // 4. Credentials: `*` refused; the exact origin with Allow-Credentials works; the cookie arrives.
        let wildcard = try result("stage4-wildcard")
        #expect(wildcard.outcome == "blocked")
        #expect(wildcard.engine.first?.kind == "WildcardOriginNotAllowed")
        let exact = try result("stage4-exact")
        #expect(exact.outcome == "allowed")
        let cookie = exact.server.first?.first?.header("Cookie") ?? ""
        #expect(cookie.contains("demo_session=visitor-"), "the server saw Cookie: \(cookie)")
        #expect(exact.cookies.contains(cookie))

        // 5. A custom response header: unreadable until exposed.
        let hidden = try result("stage5-hidden")
        #expect(hidden.outcome == "allowed")
        #expect(hidden.browser.first?.headerReadable == false)
        #expect(hidden.engine.first?.headerReadable == false)
        #expect(hidden.server.first?.first?.header("X-Request-Id") != nil, "the server did send it")
        let exposed = try result("stage5-exposed")
        #expect(exposed.browser.first?.headerReadable == true)
        #expect(exposed.engine.first?.headerReadable == true)

        // 6. Max-Age: the second request skips the preflight.
        let stage6 = try result("stage6")
        #expect(stage6.outcome == "allowed")
        #expect(stage6.server.map { $0.map(\.method) } == [["OPTIONS", "POST"], ["POST"]])
        #expect(stage6.engine.map(\.preflightFromCache) == [false, true])

        // The screenshot, for people.
        let directory = DemoProcess.artifactsDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("cors-demo.png")
        try run.screenshot.write(to: file)
        #expect(run.screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
        #expect(size > 10_000, "screenshot at \(file.path) is \(size) bytes")
    }
}

/// What the test takes back from the browser's thread.
struct DemoRun: Sendable {
    var results: [String: DemoButtonResult]
    var screenshot: Data
}

/// `window.demoResults[id]` as the page records it after a click.
struct DemoButtonResult: Decodable, Sendable {
    struct BrowserVerdict: Decodable, Sendable {
        var allowed: Bool
        var status: Int?
        var error: String?
        var headerReadable: Bool?
    }

    struct ServerExchange: Decodable, Sendable {
        var method: String
        var path: String
        var query: String
        var status: Int
        var requestHeaders: [[String]]
        var responseHeaders: [[String]]

        /// A request or response header's value, by case-insensitive name.
        func header(_ name: String) -> String? {
            (requestHeaders + responseHeaders).first { $0.first?.lowercased() == name.lowercased() }?.last
        }
    }

    struct EngineVerdict: Decodable, Sendable {
        var allowed: Bool
        var preflightSent: Bool
        var preflightFromCache: Bool
        var headerReadable: Bool?
        var kind: String?
        var trace: [EngineExchange]
    }

    /// One request swift-cors' engine sent.
    struct EngineExchange: Decodable, Sendable {
        var method: String
        var url: String
    }

    var outcome: String
    var engineOutcome: String
    var browser: [BrowserVerdict]
    var server: [[ServerExchange]]
    var engine: [EngineVerdict]
    var cookies: [String]
}

/// A running `cors demo` on free ports; stopped (and killed if it lingers) by `stop()`.
final class DemoProcess: @unchecked Sendable {
    let running: CORSTool.Running
    let pageURL: String
    let apiOrigin: String

    /// Where test artifacts go: `$CORS_TEST_ARTIFACTS`, or `.build/test-artifacts` in the package.
    static var artifactsDirectory: URL {
        if let custom = ProcessInfo.processInfo.environment["CORS_TEST_ARTIFACTS"], !custom.isEmpty {
            return URL(fileURLWithPath: custom)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/test-artifacts")
    }

    var pageOrigin: String { String(pageURL.dropLast()) }

    init() throws {
        running = try CORSTool.Running(
            ["demo", "--api-port", "0", "--page-port", "0"],
            waitingFor: ["cors demo: page ", "cors demo: api "]
        )
        pageURL = running.values[0]
        apiOrigin = running.values[1]
    }

    var log: String { running.log }

    func stop() { running.stop() }
}
