import CORS
import CORSBrowser
import CORSFetch
import HTTPTypes

/// `cors scan URL --expect POLICY`: sends the policy's origins, methods and headers and their
/// near misses to the live endpoint, and compares the browser's verdict on each live answer with
/// its verdict on the answer swift-cors' own responder gives under the policy.
public struct PolicyConformanceCheck: Sendable {
    /// The endpoint to check.
    public let target: ScanTarget
    /// The policy, compiled: its answers are what the endpoint's are compared with.
    public let responder: CORSResponder
    /// The limits the check keeps.
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

    /// The requests the check sends: the policy's origins, methods and headers and their near misses.
    public var probes: [PolicyProbe] { PolicyProbe.derive(for: responder.policy, label: target.label) }

    /// Sends every probe and compares the verdicts; throws only when the endpoint cannot be reached.
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
            guard sender.hasBudget else {
                unsent += 1
                continue
            }
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
                differences.append(
                    ConformanceDifference(
                        direction: direction,
                        probe: probe,
                        credentials: matching.map(\.1),
                        expected: first.2,
                        live: first.3,
                        evidence: exchange,
                        expectedHeaders: expected.fields.filter { ProbeExchange.shown($0.name.canonicalName) }.map {
                            ($0.name.canonicalName, $0.value)
                        }
                    )
                )
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
            method: probe.kind == .preflight ? .options : .get,
            scheme: parts?.scheme,
            authority: parts?.host,
            path: "/",
            headerFields: fields
        )
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
