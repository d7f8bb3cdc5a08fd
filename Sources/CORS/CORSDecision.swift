import HTTPTypes

/// What the responder decided for one request, and how to apply it: answer a preflight
/// (`preflightResponse()`), or decorate the application's response (`apply(to:)`).
public struct CORSDecision: Sendable {
    public enum Outcome: Sendable, Hashable {
        /// No Origin header: not a CORS request. Responses still vary on Origin.
        case notCORS
        /// An allowed preflight (OPTIONS with Origin and Access-Control-Request-Method).
        case preflightAllowed
        /// A refused preflight: answered 403 without any Access-Control-Allow-* header.
        case preflightRejected
        /// A request from an allowed origin: the application answers, the responder decorates.
        case actualAllowed
        /// A request from a refused origin: handed on untouched (CORS protects reading, not the server).
        case actualRejected
    }

    public let outcome: Outcome
    let reason: CORSRejection.Reason?
    let compiled: CompiledPolicy
    /// Allowed: the request's Origin, echoed as Access-Control-Allow-Origin. Rejected: the value of
    /// the field the rejection concerns. One string serves both, which keeps the decision small.
    let subject: String?
    /// For `headerNotAllowed`: where the refused name lies in `subject`'s value.
    let rangeStart: Int32
    let rangeEnd: Int32
    let isOptions: Bool
    /// Whether the preflight asked for any header (Access-Control-Allow-Headers is sent only then).
    let requestedHeaders: Bool
    /// The origin is not in the list and the `.async` predicate must decide (`subject` is the Origin).
    let awaitsPredicate: Bool

    init(
        _ outcome: Outcome, compiled: CompiledPolicy, isOptions: Bool, subject: String? = nil,
        requestedHeaders: Bool = false, reason: CORSRejection.Reason? = nil, range: Range<Int> = 0..<0,
        awaitsPredicate: Bool = false
    ) {
        self.outcome = outcome
        self.compiled = compiled
        self.isOptions = isOptions
        self.subject = subject
        self.requestedHeaders = requestedHeaders
        self.reason = reason
        self.rangeStart = Int32(truncatingIfNeeded: range.lowerBound)
        self.rangeEnd = Int32(truncatingIfNeeded: range.upperBound)
        self.awaitsPredicate = awaitsPredicate
    }

    /// Why, for the two rejected outcomes: the reason and the part of the request it concerns.
    public var rejection: CORSRejection? {
        reason.map { CORSRejection($0, value: subject ?? "", range: Int(rangeStart)..<Int(rangeEnd)) }
    }

    /// Whether the adapter answers with `preflightResponse()` instead of calling the application:
    /// every preflight, except allowed ones under `preflightPassthrough`.
    public var answersWithoutApplication: Bool {
        switch outcome {
        case .preflightRejected: return true
        case .preflightAllowed: return !compiled.policy.preflightPassthrough
        default: return false
        }
    }

    /// The one-line explanation of a rejection, for logs; `nil` when the request was allowed.
    public var explanation: String? { rejection?.explanation(policy: compiled.policy) }

    /// The answer to a preflight: the configured status with the Access-Control-Allow-* headers when
    /// allowed; 403 with none of them when refused. No body.
    public func preflightResponse() -> HTTPResponse {
        var fields = HTTPFields()
        fields.reserveCapacity(8)
        let status: HTTPResponse.Status
        if outcome == .preflightAllowed {
            status = compiled.preflightStatus
            appendPreflightHeaders(to: &fields)
        } else {
            status = .forbidden
        }
        fields.append(contentsOf: compiled.varyOptions.fields)
        return HTTPResponse(status: status, headerFields: fields)
    }

    /// Decorates an application's response: Access-Control-Allow-Origin, -Credentials and
    /// -Expose-Headers when allowed (replacing any the application set), and the Vary this decision
    /// needs, merged into the application's. Apply it to error responses too.
    public func apply(to fields: inout HTTPFields) {
        switch outcome {
        case .actualAllowed:
            removeAllowHeaders(from: &fields)
            appendOrigin(to: &fields)
            if let field = compiled.allowCredentials { fields.append(field) }
            if let field = compiled.exposeHeaders { fields.append(field) }
        case .preflightAllowed:
            // Passthrough: the application answered the preflight; add what the browser checks.
            removeAllowHeaders(from: &fields)
            appendPreflightHeaders(to: &fields)
        case .notCORS, .actualRejected, .preflightRejected:
            break
        }
        (isOptions ? compiled.varyOptions : compiled.varyActual).merge(into: &fields)
    }

    /// `apply(to:)` on a whole response.
    public func apply(to response: inout HTTPResponse) { apply(to: &response.headerFields) }

    @inline(__always)
    private func appendOrigin(to fields: inout HTTPFields) {
        if compiled.originIndependent {
            fields.append(compiled.allowOriginAny)
        } else if let origin = subject {
            fields.append(HTTPField(name: .accessControlAllowOrigin, value: origin))
        }
    }

    private func appendPreflightHeaders(to fields: inout HTTPFields) {
        appendOrigin(to: &fields)
        if let field = compiled.allowCredentials { fields.append(field) }
        if let field = compiled.allowMethods { fields.append(field) }
        if requestedHeaders, let field = compiled.allowHeaders { fields.append(field) }
        if let field = compiled.maxAge { fields.append(field) }
    }

    /// Drops Access-Control-Allow-*/-Expose-*/-Max-Age fields the application set itself, so the
    /// browser sees exactly one, ours. Scans once; rebuilds only when there is one.
    @inline(__always)
    private func removeAllowHeaders(from fields: inout HTTPFields) {
        var found = false
        for index in fields.indices where fields[index].name.canonicalName.utf8.starts(with: "access-control-".utf8) {
            found = true
            break
        }
        guard found else { return }
        var kept = HTTPFields()
        for field in fields where !field.name.canonicalName.hasPrefix("access-control-") { kept.append(field) }
        fields = kept
    }
}
