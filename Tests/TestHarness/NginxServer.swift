import Foundation

/// A real nginx on 127.0.0.1 with a configuration of the test's, in a temporary prefix
/// directory; one process (`master_process off`), started and stopped by `ServerProcess`.
public final class NginxServer: @unchecked Sendable {
    private let server: ServerProcess
    public var port: Int { server.port }

    /// The nginx binary, from PATH or Debian's place; `nil` when not installed.
    public static var executable: String? { ServerProcess.find("nginx") }

    /// Whether the nginx suites must run (CI sets CORS_REQUIRE_NGINX=1): a missing nginx then fails them.
    public static var required: Bool { ProcessInfo.processInfo.environment["CORS_REQUIRE_NGINX"] == "1" }

    /// Starts nginx with `server` (the body of one `server { }` block, without `listen`) and
    /// `http` (directives for the `http { }` block, such as maps), on a free port; `PORT` in
    /// `server` stands for that port (a location can proxy to another location of the same server).
    public init(http: String = "", server: String) async throws {
        guard let executable = Self.executable else { throw ServerProcess.DidNotStart(description: "nginx is not installed") }
        self.server = try await blocking {
            try ServerProcess(
                name: "nginx",
                executable: executable,
                prepare: { port, directory in
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
                        \(server.replacing("PORT", with: String(port)))
                            }
                        }
                        """
                    try configuration.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
                },
                arguments: { _, directory in ["-p", directory.path, "-c", directory.appendingPathComponent("nginx.conf").path] }
            )
        }
    }

    public func url(_ path: String) -> String { server.url(path) }

    public func stop() { server.stop() }
}
