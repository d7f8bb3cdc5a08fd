import NIOCore
import NIOHTTP1

/// The upstream end of a connection: relays the response to the exchange that holds it, and
/// reads only while the client can take more (backpressure toward the upstream).
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let key: UpstreamKey
    /// The exchange using this connection; `nil` while it idles in a pool.
    var owner: ProxyConnectionHandler?
    /// The pool that holds it while idle.
    var pool: UpstreamPool?
    private var context: ChannelHandlerContext?
    private var readHeld = false
    /// Whether it carried an exchange before (a failure before any answer may then be a stale connection).
    var wasReused = false
    /// Set when the upstream said it closes after this response (or spoke HTTP/1.0).
    var closesAfterResponse = false

    init(key: UpstreamKey) {
        self.key = key
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard let owner else { return }  // bytes on an idle connection: it closes below if they were a response
        switch part {
        case .head(let head):
            if head.status.code >= 100 && head.status.code < 200 && head.status.code != 101 { return }  // interim: the gateway answers 100 itself
            closesAfterResponse = !head.isKeepAlive
            owner.upstreamResponseHead(head)
        case .body(let buffer):
            owner.upstreamResponseBody(buffer)
        case .end(let trailers):
            owner.upstreamResponseEnd(trailers)
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

    func send(_ part: HTTPClientRequestPart, flush: Bool) {
        guard let context else { return }
        if flush {
            context.writeAndFlush(wrapOutboundOut(part), promise: nil)
        } else {
            context.write(wrapOutboundOut(part), promise: nil)
        }
    }

    func flush() { context?.flush() }

    func close() {
        owner = nil
        context?.close(promise: nil)
    }
}
