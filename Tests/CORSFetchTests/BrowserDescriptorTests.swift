import BrowserHarness
import Foundation
import TestHarness
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A browser the harness starts holds only the descriptors it is handed. Sockets the tests have
/// open are not close-on-exec (SwiftNIO creates them without the flag), so a browser that
/// inherited them would keep a listener listening, or a connection open, after the test closed it.
@Suite struct BrowserDescriptorTests {
    /// A socket listening on 127.0.0.1 as SwiftNIO opens one (no close-on-exec); its port.
    static func listener() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        try #require(bound, "could not listen on 127.0.0.1: errno \(errno)")
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Opens a listener, then, inside the browser `session` starts, closes it: whether its port is
    /// free then, and the port.
    static func portFreedWhileRunning(
        _ session: (@escaping @Sendable () -> Bool) async throws -> Bool
    ) async throws -> (free: Bool, port: Int) {
        let (descriptor, port) = try listener()
        let free = try await session {
            close(descriptor)
            return ServerProcess.isFree(port: port)
        }
        return (free, port)
    }

    @Test(.enabled(if: Chromium.shouldRun, Comment(rawValue: Chromium.skipReason)))
    func aListenerClosedWhileChromiumRunsStopsListening() async throws {
        let (free, port) = try await Self.portFreedWhileRunning { body in try await Chromium.session(timeoutSeconds: 60) { _ in body() } }
        #expect(free, "port \(port) still listens after its only descriptor here was closed: Chromium inherited it")
    }

    @Test(.enabled(if: Firefox.shouldRun, Comment(rawValue: Firefox.skipReason)))
    func aListenerClosedWhileFirefoxRunsStopsListening() async throws {
        let (free, port) = try await Self.portFreedWhileRunning { body in try await Firefox.session(timeoutSeconds: 60) { _ in body() } }
        #expect(free, "port \(port) still listens after its only descriptor here was closed: Firefox inherited it")
    }
}
