import CORS
import Foundation
import Logging

/// Where a gateway's configuration comes from: a configuration file, or the command line's
/// common case (one upstream, one policy file, optionally open mode). Loading it again is what a
/// reload does; `watchedFiles` are the files whose change triggers one.
public struct ProxyConfigurationSource: Sendable {
    /// Where the routes come from.
    public enum Kind: Sendable {
        /// A configuration file at this path.
        case file(String)
        /// `upstream` and `policy` together, or open mode (`allowTargets` non-empty) with an optional policy.
        case flags(upstream: String?, policy: String?, allowTargets: [String], allowPrivateTargets: Bool)
    }

    /// A configuration file, or the command line's flags.
    public var kind: Kind
    /// Overrides of the file's values, from the command line: the listening address.
    public var listen: ListenAddress?
    /// Overrides the admin address (`/health`, `/metrics`).
    public var admin: ListenAddress?
    /// Overrides where the access log goes.
    public var accessLog: AccessLogDestination?
    /// The request body limit, over the file's (uploads larger than the default 10 MiB).
    public var requestBodyBytes: Int64?
    /// The variables `{"env": "NAME"}` header values are read from.
    public var environment: [String: String]

    /// A source reading `kind`, with the given overrides and the process's environment by default.
    public init(
        _ kind: Kind,
        listen: ListenAddress? = nil,
        admin: ListenAddress? = nil,
        accessLog: AccessLogDestination? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.kind = kind
        self.listen = listen
        self.admin = admin
        self.accessLog = accessLog
        self.environment = environment
    }

    /// Reads every file involved; either a configuration or every problem, each naming its file.
    public func load() -> Result<ProxyConfiguration, ProxyConfigurationErrors> {
        var result: Result<ProxyConfiguration, ProxyConfigurationErrors>
        switch kind {
        case .file(let path):
            guard let text = Self.read(path) else {
                return .failure(ProxyConfigurationErrors([.unreadablePolicyFile(key: "--config", line: 1, column: 1, path: path)]))
            }
            let directory = (path as NSString).deletingLastPathComponent
            result = ProxyConfigurationFile.read(text, directory: directory, environment: environment, readFile: Self.read)
        case .flags(let upstream, let policy, let allowTargets, let allowPrivate):
            result = Self.fromFlags(upstream: upstream, policy: policy, allowTargets: allowTargets, allowPrivate: allowPrivate)
        }
        return result.map { configuration in
            var configuration = configuration
            if let listen { configuration.listen = listen }
            if let admin { configuration.admin = admin }
            if let accessLog { configuration.accessLog = accessLog }
            if let requestBodyBytes { configuration.limits.requestBodyBytes = requestBodyBytes }
            return configuration
        }
    }

    private static func fromFlags(
        upstream: String?,
        policy: String?,
        allowTargets: [String],
        allowPrivate: Bool
    ) -> Result<ProxyConfiguration, ProxyConfigurationErrors> {
        var problems: [ProxyConfigurationProblem] = []
        var routes: [ProxyRoute] = []
        var policyText: String?
        if let policy {
            policyText = read(policy)
            if policyText == nil { problems.append(.unreadablePolicyFile(key: "--policy", line: 1, column: 1, path: policy)) }
        }
        if let upstream {
            if let policyText, let policy {
                switch ProxyConfigurationFile.single(
                    upstream: upstream,
                    policyText: policyText,
                    policyPath: policy,
                    listen: ListenAddress(host: "127.0.0.1", port: 8080)
                ) {
                case .success(let configuration): routes = configuration.routes
                case .failure(let errors): problems += errors.problems
                }
            } else if policy == nil {
                problems.append(.missingKey(key: "--policy", line: 1, column: 1))
            }
        }
        var open: OpenMode?
        if !allowTargets.isEmpty {
            var patterns: [OriginPattern] = []
            for text in allowTargets {
                switch ProxyConfigurationFile.Reader.targetPattern(text) {
                case .success(let pattern): patterns.append(pattern)
                case .failure(let reason):
                    problems.append(.invalidTargetPattern(key: "--allow-target", line: 1, column: 1, value: text, reason: reason.text))
                }
            }
            var responder = try? CORSResponder(policy: OpenMode.defaultPolicy)
            if upstream == nil, let policyText, let policy {
                responder = ProxyConfigurationFile.Reader.responder(fromPolicyText: policyText, key: policy, line: 1, column: 1, problems: &problems)
                if let responder, responder.policy.allowCredentials {
                    problems.append(.credentialsInOpenMode(key: policy, line: 1, column: 1))
                }
            }
            if let responder { open = OpenMode(allowTargets: patterns, allowPrivateTargets: allowPrivate, responder: responder) }
        } else if upstream == nil {
            problems.append(.missingKey(key: "--upstream (or --config, or --open with --allow-target)", line: 1, column: 1))
        }
        guard problems.isEmpty else { return .failure(ProxyConfigurationErrors(problems)) }
        return .success(ProxyConfiguration(listen: ListenAddress(host: "127.0.0.1", port: 8080), routes: routes, openMode: open))
    }

    /// The files a reload reads: the configuration file and every policy file it names by path.
    public var watchedFiles: [String] {
        switch kind {
        case .flags(_, let policy, _, _): return policy.map { [$0] } ?? []
        case .file(let path):
            var files = [path]
            let directory = (path as NSString).deletingLastPathComponent
            if let text = Self.read(path), case .object(let members)? = try? JSONValue.parse(text) {
                for member in members where member.key == "routes" || member.key == "open" {
                    var objects: [JSONValue] = []
                    if case .array(let list) = member.value { objects = list } else { objects = [member.value] }
                    for object in objects {
                        guard case .object(let fields) = object else { continue }
                        for field in fields where field.key == "policy" {
                            if case .string(let policyPath) = field.value {
                                files.append(policyPath.hasPrefix("/") || directory.isEmpty ? policyPath : directory + "/" + policyPath)
                            }
                        }
                    }
                }
            }
            return files
        }
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
}

/// Reloads a running gateway when asked (SIGHUP) or when one of its files changes, refusing an
/// invalid new configuration and keeping the old one in force.
public struct ProxyReloader: Sendable {
    /// The running gateway a valid configuration is given to.
    public let server: CORSProxyServer
    /// Where the configuration is loaded from again.
    public let source: ProxyConfigurationSource
    /// Told what happened, for the command line to print.
    public let report: @Sendable (_ applied: Bool, _ lines: [String]) -> Void

    /// A reloader of `server` from `source`, telling `report` each time whether it applied.
    public init(server: CORSProxyServer, source: ProxyConfigurationSource, report: @escaping @Sendable (Bool, [String]) -> Void) {
        self.server = server
        self.source = source
        self.report = report
    }

    /// Loads the source again and applies it when valid; whether it was applied.
    @discardableResult
    public func reload() -> Bool {
        switch source.load() {
        case .success(let configuration):
            server.reload(configuration)
            report(
                true,
                [
                    "reloaded: \(configuration.routes.count) route\(configuration.routes.count == 1 ? "" : "s")\(configuration.openMode != nil ? " and open mode" : ""), generation \(server.generation)"
                ]
            )
            return true
        case .failure(let errors):
            server.recordRefusedReload()
            report(false, errors.problems.map(\.description) + ["the new configuration is refused; the running one stays in force"])
            return false
        }
    }

    /// Polls the watched files' modification times every `interval` until cancelled.
    public func watch(interval: Duration = .milliseconds(500)) async {
        func stamps() -> [String: Date] {
            var out: [String: Date] = [:]
            for file in source.watchedFiles {
                out[file] = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date
            }
            return out
        }
        var last = stamps()
        var lastText = source.watchedFiles.map { ProxyConfigurationSource.read($0) ?? "" }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let current = stamps()
            let text = source.watchedFiles.map { ProxyConfigurationSource.read($0) ?? "" }
            if current != last || text != lastText {
                last = current
                lastText = text
                reload()
            }
        }
    }
}
