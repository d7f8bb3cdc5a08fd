/// How bad a finding is: high when the trusted origin also gets credentials, medium or low
/// otherwise, info for what is usually intended.
public enum Severity: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case info, low, medium, high

    var rank: Int {
        switch self {
        case .info: return 0
        case .low: return 1
        case .medium: return 2
        case .high: return 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
