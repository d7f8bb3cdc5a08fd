/// Why `cors export` wrote nothing: each case says what is wrong and the way out.
public enum ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not JSON (the reader's line:column and message).
    case unreadable(String)
    /// The policy or routes file has problems, each located.
    case invalidFile([String])
    /// A route's policy is refused by swift-cors' validation (each problem with its fix).
    case invalidPolicy(route: String, problems: [String])
    /// The policy asks for something this format cannot express exactly.
    case unsupported(feature: String, format: ExportFormat, wayOut: String)
    /// `--upstream` is not `http://host[:port]`.
    case invalidUpstream(String)

    /// What is wrong and the way out, one problem per line, as `cors export` prints it.
    public var description: String {
        switch self {
        case .unreadable(let message): return "not JSON: \(message)"
        case .invalidFile(let problems): return problems.joined(separator: "\n")
        case .invalidPolicy(let route, let problems):
            return problems.map { route == "/" ? $0 : "route \(route): \($0)" }.joined(separator: "\n")
        case .unsupported(let feature, let format, let wayOut):
            return "\(format) cannot express \(feature): \(wayOut)"
        case .invalidUpstream(let reason): return "--upstream: \(reason)"
        }
    }
}
