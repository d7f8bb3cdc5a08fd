import Foundation
import TestHarness

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The system calls, under names the client's own methods do not shadow.
private func systemClose(_ fd: Int32) { _ = close(fd) }
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
private func systemSend(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    send(fd, bytes, count, sendWithoutSIGPIPE)
}
private func newSocket() -> Int32 {
    #if canImport(Glibc)
    socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    socket(AF_INET, SOCK_STREAM, 0)
    #endif
}

/// One HTTP/1.1 response exactly as it came over the socket: every header line in order (duplicates
/// kept), how its body was framed, and whether the framing was satisfied before the connection
/// ended. A body cut short is `complete == false`, never a short body that looks whole.
struct RawResponse: Sendable {
    enum Framing: Sendable, Equatable {
        case none
        case contentLength(Int)
        case chunked
        case untilClose
    }

    var status: Int
    var headers: [(name: String, value: String)]
    var framing: Framing
    /// The body's bytes (only the first `storeLimit` when the caller streamed a large one).
    var body: [UInt8]
    /// Every body byte received, stored or not.
    var bodyCount: Int
    var complete: Bool
    /// Statuses of the 1xx responses that came first.
    var interim: [Int] = []
    var trailers: [(name: String, value: String)] = []

    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    func value(_ name: String) -> String? { values(name).first }

    var names: [String] { headers.map { $0.name.lowercased() } }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The Access-Control-* lines, lowercased names.
    var accessControlNames: [String] { names.filter { $0.hasPrefix("access-control-") } }
}

enum RawHTTPError: Error, CustomStringConvertible {
    case connect(Int32)
    case send(Int32)
    case timedOut
    /// The connection ended (EOF or reset) before a whole response head arrived.
    case closedBeforeHead(received: String, reset: Bool)
    case malformed(String)

    var description: String {
        switch self {
        case .connect(let code): return "connect failed: errno \(code)"
        case .send(let code): return "send failed: errno \(code)"
        case .timedOut: return "timed out waiting for the server"
        case .closedBeforeHead(let received, let reset):
            return "connection \(reset ? "reset" : "closed") before a response head; received \(received.debugDescription)"
        case .malformed(let text): return "not an HTTP/1.1 response: \(text.debugDescription)"
        }
    }
}

/// A blocking HTTP/1.1 client over one POSIX socket to 127.0.0.1: it writes requests as given,
/// bytes and all, and parses responses itself, so a test sees what went over the wire. Every wait
/// is bounded by the receive timeout. Use it from `blocking { }`, not from the concurrency pool.
/// Used by one thread at a time (handed from one `blocking` closure to the next), hence unchecked.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var scratch = [UInt8](repeating: 0, count: 1 << 18)
    /// Whether the peer has ended the connection (EOF or reset).
    private(set) var ended = false
    private(set) var wasReset = false

    init(port: Int, timeoutSeconds: Int = 10) throws {
        self.port = port
        fd = newSocket()
        guard fd >= 0 else { throw RawHTTPError.connect(errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        guard Self.connect(fd, port: port) == 0 else {
            let code = errno
            systemClose(fd)
            throw RawHTTPError.connect(code)
        }
    }

    private var closed = false

    deinit { if !closed { systemClose(fd) } }

    private static func connect(_ fd: Int32, port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is refused right now.
    static func isRefused(port: Int) -> Bool {
        let fd = newSocket()
        defer { systemClose(fd) }
        return connect(fd, port: port) != 0 && errno == ECONNREFUSED
    }

    /// Closes the socket abruptly: unread data makes the kernel send a reset, as a vanished client does.
    func abort() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        systemClose(fd)
        closed = true
    }

    /// Closes the socket in the ordinary way (a FIN).
    func close() {
        guard !closed else { return }
        systemClose(fd)
        closed = true
    }

    // MARK: sending

    func setSendTimeout(milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: Int((milliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends `BytePattern` bytes `offset..<end` raw until the peer stops taking them for the send
    /// timeout; returns the offset reached.
    func sendPatternUntilBlocked(from offset: Int, to end: Int) -> Int {
        var offset = offset
        while offset < end {
            let piece = min(BytePattern.maximumSlice, end - offset)
            let sent = BytePattern.withSlice(at: offset, count: piece) { systemSend(fd, $0.baseAddress!, piece) }
            if sent <= 0 { return offset }
            offset += sent
        }
        return offset
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try send(raw: $0) }
    }

    func send(raw bytes: UnsafeRawBufferPointer) throws {
        var sent = 0
        while sent < bytes.count {
            let result = systemSend(fd, bytes.baseAddress! + sent, bytes.count - sent)
            guard result > 0 else { throw RawHTTPError.send(errno) }
            sent += result
        }
    }

    /// The request line and headers; `Host` first unless the caller gives one.
    func sendHead(method: String, path: String, headers: [(String, String)] = [], version: String = "HTTP/1.1") throws {
        var text = "\(method) \(path) \(version)\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { text += "Host: 127.0.0.1:\(port)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        try send(text)
    }

    /// `BytePattern`'s bytes `start..<count` as a body, chunked (64 KiB chunks, then the last chunk) or raw.
    func sendPattern(from start: Int = 0, count: Int, chunked: Bool) throws {
        var offset = start
        while offset < count {
            let piece = min(BytePattern.maximumSlice, count - offset)
            if chunked { try send(String(piece, radix: 16) + "\r\n") }
            try BytePattern.withSlice(at: offset, count: piece) { try send(raw: $0) }
            if chunked { try send("\r\n") }
            offset += piece
        }
        if chunked { try send("0\r\n\r\n") }
    }

    /// Sends a request (Content-Length added for a body unless given) and reads its response.
    func request(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) throws -> RawResponse {
        var headers = headers
        if let body, !headers.contains(where: { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }) {
            headers.append(("Content-Length", String(body.count)))
        }
        try sendHead(method: method, path: path, headers: headers)
        if let body { try send(body) }
        return try readResponse(isHEAD: method == "HEAD")
    }

    // MARK: receiving

    private var available: Int { buffer.count - start }

    /// Reads more bytes; `false` when the connection ended (EOF or reset).
    private func fill() throws -> Bool {
        if ended { return false }
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1 << 20 {
            buffer.removeFirst(start)
            start = 0
        }
        let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if count < 0 {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { throw RawHTTPError.timedOut }
            if code == EINTR { return try fill() }
            ended = true
            wasReset = code == ECONNRESET
            return false
        }
        if count == 0 { ended = true }
        // Through a buffer pointer: a contiguous append is a copy, not a loop over bytes (debug builds).
        scratch.withUnsafeBufferPointer { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<count])) }
        return count > 0
    }

    /// One CRLF-terminated line (without the CRLF); `nil` when the connection ended first.
    private func line() throws -> String? {
        while true {
            if let index = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = index
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let text = String(decoding: buffer[start..<end], as: UTF8.self)
                start = index + 1
                return text
            }
            guard try fill() else { return nil }
        }
    }

    /// Reads one response: 1xx responses are collected and skipped, then the head, then the body
    /// by its framing. `onBody` sees every body byte; `storeLimit` bytes of it are kept.
    func readResponse(
        isHEAD: Bool = false,
        storeLimit: Int = 1 << 20,
        onBody: ((UnsafeRawBufferPointer) -> Void)? = nil,
        stopAfter: Int? = nil
    ) throws -> RawResponse {
        var interim: [Int] = []
        while true {
            var response = try readHead()
            if (100..<200).contains(response.status) && response.status != 101 {
                interim.append(response.status)
                continue
            }
            response.interim = interim
            try readBody(into: &response, isHEAD: isHEAD, storeLimit: storeLimit, onBody: onBody, stopAfter: stopAfter)
            return response
        }
    }

    /// The status line and header lines, nothing of the body.
    func readHead() throws -> RawResponse {
        var lines: [String] = []
        while true {
            guard let line = try line() else {
                let partial = lines.joined(separator: "\r\n") + String(decoding: buffer[start...], as: UTF8.self)
                throw RawHTTPError.closedBeforeHead(received: partial, reset: wasReset)
            }
            if line.isEmpty {
                if lines.isEmpty { continue }
                break
            }
            lines.append(line)
        }
        let statusLine = lines[0]
        guard statusLine.hasPrefix("HTTP/1."), statusLine.utf8.count >= 12, let status = Int(statusLine.dropFirst(9).prefix(3)) else {
            throw RawHTTPError.malformed(lines.joined(separator: "\n"))
        }
        let headers = lines.dropFirst().map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let value = line[colon...].dropFirst().trimmingCharacters(in: .whitespaces)
            return (String(line[..<colon]), value)
        }
        return RawResponse(status: status, headers: headers, framing: .none, body: [], bodyCount: 0, complete: false)
    }

    /// Reads the body `response`'s head announces. `stopAfter`: return once that many body bytes
    /// have arrived (incomplete), as a client that stops reading does.
    func readBody(
        into response: inout RawResponse,
        isHEAD: Bool = false,
        storeLimit: Int = 1 << 20,
        onBody: ((UnsafeRawBufferPointer) -> Void)? = nil,
        stopAfter: Int? = nil
    ) throws {
        let transferEncoding = response.values("transfer-encoding").joined(separator: ",").lowercased()
        let lengths = response.values("content-length")
        if isHEAD || response.status == 204 || response.status == 304 {
            response.framing = .none
        } else if transferEncoding.contains("chunked") {
            response.framing = .chunked
        } else if let first = lengths.first, let length = Int(first) {
            response.framing = .contentLength(length)
        } else {
            response.framing = .untilClose
        }
        func take(_ count: Int) {
            let end = start + count
            let slice = buffer[start..<end]
            slice.withUnsafeBytes { onBody?($0) }
            if response.body.count < storeLimit { response.body.append(contentsOf: slice.prefix(storeLimit - response.body.count)) }
            response.bodyCount += count
            start = end
        }
        func stopped() -> Bool { stopAfter.map { response.bodyCount >= $0 } ?? false }
        switch response.framing {
        case .none:
            response.complete = true
        case .contentLength(let length):
            while response.bodyCount < length {
                if stopped() { return }
                if available == 0, try !fill() { return }
                take(min(available, length - response.bodyCount))
            }
            response.complete = true
        case .untilClose:
            while true {
                if stopped() { return }
                if available > 0 { take(available) }
                if try !fill() { break }
            }
            response.complete = !wasReset
        case .chunked:
            while true {
                guard let sizeLine = try line() else { return }
                let sizeText = sizeLine.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw RawHTTPError.malformed("chunk size line \(sizeLine)")
                }
                if size == 0 {
                    while let trailer = try line() {
                        if trailer.isEmpty {
                            response.complete = true
                            return
                        }
                        let colon = trailer.firstIndex(of: ":") ?? trailer.endIndex
                        response.trailers.append((String(trailer[..<colon]), trailer[colon...].dropFirst().trimmingCharacters(in: .whitespaces)))
                    }
                    return
                }
                var remaining = size
                while remaining > 0 {
                    if stopped() { return }
                    if available == 0, try !fill() { return }
                    let count = min(available, remaining)
                    take(count)
                    remaining -= count
                }
                guard let end = try line() else { return }
                guard end.isEmpty else { throw RawHTTPError.malformed("chunk not followed by CRLF") }
            }
        }
    }

    /// Reads and discards until the peer ends the connection; `true` if it did within the timeout.
    func waitForEnd() -> Bool {
        while true {
            start = buffer.count
            do {
                if try !fill() { return true }
            } catch {
                return false
            }
        }
    }
}

/// One request on a connection of its own, closed after the response.
func fetch(
    _ port: Int,
    _ method: String,
    _ path: String,
    headers: [(String, String)] = [],
    body: [UInt8]? = nil
) async throws -> RawResponse {
    try await blocking {
        let connection = try RawConnection(port: port)
        return try connection.request(method, path, headers: headers, body: body)
    }
}
