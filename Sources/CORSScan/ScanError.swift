/// Why a scan could not be run or finished: each case names what is wrong and how to fix it.
public enum ScanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL to scan is not an absolute http(s) URL.
    case invalidURL(String)
    /// The URL carries a user name or password.
    case credentialsInURL(String)
    /// `--site` is not a serialized http(s) origin.
    case invalidSite(String, suggestion: String?)
    /// A request header given to send along is not `Name: value` with a token name.
    case invalidHeader(String)
    /// A header the scan sets itself on each probe (Origin, Access-Control-Request-*).
    case reservedHeader(String)
    /// A limit is out of range (`--rate`, `--max-requests`, `--timeout`).
    case invalidLimit(name: String, value: String, reason: String)
    /// The endpoint gave no answer.
    case unreachable(url: String, reason: String)
    /// The policy to check the endpoint against is not a valid policy; the lines say why.
    case invalidPolicy([String])

    /// What is wrong and how to fix it, in a sentence.
    public var description: String {
        switch self {
        case .invalidURL(let url):
            return "'\(url)' is not an absolute http:// or https:// URL; write it as https://api.example.com/path"
        case .credentialsInURL(let url):
            return "'\(url)' carries credentials; send them as a header instead (-H 'Authorization: ...')"
        case .invalidSite(let site, let suggestion):
            let fix = suggestion.map { "; did you mean '\($0)'?" } ?? "; write it as scheme://host[:port], e.g. https://www.example.com"
            return "--site '\(site)' is not an http(s) origin as browsers send it\(fix)"
        case .invalidHeader(let header):
            return "-H '\(header)': write a header as 'Name: value' with a name made of token characters"
        case .reservedHeader(let name):
            return "-H '\(name): ...': the scan sets \(name) itself on every probe; leave it out"
        case .invalidLimit(let name, let value, let reason):
            return "\(name) \(value): \(reason)"
        case .unreachable(let url, let reason):
            return "cannot reach \(url): \(reason)"
        case .invalidPolicy(let lines):
            return "the policy is not valid:\n" + lines.joined(separator: "\n")
        }
    }
}
