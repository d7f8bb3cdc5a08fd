import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// What every connection of one gateway shares: the configuration in force (swapped whole on
/// reload), the per-loop upstream pools, the access log and the metrics.
final class ProxyRuntime: Sendable {
    private let state: Mutex<ConfigurationInForce>
    let accessLog: AccessLogWriter
    let metrics: ProxyMetrics
    let logger: Logger
    let tls: NIOSSLContext?
    let threadPool: NIOThreadPool
    private let pools: [ObjectIdentifier: UpstreamPool]
    private let connections = Mutex<[ObjectIdentifier: Channel]>([:])

    init(configuration: ProxyConfiguration, group: MultiThreadedEventLoopGroup, logger: Logger, tls: NIOSSLContext?) {
        state = Mutex(ConfigurationInForce(configuration, generation: 1))
        accessLog = AccessLogWriter(configuration.accessLog)
        metrics = ProxyMetrics()
        self.logger = logger
        self.tls = tls
        threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        var pools: [ObjectIdentifier: UpstreamPool] = [:]
        for loop in group.makeIterator() { pools[ObjectIdentifier(loop)] = UpstreamPool(eventLoop: loop) }
        self.pools = pools
    }

    var configuration: ProxyConfiguration { state.withLock { $0.configuration } }
    /// The configuration and its generation, read together (one lock and one retain per request).
    var snapshot: ConfigurationInForce { state.withLock { $0 } }
    var generation: Int { state.withLock { $0.generation } }

    /// Puts a new configuration in force for every request that starts from now on.
    func replace(_ configuration: ProxyConfiguration) {
        state.withLock { $0 = ConfigurationInForce(configuration, generation: $0.generation + 1) }
        metrics.recordReload(applied: true)
    }

    /// The pool of `loop` (each loop has its own; only that loop touches it).
    func pool(for loop: EventLoop) -> UpstreamPool {
        pools[ObjectIdentifier(loop)]!
    }

    func closePools() -> EventLoopFuture<Void>? {
        var futures: [EventLoopFuture<Void>] = []
        for pool in pools.values { futures.append(pool.eventLoop.submit { pool.closeAll() }) }
        guard let first = futures.first else { return nil }
        return EventLoopFuture.andAllComplete(futures, on: first.eventLoop)
    }

    func track(_ channel: Channel) {
        let id = ObjectIdentifier(channel)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in self?.connections.withLock { _ = $0.removeValue(forKey: id) } }
    }

    var openConnections: [Channel] { connections.withLock { Array($0.values) } }
}

/// A configuration put in force and its generation, shared by reference: an exchange holds it
/// with one retain rather than copying every field of the configuration.
final class ConfigurationInForce: Sendable {
    let configuration: ProxyConfiguration
    let generation: Int

    init(_ configuration: ProxyConfiguration, generation: Int) {
        self.configuration = configuration
        self.generation = generation
    }

    /// The index in `configuration.routes` of the route for `path` (`route(forPath:)`), found
    /// without copying the configuration or the route.
    func routeIndex(forPath path: Substring) -> Int? {
        configuration.routes.firstIndex { ProxyConfiguration.covers($0.prefix, path) }
    }
}

/// Sent to every connection when the gateway stops: finish the request in flight, then close.
struct DrainEvent: Sendable {}
