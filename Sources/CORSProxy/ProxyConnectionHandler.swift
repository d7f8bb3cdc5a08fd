import CORS
import NIOCore
import NIOHTTP1
import NIOPosix

/// What an exchange keeps of its request's head (its fields are read while the request starts,
/// and not kept: they are ranges of the bytes read).
struct HTTP1RequestLine {
    var method: HTTPMethod
    var uri: String
    var version: HTTPVersion
}

/// One request through the gateway, from its head to the end of the answer.
/// Stored properties are `@exclusivity(unchecked)`, as `ProxyConnectionHandler` explains.
final class Exchange {
    let id: Int
    let head: HTTP1RequestLine
    /// The request's Origin (for the access log).
    @exclusivity(unchecked) var origin: String?
    let path: Substring
    let start: NIODeadline
    @exclusivity(unchecked) var decision: CORSDecision?
    /// The route's prefix (`open` in open mode), for the access log.
    @exclusivity(unchecked) var route: String?
    /// Where the request goes: set once it is known to go upstream.
    @exclusivity(unchecked) var target: ExchangeTarget?
    @exclusivity(unchecked) var upstream: UpstreamHandler?
    /// The head sent upstream, as written, kept until the answer starts so a stale pooled
    /// connection can be retried; whether its body is chunked.
    @exclusivity(unchecked) var upstreamHead: ByteBuffer?
    @exclusivity(unchecked) var upstreamChunked = false
    /// Body parts that arrived before the upstream connection was ready (reads stop meanwhile).
    @exclusivity(unchecked) var pending: [HTTPClientRequestPart] = []
    @exclusivity(unchecked) var connecting = false
    @exclusivity(unchecked) var requestEnded = false
    @exclusivity(unchecked) var responseStarted = false
    @exclusivity(unchecked) var responseEnded = false
    @exclusivity(unchecked) var retried = false
    @exclusivity(unchecked) var keepAlive: Bool
    @exclusivity(unchecked) var bytesIn: Int64 = 0
    @exclusivity(unchecked) var bytesOut: Int64 = 0
    @exclusivity(unchecked) var status = 0
    @exclusivity(unchecked) var upstreamStatus: Int?
    @exclusivity(unchecked) var fault: String?
    /// The preflight answered here while its (rare) body still arrives: drop the body.
    @exclusivity(unchecked) var discardingBody = false
    @exclusivity(unchecked) var headSentAt: NIODeadline?
    /// When the client's request ended: the response-head timeout counts from the later of this
    /// and `headSentAt` (an upload still streaming is covered by the idle timeout instead).
    @exclusivity(unchecked) var requestEndedAt: NIODeadline?
    @exclusivity(unchecked) var lastActivity: NIODeadline
    @exclusivity(unchecked) var logged = false
    /// How the response's body is framed toward the client (set with its head).
    var responseBody = HTTP1BodyFraming(framing: .none)
    /// The configuration in force when the request arrived: it applies to the whole exchange.
    @exclusivity(unchecked) var inForce: ConfigurationInForce!
    var limits: ProxyLimits { inForce.configuration.limits }

    init(id: Int, head: HTTP1RequestLine, keepAlive: Bool, path: Substring, now: NIODeadline) {
        self.id = id
        self.head = head
        self.path = path
        self.start = now
        self.lastActivity = now
        self.keepAlive = keepAlive
    }
}

/// Where one exchange goes: a reference, so the exchange's many reads of it share one copy
/// (as a struct of strings and arrays, each read retained and released every field).
final class ExchangeTarget {
    var key: UpstreamKey
    /// Open mode: the checked address to connect to (no second lookup).
    var address: SocketAddress?
    let hostHeader: String
    let uri: String
    let upstreamCORS: UpstreamCORSHandling
    let rules: RequestHeaderRules
    /// Open mode: the target URL, against which a redirect's Location is resolved and re-proxied.
    let openURL: OpenTargetURL?

    init(
        key: UpstreamKey,
        address: SocketAddress?,
        hostHeader: String,
        uri: String,
        upstreamCORS: UpstreamCORSHandling,
        rules: RequestHeaderRules,
        openURL: OpenTargetURL?
    ) {
        self.key = key
        self.address = address
        self.hostHeader = hostHeader
        self.uri = uri
        self.upstreamCORS = upstreamCORS
        self.rules = rules
        self.openURL = openURL
    }
}

/// The client end of a connection: routes each request, answers preflights and faults itself,
/// and relays everything else to a pooled upstream connection on the same event loop, reading
/// from each side only while the other can take more.
/// Stored properties are `@exclusivity(unchecked)`: only the event loop touches them and no access
/// spans a call out (the body framers, whose writes call out, stay checked); the runtime's checks
/// were 3.5% of a forwarded GET's instructions.
final class ProxyConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let runtime: ProxyRuntime
    let pool: UpstreamPool
    @exclusivity(unchecked) private var context: ChannelHandlerContext!
    @exclusivity(unchecked) private var exchange: Exchange?
    @exclusivity(unchecked) private var nextID = 0
    @exclusivity(unchecked) private var readHeld = false
    @exclusivity(unchecked) private var draining = false
    @exclusivity(unchecked) private var closing = false
    /// The client half-closed: it sends no more, so the connection closes once what it asked is answered.
    @exclusivity(unchecked) private var inputClosed = false
    /// `pump` is running (a nested call, from an exchange completing inside it, returns at once
    /// and the running loop goes on: no recursion per pipelined request).
    @exclusivity(unchecked) private var pumping = false
    /// The parser's end of input was taken (after the client half-closed and every request before was handled).
    @exclusivity(unchecked) private var inputEndTaken = false
    /// The client's address as forwarding headers write it, and whether it is a trusted proxy,
    /// worked out once per connection and configuration generation.
    @exclusivity(unchecked) private var peer: (generation: Int, text: String, trusted: Bool)?
    /// A response part was written to the client since the last flush (see `flushClient`).
    @exclusivity(unchecked) private var clientUnflushed = false
    /// The response head just written, held until the flush so that small body pieces read with
    /// it join it: a small response goes out as one buffer (one trip through the pipeline and the
    /// channel's write path) instead of two or three.
    @exclusivity(unchecked) private var heldHead: ByteBuffer?
    /// The largest body piece copied into the held head, and the most the head may grow to.
    private static let joinedPieceLimit = 1024
    private static let heldHeadLimit = 8192
    /// The connection's one timer (see `scheduleTimer`) and when it fires.
    @exclusivity(unchecked) private var timer: Scheduled<Void>?
    @exclusivity(unchecked) private var timerWhen = NIODeadline.distantFuture
    /// The gateway's own HTTP/1 parser; its head limit leaves room above the configured one, which
    /// `begin` checks exactly (so the answer names the configured limit).
    @exclusivity(unchecked) private var parser: HTTP1Parser

    init(runtime: ProxyRuntime, pool: UpstreamPool) {
        self.runtime = runtime
        self.pool = pool
        parser = HTTP1Parser(role: .request, maximumHeadBytes: Self.parserHeadLimit(runtime.snapshot.configuration.limits))
    }

    private static func parserHeadLimit(_ limits: ProxyLimits) -> Int { limits.requestHeaderBytes + 4096 }

    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    // MARK: client side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data))
        pump()
    }

    /// Hands what the parser reads to the exchange, in order. Once the request in flight has
    /// ended, the bytes after it (a pipelined request, HTTP/1.1 answers in order) stay unparsed
    /// until it is answered: a malformed next request cannot fault the one before it, and what
    /// waits is raw bytes, not parsed parts.
    private func pump() {
        guard !pumping else { return }
        pumping = true
        defer { pumping = false }
        do {
            while !closing {
                if let exchange, exchange.requestEnded { return }
                if let event = try parser.next() {
                    handle(event)
                } else if inputClosed, !inputEndTaken {
                    inputEndTaken = true
                    guard let event = try parser.endOfInput() else { return }
                    handle(event)
                } else {
                    return
                }
            }
        } catch {
            parserFailed(error)
        }
    }

    private func handle(_ part: HTTP1Event) {
        switch part {
        case .requestHead(let head, let keepAlive): begin(head, keepAlive: keepAlive)
        case .responseHead: break  // a request parser yields none
        case .body(let buffer): requestBody(buffer)
        case .end(let trailers): requestEnd(trailers)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.upstream?.flush()
        context.fireChannelReadComplete()
    }

    /// Reads from the client are held while the upstream cannot take more, or is not connected yet.
    func read(context: ChannelHandlerContext) {
        // A pipelined request already waits unparsed: read no more until the one in flight is answered.
        if let exchange, exchange.requestEnded, parser.hasBufferedBytes {
            readHeld = true
            return
        }
        if let exchange, !exchange.requestEnded, !exchange.discardingBody {
            if exchange.connecting || !exchange.pending.isEmpty || (exchange.upstream.map { !$0.isWritable } ?? false) {
                readHeld = true
                return
            }
        }
        context.read()
    }

    private func resumeReading() {
        guard readHeld, !closing else { return }
        readHeld = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.upstream?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        timer?.cancel()
        timer = nil
        if let exchange, !exchange.responseEnded {
            // The client vanished mid-exchange: the upstream connection's state is unknown, so it goes.
            exchange.fault = exchange.fault ?? "aborted"
            finish(exchange, reuseUpstream: false)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// The client sent what is not HTTP/1 (or too large a head): 400 or 431, then the connection closes.
    private func parserFailed(_ error: Error) {
        if let error = error as? HTTP1ParseError {
            if let exchange, exchange.responseStarted {
                abort(exchange)
            } else {
                let fault: ProxyFault =
                    error == .headTooLarge
                    ? .requestHeadTooLarge(limit: runtime.snapshot.configuration.limits.requestHeaderBytes)
                    : .malformedRequest("\(error)")
                if let exchange {
                    exchange.keepAlive = false
                    respond(exchange, fault: fault)
                } else {
                    let bare = Exchange(
                        id: -1,
                        head: HTTP1RequestLine(method: .GET, uri: "-", version: .http1_1),
                        keepAlive: false,
                        path: "-",
                        now: .now()
                    )
                    exchange = bare
                    respond(bare, fault: fault)
                }
            }
            return
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent {
            // The client sends no more: what it sent is still answered (`pump` reads the end of
            // input after the last request), then the connection closes.
            inputClosed = true
            pump()
            if exchange == nil { context.close(promise: nil) }
            return
        }
        if event is DrainEvent {
            draining = true
            guard exchange == nil else { return }  // closes after the response in flight
            if nextID > 0 {
                context.close(promise: nil)  // idle between requests
            } else {
                // Accepted just before the listener closed: its request may be on the way; give it
                // a moment (it is then answered with Connection: close) before closing.
                let channel = context.channel
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(500)) {
                    if self.exchange == nil, self.nextID == 0 { channel.close(promise: nil) }
                }
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func begin(_ head: HTTP1RequestHead, keepAlive: Bool) {
        nextID += 1
        let now = NIODeadline.now()
        let path = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { head.uri[..<$0] } ?? head.uri[...]
        let exchange = Exchange(
            id: nextID,
            head: HTTP1RequestLine(method: head.method, uri: head.uri, version: head.version),
            keepAlive: keepAlive,
            path: path,
            now: now
        )
        self.exchange = exchange
        if draining { exchange.keepAlive = false }
        // One pass over the fields for what the gateway reads of them: the CORS fields, the head's
        // size, an upgrade, an expectation.
        var cors = CORSRequestHead(isOptions: head.method == .OPTIONS)
        var headBytes = head.uri.utf8.count + 16
        var upgrade = false
        var connectionUpgrade = false
        var expectsContinue = false
        head.fields.withBytes { raw in
            for span in head.fields.spans {
                let name = HTTP1Fields.name(raw, span)
                let value = HTTP1Fields.value(raw, span)
                headBytes += name.count + value.count + 4
                switch name.count {
                case 6 where ASCIIBytes.equal(name, "origin"):
                    cors.record(name: "origin", value: value.text)
                case 6 where ASCIIBytes.equal(name, "expect"):
                    expectsContinue = expectsContinue || ASCIIBytes.equal(value, "100-continue")
                case 7 where ASCIIBytes.equal(name, "upgrade"):
                    upgrade = true
                case 10 where ASCIIBytes.equal(name, "connection"):
                    ASCIIBytes.forEachListItem(value) { if ASCIIBytes.equal($0, "upgrade") { connectionUpgrade = true } }
                case 29 where ASCIIBytes.equal(name, "access-control-request-method"):
                    cors.record(name: "access-control-request-method", value: value.text)
                case 30 where ASCIIBytes.equal(name, "access-control-request-headers"):
                    cors.record(name: "access-control-request-headers", value: value.text)
                default: continue
                }
            }
        }
        // The log names the first Origin field (the decision refuses a request with several).
        exchange.origin = cors.hasDuplicateOrigin ? head.fields.first("origin") : cors.origin
        // After a request that asks to upgrade (or CONNECT) the parser reads nothing more on this
        // connection, and the gateway never upgrades: answer it, then close rather than leave the
        // client's next request unread.
        if head.method == .CONNECT || (upgrade && connectionUpgrade) {
            exchange.keepAlive = false
        }
        let inForce = runtime.snapshot
        exchange.inForce = inForce
        let limits = inForce.configuration.limits
        parser.maximumHeadBytes = Self.parserHeadLimit(limits)

        guard headBytes <= limits.requestHeaderBytes else {
            exchange.keepAlive = false
            return respond(exchange, fault: .requestHeadTooLarge(limit: limits.requestHeaderBytes))
        }

        var routeIndex: Int?
        if let open = inForce.configuration.openMode, let url = OpenTargetURL(uri: head.uri) {
            exchange.route = "open"
            exchange.decision = open.responder.decideSynchronously(cors)
            guard let origin = url.origin, open.allowTargets.contains(where: { $0.matches(origin) }) else {
                return respond(exchange, fault: .targetNotAllowed("\(url.originText) is not in the gateway's list of allowed targets"))
            }
            var rules = RequestHeaderRules()
            rules.removeHeaders = ["cookie"]
            exchange.target = ExchangeTarget(
                key: UpstreamKey(scheme: url.scheme, host: url.host, port: url.port, serverName: url.host),
                address: nil,
                hostHeader: url.hostHeader,
                uri: url.pathAndQuery,
                upstreamCORS: .replace,
                rules: rules,
                openURL: url
            )
        } else if let index = inForce.routeIndex(forPath: path) {
            routeIndex = index
            exchange.route = inForce.configuration.routes[index].prefix
            exchange.decision = inForce.configuration.routes[index].responder.decideSynchronously(cors)
        } else {
            return respond(exchange, fault: .noRoute(String(path)))
        }
        guard let decision = exchange.decision else { return respond(exchange, fault: .malformedRequest("no decision")) }

        if decision.answersWithoutApplication {
            return answerPreflight(exchange, decision)
        }
        // Where the request goes, worked out only for a request that goes there.
        if let routeIndex {
            let route = inForce.configuration.routes[routeIndex]
            exchange.target = ExchangeTarget(
                key: route.upstreamKey,
                address: nil,
                hostHeader: route.upstreamHostHeader,
                uri: head.uri,
                upstreamCORS: route.upstreamCORS,
                rules: route.requestHeaderRules,
                openURL: nil
            )
        }
        // The parser checked Content-Length (one decimal number) and framed the body by it.
        if case .length(let length) = parser.framing, length > limits.requestBodyBytes {
            exchange.keepAlive = false
            return respond(exchange, fault: .requestBodyTooLarge(limit: limits.requestBodyBytes))
        }
        // An HTTP/1.0 client would take a 100 for the answer: its expectation is ignored (RFC 9110 §10.1.1).
        if head.version.minor >= 1, expectsContinue {
            writeToClient(Self.continue11)
            flushClient()
        }
        writeUpstreamRequestHead(exchange, head.fields)
        armTimer(exchange, limits: limits)
        if exchange.target?.openURL != nil, let open = inForce.configuration.openMode {
            resolveOpenTarget(exchange, allowPrivate: open.allowPrivateTargets)
        } else {
            connectUpstream(exchange, fresh: false)
        }
    }

    /// The preflight's answer, written from the decision's fields straight into one buffer.
    private func answerPreflight(_ exchange: Exchange, _ decision: CORSDecision) {
        exchange.status = Int(decision.preflightStatus.code)
        exchange.responseStarted = true
        exchange.discardingBody = true
        exchange.responseBody = HTTP1BodyFraming(framing: .none)
        var buffer = context.channel.allocator.buffer(capacity: 512)
        HTTP1Writer.writeStatusLine(version: exchange.head.version, status: .init(statusCode: exchange.status), into: &buffer)
        buffer.writeBytes(decision.preflightAnswerFieldLines)
        buffer.writeStaticString("content-length: 0\r\n")
        if let connection = connectionHeaderValue(exchange) { HTTP1Writer.writeField("connection", connection, into: &buffer) }
        buffer.writeStaticString("\r\n")
        writeToClient(buffer)
        writeEnd(exchange)
    }

    private func requestBody(_ buffer: ByteBuffer) {
        guard let exchange else { return }
        exchange.lastActivity = .now()
        exchange.bytesIn += Int64(buffer.readableBytes)
        if exchange.discardingBody || exchange.responseEnded { return }
        let limit = exchange.limits.requestBodyBytes
        if exchange.bytesIn > limit {
            exchange.keepAlive = false
            if exchange.responseStarted { return abort(exchange) }
            return respond(exchange, fault: .requestBodyTooLarge(limit: limit))
        }
        if let upstream = exchange.upstream, !exchange.connecting, exchange.pending.isEmpty {
            upstream.send(.body(.byteBuffer(buffer)), flush: false)
        } else {
            exchange.pending.append(.body(.byteBuffer(buffer)))
        }
    }

    private func requestEnd(_ trailers: HTTPHeaders?) {
        guard let exchange else { return }
        exchange.requestEnded = true
        exchange.lastActivity = .now()
        exchange.requestEndedAt = exchange.lastActivity
        if exchange.discardingBody || exchange.fault != nil {
            if exchange.responseEnded { completeAfterResponse(exchange) }
            return
        }
        if exchange.responseEnded {
            completeAfterResponse(exchange)
            return
        }
        if let upstream = exchange.upstream, !exchange.connecting, exchange.pending.isEmpty {
            upstream.send(.end(trailers), flush: true)
        } else {
            exchange.pending.append(.end(trailers))
        }
    }

    // MARK: upstream side

    /// The head the upstream is sent, written once (and kept for a retry on a stale connection).
    private func writeUpstreamRequestHead(_ exchange: Exchange, _ fields: HTTP1Fields) {
        guard let target = exchange.target else { return }
        let inForce = exchange.inForce!
        if peer?.generation != inForce.generation {
            let address = context.channel.remoteAddress
            let trusted = address.map { address in inForce.configuration.trustedProxies.contains { $0.contains(address) } } ?? false
            peer = (exchange.inForce.generation, address?.ipAddress ?? "unknown", trusted)
        }
        let head = exchange.head
        var buffer = context.channel.allocator.buffer(capacity: 256 + head.uri.utf8.count + fields.bytes.readableBytes)
        exchange.upstreamChunked = UpstreamRequestHead.write(
            method: head.method,
            uri: target.uri,
            clientFields: fields,
            hostHeader: target.hostHeader,
            rules: target.rules,
            peer: .init(text: peer!.text, trusted: peer!.trusted),
            style: inForce.configuration.forwardedStyle,
            into: &buffer
        )
        exchange.upstreamHead = buffer
    }

    private func resolveOpenTarget(_ exchange: Exchange, allowPrivate: Bool) {
        guard let url = exchange.target?.openURL else { return }
        exchange.connecting = true
        let id = exchange.id
        TargetResolver.resolve(host: url.host, port: url.port, pool: runtime.threadPool, on: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                guard let current = self.exchange, current.id == id, !current.responseStarted else { return }
                switch result {
                case .failure:
                    current.connecting = false
                    self.respond(current, fault: .targetUnresolvable(url.host))
                case .success(let addresses):
                    if !allowPrivate {
                        for address in addresses {
                            let kind = AddressClass.of(address)
                            if kind != .public {
                                current.connecting = false
                                return self.respond(
                                    current,
                                    fault: .targetAddressNotPublic(host: url.host, address: address.ipAddress ?? "?", kind)
                                )
                            }
                        }
                    }
                    let address = addresses[0]
                    current.target?.address = address
                    current.target?.key.host = address.ipAddress ?? url.host
                    self.connectUpstream(current, fresh: false)
                }
            }
    }

    private func connectUpstream(_ exchange: Exchange, fresh: Bool) {
        guard let target = exchange.target else { return }
        if !fresh, let pooled = pool.take(target.key) {
            return attach(pooled, to: exchange, reused: true)
        }
        exchange.connecting = true
        let id = exchange.id
        let limits = exchange.limits
        UpstreamPool.connect(key: target.key, address: target.address, on: context.eventLoop, timeout: limits.connectTimeout, tls: runtime.tls)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let handler):
                    handler.pool = self.pool
                    guard let current = self.exchange, current.id == id, !current.responseStarted, !self.closing else {
                        self.pool.put(handler, limit: limits.idleConnectionsPerUpstream)
                        return
                    }
                    self.attach(handler, to: current, reused: false)
                case .failure(let error):
                    guard let current = self.exchange, current.id == id, !current.responseStarted else { return }
                    current.connecting = false
                    if error is ChannelError, case ChannelError.connectTimeout = error {
                        self.respond(current, fault: .upstreamConnectTimeout)
                    } else {
                        self.respond(current, fault: .upstreamUnreachable(Self.describe(error)))
                    }
                }
            }
    }

    private static func describe(_ error: Error) -> String {
        if let error = error as? IOError { return error.description }
        let text = "\(error)"
        if text.contains("connection refused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }

    private func attach(_ upstream: UpstreamHandler, to exchange: Exchange, reused: Bool) {
        upstream.owner = self
        upstream.wasReused = reused
        exchange.upstream = upstream
        exchange.connecting = false
        exchange.headSentAt = .now()
        rearmTimer(exchange)  // the response-head and idle timeouts apply from now on
        if let head = exchange.upstreamHead {
            upstream.sendHead(
                head,
                chunked: exchange.upstreamChunked,
                isHEAD: exchange.head.method == .HEAD,
                flush: exchange.pending.isEmpty && !exchange.requestEnded
            )
        }
        let pending = exchange.pending
        exchange.pending = []
        for (index, part) in pending.enumerated() { upstream.send(part, flush: index == pending.count - 1) }
        resumeReading()
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { resumeReading() }
    }

    func upstreamResponseHead(_ head: HTTP1ResponseHead) {
        guard let exchange, !exchange.responseStarted else { return }
        let now = NIODeadline.now()
        exchange.lastActivity = now
        exchange.upstreamStatus = Int(head.status.code)
        exchange.status = Int(head.status.code)
        exchange.upstreamHead = nil
        if let sent = exchange.headSentAt {
            runtime.metrics.recordUpstreamLatency(nanoseconds: (now - sent).nanoseconds)
        }
        let fields = UpstreamResponseFields(head.fields)
        var rewrite = ClientResponseHead.Rewrite(
            dropAccessControl: false,
            accessControl: [],
            vary: [],
            replacesVary: false,
            dropSetCookie: false,
            location: nil,
            connection: nil,
            chunked: false
        )
        corsRewrite(&rewrite, fields, head.fields, exchange)
        // An HTTP/1.0 client cannot take a chunked body: a body of unknown length ends with the connection.
        if exchange.head.version.minor == 0, !fields.hasContentLength, Self.mayHaveBody(head.status, exchange.head.method) {
            exchange.keepAlive = false
        }
        rewrite.connection = connectionHeaderValue(exchange)
        exchange.responseBody = HTTP1BodyFraming.forResponse(
            hasContentLength: fields.hasContentLength,
            status: head.status,
            requestMethod: exchange.head.method,
            version: exchange.head.version
        )
        rewrite.chunked = exchange.responseBody.framing == .chunked
        exchange.responseStarted = true
        rearmTimer(exchange)  // the idle timeout now applies to the download
        var buffer = context.channel.allocator.buffer(capacity: 256 + head.fields.bytes.readableBytes)
        ClientResponseHead.write(
            version: exchange.head.version,
            status: head.status,
            upstreamFields: head.fields,
            named: fields.named,
            rewrite,
            into: &buffer
        )
        writeHeadToClient(buffer)
    }

    /// Writes a response head, choosing how its body is framed toward this client.
    private func writeHead(_ exchange: Exchange, status: HTTPResponseStatus, headers: inout HTTPHeaders) {
        exchange.responseBody = HTTP1BodyFraming.forResponse(
            &headers,
            status: status,
            requestMethod: exchange.head.method,
            version: exchange.head.version
        )
        var buffer = context.channel.allocator.buffer(capacity: 256 + headers.count * 48)
        HTTP1Writer.writeResponseHead(version: exchange.head.version, status: status, headers: headers, into: &buffer)
        writeHeadToClient(buffer)
    }

    private func writeBody(_ exchange: Exchange, _ buffer: ByteBuffer) {
        exchange.responseBody.write(buffer, { writeToClient($0) }, allocator: context.channel.allocator)
    }

    static let continue11 = ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")

    /// The CORS part of relaying: the upstream's Access-Control-* dropped (or the response left
    /// alone under `keep`), the policy's applied, its Vary merged into the upstream's.
    private func corsRewrite(
        _ rewrite: inout ClientResponseHead.Rewrite,
        _ fields: UpstreamResponseFields,
        _ upstreamFields: HTTP1Fields,
        _ exchange: Exchange
    ) {
        guard let decision = exchange.decision, let target = exchange.target else { return }
        if fields.accessControlCount > 0 {
            if target.upstreamCORS == .keep {
                if runtime.logger.logLevel <= .debug {
                    let names = fields.accessControlNames(in: upstreamFields)
                    runtime.logger.debug("kept the upstream's CORS headers", metadata: ["path": "\(exchange.path)", "headers": "\(names)"])
                }
                return
            }
            if runtime.logger.logLevel <= .debug {  // the list is built only when it is logged
                let headers = upstreamFields.headers
                let dropped = fields.accessControlNames(in: upstreamFields).map { "\($0): \(headers[$0].joined(separator: ", "))" }
                runtime.logger.debug("replaced the upstream's CORS headers", metadata: ["path": "\(exchange.path)", "dropped": "\(dropped)"])
            }
            rewrite.dropAccessControl = true
        }
        rewrite.accessControl = decision.accessControlFieldLines
        if fields.vary.isEmpty {
            rewrite.vary = decision.varyFieldLine
        } else if let merged = decision.mergedVary(fields.vary) {
            rewrite.vary = Array("vary: \(merged)\r\n".utf8)
            rewrite.replacesVary = true
        }
        if let url = target.openURL {
            rewrite.dropSetCookie = true
            if let location = upstreamFields.first("location"), let rewritten = url.proxiedLocation(location) {
                rewrite.location = rewritten
            }
        }
    }

    func upstreamResponseBody(_ buffer: ByteBuffer) {
        guard let exchange, exchange.responseStarted, !exchange.responseEnded else { return }
        exchange.lastActivity = .now()
        exchange.bytesOut += Int64(buffer.readableBytes)
        writeBody(exchange, buffer)
    }

    func upstreamReadComplete() {
        flushClient()
    }

    /// Writes a response head toward the client; it is held (see `heldHead`) until the flush or
    /// the next write that does not join it.
    private func writeHeadToClient(_ head: ByteBuffer) {
        releaseHeldHead()
        heldHead = head
        clientUnflushed = true
    }

    private func writeToClient(_ buffer: ByteBuffer) {
        clientUnflushed = true
        if heldHead != nil, buffer.readableBytes <= Self.joinedPieceLimit,
            heldHead!.readableBytes + buffer.readableBytes <= Self.heldHeadLimit
        {
            heldHead!.writeImmutableBuffer(buffer)
            return
        }
        releaseHeldHead()
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func releaseHeldHead() {
        guard let head = heldHead else { return }
        heldHead = nil
        context.write(wrapOutboundOut(head), promise: nil)
    }

    /// Sends what was written to the client, if anything was (an empty flush still walks the
    /// pipeline and the channel's checks).
    private func flushClient() {
        guard clientUnflushed else { return }
        clientUnflushed = false
        releaseHeldHead()
        context.flush()
    }

    func upstreamResponseEnd(_ trailers: HTTPHeaders?) {
        guard let exchange, exchange.responseStarted, !exchange.responseEnded else { return }
        let reusable =
            exchange.requestEnded && !(exchange.upstream?.closesAfterResponse ?? true) && (exchange.upstream?.isBetweenMessages ?? false)
        exchange.upstreamHead = nil
        writeEnd(exchange, trailers: trailers, reuseUpstream: reusable)
    }

    func upstreamClosed(_ upstream: UpstreamHandler) {
        upstreamFailed(upstream, ProxyFault.upstreamClosedEarly)
    }

    func upstreamFailed(_ upstream: UpstreamHandler, _ error: Error) {
        guard let exchange, exchange.upstream === upstream, !exchange.responseEnded else { return }
        exchange.upstream = nil
        upstream.close()
        if exchange.responseStarted { return abort(exchange) }
        // A pooled connection the upstream closed while it idled: retry once on a new one, when
        // nothing of the request's body has gone yet.
        if upstream.wasReused, !exchange.retried, exchange.bytesIn == 0, exchange.upstreamHead != nil,
            Self.idempotentMethods.contains(exchange.head.method)
        {
            exchange.retried = true
            exchange.pending = exchange.requestEnded ? [.end(nil)] : []
            return connectUpstream(exchange, fresh: true)
        }
        if let fault = error as? ProxyFault { return respond(exchange, fault: fault) }
        // Only the parser says the answer is not HTTP; a reset or another I/O error is an early close.
        if error is HTTP1ParseError { return respond(exchange, fault: .upstreamMalformedResponse("\(error)")) }
        respond(exchange, fault: .upstreamClosedEarly)
    }

    // MARK: answers and endings

    /// Answers with the gateway's own error, carrying the CORS headers an allowed origin needs to read it.
    private func respond(_ exchange: Exchange, fault: ProxyFault) {
        if exchange.responseStarted {
            exchange.fault = exchange.fault ?? fault.cause  // a cut download is logged by its cause
            return abort(exchange)
        }
        exchange.fault = fault.cause
        exchange.status = Int(fault.status.code)
        if let upstream = exchange.upstream {
            exchange.upstream = nil
            upstream.close()
        }
        if !exchange.requestEnded { exchange.keepAlive = false }
        let body = fault.body
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.utf8.count))
        if let decision = exchange.decision {
            for (name, value) in decision.accessControlPairs { headers.add(name: name, value: value) }
            if let vary = decision.varyPair { headers.add(name: vary.0, value: vary.1) }
        }
        addConnectionHeader(&headers, exchange)
        exchange.responseStarted = true
        exchange.bytesOut = Int64(body.utf8.count)
        writeHead(exchange, status: fault.status, headers: &headers)
        writeBody(exchange, context.channel.allocator.buffer(string: body))
        writeEnd(exchange)
    }

    private func writeEnd(_ exchange: Exchange, trailers: HTTPHeaders? = nil, reuseUpstream: Bool = false) {
        exchange.responseEnded = true
        let keepAlive = exchange.keepAlive && !draining
        let end = exchange.responseBody.end(trailers: trailers, allocator: context.channel.allocator)
        if keepAlive {
            if end.readableBytes == 0 {
                flushClient()  // no empty buffer queued (it would be one more iovec per answer)
            } else {
                writeToClient(end)
                flushClient()
            }
        } else {
            clientUnflushed = false
            releaseHeldHead()
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(end)).assumeIsolated().whenComplete { _ in channel.close(promise: nil) }
        }
        finish(exchange, reuseUpstream: reuseUpstream)
        if exchange.requestEnded || !keepAlive { completeAfterResponse(exchange) }
    }

    /// The response has gone: the connection is ready for the next request once the request has ended too.
    private func completeAfterResponse(_ exchange: Exchange) {
        guard self.exchange === exchange else { return }
        self.exchange = nil
        if draining {
            context.close(promise: nil)
            return
        }
        pump()  // a pipelined request that waited, if any
        if inputClosed, self.exchange == nil {
            context.close(promise: nil)
            return
        }
        resumeReading()
    }

    /// Cuts a response already under way: the client must see an error, never a short body as complete.
    private func abort(_ exchange: Exchange) {
        exchange.fault = exchange.fault ?? "aborted"
        exchange.keepAlive = false
        finish(exchange, reuseUpstream: false)
        self.exchange = nil
        closing = true
        context.close(promise: nil)
    }

    /// Logs the exchange once, returns or closes its upstream connection. (The connection's timer
    /// is left armed: when it fires it checks whichever exchange is then in flight.)
    private func finish(_ exchange: Exchange, reuseUpstream: Bool) {
        if let upstream = exchange.upstream {
            exchange.upstream = nil
            upstream.owner = nil
            if reuseUpstream {
                pool.put(upstream, limit: exchange.inForce?.configuration.limits.idleConnectionsPerUpstream ?? 0)
            } else {
                upstream.close()
            }
        }
        guard !exchange.logged else { return }
        exchange.logged = true
        let outcome = ProxyMetrics.outcomeIndex(exchange.decision)
        runtime.metrics.record(outcome: outcome, fault: exchange.fault)
        if runtime.accessLog.isOn {
            let rejection = exchange.decision?.rejection
            let origin = exchange.origin
            runtime.accessLog.write(
                AccessLogEntry(
                    method: exchange.head.method.rawValue,
                    path: String(exchange.path),
                    status: exchange.status,
                    upstreamStatus: exchange.upstreamStatus,
                    durationSeconds: Double((NIODeadline.now() - exchange.start).nanoseconds) / 1e9,
                    bytesIn: exchange.bytesIn,
                    bytesOut: exchange.bytesOut,
                    cors: ProxyMetrics.outcomeNames[outcome],
                    reason: rejection?.reason.rawValue,
                    origin: origin,
                    route: exchange.route,
                    fault: exchange.fault
                )
            )
        }
    }

    /// `close` when the connection ends after this response; `keep-alive` for an HTTP/1.0 client
    /// that asked for it (1.0 closes by default, so it waits for the close otherwise).
    private func addConnectionHeader(_ headers: inout HTTPHeaders, _ exchange: Exchange) {
        if let value = connectionHeaderValue(exchange) { headers.add(name: "connection", value: value) }
    }

    private func connectionHeaderValue(_ exchange: Exchange) -> String? {
        if draining { exchange.keepAlive = false }
        if !exchange.keepAlive { return "close" }
        if exchange.head.version.major == 1, exchange.head.version.minor == 0 { return "keep-alive" }
        return nil
    }

    /// Methods a stale pooled connection may be retried for (RFC 9110 §9.2.2).
    static let idempotentMethods: [HTTPMethod] = [.GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE]

    static func mayHaveBody(_ status: HTTPResponseStatus, _ method: HTTPMethod) -> Bool {
        !(method == .HEAD || status.code == 204 || status.code == 304 || (100..<200).contains(status.code))
    }

    // MARK: timeouts

    /// One timer per connection, armed for the earliest deadline of the exchange in flight; it is
    /// not cancelled when an exchange ends (the next one usually needs it later than it fires, and
    /// a firing with nothing due just re-arms), so a request costs no scheduling of its own, and
    /// activity only moves a timestamp.
    private func scheduleTimer(at when: NIODeadline) {
        timer?.cancel()
        timerWhen = when
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: when) {
            self.timer = nil
            self.timerWhen = .distantFuture
            guard !self.closing, let current = self.exchange, !current.responseEnded, let limits = current.inForce?.configuration.limits else {
                return
            }
            let (when, fault) = Self.nextDeadline(current, limits)
            if NIODeadline.now() >= when, let fault { return self.respond(current, fault: fault) }
            self.scheduleTimer(at: when)
        }
    }

    /// At the start of an exchange: the earliest any of its deadlines could fall (each later one
    /// counts from a moment after the start), unless the timer already fires before that.
    private func armTimer(_ exchange: Exchange, limits: ProxyLimits) {
        let soonest = exchange.start + min(limits.deadline, limits.responseHeadTimeout, limits.idleTimeout)
        if timer == nil || timerWhen > soonest { scheduleTimer(at: soonest) }
    }

    /// Re-arms the timer after a state change, only if that brings a deadline before the armed one.
    private func rearmTimer(_ exchange: Exchange) {
        let next = Self.nextDeadline(exchange, exchange.limits).when
        if timer == nil || next < timerWhen { scheduleTimer(at: next) }
    }

    /// The earliest of the deadlines that apply in the exchange's present state, and its fault.
    private static func nextDeadline(_ exchange: Exchange, _ limits: ProxyLimits) -> (when: NIODeadline, fault: ProxyFault?) {
        var best: (NIODeadline, ProxyFault?) = (exchange.start + limits.deadline, .deadlineExceeded)
        func consider(_ when: NIODeadline, _ fault: ProxyFault) { if when < best.0 { best = (when, fault) } }
        if !exchange.responseStarted, exchange.requestEnded, let sent = exchange.headSentAt {
            consider(max(sent, exchange.requestEndedAt ?? sent) + limits.responseHeadTimeout, .upstreamHeadTimeout)
        }
        if exchange.responseStarted || (!exchange.requestEnded && exchange.headSentAt != nil) {
            consider(exchange.lastActivity + limits.idleTimeout, .idleTimeout)
        }
        return best
    }
}
