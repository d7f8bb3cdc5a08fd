import CORSProxy
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request as the upstream received it: its head exactly as parsed (every header line, in
/// order), and its body counted and checked against `BytePattern` as it streamed in.
struct ReceivedRequest: Sendable {
    var connection: Int
    var method: String
    var uri: String
    var headers: [(name: String, value: String)]
    var bodyCount = 0
    /// The first MiB of the body.
    var body: [UInt8] = []
    var pattern = PatternCheck()
    var ended = false

    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    func value(_ name: String) -> String? { values(name).first }
    var names: [String] { headers.map { $0.name.lowercased() } }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// What the upstream does once a request has ended, step by step, in raw bytes: so it can send
/// anything at all, including what no HTTP library would (garbage, a cut body, nothing).
enum UpstreamStep: Sendable {
    case send([UInt8])
    case pause(TimeAmount)
    /// Waits until the test opens the gate.
    case wait(Gate)
    /// `count` bytes of `BytePattern`, written as fast as the connection takes them (raw, or as chunks
    /// followed by the last chunk), with backpressure.
    case pattern(count: Int, chunked: Bool)
    /// `times` sends of `bytes`, `every` apart.
    case trickle([UInt8], times: Int, every: TimeAmount)
    case close
    /// Never answers (the connection stays open).
    case hold
}

typealias UpstreamBehaviour = @Sendable (ReceivedRequest) -> [UpstreamStep]

/// Building answers for the upstream.
enum Reply {
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 204: return "No Content"
        case 302: return "Found"
        case 404: return "Not Found"
        case 500: return "Internal Server Error"
        default: return "Status"
        }
    }

    /// A status line and header lines, as bytes.
    static func head(_ status: Int, _ headers: [(String, String)]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reason(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// A whole response; Content-Length added unless the headers frame the body themselves.
    static func response(_ status: Int, _ headers: [(String, String)] = [], body: String = "") -> [UpstreamStep] {
        var headers = headers
        if !headers.contains(where: { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }) {
            headers.append(("Content-Length", String(body.utf8.count)))
        }
        return [.send(head(status, headers) + Array(body.utf8))]
    }

    /// `chunks` in chunked coding, with the last chunk.
    static func chunked(_ chunks: [String]) -> [UInt8] {
        var text = ""
        for chunk in chunks { text += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
        return Array((text + "0\r\n\r\n").utf8)
    }

    static let ok: UpstreamBehaviour = { _ in response(200, [("Content-Type", "text/plain")], body: "ok") }
}

/// A gate a test opens when the upstream may go on (a request held in flight until then).
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [EventLoopPromise<Void>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.succeed() }
    }

    func future(on loop: EventLoop) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        let isOpen = state.withLock { state in
            if !state.open { state.waiters.append(promise) }
            return state.open
        }
        if isOpen { promise.succeed() }
        return promise.futureResult
    }
}

/// The upstream's record: requests, connections accepted and open.
final class UpstreamRecord: Sendable {
    struct State {
        var requests: [ReceivedRequest] = []
        var accepted = 0
        var open = 0
        /// Response bytes written by `.pattern` steps so far.
        var patternBytesSent = 0
        /// Each connection's first 64 KiB exactly as received, by connection number.
        var raw: [Int: [UInt8]] = [:]
    }

    let state = Mutex(State())

    var requests: [ReceivedRequest] { state.withLock { $0.requests } }
    var requestCount: Int { state.withLock { $0.requests.count } }
    var acceptedConnections: Int { state.withLock { $0.accepted } }
    var openConnections: Int { state.withLock { $0.open } }
    var patternBytesSent: Int { state.withLock { $0.patternBytesSent } }
    /// Connection `number`'s first 64 KiB exactly as received (connections count from 1).
    func rawBytes(connection number: Int) -> [UInt8] { state.withLock { $0.raw[number] ?? [] } }
}

/// Keeps a connection's first 64 KiB as they came over the wire, before NIO's decoder reads them.
private final class RawBytesRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let record: UpstreamRecord
    let connection: Int

    init(record: UpstreamRecord, connection: Int) {
        self.record = record
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        record.state.withLock { state in
            let kept = state.raw[connection, default: []].count
            if kept < 65_536 { state.raw[connection, default: []] += buffer.readableBytesView.prefix(65_536 - kept) }
        }
        context.fireChannelRead(data)
    }
}

/// A real HTTP/1.1 upstream on 127.0.0.1 (SwiftNIO, its own event loop): parses requests with
/// NIO's decoder, records them, and answers each with the steps its behaviour gives.
final class TestUpstream: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let record: UpstreamRecord
    let port: Int

    var url: UpstreamURL { UpstreamURL(scheme: .http, host: "127.0.0.1", port: port) }
    var requests: [ReceivedRequest] { record.requests }

    private init(group: MultiThreadedEventLoopGroup, channel: Channel, record: UpstreamRecord) {
        self.group = group
        self.channel = channel
        self.record = record
        port = channel.localAddress!.port!
    }

    /// `readGate`: once a request's head has arrived, the upstream reads nothing more from that
    /// connection until the gate opens (a slow consumer, to see the gateway's backpressure).
    static func start(readGate: Gate? = nil, _ behaviour: @escaping UpstreamBehaviour) async throws -> TestUpstream {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let record = UpstreamRecord()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let number = record.state.withLock { state in
                            state.accepted += 1
                            state.open += 1
                            return state.accepted
                        }
                        channel.closeFuture.whenComplete { _ in record.state.withLock { $0.open -= 1 } }
                        try channel.pipeline.syncOperations.addHandler(RawBytesRecorder(record: record, connection: number))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                        try channel.pipeline.syncOperations.addHandler(
                            UpstreamConnectionHandler(record: record, connection: number, readGate: readGate, behaviour: behaviour)
                        )
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return TestUpstream(group: group, channel: channel, record: record)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Closes the listener and every connection.
    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// One upstream connection: records each request and plays its behaviour's steps, one answer at a time.
private final class UpstreamConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let record: UpstreamRecord
    let connection: Int
    let behaviour: UpstreamBehaviour
    let readGate: Gate?
    private var readsHeld = false
    private var readPending = false
    private var context: ChannelHandlerContext?
    private var current: Int?
    private var answering = false
    private var queued: [[UpstreamStep]] = []
    private var pumping: (offset: Int, count: Int, chunked: Bool, rest: ArraySlice<UpstreamStep>)?

    init(record: UpstreamRecord, connection: Int, readGate: Gate?, behaviour: @escaping UpstreamBehaviour) {
        self.record = record
        self.connection = connection
        self.readGate = readGate
        self.behaviour = behaviour
    }

    func read(context: ChannelHandlerContext) {
        if readsHeld {
            readPending = true
            return
        }
        context.read()
    }

    private func holdReads(until gate: Gate, context: ChannelHandlerContext) {
        readsHeld = true
        gate.future(on: context.eventLoop).assumeIsolated().whenComplete { _ in
            self.readsHeld = false
            if self.readPending, let context = self.context {
                self.readPending = false
                context.read()
            }
        }
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let request = ReceivedRequest(
                connection: connection,
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }
            )
            current = record.state.withLock { state in
                state.requests.append(request)
                return state.requests.count - 1
            }
            if let readGate, !readsHeld { holdReads(until: readGate, context: context) }
        case .body(let buffer):
            guard let current else { return }
            record.state.withLock { state in
                buffer.withUnsafeReadableBytes { bytes in
                    state.requests[current].bodyCount += bytes.count
                    state.requests[current].pattern.consume(bytes)
                    let room = (1 << 20) - state.requests[current].body.count
                    if room > 0 { state.requests[current].body.append(contentsOf: bytes.prefix(room)) }
                }
            }
        case .end:
            guard let current else { return }
            self.current = nil
            let request = record.state.withLock { state in
                state.requests[current].ended = true
                return state.requests[current]
            }
            queued.append(behaviour(request))
            if !answering { next() }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let pumping {
            self.pumping = nil
            pump(offset: pumping.offset, count: pumping.count, chunked: pumping.chunked, rest: pumping.rest)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func next() {
        guard !queued.isEmpty else {
            answering = false
            return
        }
        answering = true
        run(queued.removeFirst()[...])
    }

    private func run(_ steps: ArraySlice<UpstreamStep>) {
        guard let context, context.channel.isActive else { return }
        var steps = steps
        while let step = steps.popFirst() {
            switch step {
            case .send(let bytes):
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            case .pause(let amount):
                let rest = steps
                context.eventLoop.assumeIsolated().scheduleTask(in: amount) { self.run(rest) }
                return
            case .wait(let gate):
                let rest = steps
                gate.future(on: context.eventLoop).assumeIsolated().whenComplete { _ in self.run(rest) }
                return
            case .pattern(let count, let chunked):
                return pump(offset: 0, count: count, chunked: chunked, rest: steps)
            case .trickle(let bytes, let times, let every):
                guard times > 0 else { continue }
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                let rest = [UpstreamStep.pause(every), .trickle(bytes, times: times - 1, every: every)] + steps
                return run(rest[...])
            case .close:
                context.close(promise: nil)
                return
            case .hold:
                return
            }
        }
        next()
    }

    private func pump(offset: Int, count: Int, chunked: Bool, rest: ArraySlice<UpstreamStep>) {
        guard let context, context.channel.isActive else { return }
        var offset = offset
        while offset < count {
            while offset < count, context.channel.isWritable {
                let piece = min(BytePattern.maximumSlice, count - offset)
                var buffer = context.channel.allocator.buffer(capacity: piece + 16)
                if chunked { buffer.writeString(String(piece, radix: 16) + "\r\n") }
                BytePattern.withSlice(at: offset, count: piece) { _ = buffer.writeBytes($0) }
                if chunked { buffer.writeString("\r\n") }
                context.write(wrapOutboundOut(buffer), promise: nil)
                offset += piece
                record.state.withLock { $0.patternBytesSent += piece }
            }
            // A flush that drains at once reports writability before this returns: check again
            // rather than wait for an event that has already come.
            context.flush()
            if offset < count, !context.channel.isWritable {
                pumping = (offset, count, chunked, rest)
                return
            }
        }
        if chunked { context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "0\r\n\r\n")), promise: nil) }
        run(rest)
    }
}
