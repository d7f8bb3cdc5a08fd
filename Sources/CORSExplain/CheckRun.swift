import CORSBrowser
import CORSFetch

/// One `fetch()` run as each browser would run it against the real server, the probes when asked
/// for, and the server-side causes the answers show: what `cors debug` and the cause tests run
/// (`cors check` runs the same steps with its preflight-cache and cookie files).
public struct CheckRun: Sendable {
    /// The fetch() that was run.
    public var request: FetchRequest
    /// Each browser's outcome, in the order run.
    public var results: [(browser: BrowserProfile, outcome: CORSFetcher.Outcome)]
    /// The answers to `--probe-errors`' requests (empty when not asked for).
    public var probes: [ObservedAnswer]

    /// A run already made (`cors check` makes its own, with its cache and cookie files).
    public init(request: FetchRequest, results: [(browser: BrowserProfile, outcome: CORSFetcher.Outcome)], probes: [ObservedAnswer] = []) {
        self.request = request
        self.results = results
        self.probes = probes
    }

    /// The causes `outcome`'s trace and the probes show.
    public func causes(_ outcome: CORSFetcher.Outcome) -> [ServerCause] {
        CauseFinder.causes(origin: request.origin, answers: outcome.trace.map(ObservedAnswer.init) + probes)
    }

    /// Runs `request` once per browser, each with a fresh preflight cache and cookie jar.
    public static func perform(_ request: FetchRequest, browsers: [BrowserProfile], probeErrors: Bool) async throws -> CheckRun {
        var results: [(browser: BrowserProfile, outcome: CORSFetcher.Outcome)] = []
        for browser in browsers {
            let outcome = try await CORSFetcher.with(browser: browser) { try await $0.fetch(request) }
            results.append((browser, outcome))
        }
        var probes: [ObservedAnswer] = []
        if probeErrors {
            let wire = WireClient()
            probes = await ErrorProbes.send(url: request.url, origin: request.origin, using: wire)
            try? await wire.shutdown()
        }
        return CheckRun(request: request, results: results, probes: probes)
    }
}
