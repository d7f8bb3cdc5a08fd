import ArgumentParser
import CORSProxy
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `cors proxy`: a CORS gateway in front of an HTTP API (the logic is the CORSProxy library).
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Put a CORS gateway in front of an HTTP API: preflights answered from a policy, every response decorated.",
        discussion: """
            The common case: --upstream URL --policy FILE. Several routes: --config FILE. Development \
            against third-party APIs: --open --allow-target 'https://api.vendor.example' (GET /<absolute URL>). \
            An invalid configuration is refused with every problem listed (exit 2). SIGHUP, or an edit to \
            a file involved, reloads it; an invalid edit is refused and the running one stays. SIGTERM and \
            SIGINT stop gracefully. One JSON line per request goes to the access log.
            """
    )

    @Option(help: "The upstream's origin, scheme://host[:port]; every path goes there.")
    var upstream: String?

    @Option(help: "The JSON policy file (with --upstream; in open mode, the open mode's policy).")
    var policy: String?

    @Option(help: "A configuration file with routes, limits and the rest (instead of --upstream and --policy).")
    var config: String?

    @Option(help: "The address to listen on, host:port (0 as the port picks a free one).")
    var listen: String?

    @Flag(help: "Open mode: forward /<absolute URL> to targets the --allow-target patterns admit (development only).")
    var open = false

    @Option(name: .customLong("allow-target"), help: "A target pattern for open mode (repeatable): scheme://host, *.host, :* ports.")
    var allowTargets: [String] = []

    @Flag(help: "Open mode: also reach loopback, private, link-local and metadata addresses.")
    var allowPrivateTargets = false

    @Option(help: "Serve /health and /metrics (Prometheus) on this address.")
    var admin: String?

    @Option(help: "Where the access log goes: stdout, off, or a file path.")
    var accessLog: String?

    @Option(help: "The largest request body forwarded, in bytes (default 10485760; 413 beyond it).")
    var maxRequestBody: Int64?

    @Option(help: "Event loop threads (default: one per core).")
    var threads: Int?

    @Option(help: "The log level of the gateway's own messages (debug shows replaced upstream CORS headers).")
    var logLevel: String = "info"

    func run() async throws {
        let source: ProxyConfigurationSource
        do {
            source = try makeSource()
        } catch let error as ValidationError {
            Self.printError(error.message)
            throw ExitCode(2)
        }
        let configuration: ProxyConfiguration
        switch source.load() {
        case .success(let loaded): configuration = loaded
        case .failure(let errors):
            for problem in errors.problems { Self.printError(problem.description) }
            Self.printError("cors proxy: refusing to start: \(errors.problems.count) problem\(errors.problems.count == 1 ? "" : "s")")
            throw ExitCode(2)
        }

        var logger = Logger(label: "cors-proxy") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let server = try CORSProxyServer(configuration: configuration, logger: logger, threads: threads ?? CORSProxyServer.defaultThreads)
        let reloader = ProxyReloader(server: server, source: source) { applied, lines in
            for line in lines { Self.printError((applied ? "cors proxy: " : "") + line) }
        }
        let summary = configuration.routes.map { "\($0.prefix) -> \($0.upstream)" } + (configuration.openMode != nil ? ["open mode"] : [])
        let service = CORSProxyService(server: server) { address in
            var line = "cors proxy: listening on http://\(configuration.listen.host):\(address.port ?? 0) (\(summary.joined(separator: ", ")))"
            if let admin = server.adminAddress { line += "; admin on http://\(configuration.admin?.host ?? "127.0.0.1"):\(admin.port ?? 0)" }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        // Trapped before the gateway says it is listening: a SIGHUP sent on that line reloads, never kills.
        let hangupSignals = await UnixSignalsSequence(trapping: .sighup)
        let hangups = Task {
            for await _ in hangupSignals { reloader.reload() }
        }
        let watcher = Task { await reloader.watch() }
        defer {
            hangups.cancel()
            watcher.cancel()
        }
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch {
            Self.printError("cors proxy: \(error)")
            throw ExitCode(2)
        }
    }

    private func makeSource() throws -> ProxyConfigurationSource {
        func address(_ text: String?, _ flag: String) throws -> ListenAddress? {
            guard let text else { return nil }
            guard let address = ListenAddress(text) else {
                throw ValidationError("error: \(flag): \"\(text)\" is not host:port (for example 127.0.0.1:8080)")
            }
            return address
        }
        var accessLogDestination: AccessLogDestination?
        switch accessLog {
        case nil: accessLogDestination = nil
        case "stdout": accessLogDestination = .standardOutput
        case "off": accessLogDestination = .off
        case let path?: accessLogDestination = .file(path)
        }
        let kind: ProxyConfigurationSource.Kind
        if let config {
            if upstream != nil || policy != nil || open || !allowTargets.isEmpty {
                throw ValidationError(
                    "error: --config holds the routes and open mode; drop --upstream, --policy, --open and --allow-target, or drop --config"
                )
            }
            kind = .file(config)
        } else {
            if open != !allowTargets.isEmpty {
                throw ValidationError(
                    open
                        ? "error: --open needs at least one --allow-target pattern (for example 'https://api.vendor.example')"
                        : "error: --allow-target is for open mode; add --open"
                )
            }
            if allowPrivateTargets && !open { throw ValidationError("error: --allow-private-targets is for open mode; add --open") }
            kind = .flags(upstream: upstream, policy: policy, allowTargets: allowTargets, allowPrivateTargets: allowPrivateTargets)
        }
        if let maxRequestBody, maxRequestBody < 0 {
            throw ValidationError("error: --max-request-body: \(maxRequestBody) is not a number of bytes (0 or more)")
        }
        var source = ProxyConfigurationSource(
            kind,
            listen: try address(listen, "--listen"),
            admin: try address(admin, "--admin"),
            accessLog: accessLogDestination
        )
        source.requestBodyBytes = maxRequestBody
        return source
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
