/// How bad a finding is: high when the trusted origin also gets credentials, medium or low
/// otherwise, info for what is usually intended.
public enum Severity: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Usually intended (`*` on a public response); shown so it is a decision.
    case info
    /// Needs a second hole first, or is broken rather than exploitable.
    case low
    /// Another site can read responses, without the user's credentials.
    case medium
    /// Another site can read responses with the user's credentials.
    case high

    var rank: Int {
        switch self {
        case .info: return 0
        case .low: return 1
        case .medium: return 2
        case .high: return 3
        }
    }

    /// Orders by how bad: `info` < `low` < `medium` < `high`.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
