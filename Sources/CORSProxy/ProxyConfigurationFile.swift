import CORS
import NIOCore

/// One thing wrong with a gateway configuration, located and with its fix: a configuration is
/// refused whole, with every problem listed at once (as `cors lint` lists a policy's).
public enum ProxyConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not JSON.
    case notJSON(JSONSyntaxError)
    /// A value that must be an object is not.
    case notAnObject(key: String, line: Int, column: Int, found: String)
    /// A key this place does not have; `suggestion` is the valid one it is closest to.
    case unknownKey(key: String, line: Int, column: Int, suggestion: String?, valid: [String])
    /// A key given twice in one object.
    case duplicateKey(key: String, line: Int, column: Int)
    /// A value of the wrong kind.
    case wrongType(key: String, line: Int, column: Int, expected: String, found: String)
    /// A required key (a route's `prefix`, `upstream` or `policy`) is absent.
    case missingKey(key: String, line: Int, column: Int)
    /// The configuration has no route and no open mode, so it would forward nothing.
    case noRoutes
    /// An upstream that is not `http[s]://host[:port]`.
    case unusableUpstream(key: String, line: Int, column: Int, value: String, UpstreamURL.ParseError)
    /// A route prefix that does not start with `/`.
    case prefixNotAPath(key: String, line: Int, column: Int, value: String)
    /// Two routes with the same prefix.
    case duplicatePrefix(key: String, line: Int, column: Int, value: String)
    /// A `listen` or `admin` value that is not `host:port`.
    case invalidListenAddress(key: String, line: Int, column: Int, value: String)
    /// A trusted proxy that is not an IP address or network.
    case invalidAddressRange(key: String, line: Int, column: Int, value: String)
    /// A value outside its fixed set (`upstreamCORS`, `forwardedHeaders`).
    case invalidChoice(key: String, line: Int, column: Int, value: String, choices: [String])
    /// A limit out of range; `reason` says the range.
    case invalidLimit(key: String, line: Int, column: Int, reason: String)
    /// A policy (inline or in its own file) with problems; `lines` are its own diagnostics.
    case invalidPolicy(key: String, line: Int, column: Int, lines: [String])
    /// A policy given by path whose file cannot be read.
    case unreadablePolicyFile(key: String, line: Int, column: Int, path: String)
    /// A header rule whose name is not an HTTP token.
    case invalidHeaderName(key: String, line: Int, column: Int, name: String)
    /// A rule on a header the gateway owns (hop-by-hop, Host, framing): it would break the exchange.
    case gatewayOwnedHeader(key: String, line: Int, column: Int, name: String)
    /// A header value `{"env": "NAME"}` whose variable is not set.
    case missingEnvironmentVariable(key: String, line: Int, column: Int, variable: String)
    /// An open-mode target that is not a scheme and host pattern.
    case invalidTargetPattern(key: String, line: Int, column: Int, value: String, reason: String)
    /// Credentials in open mode: the gateway strips cookies there, and any target could read them.
    case credentialsInOpenMode(key: String, line: Int, column: Int)

    /// `error: line:column: key: what is wrong`, with the fix.
    public var description: String {
        func at(_ line: Int, _ column: Int, _ key: String) -> String { "error: \(line):\(column): \(key): " }
        switch self {
        case .notJSON(let error):
            return "error: \(error.line):\(error.column): not JSON: \(error.message)"
        case .notAnObject(let key, let line, let column, let found):
            return at(line, column, key) + "must be an object, found \(found)"
        case .unknownKey(let key, let line, let column, let suggestion, let valid):
            let hint = suggestion.map { "did you mean \"\($0)\"?" } ?? "valid keys here are \(valid.joined(separator: ", "))"
            return at(line, column, key) + "unknown key; \(hint)"
        case .duplicateKey(let key, let line, let column):
            return at(line, column, key) + "appears twice; keep one"
        case .wrongType(let key, let line, let column, let expected, let found):
            return at(line, column, key) + "must be \(expected), found \(found)"
        case .missingKey(let key, let line, let column):
            return at(line, column, key) + "is required"
        case .noRoutes:
            return
                "error: 1:1: routes: the configuration has no route; add {\"prefix\": \"/\", \"upstream\": \"http://127.0.0.1:3000\", \"policy\": ...}"
        case .unusableUpstream(let key, let line, let column, let value, let reason):
            return at(line, column, key) + "\"\(value)\" is not usable: \(reason)"
        case .prefixNotAPath(let key, let line, let column, let value):
            return at(line, column, key) + "\"\(value)\" is not a path; a prefix starts with / (\"/\" covers every path)"
        case .duplicatePrefix(let key, let line, let column, let value):
            return at(line, column, key) + "\"\(value)\" is already another route's prefix; merge the two routes"
        case .invalidListenAddress(let key, let line, let column, let value):
            return at(line, column, key) + "\"\(value)\" is not host:port (for example \"127.0.0.1:8080\" or \"[::1]:8080\")"
        case .invalidAddressRange(let key, let line, let column, let value):
            return at(line, column, key) + "\"\(value)\" is not an IP address or network (for example \"10.0.0.0/8\" or \"::1\")"
        case .invalidChoice(let key, let line, let column, let value, let choices):
            return at(line, column, key) + "\"\(value)\" is not one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
        case .invalidLimit(let key, let line, let column, let reason):
            return at(line, column, key) + reason
        case .invalidPolicy(let key, let line, let column, let lines):
            return at(line, column, key) + "the policy is invalid:\n" + lines.map { "    " + $0 }.joined(separator: "\n")
        case .unreadablePolicyFile(let key, let line, let column, let path):
            return at(line, column, key)
                + "the policy file \(path) cannot be read; give a readable path (relative paths start at the configuration file's folder)"
        case .invalidHeaderName(let key, let line, let column, let name):
            return at(line, column, key) + "\"\(name)\" is not a header name (a token: letters, digits and !#$%&'*+-.^_`|~)"
        case .gatewayOwnedHeader(let key, let line, let column, let name):
            return at(line, column, key) + "\"\(name)\" is managed by the gateway itself (hop-by-hop, Host, framing or forwarding); remove the rule"
        case .missingEnvironmentVariable(let key, let line, let column, let variable):
            return at(line, column, key) + "the environment variable \(variable) is not set; export it before starting the gateway"
        case .invalidTargetPattern(let key, let line, let column, let value, let reason):
            return at(line, column, key)
                + "\"\(value)\" is not a target pattern: \(reason); write scheme://host, *.host or :* ports (\"https://api.vendor.example\")"
        case .credentialsInOpenMode(let key, let line, let column):
            return at(line, column, key)
                + "allowCredentials is refused in open mode: cookies are stripped there and any allowed target could read what the browser sends; use a route instead"
        }
    }
}

/// The gateway's configuration file: JSON, read strictly (unknown keys, wrong types and every
/// policy problem are reported with line:column), resolved against its folder and the environment.
public enum ProxyConfigurationFile {
    /// The top-level keys a configuration file may have.
    public static let keys = [
        "listen", "routes", "limits", "trustedProxies", "forwardedHeaders", "admin", "accessLog",
        "shutdownGracePeriodSeconds", "open",
    ]
    /// The keys of one route.
    public static let routeKeys = ["prefix", "upstream", "policy", "upstreamCORS", "requestHeaders"]
    /// The keys of `limits`.
    public static let limitKeys = [
        "requestHeaderBytes", "requestBodyBytes", "connectTimeoutSeconds", "responseHeadTimeoutSeconds",
        "idleTimeoutSeconds", "deadlineSeconds", "idleConnectionsPerUpstream",
    ]
    /// The keys of `open` (open mode).
    public static let openKeys = ["allowTargets", "allowPrivateTargets", "policy"]

    /// What reading a policy file by path needs from the outside world (a closure, so tests need no files).
    public typealias ReadFile = (String) -> String?

    /// Reads a configuration; `directory` resolves relative policy paths, `environment` resolves
    /// `{"env": "NAME"}` header values. Either every problem, or a configuration.
    public static func read(
        _ text: String,
        directory: String,
        environment: [String: String],
        readFile: @escaping ReadFile
    ) -> Result<ProxyConfiguration, ProxyConfigurationErrors> {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { return .failure(ProxyConfigurationErrors([.notJSON(error)])) }
        var reader = Reader(directory: directory, environment: environment, readFile: readFile)
        let configuration = reader.configuration(json)
        if let configuration, reader.problems.isEmpty { return .success(configuration) }
        return .failure(ProxyConfigurationErrors(reader.problems))
    }

    /// The common case from the command line: one upstream for every path under one policy file's text.
    public static func single(
        upstream: String,
        policyText: String,
        policyPath: String,
        listen: ListenAddress
    ) -> Result<ProxyConfiguration, ProxyConfigurationErrors> {
        var problems: [ProxyConfigurationProblem] = []
        var upstreamURL: UpstreamURL?
        switch UpstreamURL.parse(upstream) {
        case .success(let url): upstreamURL = url
        case .failure(let reason): problems.append(.unusableUpstream(key: "--upstream", line: 1, column: 1, value: upstream, reason))
        }
        let responder = Reader.responder(fromPolicyText: policyText, key: policyPath, line: 1, column: 1, problems: &problems)
        guard problems.isEmpty, let upstreamURL, let responder else { return .failure(ProxyConfigurationErrors(problems)) }
        return .success(ProxyConfiguration(listen: listen, routes: [ProxyRoute(prefix: "/", upstream: upstreamURL, responder: responder)]))
    }

    struct Reader {
        let directory: String
        let environment: [String: String]
        let readFile: ReadFile
        var problems: [ProxyConfigurationProblem] = []

        init(directory: String, environment: [String: String], readFile: @escaping ReadFile) {
            self.directory = directory
            self.environment = environment
            self.readFile = readFile
        }

        /// The members of an object, reporting unknown and duplicate keys; `nil` if it is no object.
        mutating func members(
            _ value: JSONValue,
            key: String,
            line: Int,
            column: Int,
            allowed: [String]
        ) -> [String: JSONValue.Member]? {
            guard case .object(let list) = value else {
                problems.append(.notAnObject(key: key, line: line, column: column, found: value.kindName))
                return nil
            }
            var out: [String: JSONValue.Member] = [:]
            for member in list {
                let path = key.isEmpty ? member.key : "\(key).\(member.key)"
                guard allowed.contains(member.key) else {
                    problems.append(
                        .unknownKey(
                            key: path,
                            line: member.line,
                            column: member.column,
                            suggestion: CORSPolicyFile.nearestKey(to: member.key, among: allowed),
                            valid: allowed
                        )
                    )
                    continue
                }
                if out[member.key] != nil {
                    problems.append(.duplicateKey(key: path, line: member.line, column: member.column))
                    continue
                }
                out[member.key] = member
            }
            return out
        }

        mutating func string(_ member: JSONValue.Member, _ key: String) -> String? {
            if case .string(let value) = member.value { return value }
            problems.append(.wrongType(key: key, line: member.line, column: member.column, expected: "a string", found: member.value.kindName))
            return nil
        }

        mutating func bool(_ member: JSONValue.Member, _ key: String) -> Bool? {
            if case .bool(let value) = member.value { return value }
            problems.append(.wrongType(key: key, line: member.line, column: member.column, expected: "true or false", found: member.value.kindName))
            return nil
        }

        mutating func number(_ member: JSONValue.Member, _ key: String) -> Double? {
            if case .number(let text) = member.value, let value = Double(text) { return value }
            problems.append(.wrongType(key: key, line: member.line, column: member.column, expected: "a number", found: member.value.kindName))
            return nil
        }

        mutating func strings(_ member: JSONValue.Member, _ key: String) -> [String]? {
            if case .array(let elements) = member.value {
                var out: [String] = []
                for element in elements {
                    guard case .string(let value) = element else {
                        problems.append(
                            .wrongType(
                                key: key,
                                line: member.line,
                                column: member.column,
                                expected: "a list of strings",
                                found: "a list holding \(element.kindName)"
                            )
                        )
                        return nil
                    }
                    out.append(value)
                }
                return out
            }
            problems.append(
                .wrongType(key: key, line: member.line, column: member.column, expected: "a list of strings", found: member.value.kindName)
            )
            return nil
        }

        mutating func configuration(_ json: JSONValue) -> ProxyConfiguration? {
            guard let top = members(json, key: "", line: 1, column: 1, allowed: ProxyConfigurationFile.keys) else { return nil }
            var listen = ListenAddress(host: "127.0.0.1", port: 8080)
            if let member = top["listen"], let text = string(member, "listen") {
                if let address = ListenAddress(text) {
                    listen = address
                } else {
                    problems.append(.invalidListenAddress(key: "listen", line: member.line, column: member.column, value: text))
                }
            }
            var admin: ListenAddress?
            if let member = top["admin"], let text = string(member, "admin") {
                if let address = ListenAddress(text) {
                    admin = address
                } else {
                    problems.append(.invalidListenAddress(key: "admin", line: member.line, column: member.column, value: text))
                }
            }
            var routes: [ProxyRoute] = []
            if let member = top["routes"] {
                if case .array(let elements) = member.value {
                    var seen: Set<String> = []
                    for (index, element) in elements.enumerated() {
                        let key = "routes[\(index)]"
                        // Array elements carry no position of their own: an object's first key is the nearest.
                        var (line, column) = (member.line, member.column)
                        if case .object(let fields) = element, let first = fields.first { (line, column) = (first.line, first.column) }
                        guard let route = self.route(element, key: key, line: line, column: column) else { continue }
                        if !seen.insert(route.prefix).inserted {
                            problems.append(.duplicatePrefix(key: key + ".prefix", line: line, column: column, value: route.prefix))
                        }
                        routes.append(route)
                    }
                } else {
                    problems.append(
                        .wrongType(
                            key: "routes",
                            line: member.line,
                            column: member.column,
                            expected: "a list of routes",
                            found: member.value.kindName
                        )
                    )
                }
            }
            var limits = ProxyLimits()
            if let member = top["limits"] { limits = self.limits(member) ?? limits }
            var trusted: [IPAddressRange] = []
            if let member = top["trustedProxies"], let list = strings(member, "trustedProxies") {
                for text in list {
                    if let range = IPAddressRange(text) {
                        trusted.append(range)
                    } else {
                        problems.append(.invalidAddressRange(key: "trustedProxies", line: member.line, column: member.column, value: text))
                    }
                }
            }
            var style = ForwardedStyle.xForwarded
            if let member = top["forwardedHeaders"], let text = string(member, "forwardedHeaders") {
                if let value = ForwardedStyle(rawValue: text) {
                    style = value
                } else {
                    problems.append(
                        .invalidChoice(
                            key: "forwardedHeaders",
                            line: member.line,
                            column: member.column,
                            value: text,
                            choices: ForwardedStyle.allCases.map(\.rawValue)
                        )
                    )
                }
            }
            var accessLog = AccessLogDestination.standardOutput
            if let member = top["accessLog"], let text = string(member, "accessLog") {
                switch text {
                case "stdout": accessLog = .standardOutput
                case "off": accessLog = .off
                case "":
                    problems.append(
                        .invalidChoice(
                            key: "accessLog",
                            line: member.line,
                            column: member.column,
                            value: text,
                            choices: ["stdout", "off", "a file path"]
                        )
                    )
                default: accessLog = .file(Self.resolve(text, in: directory))
                }
            }
            var grace = TimeAmount.seconds(10)
            if let member = top["shutdownGracePeriodSeconds"], let value = duration(member, "shutdownGracePeriodSeconds") { grace = value }
            var open: OpenMode?
            if let member = top["open"] { open = openMode(member) }
            if top["routes"] == nil && open == nil { problems.append(.noRoutes) }
            return ProxyConfiguration(
                listen: listen,
                routes: routes,
                limits: limits,
                trustedProxies: trusted,
                forwardedStyle: style,
                openMode: open,
                admin: admin,
                accessLog: accessLog,
                shutdownGracePeriod: grace
            )
        }

        mutating func duration(_ member: JSONValue.Member, _ key: String) -> TimeAmount? {
            guard let seconds = number(member, key) else { return nil }
            guard seconds > 0, seconds <= 86_400 else {
                problems.append(
                    .invalidLimit(key: key, line: member.line, column: member.column, reason: "must be more than 0 and at most 86400 seconds")
                )
                return nil
            }
            return .nanoseconds(Int64(seconds * 1_000_000_000))
        }

        mutating func limits(_ member: JSONValue.Member) -> ProxyLimits? {
            guard
                let fields = members(member.value, key: "limits", line: member.line, column: member.column, allowed: ProxyConfigurationFile.limitKeys)
            else { return nil }
            var limits = ProxyLimits()
            func count(_ reader: inout Reader, _ name: String, minimum: Double, maximum: Double) -> Double? {
                guard let field = fields[name], let value = reader.number(field, "limits.\(name)") else { return nil }
                guard value >= minimum, value <= maximum, value == value.rounded() else {
                    reader.problems.append(
                        .invalidLimit(
                            key: "limits.\(name)",
                            line: field.line,
                            column: field.column,
                            reason: "must be a whole number from \(Int(minimum)) to \(Int64(maximum))"
                        )
                    )
                    return nil
                }
                return value
            }
            if let value = count(&self, "requestHeaderBytes", minimum: 1024, maximum: 80 * 1024) { limits.requestHeaderBytes = Int(value) }
            if let value = count(&self, "requestBodyBytes", minimum: 0, maximum: Double(1 << 50)) { limits.requestBodyBytes = Int64(value) }
            if let value = count(&self, "idleConnectionsPerUpstream", minimum: 0, maximum: 100_000) { limits.idleConnectionsPerUpstream = Int(value) }
            if let field = fields["connectTimeoutSeconds"], let value = duration(field, "limits.connectTimeoutSeconds") {
                limits.connectTimeout = value
            }
            if let field = fields["responseHeadTimeoutSeconds"], let value = duration(field, "limits.responseHeadTimeoutSeconds") {
                limits.responseHeadTimeout = value
            }
            if let field = fields["idleTimeoutSeconds"], let value = duration(field, "limits.idleTimeoutSeconds") { limits.idleTimeout = value }
            if let field = fields["deadlineSeconds"], let value = duration(field, "limits.deadlineSeconds") { limits.deadline = value }
            return limits
        }

        mutating func route(_ value: JSONValue, key: String, line: Int, column: Int) -> ProxyRoute? {
            guard let fields = members(value, key: key, line: line, column: column, allowed: ProxyConfigurationFile.routeKeys) else { return nil }
            var prefix: String?
            if let member = fields["prefix"], let text = string(member, key + ".prefix") {
                if text.hasPrefix("/") {
                    prefix = text.count > 1 && text.hasSuffix("/") ? String(text.dropLast()) : text
                } else {
                    problems.append(.prefixNotAPath(key: key + ".prefix", line: member.line, column: member.column, value: text))
                }
            } else if fields["prefix"] == nil {
                problems.append(.missingKey(key: key + ".prefix", line: line, column: column))
            }
            var upstream: UpstreamURL?
            if let member = fields["upstream"], let text = string(member, key + ".upstream") {
                switch UpstreamURL.parse(text) {
                case .success(let url): upstream = url
                case .failure(let reason):
                    problems.append(.unusableUpstream(key: key + ".upstream", line: member.line, column: member.column, value: text, reason))
                }
            } else if fields["upstream"] == nil {
                problems.append(.missingKey(key: key + ".upstream", line: line, column: column))
            }
            var responder: CORSResponder?
            if let member = fields["policy"] {
                responder = policy(member, key: key + ".policy")
            } else {
                problems.append(.missingKey(key: key + ".policy", line: line, column: column))
            }
            var handling = UpstreamCORSHandling.replace
            if let member = fields["upstreamCORS"], let text = string(member, key + ".upstreamCORS") {
                if let value = UpstreamCORSHandling(rawValue: text) {
                    handling = value
                } else {
                    problems.append(
                        .invalidChoice(
                            key: key + ".upstreamCORS",
                            line: member.line,
                            column: member.column,
                            value: text,
                            choices: UpstreamCORSHandling.allCases.map(\.rawValue)
                        )
                    )
                }
            }
            var rules = RequestHeaderRules()
            if let member = fields["requestHeaders"] { rules = headerRules(member, key: key + ".requestHeaders") ?? rules }
            guard let prefix, let upstream, let responder else { return nil }
            return ProxyRoute(prefix: prefix, upstream: upstream, responder: responder, upstreamCORS: handling, requestHeaderRules: rules)
        }

        /// A policy given inline (an object) or as a path to a policy file.
        mutating func policy(_ member: JSONValue.Member, key: String) -> CORSResponder? {
            switch member.value {
            case .object:
                let read = CORSPolicyFile.read(member.value)
                return Self.responder(read, key: key, line: member.line, column: member.column, problems: &problems)
            case .string(let path):
                let resolved = Self.resolve(path, in: directory)
                guard let text = readFile(resolved) else {
                    problems.append(.unreadablePolicyFile(key: key, line: member.line, column: member.column, path: resolved))
                    return nil
                }
                return Self.responder(fromPolicyText: text, key: key, line: member.line, column: member.column, problems: &problems)
            default:
                problems.append(
                    .wrongType(
                        key: key,
                        line: member.line,
                        column: member.column,
                        expected: "a policy object or the path of a policy file",
                        found: member.value.kindName
                    )
                )
                return nil
            }
        }

        static func responder(
            fromPolicyText text: String,
            key: String,
            line: Int,
            column: Int,
            problems: inout [ProxyConfigurationProblem]
        ) -> CORSResponder? {
            do {
                return responder(try CORSPolicyFile.read(text), key: key, line: line, column: column, problems: &problems)
            } catch {
                problems.append(
                    .invalidPolicy(key: key, line: line, column: column, lines: ["error: \(error.line):\(error.column): \(error.message)"])
                )
                return nil
            }
        }

        static func responder(
            _ read: (policy: CORSPolicy, problems: [CORSPolicyFile.Problem]),
            key: String,
            line: Int,
            column: Int,
            problems: inout [ProxyConfigurationProblem]
        ) -> CORSResponder? {
            let diagnostics = read.policy.validate()
            var lines = read.problems.map(\.description) + diagnostics.errors.map { "error: \($0.key): \($0.reason); \($0.fix)" }
            if !read.problems.isEmpty || !diagnostics.isValid {
                if lines.isEmpty { lines = diagnostics.lines }
                problems.append(.invalidPolicy(key: key, line: line, column: column, lines: lines))
                return nil
            }
            return try? CORSResponder(policy: read.policy)
        }

        mutating func headerRules(_ member: JSONValue.Member, key: String) -> RequestHeaderRules? {
            guard let fields = members(member.value, key: key, line: member.line, column: member.column, allowed: ["set", "remove"]) else {
                return nil
            }
            var set: [(name: String, value: String)] = []
            var remove: [String] = []
            if let setMember = fields["set"] {
                if case .object(let list) = setMember.value {
                    for entry in list {
                        let entryKey = "\(key).set.\(entry.key)"
                        guard checkName(entry.key, key: entryKey, line: entry.line, column: entry.column) else { continue }
                        switch entry.value {
                        case .string(let value):
                            guard Self.isFieldValue(value) else {
                                problems.append(
                                    .wrongType(
                                        key: entryKey,
                                        line: entry.line,
                                        column: entry.column,
                                        expected: "a header value without control characters",
                                        found: "one with them"
                                    )
                                )
                                continue
                            }
                            set.append((entry.key, value))
                        case .object(let spec) where spec.count == 1 && spec[0].key == "env":
                            guard case .string(let variable) = spec[0].value else {
                                problems.append(
                                    .wrongType(
                                        key: entryKey + ".env",
                                        line: spec[0].line,
                                        column: spec[0].column,
                                        expected: "a variable name",
                                        found: spec[0].value.kindName
                                    )
                                )
                                continue
                            }
                            guard let value = environment[variable] else {
                                problems.append(
                                    .missingEnvironmentVariable(key: entryKey, line: entry.line, column: entry.column, variable: variable)
                                )
                                continue
                            }
                            guard Self.isFieldValue(value) else {
                                problems.append(
                                    .wrongType(
                                        key: entryKey,
                                        line: entry.line,
                                        column: entry.column,
                                        expected: "an environment value without control characters",
                                        found: "one with them"
                                    )
                                )
                                continue
                            }
                            set.append((entry.key, value))
                        default:
                            problems.append(
                                .wrongType(
                                    key: entryKey,
                                    line: entry.line,
                                    column: entry.column,
                                    expected: "a string or {\"env\": \"NAME\"}",
                                    found: entry.value.kindName
                                )
                            )
                        }
                    }
                } else {
                    problems.append(.notAnObject(key: key + ".set", line: setMember.line, column: setMember.column, found: setMember.value.kindName))
                }
            }
            if let removeMember = fields["remove"], let names = strings(removeMember, key + ".remove") {
                for name in names where checkName(name, key: key + ".remove", line: removeMember.line, column: removeMember.column) {
                    remove.append(name)
                }
            }
            return RequestHeaderRules(set: set, remove: remove)
        }

        mutating func checkName(_ name: String, key: String, line: Int, column: Int) -> Bool {
            guard FetchVocabulary.isToken(name) else {
                problems.append(.invalidHeaderName(key: key, line: line, column: column, name: name))
                return false
            }
            if HopByHopHeaders.gatewayOwned.contains(name.lowercased()) {
                problems.append(.gatewayOwnedHeader(key: key, line: line, column: column, name: name))
                return false
            }
            return true
        }

        mutating func openMode(_ member: JSONValue.Member) -> OpenMode? {
            guard let fields = members(member.value, key: "open", line: member.line, column: member.column, allowed: ProxyConfigurationFile.openKeys)
            else { return nil }
            var patterns: [OriginPattern] = []
            if let targets = fields["allowTargets"], let list = strings(targets, "open.allowTargets") {
                for text in list {
                    switch Self.targetPattern(text) {
                    case .success(let pattern): patterns.append(pattern)
                    case .failure(let reason):
                        problems.append(
                            .invalidTargetPattern(
                                key: "open.allowTargets",
                                line: targets.line,
                                column: targets.column,
                                value: text,
                                reason: reason.text
                            )
                        )
                    }
                }
                if list.isEmpty {
                    problems.append(
                        .invalidTargetPattern(
                            key: "open.allowTargets",
                            line: targets.line,
                            column: targets.column,
                            value: "",
                            reason: "the list is empty, so no target could ever be reached"
                        )
                    )
                }
            } else if fields["allowTargets"] == nil {
                problems.append(.missingKey(key: "open.allowTargets", line: member.line, column: member.column))
            }
            var allowPrivate = false
            if let field = fields["allowPrivateTargets"], let value = bool(field, "open.allowPrivateTargets") { allowPrivate = value }
            var responder: CORSResponder? = try? CORSResponder(policy: OpenMode.defaultPolicy)
            if let field = fields["policy"] {
                responder = policy(field, key: "open.policy")
                if let responder, responder.policy.allowCredentials {
                    problems.append(.credentialsInOpenMode(key: "open.policy", line: field.line, column: field.column))
                }
            }
            guard let responder else { return nil }
            return OpenMode(allowTargets: patterns, allowPrivateTargets: allowPrivate, responder: responder)
        }

        /// A target pattern is an origin pattern for http or https (no `null`).
        static func targetPattern(_ text: String) -> Result<OriginPattern, PatternReason> {
            let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
            guard trimmed.lowercased().hasPrefix("http://") || trimmed.lowercased().hasPrefix("https://") else {
                return .failure(PatternReason(text: "a target is http:// or https://"))
            }
            do {
                return .success(try OriginPattern(parsing: trimmed.lowercased()))
            } catch {
                return .failure(PatternReason(text: "\(error)"))
            }
        }

        static func isFieldValue(_ value: String) -> Bool {
            value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
        }

        static func resolve(_ path: String, in directory: String) -> String {
            path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
        }
    }
}

/// Why a target pattern is refused (a wrapper, so `Result` has an error type).
struct PatternReason: Error {
    var text: String
}

/// Every problem of a refused configuration, in file order.
public struct ProxyConfigurationErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, at least one.
    public let problems: [ProxyConfigurationProblem]
    /// A refusal listing `problems`.
    public init(_ problems: [ProxyConfigurationProblem]) { self.problems = problems }
    /// One line per problem.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
