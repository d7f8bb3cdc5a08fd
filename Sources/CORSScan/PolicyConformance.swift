import CORS
import CORSFetch
import CORSBrowser
import HTTPTypes

/// What a browser does with one answer: the page may read it (or send the request), or the
/// browser blocks it, for a reason.
public enum BrowserVerdict: Sendable, Hashable {
    case allowed
    case blocked(CORSBlockReason)

    public var isAllowed: Bool { self == .allowed }
    public var word: String { isAllowed ? "allowed" : "blocked" }
    /// Chromium's words for the block, or nil when allowed.
    public var reason: String? {
        if case .blocked(let reason) = self { return reason.chromiumDetail }
        return nil
    }

    /// The browser-side engine's verdict on an answer to `probe` (Fetch §4.10 for an actual
    /// request, §4.8 for a preflight), under `credentials`.
    static func judge(_ probe: PolicyProbe, status: Int, fields: HTTPFields, credentials: CredentialsMode) -> BrowserVerdict {
        switch probe.kind {
        case .actual:
            return CORSAccessCheck.check(fields, origin: probe.origin, credentials: credentials).map(BrowserVerdict.blocked) ?? .allowed
        case .preflight:
            let headers = probe.headerNames.map { (name: $0, value: "scan") }
            switch CORSPreflight.validate(
                status: status, fields: fields, origin: probe.origin, method: probe.method, headers: headers, credentials: credentials)
            {
            case .success: return .allowed
            case .failure(let reason): return .blocked(reason)
            }
        }
    }
}

/// A request where the live endpoint and the policy disagree.
public struct ConformanceDifference: Sendable {
    /// Too permissive (the live endpoint allows what the policy refuses: a security finding) or
    /// too strict (it refuses what the policy allows: a functional one).
    public enum Direction: String, Sendable, Hashable {
        case tooPermissive = "too-permissive"
        case tooStrict = "too-strict"

        public var consequence: String { self == .tooPermissive ? "security" : "functional" }
    }

    public var direction: Direction
    public var probe: PolicyProbe
    /// The credentials modes under which the verdicts differ.
    public var credentials: [CredentialsMode]
    public var expected: BrowserVerdict
    public var live: BrowserVerdict
    /// What the live endpoint answered.
    public var evidence: ProbeExchange
    /// The Access-Control-* headers the policy's own answer carries.
    public var expectedHeaders: [(name: String, value: String)]

    /// The request in a line: `GET with Origin: x` or `preflight for PUT with x-a from Origin: x`.
    public var request: String {
        switch probe.kind {
        case .actual: return "GET with Origin: \(probe.origin)"
        case .preflight:
            let headers = probe.headerNames.isEmpty ? "" : " and headers \(probe.headerNames.joined(separator: ","))"
            return "preflight for \(probe.method)\(headers) from Origin: \(probe.origin)"
        }
    }

    public var json: JSONValue {
        .members([
            ("direction", .string(direction.rawValue)),
            ("consequence", .string(direction.consequence)),
            ("request", .members([
                ("kind", .string(probe.kind.rawValue)), ("origin", .string(probe.origin)), ("method", .string(probe.method)),
                ("headers", .array(probe.headerNames.map(JSONValue.string))), ("purpose", .string(probe.purpose)),
            ])),
            ("credentials", .array(credentials.map { .string($0.rawValue) })),
            ("policy", .string(expected.word)),
            ("policyReason", expected.reason.map(JSONValue.string) ?? .null),
            ("live", .string(live.word)),
            ("liveReason", live.reason.map(JSONValue.string) ?? .null),
            ("expectedHeaders", .array(expectedHeaders.map(ProbeExchange.pair))),
            ("evidence", evidence.json),
        ])
    }
}

/// Every difference between a live endpoint and a policy.
public struct ConformanceReport: Sendable {
    public var url: String
    public var differences: [ConformanceDifference]
    /// Requests judged (each under two credentials modes).
    public var probes: Int
    public var requestsSent: Int
    /// Probes the request budget left unsent.
    public var unsent: Int

    public var isComplete: Bool { unsent == 0 }

    public var json: JSONValue {
        .members([
            ("url", .string(url)),
            ("differences", .array(differences.map(\.json))),
            ("probes", .number(String(probes))),
            ("requestsSent", .number(String(requestsSent))),
            ("complete", .bool(isComplete)),
        ])
    }

    public var text: String {
        var out = "cors scan \(url) --expect: \(probes) requests judged for omit and include credentials\n"
        if differences.isEmpty { out += "\nThe live endpoint does what the policy says.\n" }
        for difference in differences {
            let heading = difference.direction == .tooPermissive ? "TOO PERMISSIVE (security)" : "TOO STRICT (functional)"
            out += "\n\(heading): \(difference.request) (\(difference.probe.purpose)), credentials \(difference.credentials.map(\.rawValue).joined(separator: ", "))\n"
            out += "  policy: \(difference.expected.word)\(difference.expected.reason.map { ": \($0)" } ?? "")\n"
            out += "  live:   \(difference.live.word)\(difference.live.reason.map { ": \($0)" } ?? "")\n"
            for line in difference.evidence.lines { out += "    \(line)\n" }
            if !difference.expectedHeaders.isEmpty {
                out += "  the policy answers:\n"
                for (name, value) in difference.expectedHeaders { out += "    < \(name): \(value)\n" }
            }
        }
        if !isComplete { out += "\nINCOMPLETE: \(unsent) requests not sent; raise --max-requests.\n" }
        if !differences.isEmpty {
            let permissive = differences.filter { $0.direction == .tooPermissive }.count
            out += "\n\(differences.count) difference\(differences.count == 1 ? "" : "s"): \(permissive) too permissive, \(differences.count - permissive) too strict\n"
        }
        return out
    }
}

/// `cors scan URL --expect POLICY`: sends the policy's origins, methods and headers and their
/// near misses to the live endpoint, and compares the browser's verdict on each live answer with
/// its verdict on the answer swift-cors' own responder gives under the policy.
public struct PolicyConformanceCheck: Sendable {
    public let target: ScanTarget
    public let responder: CORSResponder
    public let options: ScanOptions

    /// Refuses a policy that is not valid, with every problem.
    public init(target: ScanTarget, policy: CORSPolicy, options: ScanOptions = ScanOptions()) throws(ScanError) {
        self.target = target
        self.options = try options.validated()
        do {
            responder = try CORSResponder(policy: policy)
        } catch {
            throw .invalidPolicy(error.diagnostics.lines)
        }
    }

    public var probes: [PolicyProbe] { PolicyProbe.derive(for: responder.policy, label: target.label) }

    public func run() async throws(ScanError) -> ConformanceReport {
        let sender = ProbeSender(options: options)
        do {
            let report = try await run(sender)
            await sender.shutdown()
            return report
        } catch {
            await sender.shutdown()
            throw error
        }
    }

    private func run(_ sender: ProbeSender) async throws(ScanError) -> ConformanceReport {
        let probes = self.probes
        var differences: [ConformanceDifference] = []
        var unsent = 0
        for probe in probes {
            guard sender.hasBudget else { unsent += 1; continue }
            let exchange: ProbeExchange
            switch probe.kind {
            case .actual: exchange = try await sender.get(target.url, origin: probe.origin)
            case .preflight:
                exchange = try await sender.preflight(target.url, origin: probe.origin, method: probe.method, headerNames: probe.headerNames)
            }
            let expected = await expectedAnswer(probe)
            var byDirection: [(ConformanceDifference.Direction, CredentialsMode, BrowserVerdict, BrowserVerdict)] = []
            for credentials in [CredentialsMode.omit, .include] {
                let want = BrowserVerdict.judge(probe, status: expected.status, fields: expected.fields, credentials: credentials)
                let got = BrowserVerdict.judge(probe, status: exchange.status, fields: exchange.fields, credentials: credentials)
                guard want.isAllowed != got.isAllowed else { continue }
                byDirection.append((got.isAllowed ? .tooPermissive : .tooStrict, credentials, want, got))
            }
            for direction in [ConformanceDifference.Direction.tooPermissive, .tooStrict] {
                let matching = byDirection.filter { $0.0 == direction }
                guard let first = matching.first else { continue }
                differences.append(ConformanceDifference(
                    direction: direction, probe: probe, credentials: matching.map(\.1), expected: first.2, live: first.3,
                    evidence: exchange,
                    expectedHeaders: expected.fields.filter { ProbeExchange.shown($0.name.canonicalName) }.map { ($0.name.canonicalName, $0.value) }))
            }
        }
        return ConformanceReport(url: target.url, differences: differences, probes: probes.count, requestsSent: sender.sent, unsent: unsent)
    }

    /// What swift-cors' responder answers `probe` under the policy: the preflight response, or the
    /// headers it adds to an application's 200.
    func expectedAnswer(_ probe: PolicyProbe) async -> (status: Int, fields: HTTPFields) {
        var fields: HTTPFields = [.origin: probe.origin]
        if probe.kind == .preflight {
            fields[.accessControlRequestMethod] = probe.method
            if !probe.headerNames.isEmpty { fields[.accessControlRequestHeaders] = probe.headerNames.joined(separator: ",") }
        }
        let parts = URLParts(target.url)
        let request = HTTPRequest(
            method: probe.kind == .preflight ? .options : .get, scheme: parts?.scheme, authority: parts?.host, path: "/",
            headerFields: fields)
        let decision = await responder.decide(request)
        if probe.kind == .preflight {
            let response = decision.preflightResponse()
            return (response.status.code, response.headerFields)
        }
        var answer = HTTPFields()
        decision.apply(to: &answer)
        return (200, answer)
    }
}
