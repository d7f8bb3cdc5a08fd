import ArgumentParser
import CORSBrowser
import CORSExplain
import CORSFetch
import Foundation

/// `cors check URL --origin ORIGIN`: what a browser would do with `fetch(URL, ...)` from a page at ORIGIN.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Fetch a URL as a browser page at --origin would, and say whether CORS lets the page read it.",
        discussion: """
            Options read like curl's. Exit status: 0 when the browser would allow the request, 1 when it \
            would block it, 2 for a usage error or when the server cannot be reached. With --browser all, \
            the request goes to the server once per browser, and the exit status is 0 only when every \
            browser allows it.
            """
    )

    @Argument(help: "The URL to fetch.")
    var url: String

    @Option(help: "The origin of the page making the request, e.g. http://localhost:3000.")
    var origin: String

    @Option(name: [.customShort("X"), .customLong("request")], help: "The method (default GET, or POST with -d).")
    var method: String?

    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, 'Name: value' ('Name:' sends it empty).")
    var headers: [String] = []

    @Option(name: [.customShort("d"), .customLong("data")], parsing: .unconditional, help: "The request body (a string, as fetch sends it).")
    var data: String?

    @Option(help: "omit, same-origin (fetch's default) or include.")
    var credentials: String = "same-origin"

    @Option(help: "cors (default), no-cors or same-origin.")
    var mode: String = "cors"

    @Option(help: "follow (default), error or manual.")
    var redirect: String = "follow"

    @Option(help: "default, no-store, reload, no-cache, force-cache or only-if-cached (decides whether a cached preflight is reused).")
    var cache: String = "default"

    @Option(name: .customLong("preflight-cache"), help: "A file that keeps the preflight cache between calls.")
    var preflightCache: String?

    @Option(name: .customLong("cookie-jar"), help: "A file that keeps cookies between calls (read and written).")
    var cookieJar: String?

    @Option(help: "chromium (default), firefox, or all: whose behaviour and console wording to reproduce.")
    var browser: String = "chromium"

    @Flag(help: "Print one JSON object instead of the human report.")
    var json = false

    @Flag(
        help:
            "Also request a path that does not exist, an error status and another origin, to find causes such as CORS headers on successful answers only."
    )
    var probeErrors = false

    func run() async throws {
        var options = CheckOptions(url: url, origin: origin, method: method, headers: headers, body: data)
        options.credentials = credentials
        options.mode = mode
        options.redirect = redirect
        options.cache = cache
        options.browser = browser
        let request: FetchRequest
        let browsers: [BrowserProfile]
        do {
            request = try options.request()
            browsers = try options.browsers()
        } catch {
            throw ValidationError(error.description)
        }

        var cacheFile = preflightCache.flatMap(Self.loadCacheFile)
        var savedCookies: [String: [String: String]] = [:]
        if let cookieJar, let data = FileManager.default.contents(atPath: cookieJar) {
            savedCookies = (try? JSONDecoder().decode([String: [String: String]].self, from: data)) ?? [:]
        }
        // Each browser has a preflight cache and a cookie jar of its own; the request goes out once per browser.
        var results: [(browser: BrowserProfile, outcome: CORSFetcher.Outcome)] = []
        var probes: [ObservedAnswer] = []
        if probeErrors {
            let wire = WireClient()
            probes = await ErrorProbes.send(url: url, origin: origin, using: wire)
            try? await wire.shutdown()
        }
        var cookiesAfter = savedCookies
        for profile in browsers {
            let cache = PreflightCache(browser: profile)
            if let cacheFile {
                cache.restore(cacheFile.entries(for: profile), elapsed: Date().timeIntervalSince1970 - cacheFile.savedAt(for: profile))
            }
            let jar = CookieJar(savedCookies)
            let fetcher = CORSFetcher(browser: profile, cache: cache, cookies: jar)
            do {
                results.append((profile, try await fetcher.fetch(request)))
            } catch {
                try? await fetcher.shutdown()
                FileHandle.standardError.write(Data("cors check: \(error)\n".utf8))
                throw ExitCode(2)
            }
            try? await fetcher.shutdown()
            if preflightCache != nil {
                var file = cacheFile ?? CacheFile(savedAt: 0, entries: [], firefox: nil, firefoxSavedAt: nil)
                file.set(cache.saved(), for: profile, at: Date().timeIntervalSince1970)
                cacheFile = file
            }
            cookiesAfter.merge(jar.contents) { $0.merging($1) { _, new in new } }
        }
        if let preflightCache, let cacheFile { Self.saveCacheFile(cacheFile, to: preflightCache) }
        if let cookieJar, let data = try? JSONEncoder().encode(cookiesAfter) {
            if !FileManager.default.createFile(atPath: cookieJar, contents: data) {
                FileHandle.standardError.write(Data("cors check: could not write the cookie jar \(cookieJar)\n".utf8))
            }
        }

        let comparison = BrowserComparison(results)
        if json {
            let object = ReportJSON.check(CheckRun(request: request, results: results, probes: probes))
            print(ReportJSON.text(object))
        } else if results.count == 1 {
            print(Self.report(results[0].outcome, request, probes: probes), terminator: "")
        } else {
            print(Self.report(comparison, request, probes: probes), terminator: "")
        }
        if !comparison.allAllow { throw ExitCode(1) }
    }

    // MARK: Output

    static let highlighted: Set<String> = [
        "origin", "access-control-request-method", "access-control-request-headers", "access-control-allow-origin",
        "access-control-allow-credentials", "access-control-allow-methods", "access-control-allow-headers",
        "access-control-expose-headers", "access-control-max-age", "vary", "location",
    ]

    static func report(_ outcome: CORSFetcher.Outcome, _ request: FetchRequest, probes: [ObservedAnswer] = []) -> String {
        var out = ""
        for header in outcome.droppedHeaders {
            out += "warning: the browser drops '\(header)': scripts may not set it\n"
        }
        for exchange in outcome.trace {
            out += "\n\(exchange.stage.rawValue): \(exchange.method) \(exchange.url)\n"
            for (name, value) in exchange.requestHeaders { out += "  > \(name): \(value)\(mark(name))\n" }
            out += "  < \(exchange.status)\n"
            for (name, value) in exchange.responseHeaders { out += "  < \(name): \(value)\(mark(name))\n" }
        }
        if outcome.preflightFromCache { out += "\npreflight: skipped, the preflight cache covers this request\n" }
        if !probes.isEmpty {
            out += "\nprobes (--probe-errors):\n"
            for probe in probes {
                let acao = probe.values("access-control-allow-origin")
                out +=
                    "  \(probe.purpose.rawValue): \(probe.method) \(probe.url) from \(probe.origin ?? "-") -> \(probe.status), Access-Control-Allow-Origin: \(acao.isEmpty ? "none" : acao.joined(separator: " | "))\n"
            }
        }
        out += "\n"
        if outcome.allowed {
            out += "ALLOWED: the page can read the response (status \(outcome.status ?? 0)).\n"
            out += "readable headers: \(outcome.readableHeaders.joined(separator: ", "))\n"
        } else {
            out += "BLOCKED in \(outcome.browser)\n"
            out += verdictLines(outcome)
            if let reason = outcome.blockReason {
                out += "fix:      \(reason.fix(origin: request.origin))\n"
                if let framework = ServerFramework.detect(outcome.trace.last?.responseHeaders ?? []) {
                    out += "in \(framework.rawValue):\n"
                    for line in framework.snippet(for: reason, origin: request.origin).split(separator: "\n") { out += "    \(line)\n" }
                }
            }
        }
        for cause in CauseFinder.causes(origin: request.origin, answers: outcome.trace.map(ObservedAnswer.init) + probes) {
            out += "cause:    \(cause.diagnosis)\n"
            out += "          fix: \(cause.fix)\n"
        }
        return out
    }

    /// The browser's console lines verbatim (or its TypeError), and a network error's cause.
    static func verdictLines(_ outcome: CORSFetcher.Outcome) -> String {
        var out = ""
        let label = "\(outcome.browser):".padding(toLength: 10, withPad: " ", startingAt: 0)
        let lines = outcome.consoleMessages.isEmpty ? [outcome.consoleMessage ?? outcome.scriptError].compactMap { $0 } : outcome.consoleMessages
        for line in lines { out += "\(label)\(line)\n" }
        if let networkError = outcome.networkError { out += "why:      \(networkError) (not a CORS failure)\n" }
        return out
    }

    /// The report for several browsers: each one's trace and verdict, then what differs.
    static func report(_ comparison: BrowserComparison, _ request: FetchRequest, probes: [ObservedAnswer] = []) -> String {
        var out = ""
        for (profile, outcome) in comparison.outcomes {
            out += "== \(profile)\n"
            var single = report(outcome, request, probes: probes)
            if single.hasPrefix("\n") { single.removeFirst() }
            out += single + "\n"
        }
        if let difference = comparison.difference(for: request) {
            out += "The browsers differ: \(difference)\n"
        } else {
            let verdict = comparison.allAllow ? "allow" : "block"
            out += "Every browser agrees: they all \(verdict) it.\n"
        }
        return out
    }

    private static func mark(_ name: String) -> String { highlighted.contains(name.lowercased()) ? "   <--" : "" }

    // MARK: The preflight cache file

    /// Saved entries per browser, each list with the time it was saved; `entries` and `savedAt`
    /// are Chromium's (the file's first shape).
    struct CacheFile: Codable {
        var savedAt: Double
        var entries: [PreflightCache.SavedEntry]
        var firefox: [PreflightCache.SavedEntry]?
        var firefoxSavedAt: Double?

        func entries(for browser: BrowserProfile) -> [PreflightCache.SavedEntry] {
            browser.name == .firefox ? firefox ?? [] : entries
        }

        func savedAt(for browser: BrowserProfile) -> Double {
            browser.name == .firefox ? firefoxSavedAt ?? savedAt : savedAt
        }

        mutating func set(_ saved: [PreflightCache.SavedEntry], for browser: BrowserProfile, at time: Double) {
            if browser.name == .firefox {
                firefox = saved
                firefoxSavedAt = time
            } else {
                entries = saved
                savedAt = time
            }
        }
    }

    static func loadCacheFile(_ path: String) -> CacheFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(CacheFile.self, from: data)
    }

    static func saveCacheFile(_ file: CacheFile, to path: String) {
        guard let data = try? JSONEncoder().encode(file), FileManager.default.createFile(atPath: path, contents: data) else {
            FileHandle.standardError.write(Data("cors check: could not write the preflight cache \(path)\n".utf8))
            return
        }
    }
}
