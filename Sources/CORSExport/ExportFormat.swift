/// A server whose configuration language `cors export` writes.
public enum ExportFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// nginx: `map`s and a `location` per route.
    case nginx
    /// Apache httpd 2.4: `SetEnvIfExpr`, mod_rewrite and `Header always`.
    case apache
    /// Caddy 2.6 or later: a `(cors)` snippet of `route` blocks.
    case caddy
    /// HAProxy 2.2 or later: ACLs, `http-request return` and `http-after-response`.
    case haproxy
    /// Envoy (API v3): a RouteConfiguration with `direct_response`, not the cors filter.
    case envoy

    /// The server's name as people write it (`Apache httpd`, `HAProxy`).
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
