#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 client over a POSIX socket, so tests see exactly the bytes a server sends
/// (every header line, duplicates included) without a client library normalizing them.
public struct RawHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String

    public func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

public enum RawHTTPRequestError: Error { case connect(Int32), malformed(String) }

/// `send` flags under which a peer gone is a failed send, not a SIGPIPE that ends the test process.
#if canImport(Glibc)
public let sendWithoutSIGPIPE = Int32(MSG_NOSIGNAL)
#else
public let sendWithoutSIGPIPE: Int32 = 0
#endif

/// One request on a fresh connection, read to the connection's end. With `connectionClose` false
/// the request asks nothing about the connection (HTTP/1.1 keep-alive), so the answer is read to
/// whenever the server closes (or the ten-second receive timeout).
public func rawRequest(
    port: Int,
    method: String,
    path: String,
    headers: [(String, String)] = [],
    connectionClose: Bool = true,
    timeoutSeconds: Int = 10
) throws -> RawHTTPResponse {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw RawHTTPRequestError.connect(errno) }
    defer { close(fd) }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw RawHTTPRequestError.connect(errno) }
    var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n" + (connectionClose ? "Connection: close\r\n" : "")
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    text += "\r\n"
    let bytes = Array(text.utf8)
    var sent = 0
    while sent < bytes.count {
        let result = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, sendWithoutSIGPIPE) }
        guard result > 0 else { throw RawHTTPRequestError.connect(errno) }
        sent += result
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    // Read until the server closes, or until the response is complete by its own framing (some
    // servers, Envoy among them, hold a closing connection open for a while after answering).
    while !isComplete(received, method: method) {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        received.append(contentsOf: buffer[0..<count])
    }
    let response = String(decoding: received, as: UTF8.self)
    guard let split = response.firstRange(of: "\r\n\r\n") else {
        throw RawHTTPRequestError.malformed(response.isEmpty ? "nothing received (closed, or no answer in \(timeoutSeconds) s)" : response)
    }
    let lines = response[..<split.lowerBound].split(separator: "\r\n", omittingEmptySubsequences: false)
    guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
        let status = Int(statusLine.dropFirst(9).prefix(3))
    else { throw RawHTTPRequestError.malformed(response) }
    let fields = lines.dropFirst().map { line -> (String, String) in
        let colon = line.firstIndex(of: ":") ?? line.endIndex
        return (String(line[..<colon]), String(line[colon...].dropFirst()).trimmingCharacters(in: " "))
    }
    return RawHTTPResponse(status: status, headers: fields, body: String(response[split.upperBound...]))
}

extension String {
    public func trimmingCharacters(in character: Character) -> String {
        var view = Substring(self)
        while view.first == character { view.removeFirst() }
        while view.last == character { view.removeLast() }
        return String(view)
    }
}

/// Whether `bytes` hold a whole response: the head, and the body its Content-Length or chunked
/// framing announces (none for HEAD, 1xx, 204 and 304). Without framing, only the close ends it.
private func isComplete(_ bytes: [UInt8], method: String) -> Bool {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.firstRange(of: "\r\n\r\n") else { return false }
    let head = text[..<split.lowerBound].lowercased()
    let body = text.utf8.count - text[..<split.upperBound].utf8.count
    let status = Int(head.dropFirst(9).prefix(3)) ?? 0
    if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) { return true }
    for line in head.split(separator: "\r\n") {
        if line.hasPrefix("content-length:"), let length = Int(String(line.dropFirst(15)).trimmingCharacters(in: " ")) {
            return body >= length
        }
        if line.hasPrefix("transfer-encoding:"), line.contains("chunked") {
            return text.hasSuffix("\r\n0\r\n\r\n") || text.hasSuffix("\r\n\r\n0\r\n\r\n")
        }
    }
    return false
}
