import HTTPTypes

/// Why the responder refused a CORS request: a machine-readable reason, and the part of the request
/// it concerns, from which `explanation` writes one line for logs only when asked.
public struct CORSRejection: Sendable, Equatable {
    /// The diagnosis, stable for metrics and log queries (`rawValue` is kebab-case).
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The Origin header is not a serialized origin, is too long, or appears more than once.
        case malformedOrigin = "malformed-origin"
        /// The origin is well-formed but not allowed by the policy.
        case originNotAllowed = "origin-not-allowed"
        /// Access-Control-Request-Method is not a token or appears more than once.
        case malformedRequestMethod = "malformed-request-method"
        /// The preflight asks for a method the policy does not allow.
        case methodNotAllowed = "method-not-allowed"
        /// Access-Control-Request-Headers has a name that is not a token, or too many empty items.
        case malformedRequestHeaders = "malformed-request-headers"
        /// Access-Control-Request-Headers is longer or names more headers than the responder reads.
        case requestHeadersTooLarge = "request-headers-too-large"
        /// The preflight asks for a header the policy does not allow.
        case headerNotAllowed = "header-not-allowed"
    }

    /// Why the request was refused.
    public let reason: Reason
    /// The value of the request field the reason concerns (Origin, or an Access-Control-Request-* field).
    let value: String
    /// For `headerNotAllowed`: the byte range of the refused name within `value`.
    let range: Range<Int>

    init(_ reason: Reason, value: String, range: Range<Int> = 0..<0) {
        self.reason = reason
        self.value = value
        self.range = range
    }

    /// What was asked, as far as it bears on the reason: the origin, the method, or the header name.
    public var subject: String {
        if reason == .headerNotAllowed {
            return value.withUTF8Bytes { bytes in String(decoding: bytes[range], as: UTF8.self) }
        }
        return value.utf8.count > 80 ? String(value.prefix(80)) + "…" : value
    }

    /// One line saying what was asked, why it failed and how the policy could allow it.
    public func explanation(policy: CORSPolicy) -> String {
        let subject = self.subject
        switch reason {
        case .malformedOrigin:
            return
                "Origin \"\(subject)\" is not a single serialized origin (scheme://host[:port], at most \(Origin.maximumLength) bytes); browsers never send that"
        case .originNotAllowed:
            let listed = policy.allowOrigins.prefix(5).joined(separator: ", ")
            let more = policy.allowOrigins.count > 5 ? ", … (\(policy.allowOrigins.count) in all)" : ""
            let predicate = policy.allowOriginPredicate == nil ? "" : " and the origin predicate refused it"
            return
                "origin \(subject) is not allowed: allowOrigins is [\(listed)\(more)]\(predicate); add \"\(subject)\" to allowOrigins if its scripts may read responses"
        case .malformedRequestMethod:
            return "Access-Control-Request-Method \"\(subject)\" is not a single method token"
        case .methodNotAllowed:
            return
                "method \(subject) is not allowed: allowMethods is [\(policy.allowMethods.joined(separator: ", "))] (GET, HEAD and POST are always allowed); add \"\(subject)\" to allowMethods (methods are case-sensitive)"
        case .malformedRequestHeaders:
            return "Access-Control-Request-Headers \"\(subject)\" is not a comma-separated list of header names"
        case .requestHeadersTooLarge:
            return
                "Access-Control-Request-Headers is longer than \(RequestedHeaderNames.maximumLength) bytes or names more than \(RequestedHeaderNames.maximumNames) headers"
        case .headerNotAllowed:
            let wildcardNote =
                policy.allowHeaders.contains("*") && subject.lowercased() == "authorization"
                ? " (\"*\" never covers Authorization: list it by name)" : ""
            return
                "request header \(subject.lowercased()) is not allowed: allowHeaders is [\(policy.allowHeaders.joined(separator: ", "))]\(wildcardNote); add \"\(subject)\" to allowHeaders"
        }
    }
}
