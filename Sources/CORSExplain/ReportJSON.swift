import CORSBrowser
import CORSFetch
import Foundation

/// The JSON objects `cors check --json` and `cors explain --json` print, and `cors debug`'s
/// endpoint returns: built once here so the three cannot drift apart.
public enum ReportJSON {
    /// One browser's outcome for `request`: the verdict, the error, the trace, and the causes found.
    public static func check(_ outcome: CORSFetcher.Outcome, _ request: FetchRequest, causes: [ServerCause] = []) -> [String: Any] {
        var error: Any = NSNull()
        if let reason = outcome.blockReason {
            var object: [String: Any] = [
                "kind": reason.kind, "message": outcome.consoleMessage ?? "", "firefox": reason.firefoxReason,
                "fix": reason.fix(origin: request.origin),
            ]
            if let framework = ServerFramework.detect(outcome.trace.last?.responseHeaders ?? []) {
                object["framework"] = framework.rawValue
                object["frameworkFix"] = framework.snippet(for: reason, origin: request.origin)
            }
            error = object
        } else if let typeError = outcome.typeError {
            error = [
                "kind": "TypeError", "message": typeError.message(in: outcome.browser),
                "fix": "Change the fetch() call: the browser refuses to send it.",
            ]
        } else if let networkError = outcome.networkError {
            error = [
                "kind": "NetworkError", "message": outcome.consoleMessage ?? outcome.scriptError ?? "", "fix": "Not a CORS failure: \(networkError).",
            ]
        }
        let trace: [[String: Any]] = outcome.trace.map { exchange in
            [
                "stage": exchange.stage.rawValue, "method": exchange.method, "url": exchange.url,
                "requestHeaders": exchange.requestHeaders.map { ["name": $0.name, "value": $0.value] },
                "status": exchange.status,
                "responseHeaders": exchange.responseHeaders.map { ["name": $0.name, "value": $0.value] },
            ]
        }
        var preflight: [String: Any] = ["sent": outcome.preflightSent, "fromCache": outcome.preflightFromCache]
        preflight["status"] = outcome.preflightStatus ?? NSNull()
        return [
            "allowed": outcome.allowed, "preflight": preflight, "error": error, "browser": outcome.browser.name.rawValue,
            "readableHeaders": outcome.readableHeaders, "droppedHeaders": outcome.droppedHeaders, "trace": trace,
            "status": outcome.status ?? NSNull(), "causes": causes.map(Self.cause),
        ]
    }

    /// `cors check --json`'s whole object: one browser's, or with several browsers each one's
    /// under `browsers` with the comparison.
    public static func check(_ run: CheckRun) -> [String: Any] {
        if run.results.count == 1 { return check(run.results[0].outcome, run.request, causes: run.causes(run.results[0].outcome)) }
        let comparison = BrowserComparison(run.results)
        var byBrowser: [String: Any] = [:]
        for (profile, outcome) in run.results { byBrowser[profile.name.rawValue] = check(outcome, run.request, causes: run.causes(outcome)) }
        return [
            "allowed": comparison.allAllow, "browsers": byBrowser, "verdictsDiffer": comparison.verdictsDiffer,
            "difference": comparison.difference(for: run.request) ?? NSNull(),
        ]
    }

    /// A server-side cause: its name, what it means, and the change, in the server's idiom.
    public static func cause(_ cause: ServerCause) -> [String: Any] {
        ["cause": cause.name, "diagnosis": cause.diagnosis, "fix": cause.fix]
    }

    /// `cors explain --json`: the browser, the request the message names, and an `error` object
    /// shaped like `cors check --json`'s (kind, message, fix), with the meaning, the ranked causes
    /// and the fixes per server.
    public static func explain(_ explanation: Explanation) -> [String: Any] {
        let error = explanation.error
        let guide = explanation.guide
        var object: [String: Any] = [
            "kind": error.failure.kind, "message": explanation.message, "fix": guide.fix, "meaning": guide.meaning,
            "causes": guide.causes, "lines": error.lines,
        ]
        if case .blocked(let reason) = error.failure { object["firefox"] = reason.firefoxReason }
        object["policy"] = guide.policyFix ?? NSNull()
        var servers: [String: String] = [:]
        for (server, snippet) in guide.serverFixes { servers[server.rawValue] = snippet }
        object["servers"] = servers
        let suggested = explanation.suggestedRequest
        let request: [String: Any] = [
            "method": suggested.method ?? NSNull(), "headers": suggested.headers, "credentials": suggested.credentials ?? NSNull(),
        ]
        return [
            "recognized": true, "request": request, "browser": error.browser.rawValue, "url": error.url ?? NSNull(),
            "origin": error.origin ?? NSNull(),
            "redirectedFrom": error.redirectedFrom ?? NSNull(), "preflight": error.preflight ?? NSNull(),
            "status": error.status ?? NSNull(), "error": object, "check": explanation.checkCommand ?? NSNull(),
        ]
    }

    /// `cors explain --json` for text that is not a CORS message.
    public static func notCORS(_ what: NotACORSMessage) -> [String: Any] {
        ["recognized": false, "what": "\(what)".split(separator: "(").first.map(String.init) ?? "", "explanation": what.explanation]
    }

    /// `object` as pretty, key-sorted JSON text.
    public static func text(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
