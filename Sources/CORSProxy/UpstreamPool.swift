import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Which connections are interchangeable: same scheme, address, port and TLS name. Its hash is
/// worked out when a part changes, not on every pool lookup (two per forwarded request).
struct UpstreamKey: Hashable, Sendable {
    var scheme: UpstreamURL.Scheme { didSet { rehash() } }
    /// A host name, or the checked address open mode connects to.
    var host: String { didSet { rehash() } }
    var port: Int { didSet { rehash() } }
    /// The name TLS verifies (and SNI sends); the host for routes, the URL's host in open mode.
    var serverName: String { didSet { rehash() } }
    private var hashOfParts = 0

    init(scheme: UpstreamURL.Scheme, host: String, port: Int, serverName: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.serverName = serverName
        rehash()
    }

    private mutating func rehash() {
        var hasher = Hasher()
        hasher.combine(scheme)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(serverName)
        hashOfParts = hasher.finalize()
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hashOfParts) }

    static func == (lhs: UpstreamKey, rhs: UpstreamKey) -> Bool {
        lhs.hashOfParts == rhs.hashOfParts && lhs.port == rhs.port && lhs.scheme == rhs.scheme && lhs.host == rhs.host
            && lhs.serverName == rhs.serverName
    }
}

/// Idle keep-alive connections to upstreams, one pool per event loop: an exchange only ever takes a
/// connection that lives on its own loop, so no chunk crosses threads (the reason to build on
/// NIO directly rather than on a client that may place the connection on another loop).
/// Sendable only so the runtime can hand each loop its own: nothing but that loop touches it.
final class UpstreamPool: @unchecked Sendable {
    let eventLoop: EventLoop
    private var idle: [UpstreamKey: [(handler: UpstreamHandler, since: NIODeadline)]] = [:]
    /// Idle connections older than this are closed rather than reused (upstreams close theirs too).
    static let maximumIdleTime = TimeAmount.seconds(50)

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// An idle live connection for `key`, most recently used first (the least likely to be stale).
    /// One hash of the key; the key's list stays (empty) for the next `put`, so a connection that
    /// goes back and forth costs no allocation.
    func take(_ key: UpstreamKey) -> UpstreamHandler? {
        eventLoop.assertInEventLoop()
        guard let index = idle.index(forKey: key), !idle.values[index].isEmpty else { return nil }
        let now = NIODeadline.now()
        while let last = idle.values[index].popLast() {
            if last.handler.isActive, now - last.since < Self.maximumIdleTime { return last.handler }
            last.handler.close()
        }
        return nil
    }

    /// Keeps `handler` for reuse, or closes it when the pool for its key is full.
    func put(_ handler: UpstreamHandler, limit: Int) {
        guard handler.isActive else { return }
        guard let index = idle.index(forKey: handler.key) else {
            guard limit > 0 else { return handler.close() }
            // Keys without idle connections are kept for reuse, but not without bound (open mode
            // may reach many hosts).
            if idle.count >= Self.maximumKeys { idle = idle.filter { !$0.value.isEmpty } }
            idle[handler.key] = [(handler, .now())]
            return
        }
        guard idle.values[index].count < limit else { return handler.close() }
        idle.values[index].append((handler, .now()))
    }

    /// How many upstreams the pool keeps a (possibly empty) list for before it drops the empty ones.
    static let maximumKeys = 64

    /// An idle connection closed by its upstream leaves the pool.
    func remove(_ handler: UpstreamHandler) {
        guard let index = idle.index(forKey: handler.key) else { return }
        idle.values[index].removeAll { $0.handler === handler }
    }

    func closeAll() {
        let all = idle.values.flatMap { $0 }
        idle = [:]
        for entry in all { entry.handler.close() }
    }

    /// Opens a connection on this loop; the handler is the upstream end of one exchange at a time.
    static func connect(
        key: UpstreamKey,
        address: SocketAddress?,
        on eventLoop: EventLoop,
        timeout: TimeAmount,
        tls: NIOSSLContext?
    ) -> EventLoopFuture<UpstreamHandler> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if key.scheme == .https, let tls {
                        let name = IPAddressRange.bytes(of: key.serverName) == nil ? key.serverName : nil
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try sync.addHandler(UpstreamHandler(key: key))
                }
            }
        let connected: EventLoopFuture<Channel>
        if let address { connected = bootstrap.connect(to: address) } else { connected = bootstrap.connect(host: key.host, port: key.port) }
        return connected.flatMapThrowing { channel in try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self) }
    }
}

/// Resolves a host for open mode off the event loop, so every address can be checked before
/// connecting to one of them.
enum TargetResolver {
    static func resolve(host: String, port: Int, pool: NIOThreadPool, on eventLoop: EventLoop) -> EventLoopFuture<[SocketAddress]> {
        if IPAddressRange.bytes(of: host) != nil {
            return eventLoop.makeCompletedFuture { [try SocketAddress(ipAddress: host, port: port)] }
        }
        return pool.runIfActive(eventLoop: eventLoop) {
            try SocketAddress.resolveAll(host: host, port: port)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketAddress {
    /// Every address `host` resolves to (blocking; call from a thread pool).
    static func resolveAll(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else { throw ProxyFault.targetUnresolvable(host) }
        defer { freeaddrinfo(first) }
        var out: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    out.append(address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                case AF_INET6:
                    out.append(address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                default: break
                }
            }
            cursor = info.pointee.ai_next
        }
        guard !out.isEmpty else { throw ProxyFault.targetUnresolvable(host) }
        return out
    }
}
