import CORS
import CORSProxy
import Foundation
import Logging
import NIOCore
import Synchronization

/// The policy most suites run under: one exact origin with credentials, two methods beyond the
/// simple ones, two request headers, one exposed header.
enum TestPolicy {
    static let origin = "https://app.example"
    static let standard = CORSPolicy(
        allowOrigins: [origin],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["X-Token", "Content-Type"],
        exposeHeaders: ["X-Request-Id"],
        allowCredentials: true,
        maxAge: 600
    )

    static func responder(_ policy: CORSPolicy = standard) -> CORSResponder {
        try! CORSResponder(policy: policy)
    }
}

extension ProxyLimits {
    /// Bounds small enough that a test waiting on one never waits long.
    static var quick: ProxyLimits {
        var limits = ProxyLimits()
        limits.connectTimeout = .seconds(2)
        limits.responseHeadTimeout = .seconds(5)
        limits.idleTimeout = .seconds(5)
        limits.deadline = .seconds(20)
        return limits
    }
}

let quietLogger = Logger(label: "cors-proxy-tests") { _ in SwiftLogNoOpLogHandler() }

/// A fresh path in the temporary directory (the file does not exist yet).
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("cors-proxy-tests-\(UUID().uuidString)-\(name)").path
}

/// A test configuration: 127.0.0.1 port 0, an access log file of its own, a short grace period.
func testConfiguration(
    routes: [ProxyRoute],
    limits: ProxyLimits = .quick,
    openMode: OpenMode? = nil
) -> ProxyConfiguration {
    ProxyConfiguration(
        listen: ListenAddress(host: "127.0.0.1", port: 0),
        routes: routes,
        limits: limits,
        openMode: openMode,
        accessLog: .file(temporaryPath("access.log")),
        shutdownGracePeriod: .seconds(1)
    )
}

/// One access log line, its JSON fields as text (`null` for null).
struct AccessLine: Sendable, CustomStringConvertible {
    let raw: String
    let fields: [String: String]

    init(_ raw: String) {
        self.raw = raw
        var fields: [String: String] = [:]
        if let object = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any] {
            for (key, value) in object {
                if value is NSNull { fields[key] = "null" } else { fields[key] = "\(value)" }
            }
        }
        self.fields = fields
    }

    subscript(_ key: String) -> String? { fields[key] }
    var description: String { raw }
}

/// `true` the first time only.
final class Once: Sendable {
    private let done = Mutex(false)
    func first() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}

/// A running `CORSProxyServer` and where its access log goes.
struct Gateway: Sendable {
    let server: CORSProxyServer
    let port: Int
    let logPath: String?
    private let stopped = Once()

    init(server: CORSProxyServer, port: Int, logPath: String?) {
        self.server = server
        self.port = port
        self.logPath = logPath
    }

    /// Shuts the gateway down, once (tests that test shutdown call it; the fixture then does not).
    func shutdown() async {
        if stopped.first() { await server.shutdown() }
    }

    /// The access log's lines so far.
    func log() -> [AccessLine] {
        guard let logPath, let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { AccessLine(String($0)) }
    }

    /// The access log once it has at least `count` lines (it is written just after the response is
    /// flushed, so a client may read the response a moment before its line exists).
    func awaitLog(count: Int, timeout: Duration = .seconds(5)) async throws -> [AccessLine] {
        _ = try await eventually(timeout: timeout) { log().count >= count }
        return log()
    }
}

/// Starts `configuration` on 127.0.0.1, runs `body`, and shuts the gateway down whatever happens.
func withGateway(
    _ configuration: ProxyConfiguration,
    threads: Int = 1,
    _ body: (Gateway) async throws -> Void
) async throws {
    let server = try CORSProxyServer(configuration: configuration, logger: quietLogger, threads: threads)
    let address: SocketAddress
    do {
        address = try await server.start()
    } catch {
        await server.shutdown()
        throw error
    }
    var logPath: String?
    if case .file(let path) = configuration.accessLog { logPath = path }
    let gateway = Gateway(server: server, port: address.port!, logPath: logPath)
    do {
        try await body(gateway)
    } catch {
        await gateway.shutdown()
        throw error
    }
    await gateway.shutdown()
    if let logPath { try? FileManager.default.removeItem(atPath: logPath) }
}

/// Starts an upstream with `behaviour`, runs `body`, and stops it whatever happens.
func withUpstream(
    _ behaviour: @escaping UpstreamBehaviour,
    _ body: (TestUpstream) async throws -> Void
) async throws {
    let upstream = try await TestUpstream.start(behaviour)
    do {
        try await body(upstream)
    } catch {
        await upstream.stop()
        throw error
    }
    await upstream.stop()
}

struct Harness: Sendable {
    let upstream: TestUpstream
    let gateway: Gateway
    var port: Int { gateway.port }
}

/// The common setup: a real upstream, and the gateway with one route `/` to it under `policy`.
func withProxy(
    upstream behaviour: @escaping UpstreamBehaviour = Reply.ok,
    policy: CORSPolicy = TestPolicy.standard,
    upstreamCORS: UpstreamCORSHandling = .replace,
    rules: RequestHeaderRules = RequestHeaderRules(),
    limits: ProxyLimits = .quick,
    threads: Int = 1,
    configure: (inout ProxyConfiguration) -> Void = { _ in },
    _ body: (Harness) async throws -> Void
) async throws {
    try await withUpstream(behaviour) { upstream in
        let route = ProxyRoute(
            prefix: "/",
            upstream: upstream.url,
            responder: TestPolicy.responder(policy),
            upstreamCORS: upstreamCORS,
            requestHeaderRules: rules
        )
        var configuration = testConfiguration(routes: [route], limits: limits)
        configure(&configuration)
        try await withGateway(configuration, threads: threads) { gateway in
            try await body(Harness(upstream: upstream, gateway: gateway))
        }
    }
}

extension ProxyConfiguration {
    /// This configuration with other routes (routes can only be set through the initializer).
    func with(routes: [ProxyRoute]) -> ProxyConfiguration {
        ProxyConfiguration(
            listen: listen,
            routes: routes,
            limits: limits,
            trustedProxies: trustedProxies,
            forwardedStyle: forwardedStyle,
            openMode: openMode,
            admin: admin,
            accessLog: accessLog,
            shutdownGracePeriod: shutdownGracePeriod
        )
    }
}

/// Waits, boundedly, until `condition` holds; `false` if it did not within `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let until = clock.now + timeout
    while true {
        if try condition() { return true }
        if clock.now >= until { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Seconds `body` took.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    let elapsed = clock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
