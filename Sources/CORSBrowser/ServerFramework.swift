/// The server software an answer came from, as far as its headers tell, so a fix can be shown in
/// that software's own terms.
public enum ServerFramework: String, Sendable, CaseIterable {
    /// Express, the Node.js framework: a fix for the `cors` npm package.
    case express
    /// nginx: `add_header ... always` lines.
    case nginx
    /// Apache httpd: `Header always set` lines.
    case apache
    /// Caddy: `header` lines.
    case caddy
    /// Vapor: swift-cors' middleware.
    case vapor
    /// Hummingbird (and `cors serve`): swift-cors' middleware.
    case hummingbird

    /// Reads `Server` and `X-Powered-By` (case-insensitive names and values).
    public static func detect(_ headers: [(name: String, value: String)]) -> ServerFramework? {
        for (name, value) in headers {
            let name = name.lowercased()
            guard name == "server" || name == "x-powered-by" else { continue }
            let value = value.lowercased()
            if value.contains("express") { return .express }
            if value.contains("nginx") { return .nginx }
            if value.contains("apache") { return .apache }
            if value.contains("caddy") { return .caddy }
            if value.contains("vapor") { return .vapor }
            if value.contains("hummingbird") || value.contains("cors serve") { return .hummingbird }
        }
        return nil
    }

    /// How to allow `origin` (and, when the failure was about one, a method or a request header)
    /// in this software, in one or two lines.
    public func snippet(for reason: CORSBlockReason, origin: String) -> String {
        var method: String?
        var header: String?
        var credentials = false
        switch reason {
        case .methodDisallowedByPreflightResponse(let name): method = name
        case .headerDisallowedByPreflightResponse(let name): header = name
        case .wildcardOriginNotAllowed, .invalidAllowCredentials: credentials = true
        default: break
        }
        switch self {
        case .express:
            var options = ["origin: '\(origin)'"]
            if let method { options.append("methods: ['\(method)']") }
            if let header { options.append("allowedHeaders: ['\(header)']") }
            if credentials { options.append("credentials: true") }
            return "app.use(cors({ \(options.joined(separator: ", ")) }))   // npm package cors"
        case .nginx, .caddy, .apache:
            var lines = [headerLine("Access-Control-Allow-Origin", origin), headerLine("Vary", "Origin")]
            if let method { lines.append(headerLine("Access-Control-Allow-Methods", method)) }
            if let header { lines.append(headerLine("Access-Control-Allow-Headers", header)) }
            if credentials { lines.append(headerLine("Access-Control-Allow-Credentials", "true")) }
            return lines.joined(separator: "\n")
        case .vapor, .hummingbird:
            var arguments = ["allowOrigins: [\"\(origin)\"]"]
            if let method { arguments.append("allowMethods: [\"\(method)\"]") }
            if let header { arguments.append("allowHeaders: [\"\(header)\"]") }
            if credentials { arguments.append("allowCredentials: true") }
            let use = self == .vapor ? "app.middleware.use(cors, at: .beginning)" : "router.add(middleware: cors)"
            return "let cors = try CORSPolicyMiddleware(policy: CORSPolicy(\(arguments.joined(separator: ", "))))   // swift-cors\n\(use)"
        }
    }

    private func headerLine(_ name: String, _ value: String) -> String {
        switch self {
        case .nginx: return "add_header \(name) \"\(value)\" always;"
        case .apache: return "Header always set \(name) \"\(value)\""
        default: return "header \(name) \"\(value)\""
        }
    }
}
