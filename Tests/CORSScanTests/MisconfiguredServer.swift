import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request as the test server received it.
struct ReceivedProbe: Sendable {
    var method: String
    var headers: [(name: String, value: String)]

    func value(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    var origin: String? { value("Origin") }
    var isPreflight: Bool { method == "OPTIONS" && value("Access-Control-Request-Method") != nil }
}

/// What the server answers: status, header lines (in order, repeats allowed) and body.
struct ServerAnswer: Sendable {
    var status: Int = 200
    var headers: [(String, String)] = []
    var body: String = "{\"account\":\"4111-1111\"}"
}

typealias ServerBehaviour = @Sendable (ReceivedProbe) -> ServerAnswer

/// A real HTTP/1.1 server on 127.0.0.1 (a free port) that answers every request as `behaviour`
/// says: the endpoint a test makes vulnerable one way or another.
final class MisconfiguredServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let received: Mutex<[ReceivedProbe]>

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
        self.received = Mutex([])
    }

    var url: String { "http://127.0.0.1:\(port)/account" }
    var requests: [ReceivedProbe] { received.withLock { $0 } }

    static func start(_ behaviour: @escaping ServerBehaviour) async throws -> MisconfiguredServer {
        let log = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(AnswerHandler(behaviour: behaviour, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = MisconfiguredServer(port: channel.localAddress?.port ?? 0, channel: channel)
        log.server.withLock { $0 = server }
        return server
    }

    /// Closes the listening socket (connections in flight end with it).
    func stop() async throws { try await channel.close() }

    fileprivate func record(_ probe: ReceivedProbe) { received.withLock { $0.append(probe) } }

    /// Runs `body` against a server answering as `behaviour`, and stops it afterwards.
    static func with<T>(_ behaviour: @escaping ServerBehaviour, _ body: (MisconfiguredServer) async throws -> T) async throws -> T {
        let server = try await start(behaviour)
        do {
            let result = try await body(server)
            try? await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }
}

private final class Box: Sendable {
    let server = Mutex<MisconfiguredServer?>(nil)
}

private final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let behaviour: ServerBehaviour
    let log: Box
    var head: HTTPRequestHead?

    init(behaviour: @escaping ServerBehaviour, log: Box) {
        self.behaviour = behaviour
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            let probe = ReceivedProbe(method: head.method.rawValue, headers: head.headers.map { ($0.name, $0.value) })
            log.server.withLock { $0?.record(probe) }
            let answer = behaviour(probe)
            var headers = HTTPHeaders(answer.headers)
            headers.add(name: "Content-Length", value: String(answer.body.utf8.count))
            let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
        }
    }
}
