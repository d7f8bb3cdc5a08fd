import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The upstream every exported server and the reference gateway forward to: `…/missing` is 404,
/// `…/error` 500, `…/cors` answers with CORS headers and a `Vary` of its own (which must not
/// survive, or be merged), anything else 200. Every answer names the method it received in
/// `X-Upstream-Method`, so a test sees whether a request was forwarded.
final class ExportUpstreamServer: @unchecked Sendable {
    private(set) var channel: Channel!
    var port: Int { channel.localAddress!.port! }
    /// Every connection accepted, so `stop()` can close the ones proxies keep alive too.
    private let connections = NIOLockedValueBox<[Channel]>([])

    /// Listens on a port below the kernel's ephemeral range: once stopped ("the upstream is
    /// gone"), no other test's `bind(0)` can be handed that port and answer in its place.
    init() async throws {
        let connections = self.connections
        var lastError: Error?
        for _ in 0..<20 {
            do {
                channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .childChannelInitializer { channel in
                        connections.withLockedValue { $0.append(channel) }
                        return channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                            try channel.pipeline.syncOperations.addHandler(Handler())
                        }
                    }
                    .bind(host: "127.0.0.1", port: Int.random(in: 20000..<32000)).get()
                return
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// Stops listening and closes every connection: the upstream is gone.
    func stop() async {
        try? await channel.close()
        for connection in connections.withLockedValue({ $0 }) { try? await connection.close() }
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private var head: HTTPRequestHead?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                var headers = HTTPHeaders([("X-Upstream-Method", head.method.rawValue), ("Content-Type", "text/plain")])
                let status: HTTPResponseStatus
                if head.uri.hasSuffix("/missing") {
                    status = .notFound
                } else if head.uri.hasSuffix("/error") {
                    status = .internalServerError
                } else {
                    status = .ok
                }
                if head.uri.hasSuffix("/cors") {
                    headers.add(name: "Access-Control-Allow-Origin", value: "https://upstream.example")
                    headers.add(name: "Access-Control-Allow-Credentials", value: "true")
                    headers.add(name: "Access-Control-Expose-Headers", value: "X-Upstream-Secret")
                    headers.add(name: "Vary", value: "Accept-Encoding")
                }
                let body = context.channel.allocator.buffer(string: "upstream \(status.code)\n")
                headers.add(name: "Content-Length", value: String(body.readableBytes))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                self.head = nil
            }
        }
    }
}
