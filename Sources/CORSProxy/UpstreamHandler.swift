import NIOCore
import NIOHTTP1

/// The upstream end of a connection: relays the response to the exchange that holds it, and
/// reads only while the client can take more (backpressure toward the upstream).
/// Stored properties are `@exclusivity(unchecked)`, as `ProxyConnectionHandler` explains.
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let key: UpstreamKey
    /// The exchange using this connection; `nil` while it idles in a pool.
    @exclusivity(unchecked) var owner: ProxyConnectionHandler?
    /// The pool that holds it while idle.
    @exclusivity(unchecked) var pool: UpstreamPool?
    @exclusivity(unchecked) private var context: ChannelHandlerContext?
    @exclusivity(unchecked) private var readHeld = false
    /// Whether it carried an exchange before (a failure before any answer may then be a stale connection).
    @exclusivity(unchecked) var wasReused = false
    /// Set when the upstream said it closes after this response (or spoke HTTP/1.0).
    @exclusivity(unchecked) var closesAfterResponse = false
    /// Responses are read with the gateway's own parser (NIOHTTP1's default head limit, 80 KiB).
    @exclusivity(unchecked) private var parser = HTTP1Parser(role: .response, maximumHeadBytes: 80 * 1024)
    /// How the request body in flight is framed toward the upstream.
    private var requestBody = HTTP1BodyFraming(framing: .none)
    /// Something was written since the last flush (a flush with nothing to send still walks the
    /// pipeline and the channel's checks: up to three per request otherwise).
    @exclusivity(unchecked) private var unflushed = false

    init(key: UpstreamKey) {
        self.key = key
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    /// Nothing read past the response just ended: only then may the connection carry another
    /// exchange (bytes after it would be read as the next client's response).
    var isBetweenMessages: Bool { parser.isBetweenMessages }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Bytes on an idle connection (no owner) are dropped: a response nobody asked for means the
        // connection is out of step, and it is not reused (`take` sees it closed or it fails next).
        guard owner != nil else {
            closesAfterResponse = true
            context.close(promise: nil)
            return
        }
        parser.append(unwrapInboundIn(data))
        do {
            while let event = try parser.next() { deliver(event) }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    private func deliver(_ event: HTTP1Event) {
        guard let owner else {
            // More than the one response asked for: the connection is out of step and goes.
            closesAfterResponse = true
            context?.close(promise: nil)
            return
        }
        switch event {
        case .responseHead(let head, let keepAlive):
            // Interim (the gateway answers 100 itself; a 101 is refused by the parser): the final one follows.
            if head.status.code < 200 { return }
            closesAfterResponse = !keepAlive || parser.framing == .untilClose
            owner.upstreamResponseHead(head)
        case .body(let buffer):
            owner.upstreamResponseBody(buffer)
        case .end(let trailers):
            owner.upstreamResponseEnd(trailers)
        case .requestHead: break  // a response parser yields none
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        owner?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    /// Reads are held while the client's connection is full, and resumed by `resumeReading`.
    func read(context: ChannelHandlerContext) {
        if let owner, !owner.clientIsWritable {
            readHeld = true
            return
        }
        context.read()
    }

    func resumeReading() {
        guard readHeld, let context else { return }
        readHeld = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        owner?.upstreamWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A body delimited by the close ends here; any other message cut here is an early close.
        if owner != nil, let event = try? parser.endOfInput() { deliver(event) }
        if let owner {
            self.owner = nil
            owner.upstreamClosed(self)
        } else {
            pool?.remove(self)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let owner {
            self.owner = nil
            owner.upstreamFailed(self, error)
        }
        context.close(promise: nil)
    }

    /// Sends a request head written by `UpstreamRequestHead`; its body follows with `send`.
    func sendHead(_ head: ByteBuffer, chunked: Bool, isHEAD: Bool, flush: Bool) {
        guard let context else { return }
        requestBody = HTTP1BodyFraming.forRequest(chunked: chunked)
        parser.answersHEAD = isHEAD
        context.write(wrapOutboundOut(head), promise: nil)
        unflushed = true
        if flush { self.flush() }
    }

    /// Sends a piece of the request's body, or its end.
    func send(_ part: HTTPClientRequestPart, flush: Bool) {
        guard let context else { return }
        switch part {
        case .head:
            assertionFailure("heads go through sendHead")
        case .body(.byteBuffer(let buffer)):
            requestBody.write(buffer, { context.write(wrapOutboundOut($0), promise: nil) }, allocator: context.channel.allocator)
            unflushed = true
        case .body:
            break  // the gateway relays only byte buffers
        case .end:
            // Request trailers are not forwarded: they would reach the upstream without the
            // rewriting every header gets (forwarding headers, rules, open mode's cookie removal).
            let end = requestBody.end(trailers: nil, allocator: context.channel.allocator)
            if end.readableBytes > 0 {
                context.write(wrapOutboundOut(end), promise: nil)
                unflushed = true
            }
        }
        if flush { self.flush() }
    }

    /// Sends what was written, if anything was.
    func flush() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
    }

    func close() {
        owner = nil
        context?.close(promise: nil)
    }
}
