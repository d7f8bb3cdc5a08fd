import Synchronization

/// Holds the responder a running server uses and swaps it atomically: every request sees either
/// the old policy or the new one, never half of each, and an invalid new policy changes nothing.
public final class CORSResponderStore: Sendable {
    private let current: Mutex<CORSResponder>

    /// A store that starts with `responder`.
    public init(_ responder: CORSResponder) {
        current = Mutex(responder)
    }

    /// The responder to decide the next request with.
    public var responder: CORSResponder { current.withLock { $0 } }

    /// Validates and compiles `policy`, then installs it; on error the old policy stays in force.
    @discardableResult
    public func replace(with policy: CORSPolicy) throws(CORSPolicyValidationError) -> CORSResponder {
        let responder = try CORSResponder(policy: policy)
        current.withLock { $0 = responder }
        return responder
    }
}
