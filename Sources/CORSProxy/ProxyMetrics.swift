import CoreMetrics
import Prometheus

/// Request counts by CORS outcome and by fault, and the upstream's latency, through swift-metrics.
/// Each gateway owns its registry (so several can run in one process, as the tests do); `/metrics`
/// on the admin address renders it in Prometheus' text format.
final class ProxyMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let outcomes: [String: CoreMetrics.Counter]
    private let faults: [String: CoreMetrics.Counter]
    private let upstreamLatency: CoreMetrics.Timer
    private let reloads: CoreMetrics.Counter
    private let refusedReloads: CoreMetrics.Counter

    static let outcomeNames = ["not-cors", "preflight-allowed", "preflight-rejected", "allowed", "rejected"]

    init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry
        var outcomes: [String: CoreMetrics.Counter] = [:]
        for name in Self.outcomeNames {
            outcomes[name] = CoreMetrics.Counter(label: "cors_proxy_requests_total", dimensions: [("cors", name)], factory: factory)
        }
        self.outcomes = outcomes
        var faults: [String: CoreMetrics.Counter] = [:]
        for cause in ProxyFault.allCauses + ["aborted"] {
            faults[cause] = CoreMetrics.Counter(label: "cors_proxy_faults_total", dimensions: [("cause", cause)], factory: factory)
        }
        self.faults = faults
        upstreamLatency = CoreMetrics.Timer(label: "cors_proxy_upstream_response_seconds", dimensions: [], factory: factory)
        reloads = CoreMetrics.Counter(label: "cors_proxy_reloads_total", dimensions: [("result", "applied")], factory: factory)
        refusedReloads = CoreMetrics.Counter(label: "cors_proxy_reloads_total", dimensions: [("result", "refused")], factory: factory)
    }

    func record(outcome: String, fault: String?) {
        outcomes[outcome]?.increment()
        if let fault { faults[fault]?.increment() }
    }

    /// From the request's head sent to the response's head received.
    func recordUpstreamLatency(nanoseconds: Int64) { upstreamLatency.recordNanoseconds(nanoseconds) }

    func recordReload(applied: Bool) { (applied ? reloads : refusedReloads).increment() }
}
