import Benchmark
import FrameworkVariants

/// Issue #3: each request driven in-process through the framework's router and middleware chain
/// to a trivial handler, with swift-cors' adapter, the framework's own CORSMiddleware, a
/// "headers only" floor, an empty middleware, and no CORS at all (`FrameworkVariants`). The figure
/// that matters is the overhead over the no-CORS baseline. `AlternatingBenchmark` measures the
/// same setups in alternating rounds, which drift cannot bias.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )
    for kind in FrameworkVariants.kinds {
        let head = FrameworkVariants.hummingbirdHead(kind)
        for (variant, responder) in FrameworkVariants.hummingbirdVariants() {
            Benchmark("Hummingbird \(variant): \(kind.name)") { benchmark in
                try await FrameworkVariants.runHummingbird(responder, head: head, count: benchmark.scaledIterations.count)
            }
        }
    }
    let vaporVariants = FrameworkVariants.vaporVariants()
    for kind in FrameworkVariants.kinds {
        for (variant, setup) in vaporVariants {
            Benchmark("Vapor \(variant): \(kind.name)") { benchmark in
                try await FrameworkVariants.runVapor(setup, kind, count: benchmark.scaledIterations.count)
            }
        }
    }
}
