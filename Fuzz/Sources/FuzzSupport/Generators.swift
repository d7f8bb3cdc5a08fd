import CORS
import HTTPTypes

/// Building blocks for structured inputs: origins and patterns drawn from a small vocabulary, so
/// that generated patterns and origins share labels and near misses come up often, with a raw
/// string now and then so nothing is out of reach.
public enum Vocabulary {
    public static let schemes = ["https", "http", "https", "http", "ws", "wss", "ftp", "chrome-extension", "HTTPS", "file", "a+b"]
    public static let labels = [
        "a", "b", "app", "api", "example", "com", "org", "test", "localhost", "co", "uk", "github", "io", "evil",
        "examplecom", "127", "0", "1", "xn--bcher-kva", "a-b", "_x", "tenant", "x", "A", "example-com",
    ]
    public static let ports = ["", "", "", "", ":3000", ":8443", ":80", ":443", ":0", ":65535", ":65536", ":08", ":1", ":"]
    public static let hosts = ["[::1]", "[2001:db8::1]", "127.0.0.1", "10.0.0.1", "localhost", "[::ffff:1.2.3.4]"]
    public static let junk = ["/", ".", "/path", " ", "?", "#", "@", "%2e", "\t", "\r\n", "*", ":*", "..", "\u{0}", "é"]
}

extension FuzzInput {
    public mutating func scheme() -> String {
        byte() < 240 ? pick(Vocabulary.schemes) : string(maximum: 6)
    }

    public mutating func host() -> String {
        let choice = byte()
        if choice >= 248 { return string(maximum: 12) }
        if choice >= 232 { return pick(Vocabulary.hosts) }
        let depth = 1 + int(in: 0...3)
        return (0..<depth).map { _ in pick(Vocabulary.labels) }.joined(separator: ".")
    }

    public mutating func port() -> String {
        byte() < 248 ? pick(Vocabulary.ports) : ":" + String(int(in: 0...70000))
    }

    /// Something that is usually a serialized origin.
    public mutating func origin() -> String {
        let choice = byte()
        if choice >= 250 { return "null" }
        var text = "\(scheme())://\(host())\(port())"
        if choice >= 236 { text += pick(Vocabulary.junk) }
        if choice < 4 { text = pick(Vocabulary.junk) + text }
        return text
    }

    /// Something that is usually an `allowOrigins` entry: exact, `*.` subdomains, `:*` ports.
    public mutating func pattern() -> String {
        let choice = byte()
        if choice >= 252 { return "null" }
        if choice >= 248 { return string(maximum: 24) }
        let scheme = self.scheme()
        let host = self.host()
        switch choice % 4 {
        case 0, 1: return "\(scheme)://\(host)\(port())"
        case 2: return "\(scheme)://*.\(host)\(bool() ? ":*" : port())"
        default: return "\(scheme)://\(host):*"
        }
    }

    /// Origins a matcher gets wrong if it matches substrings or mishandles a label: for an entry,
    /// its wildcards filled, the bare domain, another label in front, a suffix glued on, another
    /// scheme, another port, upper case.
    public static func nearMisses(of entry: String) -> [String] {
        let filled = entry.replacing("*.", with: "x.").replacing(":*", with: "")
        let bare = entry.replacing("*.", with: "").replacing(":*", with: "")
        let afterScheme = filled.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: true).last.map(String.init) ?? filled
        var misses = [
            filled, bare, filled + ":8080", filled + ".evil.com", "https://evil" + afterScheme, "https://a." + afterScheme,
            "http://" + afterScheme, "https://" + afterScheme, filled.uppercased(), filled + "/", "https://x.y." + afterScheme,
        ]
        if let colon = filled.lastIndex(of: ":"), filled[colon...].count > 1, !filled[colon...].contains("/") {
            misses.append(String(filled[..<colon]))
        }
        return misses
    }
}

/// Requests and responses built from name-value pairs.
public enum Messages {
    public static func fields(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs {
            guard let name = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: name, value: value))
        }
        return fields
    }

    public static func request(method: HTTPRequest.Method, _ fields: HTTPFields) -> HTTPRequest {
        HTTPRequest(method: method, scheme: "https", authority: "api.test", path: "/x", headerFields: fields)
    }

    public static func head(isOptions: Bool, _ pairs: [(String, String)]) -> CORSRequestHead {
        var head = CORSRequestHead(isOptions: isOptions)
        for (name, value) in pairs { head.record(name: name, value: value) }
        return head
    }

    /// Whether `origin` is allowed by `policy`'s list, by the obvious definition.
    public static func listAllows(_ policy: CORSPolicy, _ origin: String) -> Bool {
        if policy.allowsAnyOrigin { return origin == "null" || Origin(origin) != nil }
        return policy.allowOrigins.contains { (try? OriginPattern(parsing: $0))?.matches(origin) ?? false }
    }
}
