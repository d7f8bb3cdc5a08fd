// The floor under `cors proxy`'s preflight answer: SwiftNIO answering every request with the same
// prebuilt 204 (the fields a preflight answer of Benchmarks/proxy/policy.json carries), doing no
// routing and no CORS decision. Two ways:
//   http  NIOHTTP1's server pipeline (llhttp decoder, response encoder), as `cors proxy` uses it;
//   raw   bytes only: each "\r\n\r\n" seen is one request, answered with the prebuilt bytes (what an
//         own HTTP/1 codec could at best approach on the same event loop).
// Usage: swift run -c release --package-path Benchmarks NIOFloorServer http|raw PORT
import NIOCore
import NIOHTTP1
import NIOPosix

let fields: [(String, String)] = [
    ("access-control-allow-origin", "https://app.example.com"), ("access-control-allow-credentials", "true"),
    ("access-control-allow-methods", "PUT, DELETE"), ("access-control-allow-headers", "content-type, authorization"),
    ("access-control-max-age", "600"), ("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    ("content-length", "0"),
]

/// Answers each request head with the prebuilt 204 once its end arrives.
final class HTTPFloorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let head = HTTPResponseHead(version: .http1_1, status: .noContent, headers: HTTPHeaders(fields))
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
}

/// Counts request ends in the raw bytes (a head may straddle reads) and answers each with the same bytes.
final class RawFloorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    var answer = ByteBuffer()
    var matched = 0  // how many bytes of "\r\n\r\n" the previous read ended with
    init() {
        answer.writeString("HTTP/1.1 204 No Content\r\n")
        for (name, value) in fields { answer.writeString("\(name): \(value)\r\n") }
        answer.writeString("\r\n")
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var requests = 0
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                let expected: UInt8 = matched % 2 == 0 ? 13 : 10
                if byte == expected {
                    matched += 1
                    if matched == 4 {
                        requests += 1
                        matched = 0
                    }
                } else {
                    matched = byte == 13 ? 1 : 0
                }
            }
        }
        for _ in 0..<requests { context.write(wrapOutboundOut(answer), promise: nil) }
    }
    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[2]), arguments[1] == "http" || arguments[1] == "raw" else {
    print("usage: NIOFloorServer http|raw PORT")
    exit(2)
}
let raw = arguments[1] == "raw"
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 512)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelOption(.maxMessagesPerRead, value: 16)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            if raw {
                try sync.addHandler(RawFloorHandler())
            } else {
                try sync.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
                try sync.addHandler(HTTPFloorHandler())
            }
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
print("NIOFloorServer \(arguments[1]) listening on http://127.0.0.1:\(channel.localAddress!.port!)")
try channel.closeFuture.wait()
