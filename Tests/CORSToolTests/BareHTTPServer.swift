import Foundation
import TestHarness

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bare HTTP/1.1 server on 127.0.0.1 (a free port), a thread per connection, for the proxy's
/// tests: the upstream an API without any CORS at all would be. It records every request it
/// receives (as it arrives, before answering) and answers JSON that says what it saw, never an
/// Access-Control-* header; OPTIONS gets 405, as from an API that routes no such method. As a page
/// server it answers every GET with a small HTML document (any document of its origin will do).
/// Keep-alive as HTTP/1.1 has it; bodies by Content-Length or chunked. Stopped when released.
final class BareHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [(name: String, value: String)]
        var body: String

        func value(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    enum Content: Sendable { case json, page }

    struct CannotListen: Error { var call: String, errno: Int32 }

    let port: Int
    private let listener: Int32
    private let content: Content
    /// Seconds to wait, after the request has arrived, before answering it, by path.
    private let delays: [String: Double]
    private let lock = NSLock()
    private var log: [Request] = []
    private var connections: Set<Int32> = []
    private var stopped = false

    init(_ content: Content = .json, delays: [String: Double] = [:]) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw CannotListen(call: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw CannotListen(call: "bind/listen", errno: code)
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        self.content = content
        self.delays = delays
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "bare-http-accept"
        thread.start()
    }

    /// `http://127.0.0.1:PORT`
    var url: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in order of arrival.
    var requests: [Request] { lock.withLock { log } }

    /// Waits up to `timeout` seconds for a request that satisfies `matching`.
    func waitForRequest(timeout: Double = 10, _ matching: (Request) -> Bool) -> Request? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let request = requests.first(where: matching) { return request }
            Thread.sleep(forTimeInterval: 0.02)
        } while Date() < deadline
        return nil
    }

    /// Stops accepting and cuts every connection (the threads close their own descriptors).
    func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    deinit { stop() }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            let admitted = lock.withLock { () -> Bool in
                guard !stopped else { return false }
                connections.insert(fd)
                return true
            }
            guard admitted else {
                close(fd)
                return
            }
            let thread = Thread { [self] in serve(fd) }
            thread.name = "bare-http-connection"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            lock.withLock { _ = connections.remove(fd) }
            close(fd)
        }
        var buffer: [UInt8] = []
        while let request = readRequest(fd, &buffer) {
            lock.withLock { log.append(request) }
            if let delay = delays[request.path] { Thread.sleep(forTimeInterval: delay) }
            let closes = request.value("connection")?.lowercased() == "close"
            guard Self.sendAll(fd, response(to: request, closes: closes)), !closes else { return }
        }
    }

    private func response(to request: Request, closes: Bool) -> [UInt8] {
        let (status, type, body, extra): (String, String, String, [String])
        if request.method == "OPTIONS" {
            (status, type, extra) = ("405 Method Not Allowed", "application/json", ["Allow: GET, HEAD, POST, PUT"])
            body = #"{"error":"method-not-allowed"}"#
        } else if content == .page {
            (status, type, extra) = ("200 OK", "text/html; charset=utf-8", [])
            body = "<!doctype html><title>page</title><p>a page of this origin</p>"
        } else {
            (status, type, extra) = ("200 OK", "application/json", ["X-Upstream: bare"])
            let echo: [String: Any] = ["upstream": "bare", "method": request.method, "path": request.path, "body": request.body]
            let data = (try? JSONSerialization.data(withJSONObject: echo, options: [.sortedKeys])) ?? Data()
            body = String(decoding: data, as: UTF8.self)
        }
        var head = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n"
        for line in extra { head += line + "\r\n" }
        if closes { head += "Connection: close\r\n" }
        return Array((head + "\r\n" + (request.method == "HEAD" ? "" : body)).utf8)
    }

    // MARK: reading

    /// The next request on the connection, or `nil` at its end (or on anything malformed).
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        guard let headEnd = Self.read(fd, &buffer, until: Array("\r\n\r\n".utf8)) else { return nil }
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        let lines = headText.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        let headers = lines.dropFirst().map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            return (String(line[..<colon]), String(line[colon...].dropFirst()).trimmingCharacters(in: " "))
        }
        var request = Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: "")
        if request.value("transfer-encoding")?.lowercased().contains("chunked") == true {
            var body: [UInt8] = []
            while true {
                guard let lineEnd = Self.read(fd, &buffer, until: Array("\r\n".utf8)) else { return nil }
                let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                buffer.removeFirst(lineEnd + 2)
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
                if size == 0 {
                    // Trailers (usually none), up to the empty line.
                    while let end = Self.read(fd, &buffer, until: Array("\r\n".utf8)) {
                        buffer.removeFirst(end + 2)
                        if end == 0 { break }
                    }
                    break
                }
                guard Self.read(fd, &buffer, atLeast: size + 2) else { return nil }
                body += buffer[..<size]
                buffer.removeFirst(size + 2)
            }
            request.body = String(decoding: body, as: UTF8.self)
        } else if let length = request.value("content-length").flatMap({ Int($0) }), length > 0 {
            guard Self.read(fd, &buffer, atLeast: length) else { return nil }
            request.body = String(decoding: buffer[..<length], as: UTF8.self)
            buffer.removeFirst(length)
        }
        return request
    }

    /// Reads until `buffer` holds `marker`; its offset, or `nil` at the connection's end.
    private static func read(_ fd: Int32, _ buffer: inout [UInt8], until marker: [UInt8]) -> Int? {
        var searchFrom = 0
        while true {
            if buffer.count >= marker.count {
                for start in searchFrom...(buffer.count - marker.count) where buffer[start..<start + marker.count].elementsEqual(marker) {
                    return start
                }
                searchFrom = buffer.count - marker.count + 1
            }
            guard fill(fd, &buffer) else { return nil }
        }
    }

    private static func read(_ fd: Int32, _ buffer: inout [UInt8], atLeast count: Int) -> Bool {
        while buffer.count < count {
            guard fill(fd, &buffer) else { return false }
        }
        return true
    }

    private static func fill(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, sendWithoutSIGPIPE) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { return false }
            sent += result
        }
        return true
    }
}
