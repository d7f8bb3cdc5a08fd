import CORS

/// One request `cors scan --expect` sends to hold a live endpoint against a policy: a GET with
/// an Origin, or a preflight asking for a method and headers; each is judged for `omit` and
/// `include` credentials.
public struct PolicyProbe: Sendable, Hashable {
    /// A GET with an Origin, or a preflight.
    public enum Kind: String, Sendable, Hashable {
        /// A GET with an Origin, judged by the CORS check.
        case actual
        /// An `OPTIONS` preflight, judged as a browser validates one.
        case preflight
    }
    /// Which kind of request this is.
    public var kind: Kind
    /// The Origin sent.
    public var origin: String
    /// The preflight's Access-Control-Request-Method (`GET` for an actual request).
    public var method: String
    /// The preflight's Access-Control-Request-Headers names, lowercased.
    public var headerNames: [String]
    /// Why this request is worth sending: which entry, list or near miss it tries.
    public var purpose: String

    /// The probes for `policy`: every allowed origin, method and header, and the near misses of
    /// each (a pattern's neighbours, the bare domain under a subdomain pattern, other ports,
    /// other schemes, a method or header just outside the lists), deduplicated, in a stable order.
    public static func derive(for policy: CORSPolicy, label: String) -> [PolicyProbe] {
        var origins: [(origin: String, purpose: String)] = []
        let attacker = "evil\(label).net"
        let unrelated = "https://\(attacker)"
        var sample: String?
        if policy.allowsAnyOrigin {
            sample = unrelated
        } else {
            for entry in policy.allowOrigins {
                guard let pattern = try? OriginPattern(parsing: entry) else { continue }
                let tried = neighbours(of: pattern, entry: entry, label: label)
                if sample == nil { sample = tried.first { pattern.matches($0.origin) }?.origin }
                origins += tried
            }
        }
        origins.append((unrelated, "an unrelated origin"))
        origins.append(("null", "the opaque origin null"))

        var probes: [PolicyProbe] = []
        var seen: Set<String> = []
        for (origin, purpose) in origins where origin == "null" || Origin(origin) != nil {
            guard seen.insert(origin).inserted else { continue }
            probes.append(PolicyProbe(kind: .actual, origin: origin, method: "GET", headerNames: [], purpose: purpose))
        }

        guard let sample else { return probes }
        func preflight(_ method: String, _ headers: [String], _ purpose: String, origin: String = sample) {
            let probe = PolicyProbe(kind: .preflight, origin: origin, method: method, headerNames: headers, purpose: purpose)
            if !probes.contains(where: { $0.kind == .preflight && $0.origin == origin && $0.method == method && $0.headerNames == headers }) {
                probes.append(probe)
            }
        }
        let methods = policy.allowMethods.filter { $0 != "*" }
        for method in methods { preflight(method, [], "allowMethods lists \(method)") }
        // fetch() uppercases only these (Fetch §2.2.1 "normalize"); any other method is sent as written.
        let normalized: Set<String> = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]
        for method in methods where method.lowercased() != method && !normalized.contains(method.uppercased()) {
            preflight(method.lowercased(), [], "methods are case-sensitive: \(method.lowercased()) is not \(method)")
        }
        if !policy.allowMethods.contains("*") {
            if let outside = ["PUT", "PATCH", "DELETE"].first(where: { !policy.allowMethods.contains($0) }) {
                preflight(outside, [], "a method allowMethods does not list")
            }
        }
        let headers = policy.allowHeaders.filter { $0 != "*" }
        for header in headers { preflight("GET", [header.lowercased()], "allowHeaders lists \(header)") }
        if !policy.allowHeaders.contains("*") { preflight("GET", ["x-scan-\(label)"], "a header allowHeaders does not list") }
        if !headers.contains(where: { $0.lowercased() == "authorization" }) {
            preflight("GET", ["authorization"], "Authorization, which only a list naming it allows")
        }
        let firstMethod = methods.first ?? "PUT"
        if sample != unrelated { preflight(firstMethod, [], "a preflight from an origin the policy refuses", origin: unrelated) }
        return probes
    }

    /// The entry's own origin (or a sample of its pattern) and its near misses.
    static func neighbours(of pattern: OriginPattern, entry: String, label: String) -> [(origin: String, purpose: String)] {
        let attacker = "evil\(label).net"
        func other(_ scheme: String) -> String? { scheme == "https" ? "http" : scheme == "http" ? "https" : nil }
        func otherPort(_ scheme: String, _ port: Int?) -> String {
            if let port { return port == 65535 ? ":1" : ":\(port + 1)" }
            return scheme == "https" ? ":8443" : ":8080"
        }
        func portText(_ port: Int?) -> String { port.map { ":\($0)" } ?? "" }
        var list: [(String, String)] = []
        switch pattern {
        case .null:
            list.append(("null", "allowOrigins lists null"))
        case .exact(let origin):
            let scheme = String(origin.scheme)
            let host = String(origin.host)
            let port = portText(origin.port)
            list.append((origin.serialized, "allowOrigins lists \(entry)"))
            if let otherScheme = other(scheme) { list.append(("\(otherScheme)://\(host)\(port)", "\(entry) with the other scheme")) }
            list.append(("\(scheme)://\(host)\(otherPort(scheme, origin.port))", "\(entry) on another port"))
            list.append(("\(scheme)://x\(label).\(host)\(port)", "a subdomain of \(entry)"))
            list.append(("\(scheme)://\(host).\(attacker)\(port)", "a host that starts with \(host)"))
            list.append(("\(scheme)://evil\(label)\(host)\(port)", "a host that ends with \(host)"))
            let labels = host.split(separator: ".")
            if labels.count > 2 {
                let parent = labels.dropFirst().joined(separator: ".")
                if !PublicSuffixList.isPublicSuffix(parent) { list.append(("\(scheme)://\(parent)\(port)", "the parent domain of \(entry)")) }
            }
        case .subdomains(let scheme, let base, let port, let anyPort):
            let portText = anyPort ? "" : portText(port)
            list.append(("\(scheme)://x\(label).\(base)\(portText)", "a subdomain \(entry) covers"))
            list.append(("\(scheme)://a.x\(label).\(base)\(portText)", "a deeper subdomain \(entry) covers"))
            list.append(("\(scheme)://\(base)\(portText)", "the bare domain, which \(entry) does not cover"))
            list.append(("\(scheme)://evil\(label)\(base)\(portText)", "a host that merely ends with \(base)"))
            list.append(("\(scheme)://\(base).\(attacker)\(portText)", "a host that starts with \(base)"))
            if let otherScheme = other(scheme) { list.append(("\(otherScheme)://x\(label).\(base)\(portText)", "\(entry) with the other scheme")) }
            if anyPort {
                list.append(("\(scheme)://x\(label).\(base):8123", "a subdomain on another port, which \(entry) covers"))
            } else {
                list.append(("\(scheme)://x\(label).\(base)\(otherPort(scheme, port))", "a subdomain on another port"))
            }
        case .anyPort(let scheme, let host):
            list.append(("\(scheme)://\(host)", "\(entry) on the default port"))
            list.append(("\(scheme)://\(host):8123", "\(entry) on another port"))
            if let otherScheme = other(scheme) { list.append(("\(otherScheme)://\(host):8123", "\(entry) with the other scheme")) }
            list.append(("\(scheme)://x\(label).\(host):8123", "a subdomain of \(host)"))
        }
        return list
    }
}
