import CORSExplain
import CORSFetch
import Foundation
import TestHarness

/// nginx (`NginxServer`) and Apache from the machine's packages, each with a configuration of the test's, started
/// by `ServerProcess` on 127.0.0.1.
enum RealServer {
    static var apache: String? { ServerProcess.find("apache2") ?? ServerProcess.find("httpd") }
    /// CI sets CORS_REQUIRE_SERVERS=1: a missing server is then a failure, not a skip.
    static var required: Bool { ProcessInfo.processInfo.environment["CORS_REQUIRE_SERVERS"] == "1" }
    static var nginxRuns: Bool { NginxServer.executable != nil || NginxServer.required || required }
    static var apacheRuns: Bool { apache != nil || required }

    /// Apache serving `files` (name: content) from its directory, with `directives` in the
    /// server's context (as a site's configuration or a .htaccess would set them).
    static func apache(directives: String, files: [String: String]) throws -> ServerProcess {
        guard let apache else { throw ServerProcess.DidNotStart(description: "apache2 is not installed") }
        return try ServerProcess(
            name: "apache",
            executable: apache,
            prepare: { port, directory in
                let modules = ["mpm_event", "authz_core", "headers", "mime", "dir"]
                let configuration = """
                    ServerName 127.0.0.1
                    Listen 127.0.0.1:\(port)
                    PidFile httpd.pid
                    DefaultRuntimeDir .
                    ErrorLog /dev/stderr
                    LogLevel warn
                    User www-data
                    Group www-data
                    \(modules.map { "LoadModule \($0)_module /usr/lib/apache2/modules/mod_\($0).so" }.joined(separator: "\n"))
                    StartServers 1
                    ServerLimit 1
                    ThreadsPerChild 25
                    MaxRequestWorkers 25
                    MinSpareThreads 1
                    MaxSpareThreads 25
                    TypesConfig /etc/mime.types
                    DocumentRoot "\(directory.path)/htdocs"
                    <Directory "\(directory.path)/htdocs">
                        Require all granted
                    </Directory>
                    \(directives)
                    """
                let root = directory.appendingPathComponent("htdocs")
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                for (name, content) in files {
                    let file = root.appendingPathComponent(name)
                    try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try content.write(to: file, atomically: true, encoding: .utf8)
                }
                try configuration.write(to: directory.appendingPathComponent("httpd.conf"), atomically: true, encoding: .utf8)
                // Apache, run as root, serves as www-data: the directories must be readable by it.
                for path in [directory.path, root.path, root.appendingPathComponent("api").path] {
                    try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
                }
            },
            arguments: { _, directory in ["-DFOREGROUND", "-d", directory.path, "-f", directory.appendingPathComponent("httpd.conf").path] }
        )
    }
}

/// The page the tests fetch from (no server needs to be there: browsers send it as Origin).
let pageOrigin = "http://localhost:5173"

/// `fetch(url, ...)` from `pageOrigin` in Chromium's engine, with the probes, and the causes found.
func check(
    _ url: String,
    method: String = "GET",
    headers: [(name: String, value: String)] = [],
    body: String? = nil
) async throws -> (outcome: CORSFetcher.Outcome, causes: [ServerCause]) {
    let request = FetchRequest(url: url, origin: pageOrigin, method: method, headers: headers, body: body)
    let run = try await CheckRun.perform(request, browsers: [.chromium], probeErrors: true)
    let outcome = run.results[0].outcome
    return (outcome, run.causes(outcome))
}
