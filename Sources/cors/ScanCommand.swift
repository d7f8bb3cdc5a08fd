import ArgumentParser
import CORSScan
import Foundation

/// `cors scan URL`: every CORS misconfiguration of a live endpoint, each with evidence, severity
/// and fix; with `--expect POLICY`, every request where the endpoint and the policy disagree.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Probe a live endpoint for every CORS misconfiguration, or check it against a policy (--expect).",
        discussion: """
            Sends crafted GET and preflight requests (no redirects followed, attacker names random per scan) \
            and reports every class found: reflected-origin, null-origin, prefix-match, suffix-match, \
            substring-match, unescaped-dot, any-subdomain, insecure-origin, special-characters, \
            wildcard-origin, wildcard-with-credentials, invalid-allow-origin, missing-vary, preflight-reflection. \
            With --expect POLICY, sends the policy's origins, methods and headers and their near misses and \
            reports every request where the live verdict differs from the policy's. Exit status: 0 nothing \
            found (no difference), 1 something found (a difference), 2 a usage or network error, or a scan \
            the --max-requests budget cut short.
            """
    )

    @Argument(help: "The endpoint to scan, e.g. https://api.example.com/me.")
    var url: String

    @Option(help: "The site's own origin, when the API lives elsewhere (default: the URL's origin).")
    var site: String?

    @Option(help: "A policy file: report where the live endpoint differs from it instead of scanning for classes.")
    var expect: String?

    @Option(name: [.customShort("H"), .customLong("header")], help: "A header to send with every GET probe, 'Name: value' (cookies, authorization).")
    var headers: [String] = []

    @Option(help: "At most this many requests per second.")
    var rate: Double = 10

    @Option(name: .customLong("max-requests"), help: "At most this many requests in all.")
    var maxRequests: Int = 200

    @Option(help: "Seconds one request may take.")
    var timeout: Double = 10

    @Option(name: .customLong("fail-on"), help: "The lowest severity that makes the exit status 1: info (default), low, medium or high.")
    var failOn: String = "info"

    @Flag(help: "Print one JSON object instead of the human report.")
    var json = false

    func run() async throws {
        guard let threshold = Severity(rawValue: failOn) else {
            throw ValidationError("--fail-on must be info, low, medium or high, not '\(failOn)'")
        }
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout \(timeout): must be a number of seconds above 0 and at most 3600")
        }
        do {
            let options = ScanOptions(
                extraHeaders: try headers.map(ScanOptions.header),
                requestsPerSecond: rate,
                maxRequests: maxRequests,
                timeout: .milliseconds(Int64(timeout * 1000))
            )
            let target = try ScanTarget(url: url, site: site)
            if let expect {
                let loaded = LoadedPolicy.load(expect)
                guard let policy = loaded.policy else {
                    for line in loaded.lines { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
                    throw ValidationError("--expect \(expect): \(loaded.summary(for: expect))")
                }
                let report = try await PolicyConformanceCheck(target: target, policy: policy, options: options).run()
                print(json ? report.json.rendered() : report.text, terminator: json ? "\n" : "")
                if !report.isComplete { throw ExitCode(2) }
                if !report.differences.isEmpty { throw ExitCode(1) }
            } else {
                let report = try await CORSScanner(target: target, options: options).scan()
                print(json ? report.json.rendered() : report.text, terminator: json ? "\n" : "")
                if !report.isComplete { throw ExitCode(2) }
                if report.hasFinding(atLeast: threshold) { throw ExitCode(1) }
            }
        } catch let error as ScanError {
            if case .unreachable = error {
                FileHandle.standardError.write(Data("cors scan: \(error)\n".utf8))
                throw ExitCode(2)
            }
            throw ValidationError(error.description)
        }
    }
}
