import BrowserHarness
import Foundation
import TestHarness
import Testing

/// `cors debug` in headless Chromium: the form filled and run, the verdicts and the cause read off
/// the page, a result reloaded from its URL, and a pasted console message explained.
@Suite(.serialized, .ownThread) struct DebugCommandTests {
    static let pageOrigin = "http://localhost:5173"

    /// What the test reads off the page after each step.
    struct Shown: Decodable, Sendable {
        var state: String?
        var verdicts: [String]
        var kinds: [String]
        var causes: [String]
        var url: String
        var method: String
        var location: String
    }

    static let read = """
        ({
          state: document.body.dataset.state || null,
          verdicts: [...document.querySelectorAll('#verdicts .verdict')].map(e => e.textContent),
          kinds: [...document.querySelectorAll('#verdicts .kind')].map(e => e.textContent),
          causes: [...document.querySelectorAll('#causes [data-cause]')].map(e => e.dataset.cause),
          url: document.getElementById('url').value,
          method: document.getElementById('method').value,
          location: location.href
        })
        """

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func theDebuggerShowsVerdictsCausesAndExplanationsInChromium() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cors-debug-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.json")
        try #"{ "allowOrigins": ["http://localhost:5173"], "allowMethods": ["GET"] }"#.write(to: policy, atomically: true, encoding: .utf8)
        let api = try CORSTool.Server(policyFile: policy.path)  // allows the page
        let bare = try BareHTTPServer()  // no CORS at all; OPTIONS gets 405
        let debug = try CORSTool.Running(["debug", "--port", "0"], waitingFor: ["cors debug: page "])
        defer { debug.stop() }
        let pageURL = debug.values[0]
        let allowedURL = "http://127.0.0.1:\(api.port)/items"
        let blockedURL = bare.url + "/items"
        let origin = Self.pageOrigin

        let run = try await Chromium.session { browser in
            let page = try browser.newPage()
            try page.navigate(to: pageURL)
            try page.waitUntil("document.body.dataset.ready === 'true'")
            func runForm(url: String, method: String, headers: String) throws -> Shown {
                _ = try page.evaluate(
                    """
                    document.getElementById('url').value = \(Self.quoted(url));
                    document.getElementById('origin').value = \(Self.quoted(origin));
                    document.getElementById('method').value = \(Self.quoted(method));
                    document.getElementById('headers').value = \(Self.quoted(headers));
                    document.getElementById('browser').value = 'all';
                    document.body.dataset.state = '';
                    document.getElementById('run').click();
                    """
                )
                try page.waitUntil("document.body.dataset.state === 'done' || document.body.dataset.state === 'failed'", timeout: 60)
                return try page.evaluate(Self.read, as: Shown.self)
            }
            let allowed = try runForm(url: allowedURL, method: "GET", headers: "")
            let blocked = try runForm(url: blockedURL, method: "PUT", headers: "X-Token: 1")
            let message = try page.evaluate("window.debugResult.browsers.chromium.error.message") as? String ?? ""
            // The state lives in the URL: loading it again runs the same request.
            try page.navigate(to: blocked.location)
            try page.waitUntil("document.body.dataset.state === 'done'", timeout: 60)
            let reloaded = try page.evaluate(Self.read, as: Shown.self)
            // A pasted console message fills the form and is explained.
            try page.navigate(to: pageURL)
            try page.waitUntil("document.body.dataset.ready === 'true'")
            _ = try page.evaluate(
                """
                document.getElementById('paste').value = \(Self.quoted("GET \(blockedURL) net::ERR_FAILED\n" + message));
                document.getElementById('explain').click();
                """
            )
            try page.waitUntil("document.body.dataset.state === 'explained'")
            let explainedKind = try page.evaluate("document.getElementById('explained')?.dataset.kind ?? null") as? String
            let explained = try page.evaluate(Self.read, as: Shown.self)
            // Shown once more with a result, for the screenshot.
            _ = try runForm(url: blockedURL, method: "PUT", headers: "X-Token: 1")
            let metrics = try page.send("Page.getLayoutMetrics")
            let height = ((metrics["cssContentSize"] as? [String: Any])?["height"] as? NSNumber)?.intValue ?? 1000
            try page.send(
                "Emulation.setDeviceMetricsOverride",
                ["width": 1280, "height": min(max(height, 1000), 16000), "deviceScaleFactor": 1, "mobile": false]
            )
            return DebugRun(
                allowed: allowed,
                blocked: blocked,
                message: message,
                reloaded: reloaded,
                explainedKind: explainedKind,
                explained: explained,
                screenshot: try page.screenshot()
            )
        }

        // An allowed request: both browsers allow it.
        #expect(run.allowed.verdicts == ["ALLOWED (status 200)", "ALLOWED (status 200)"], "\(debug.log)")
        #expect(run.allowed.causes.isEmpty)
        // A blocked preflight: both block it, the server's 405 to OPTIONS is the cause.
        #expect(run.blocked.verdicts == ["BLOCKED", "BLOCKED"])
        #expect(run.blocked.kinds.allSatisfy { $0 == "PreflightMissingAllowOriginHeader" }, "\(run.blocked.kinds)")
        #expect(run.blocked.causes == ["preflight-not-routed"])
        #expect(
            run.message.hasPrefix(
                "Access to fetch at '\(blockedURL)' from origin '\(origin)' has been blocked by CORS policy: Response to preflight request"
            )
        )
        #expect(run.blocked.location.contains("run=1") && run.blocked.location.contains("method=PUT"))
        // Reloaded from its URL: the same request, the same verdict and cause.
        #expect(run.reloaded.verdicts == run.blocked.verdicts && run.reloaded.causes == run.blocked.causes && run.reloaded.url == blockedURL)
        // The pasted message: explained, and the form holds its URL.
        #expect(run.explainedKind == "PreflightMissingAllowOriginHeader")
        #expect(run.explained.url == blockedURL)
        #expect(run.explained.location.contains("explain="))

        let artifacts = DemoProcess.artifactsDirectory
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let file = artifacts.appendingPathComponent("cors-debug.png")
        try run.screenshot.write(to: file)
        #expect(run.screenshot.count > 10_000, "screenshot at \(file.path)")
    }

    /// `value` as a JavaScript string literal.
    static func quoted(_ value: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [value])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}

struct DebugRun: Sendable {
    var allowed: DebugCommandTests.Shown
    var blocked: DebugCommandTests.Shown
    var message: String
    var reloaded: DebugCommandTests.Shown
    var explainedKind: String?
    var explained: DebugCommandTests.Shown
    var screenshot: Data
}
