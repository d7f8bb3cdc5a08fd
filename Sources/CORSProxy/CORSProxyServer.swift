import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A running gateway: binds its addresses, takes a new configuration without dropping
/// connections, and stops gracefully (no new connections; requests in flight finish within the
/// grace period, then whatever is left is cut).
public final class CORSProxyServer: Sendable {
    private let runtime: ProxyRuntime
    private let group: MultiThreadedEventLoopGroup
    private let channels = Mutex<(proxy: Channel?, admin: Channel?)>((nil, nil))
    private let initialConfiguration: ProxyConfiguration

    /// One event loop per core the process may run on.
    public static var defaultThreads: Int { System.coreCount }

    /// `threads`: event loops (each connection and its upstream connections live on one).
    public init(configuration: ProxyConfiguration, logger: Logger = Logger(label: "cors-proxy"), threads: Int = System.coreCount) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let needsTLS = configuration.routes.contains { $0.upstream.scheme == .https } || configuration.openMode != nil
        let tls = needsTLS ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        runtime = ProxyRuntime(configuration: configuration, group: group, logger: logger, tls: tls)
        initialConfiguration = configuration
    }

    /// Binds the proxy (and admin) addresses; returns the bound proxy address (port 0 picks one).
    @discardableResult
    public func start() async throws -> SocketAddress {
        let runtime = self.runtime
        let configuration = initialConfiguration
        let proxy = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // A client may half-close after its request and still read the answer (handled as inputClosed).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    runtime.track(channel)
                    // HTTP/1 is parsed and written by the gateway itself (HTTP1Parser, HTTP1Writer).
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyConnectionHandler(runtime: runtime, pool: runtime.pool(for: channel.eventLoop))
                    )
                }
            }
            .bind(host: configuration.listen.host, port: configuration.listen.port).get()
        var admin: Channel?
        if let address = configuration.admin {
            admin = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(AdminHandler(runtime: runtime))
                    }
                }
                .bind(host: address.host, port: address.port).get()
        }
        channels.withLock { $0 = (proxy, admin) }
        return proxy.localAddress!
    }

    /// The address the proxy is bound to, `nil` before `start()` and after `shutdown()`.
    public var localAddress: SocketAddress? { channels.withLock { $0.proxy?.localAddress } }
    /// The address `/health` and `/metrics` are served on, `nil` when there is none.
    public var adminAddress: SocketAddress? { channels.withLock { $0.admin?.localAddress } }

    /// The configuration in force for every request that starts from now on. Listening addresses
    /// and the access log's destination stay as they were at start (they need a restart).
    public func reload(_ configuration: ProxyConfiguration) {
        runtime.replace(configuration)
    }

    /// A refused reload, counted in the metrics (the old configuration stays in force).
    public func recordRefusedReload() { runtime.metrics.recordReload(applied: false) }

    /// The configuration in force now.
    public var configuration: ProxyConfiguration { runtime.configuration }
    /// Which configuration is in force: 1 at start, one more per applied reload.
    public var generation: Int { runtime.generation }

    /// Stops accepting, lets requests in flight finish for up to the grace period, then cuts the rest.
    public func shutdown() async {
        let (proxy, admin) = channels.withLock { state in
            defer { state = (nil, nil) }
            return state
        }
        try? await proxy?.close()
        try? await admin?.close()
        for channel in runtime.openConnections {
            channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
        }
        let grace = runtime.configuration.shutdownGracePeriod
        let until = NIODeadline.now() + grace
        while !runtime.openConnections.isEmpty, NIODeadline.now() < until {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for channel in runtime.openConnections { try? await channel.close() }
        try? await runtime.closePools()?.get()
        try? await runtime.threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}

/// The gateway as a swift-service-lifecycle service: runs until a graceful shutdown is asked
/// (SIGTERM, SIGINT through a `ServiceGroup`), then stops as `CORSProxyServer.shutdown` does.
public struct CORSProxyService: Service {
    /// The gateway this service runs.
    public let server: CORSProxyServer
    let onStart: @Sendable (SocketAddress) -> Void

    /// A service that starts `server` and tells `onStart` the bound address.
    public init(server: CORSProxyServer, onStart: @escaping @Sendable (SocketAddress) -> Void = { _ in }) {
        self.server = server
        self.onStart = onStart
    }

    /// Starts the gateway, waits for a graceful shutdown request, then shuts it down.
    public func run() async throws {
        let address = try await server.start()
        onStart(address)
        try? await gracefulShutdown()
        await server.shutdown()
    }
}

/// `/health` and `/metrics`, on the admin address only (never among the proxied paths).
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let runtime: ProxyRuntime
    private var head: HTTPRequestHead?

    init(runtime: ProxyRuntime) { self.runtime = runtime }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let (status, type, body): (HTTPResponseStatus, String, String)
            switch path {
            case "/health":
                let configuration = runtime.configuration
                status = .ok
                type = "application/json"
                body =
                    "{\"status\":\"ok\",\"generation\":\(runtime.generation),\"routes\":\(configuration.routes.count),\"open\":\(configuration.openMode != nil)}"
            case "/metrics":
                status = .ok
                type = "text/plain; version=0.0.4"
                body = runtime.metrics.registry.emitToString()
            default:
                status = .notFound
                type = "application/json"
                body = "{\"error\":\"not-found\",\"detail\":\"the admin address serves /health and /metrics\"}"
            }
            var headers = HTTPHeaders([("content-type", type), ("content-length", String(body.utf8.count))])
            if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let keepAlive = head.isKeepAlive
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}
