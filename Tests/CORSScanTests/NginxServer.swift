import Foundation
import NIOCore
import NIOPosix

/// A real nginx on 127.0.0.1 with a configuration of the test's, in a temporary prefix
/// directory; one process (`master_process off`), stopped by its pid.
final class NginxServer: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let directory: URL

    struct Unavailable: Error, CustomStringConvertible { var description: String }

    /// The nginx binary, from PATH or Debian's place; `nil` when not installed.
    static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") + ["/usr/sbin", "/usr/local/sbin"] {
            let candidate = "\(directory)/nginx"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether the nginx suites must run (CI sets CORS_REQUIRE_NGINX=1): a missing nginx then fails them.
    static var required: Bool { ProcessInfo.processInfo.environment["CORS_REQUIRE_NGINX"] == "1" }

    /// Starts nginx with `server` (the body of one `server { }` block, without `listen`) and
    /// `http` (directives for the `http { }` block, such as maps), on a free port.
    init(http: String, server: String) async throws {
        guard let executable = Self.executable else { throw Unavailable(description: "nginx is not installed") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cors-scan-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
        var lastError = ""
        for _ in 0..<5 {
            let port = try await Self.freePort()
            let configuration = """
                daemon off;
                master_process off;
                error_log \(directory.path)/logs/error.log warn;
                pid \(directory.path)/nginx.pid;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path \(directory.path)/body;
                    proxy_temp_path \(directory.path)/proxy;
                    fastcgi_temp_path \(directory.path)/fastcgi;
                    uwsgi_temp_path \(directory.path)/uwsgi;
                    scgi_temp_path \(directory.path)/scgi;
                    default_type application/json;
                \(http)
                    server {
                        listen 127.0.0.1:\(port);
                \(server)
                    }
                }
                """
            let file = directory.appendingPathComponent("nginx.conf")
            try configuration.write(to: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-p", directory.path, "-c", file.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if await Self.accepts(port: port, while: process) {
                self.port = port
                self.process = process
                return
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            lastError = (try? String(contentsOf: directory.appendingPathComponent("logs/error.log"), encoding: .utf8)) ?? ""
        }
        throw Unavailable(description: "nginx did not start: \(lastError)")
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() {
        guard process.isRunning else { return }
        // SIGTERM is nginx's fast shutdown; started through Foundation's Process it has been seen
        // to ignore it (an inherited signal mask), so it gets half a second, then SIGKILL: it
        // holds nothing worth a clean exit.
        process.terminate()
        let deadline = Date().addingTimeInterval(0.5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// A port the kernel just handed out (bound, read, released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// Whether a connection to `port` succeeds within five seconds while `process` runs.
    static func accepts(port: Int, while process: Process) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while ContinuousClock.now < deadline, process.isRunning {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            {
                try? await channel.close()
                return true
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
