import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking WebSocket client (RFC 6455) for a browser's loopback debugging endpoint: text
/// messages out (masked, as clients must), text messages in, handed to `onMessage` on a reader
/// thread of its own. Enough for WebDriver BiDi; not a general-purpose client (no TLS, no
/// extensions, and the handshake's accept key is not verified: the peer is a browser we started).
final class WebSocketConnection: @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case badURL(String)
        case connect(String)
        case handshake(String)
        case closed

        var description: String {
            switch self {
            case .badURL(let url): "not a ws://host:port/path URL: \(url)"
            case .connect(let why): "WebSocket connect failed: \(why)"
            case .handshake(let answer): "WebSocket handshake refused: \(answer)"
            case .closed: "the WebSocket is closed"
            }
        }
    }

    private let socket: Int32
    private let writeLock = NSLock()
    /// Guards `closed`: once the reader has closed the descriptor, its number may belong to
    /// another socket, so nothing may touch it.
    private let stateLock = NSLock()
    private var closed = false
    /// Signalled when the reader has stopped reading.
    private let readerDone = DispatchSemaphore(value: 0)
    /// The most one message may hold, whatever its frames say.
    private static let maximumMessageBytes = 64 << 20
    private let onMessage: @Sendable (Data) -> Void
    private let onClose: @Sendable () -> Void

    /// Connects to `url` (`ws://127.0.0.1:PORT/path`) and starts reading.
    init(url: String, onMessage: @escaping @Sendable (Data) -> Void, onClose: @escaping @Sendable () -> Void) throws {
        guard url.hasPrefix("ws://") else { throw Failure.badURL(url) }
        let rest = url.dropFirst(5)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard let colon = authority.lastIndex(of: ":"), let port = UInt16(authority[authority.index(after: colon)...]) else {
            throw Failure.badURL(url)
        }
        let host = String(authority[..<colon])
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { throw Failure.badURL(url) }
        #if canImport(Glibc)
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure.connect("socket: errno \(errno)") }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure.connect("connect \(authority): errno \(errno)")
        }
        socket = descriptor
        self.onMessage = onMessage
        self.onClose = onClose
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let request =
            "GET \(path.isEmpty ? "/" : path) HTTP/1.1\r\nHost: \(authority)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        do {
            try writeAll(Array(request.utf8))
        } catch {
            close(descriptor)
            throw error
        }
        // The answer's head, byte by byte up to its blank line, so no frame byte is read here.
        var head: [UInt8] = []
        while !head.ends(with: [13, 10, 13, 10]) {
            guard head.count < 16 << 10, let byte = try? readExactly(1) else {
                close(descriptor)
                throw Failure.handshake(String(decoding: head, as: UTF8.self))
            }
            head += byte
        }
        let answer = String(decoding: head, as: UTF8.self)
        guard answer.hasPrefix("HTTP/1.1 101") else {
            close(descriptor)
            throw Failure.handshake(answer.components(separatedBy: "\r\n").first ?? answer)
        }
        let reader = Thread { [self] in readFrames() }
        reader.name = "websocket-reader"
        reader.start()
    }

    /// Sends one text message.
    func send(text: String) throws { try sendFrame(opcode: 0x1, payload: Array(text.utf8)) }

    /// Shuts the socket down (which also ends a write stalled on it), waits for the reader to stop,
    /// then closes the descriptor: only here, once, so no thread ever uses a reused number.
    func shutdownConnection() {
        guard !stateLock.withLock({ closed }) else { return }
        _ = shutdown(socket, Int32(SHUT_RDWR))
        _ = readerDone.wait(timeout: .now() + 5)
        writeLock.withLock {
            stateLock.withLock {
                if !closed { close(socket) }
                closed = true
            }
        }
    }

    deinit { shutdownConnection() }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        var frame: [UInt8] = [0x80 | opcode]
        switch payload.count {
        case 0..<126: frame.append(0x80 | UInt8(payload.count))
        case 126...0xFFFF: frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> ($0 * 8)) & 0xFF) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset & 3] }
        try writeLock.withLock { try writeAll(frame) }
    }

    /// Callers hold `writeLock` (the handshake runs before any other thread exists), which
    /// `shutdownConnection` takes before closing, so the descriptor stays open during a write.
    private func writeAll(_ bytes: [UInt8]) throws {
        guard !stateLock.withLock({ closed }), bytes.withUnsafeBytes({ BrowserHarness.writeAll(socket, $0) }) else {
            throw Failure.closed
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = bytes.withUnsafeMutableBytes { read(socket, $0.baseAddress! + offset, count - offset) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { throw Failure.closed }
            offset += got
        }
        return bytes
    }

    /// Reads frames until the peer closes: text (and its continuations) to `onMessage`, pings
    /// answered with pongs, a close frame or end-of-file ends it.
    private func readFrames() {
        var message: [UInt8] = []
        var messageIsText = false
        do {
            while true {
                let header = try readExactly(2)
                let final = header[0] & 0x80 != 0
                let opcode = header[0] & 0x0F
                var length = UInt64(header[1] & 0x7F)
                if length == 126 {
                    length = try readExactly(2).reduce(0) { $0 << 8 | UInt64($1) }
                } else if length == 127 {
                    length = try readExactly(8).reduce(0) { $0 << 8 | UInt64($1) }
                }
                let mask = header[1] & 0x80 != 0 ? try readExactly(4) : nil
                guard length < 256 << 20 else { break }
                var payload = try readExactly(Int(length))
                if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset & 3] } }
                switch opcode {
                case 0x0, 0x1, 0x2:
                    // A new text or binary frame starts a message; continuations extend it.
                    if opcode != 0x0 {
                        message = []
                        messageIsText = opcode == 0x1
                    }
                    message += payload
                    guard message.count <= Self.maximumMessageBytes else { throw Failure.closed }
                    if final {
                        if messageIsText { onMessage(Data(message)) }
                        message = []
                    }
                case 0x8:
                    // Answer the close (RFC 6455 §5.5.1), then stop.
                    try? sendFrame(opcode: 0x8, payload: Array(payload.prefix(2)))
                    throw Failure.closed
                case 0x9:
                    try sendFrame(opcode: 0xA, payload: payload)
                default:
                    continue
                }
            }
        } catch {}
        readerDone.signal()
        onClose()
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
