import CORS
import CoreMetrics
import Prometheus

/// Request counts by CORS outcome and by fault, and the upstream's latency, through swift-metrics.
/// Each gateway owns its registry (so several can run in one process, as the tests do); `/metrics`
/// on the admin address renders it in Prometheus' text format.
final class ProxyMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// In `outcomeNames`' order, indexed by `outcomeIndex` (no string hashed per request).
    private let outcomes: [CoreMetrics.Counter]
    private let faults: [String: CoreMetrics.Counter]
    private let upstreamLatency: CoreMetrics.Timer
    private let reloads: CoreMetrics.Counter
    private let refusedReloads: CoreMetrics.Counter

    static let outcomeNames = ["not-cors", "preflight-allowed", "preflight-rejected", "allowed", "rejected"]

    init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry
        outcomes = Self.outcomeNames.map { name in
            CoreMetrics.Counter(label: "cors_proxy_requests_total", dimensions: [("cors", name)], factory: factory)
        }
        var faults: [String: CoreMetrics.Counter] = [:]
        for cause in ProxyFault.allCauses + ["aborted"] {
            faults[cause] = CoreMetrics.Counter(label: "cors_proxy_faults_total", dimensions: [("cause", cause)], factory: factory)
        }
        self.faults = faults
        upstreamLatency = CoreMetrics.Timer(label: "cors_proxy_upstream_response_seconds", dimensions: [], factory: factory)
        reloads = CoreMetrics.Counter(label: "cors_proxy_reloads_total", dimensions: [("result", "applied")], factory: factory)
        refusedReloads = CoreMetrics.Counter(label: "cors_proxy_reloads_total", dimensions: [("result", "refused")], factory: factory)
    }

    /// The index in `outcomeNames` of a request's outcome (`not-cors` when there was no decision).
    static func outcomeIndex(_ decision: CORSDecision?) -> Int {
        switch decision?.outcome {
        case .none, .notCORS?: return 0
        case .preflightAllowed?: return 1
        case .preflightRejected?: return 2
        case .actualAllowed?: return 3
        case .actualRejected?: return 4
        }
    }

    func record(outcome: Int, fault: String?) {
        outcomes[outcome].increment()
        if let fault { faults[fault]?.increment() }
    }

    /// From the request's head sent to the response's head received.
    func recordUpstreamLatency(nanoseconds: Int64) { upstreamLatency.recordNanoseconds(nanoseconds) }

    func recordReload(applied: Bool) { (applied ? reloads : refusedReloads).increment() }
}
