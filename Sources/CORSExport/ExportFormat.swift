/// A server whose configuration language `cors export` writes.
public enum ExportFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case nginx, apache, caddy, haproxy, envoy

    public var description: String {
        switch self {
        case .nginx: "nginx"
        case .apache: "Apache httpd"
        case .caddy: "Caddy"
        case .haproxy: "HAProxy"
        case .envoy: "Envoy"
        }
    }

    /// The command that checks a configuration file's syntax (`FILE` stands for its path), run by
    /// `cors export --check` when the server is installed.
    public var syntaxCheck: [String] {
        switch self {
        case .nginx: ["nginx", "-t", "-q", "-e", "stderr", "-c", "FILE"]
        case .apache: ["apache2", "-t", "-f", "FILE"]
        case .caddy: ["caddy", "validate", "--config", "FILE", "--adapter", "caddyfile"]
        case .haproxy: ["haproxy", "-c", "-q", "-f", "FILE"]
        case .envoy: ["envoy", "--mode", "validate", "-c", "FILE"]
        }
    }

    /// The file name extension the server expects (Envoy reads YAML only from `.yaml` files).
    public var fileExtension: String {
        switch self {
        case .nginx, .apache: "conf"
        case .caddy: "Caddyfile"
        case .haproxy: "cfg"
        case .envoy: "yaml"
        }
    }
}
