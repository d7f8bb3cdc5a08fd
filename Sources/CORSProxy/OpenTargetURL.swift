import CORS

/// Open mode's target: the absolute URL after the gateway's `/` (`/https://api.vendor.example/v1?x`).
struct OpenTargetURL: Sendable {
    var scheme: UpstreamURL.Scheme
    var host: String
    var port: Int
    var pathAndQuery: String

    /// `nil` when the request's target is not `/http://...` or `/https://...` with a host.
    init?(uri: String) {
        var rest = Substring(uri)
        guard rest.hasPrefix("/") else { return nil }
        rest = rest.dropFirst()
        let lowered = rest.prefix(8).lowercased()
        if lowered.hasPrefix("http://") {
            scheme = .http
            rest = rest.dropFirst(7)
        } else if lowered.hasPrefix("https://") {
            scheme = .https
            rest = rest.dropFirst(8)
        } else {
            return nil
        }
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<end]
        guard !authority.contains("@"), let parsed = Authority.parse(authority, defaultPort: scheme.defaultPort) else { return nil }
        host = parsed.host
        port = parsed.port
        var tail = String(rest[end...])
        if let hash = tail.firstIndex(of: "#") { tail = String(tail[..<hash]) }
        if tail.hasPrefix("?") { tail = "/" + tail }
        pathAndQuery = tail.isEmpty ? "/" : tail
    }

    var hostHeader: String {
        let name = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// The target's origin, as the allowlist's patterns match it.
    var originText: String { "\(scheme.rawValue)://\(hostHeader)" }
    var origin: String? { Origin(originText).map(\.serialized) }

    /// A redirect's Location, resolved against this URL and sent back through the gateway, so the
    /// next hop is checked by the same allowlist and address rules; `nil` leaves it as it is.
    func proxiedLocation(_ location: String) -> String? {
        let lowered = location.prefix(8).lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") { return "/" + location }
        if location.hasPrefix("//") { return "/\(scheme.rawValue):" + location }
        if location.hasPrefix("/") { return "/" + originText + location }
        // A relative reference: against the directory of this path.
        let path = pathAndQuery.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let directory = path.hasSuffix("/") ? path : String(path[...(path.lastIndex(of: "/") ?? path.startIndex)])
        return "/" + originText + directory + location
    }
}
