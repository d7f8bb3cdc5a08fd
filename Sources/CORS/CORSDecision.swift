import HTTPTypes

/// What the responder decided for one request, and how to apply it: answer a preflight
/// (`preflightResponse()`), or decorate the application's response (`apply(to:)`).
public struct CORSDecision: Sendable {
    /// What the responder made of the request: not CORS, a preflight allowed or refused, or an
    /// actual request from an allowed or a refused origin.
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

    /// Which of the five outcomes this decision is.
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
    /// Allowed through an exact origin whose fields are prebuilt: their index, else -1.
    let prebuilt: Int32

    init(
        _ outcome: Outcome,
        compiled: CompiledPolicy,
        isOptions: Bool,
        subject: String? = nil,
        requestedHeaders: Bool = false,
        reason: CORSRejection.Reason? = nil,
        range: Range<Int> = 0..<0,
        awaitsPredicate: Bool = false,
        prebuilt: Int32 = -1
    ) {
        self.prebuilt = prebuilt
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

    /// Whether the request was refused (one of the two rejected outcomes): a test cheaper than
    /// `rejection`, which works out the reason.
    public var isRejected: Bool { reason != nil }

    /// Why, for the two rejected outcomes: the reason and the part of the request it concerns.
    public var rejection: CORSRejection? {
        guard var reason else { return nil }
        // A policy of exact origins only refuses an unlisted origin without scanning it; whether it
        // was malformed rather than merely unlisted is told here, where it is read.
        if reason == .originNotAllowed, let subject, subject != "null", Origin(subject) == nil { reason = .malformedOrigin }
        return CORSRejection(reason, value: subject ?? "", range: Int(rangeStart)..<Int(rangeEnd))
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
        HTTPResponse(status: preflightStatus, headerFields: preflightAnswerFields)
    }

    /// The fields of `preflightResponse()`, to go with `preflightStatus`, for adapters that build
    /// their own response (reading the status back out of an `HTTPResponse` costs a parse).
    public var preflightAnswerFields: HTTPFields {
        guard outcome == .preflightAllowed else { return compiled.rejectedPreflightFields }
        if prebuilt >= 0 {
            // Each field read through the array, not the whole entry copied (seven references).
            return requestedHeaders
                ? compiled.prebuilt[Int(prebuilt)].preflightWithHeaders : compiled.prebuilt[Int(prebuilt)].preflightWithoutHeaders
        }
        // A prebuilt field list; the echoed origin replaces its placeholder first field (one copy).
        var fields = requestedHeaders ? compiled.preflightTemplateWithHeaders : compiled.preflightTemplateWithoutHeaders
        if let origin = allowOriginField { fields[0] = origin }
        return fields
    }

    /// Decorates an application's response: Access-Control-Allow-Origin, -Credentials and
    /// -Expose-Headers when allowed (replacing any the application set), and the Vary this decision
    /// needs, merged into the application's. Apply it to error responses too.
    public func apply(to fields: inout HTTPFields) {
        let vary = isOptions ? compiled.varyOptions : compiled.varyActual
        // One scan: does the application's response already carry Vary or Access-Control-* fields?
        var hasVary = false
        var hasAccessControl = false
        for index in fields.indices {
            let utf8 = fields[index].name.canonicalName.utf8
            if utf8.count == 4 {
                if utf8.elementsEqual(VaryNames.varyName.utf8) { hasVary = true }
            } else if utf8.count > 15, utf8.first == UInt8(ascii: "a"), utf8.starts(with: Self.accessControlPrefix) {
                hasAccessControl = true
            }
        }
        let tail: [HTTPField]
        switch outcome {
        case .actualAllowed where prebuilt >= 0 && !isOptions:
            // The exact origin's complete fields: one append, no field built.
            // Fields read through the array, not the whole entry copied (seven references).
            let index = Int(prebuilt)
            if !hasVary, !hasAccessControl, fields.count < compiled.prebuilt[index].actualWithVary.count {
                // The application's fields are fewer than ours (typically Content-Type and
                // -Length): start from our shared list and append theirs, fewer appends through
                // HTTPFields. Fields of different names keep no meaningful order (RFC 9110 §5.3).
                var combined = compiled.prebuilt[index].actualWithVary
                combined.append(contentsOf: fields)
                fields = combined
                return
            }
            if hasAccessControl { Self.removeAccessControlFields(from: &fields) }
            fields.reserveCapacity(fields.count + compiled.prebuilt[index].actualWithVary.count + 1)  // one growth, not two
            if hasVary {
                fields.append(contentsOf: compiled.prebuilt[index].actualWithoutVary)
                vary.mergeSlowly(into: &fields)
            } else {
                fields.append(contentsOf: compiled.prebuilt[index].actualWithVary)
            }
            return
        case .actualAllowed:
            // An OPTIONS request that is not a preflight also varies on the preflight headers,
            // which the prebuilt lists (`Vary: Origin`) lack: its Vary is added below.
            tail = hasVary || isOptions ? compiled.actualWithoutVary : compiled.actualWithVary
        case .preflightAllowed:
            // Passthrough: the application answered the preflight; add what the browser checks.
            tail =
                hasVary
                ? (requestedHeaders ? compiled.preflightWithHeadersWithoutVary : compiled.preflightWithoutHeadersWithoutVary)
                : (requestedHeaders ? compiled.preflightWithHeaders : compiled.preflightWithoutHeaders)
        case .notCORS, .actualRejected, .preflightRejected:
            Self.addVary(vary, to: &fields, hasVary: hasVary)
            return
        }
        if hasAccessControl { Self.removeAccessControlFields(from: &fields) }
        fields.reserveCapacity(fields.count + tail.count + 1)
        if let origin = allowOriginField { fields.append(origin) }
        fields.append(contentsOf: tail)
        if hasVary {
            vary.mergeSlowly(into: &fields)
        } else if isOptions, outcome == .actualAllowed {
            Self.addVary(vary, to: &fields, hasVary: false)
        }
    }

    /// `vary` added to `fields`: appended when they have no Vary, merged into theirs otherwise.
    @inline(__always)
    static func addVary(_ vary: VaryNames, to fields: inout HTTPFields, hasVary: Bool) {
        if hasVary { vary.mergeSlowly(into: &fields) } else if let field = vary.fields.first { fields.append(field) }
    }

    /// The Access-Control-* fields this decision puts on a response, in order, without Vary: for
    /// adapters whose header containers are not `HTTPFields`. Decorating a response: set each,
    /// replacing any of the same name, then merge `varyNames`. Answering a preflight: these, then
    /// `varyField`, with `preflightStatus`.
    public var accessControlFields: AccessControlFields {
        if prebuilt >= 0, outcome == .actualAllowed {
            // The exact origin's complete list: nothing to build or validate.
            return AccessControlFields(head: nil, tail: compiled.prebuilt[Int(prebuilt)].actualWithoutVary)
        }
        let tail: [HTTPField]
        switch outcome {
        case .actualAllowed: tail = compiled.actualWithoutVary
        case .preflightAllowed:
            tail = requestedHeaders ? compiled.preflightWithHeadersWithoutVary : compiled.preflightWithoutHeadersWithoutVary
        case .notCORS, .actualRejected, .preflightRejected: return AccessControlFields(head: nil, tail: [])
        }
        return AccessControlFields(head: allowOriginField, tail: tail)
    }

    /// `accessControlFields` as (name, value) string pairs, for containers such as NIO's
    /// `HTTPHeaders` (whose initializer takes exactly this): shared, prebuilt pairs for the first
    /// 64 exact origins, built per request otherwise.
    public var accessControlPairs: [(String, String)] {
        switch outcome {
        case .actualAllowed where prebuilt >= 0: return compiled.prebuilt[Int(prebuilt)].actualWithoutVaryPairs
        case .actualAllowed:
            guard let origin = echoedOrigin else { return compiled.actualWithoutVaryPairs }
            return [(HTTPField.Name.accessControlAllowOrigin.rawName, origin)] + compiled.actualWithoutVaryPairs
        case .preflightAllowed:
            return accessControlFields.map { ($0.name.rawName, $0.value) }
        case .notCORS, .actualRejected, .preflightRejected: return []
        }
    }

    /// The whole answer to a preflight (Access-Control-* fields and `Vary`) as string pairs, to go
    /// with `preflightStatus`: prebuilt and shared for the first 64 exact origins.
    public var preflightAnswerPairs: [(String, String)] {
        guard outcome == .preflightAllowed else { return compiled.rejectedPreflightPairs }
        if prebuilt >= 0 {
            return requestedHeaders
                ? compiled.prebuilt[Int(prebuilt)].preflightWithHeadersPairs
                : compiled.prebuilt[Int(prebuilt)].preflightWithoutHeadersPairs
        }
        let tail = requestedHeaders ? compiled.preflightWithHeadersPairs : compiled.preflightWithoutHeadersPairs
        guard let origin = echoedOrigin else { return tail }
        return [(HTTPField.Name.accessControlAllowOrigin.rawName, origin)] + tail
    }

    /// `accessControlPairs` as HTTP/1.1 field lines (`name: value` CRLF each, RFC 9112 §5), for
    /// servers that write heads as bytes: prebuilt and shared, except an echoed origin past the first 64.
    public var accessControlFieldLines: [UInt8] {
        switch outcome {
        case .actualAllowed where prebuilt >= 0: return compiled.prebuilt[Int(prebuilt)].actualWithoutVaryLines
        case .actualAllowed:
            guard let origin = echoedOrigin else { return compiled.actualWithoutVaryLines }
            return FieldLines.line(HTTPField.Name.accessControlAllowOrigin.rawName, origin, before: compiled.actualWithoutVaryLines)
        case .preflightAllowed:
            return FieldLines.bytes(accessControlFields)
        case .notCORS, .actualRejected, .preflightRejected: return []
        }
    }

    /// `preflightAnswerPairs` as HTTP/1.1 field lines: the whole answer's fields but its framing.
    public var preflightAnswerFieldLines: [UInt8] {
        guard outcome == .preflightAllowed else { return compiled.rejectedPreflightLines }
        if prebuilt >= 0 {
            return requestedHeaders
                ? compiled.prebuilt[Int(prebuilt)].preflightWithHeadersLines
                : compiled.prebuilt[Int(prebuilt)].preflightWithoutHeadersLines
        }
        let tail = requestedHeaders ? compiled.preflightWithHeadersLines : compiled.preflightWithoutHeadersLines
        guard let origin = echoedOrigin else { return tail }
        return FieldLines.line(HTTPField.Name.accessControlAllowOrigin.rawName, origin, before: tail)
    }

    /// `varyPair` as an HTTP/1.1 field line; empty when there is none.
    public var varyFieldLine: [UInt8] { isOptions ? compiled.varyOptionsLine : compiled.varyActualLine }

    /// The `Vary` field a response without one gets, as a string pair; `nil` when there is none.
    public var varyPair: (String, String)? {
        (isOptions ? compiled.varyOptionsPair : compiled.varyActualPair)
    }

    /// The request headers the response varies on because of CORS (merge, never duplicate).
    public var varyNames: [HTTPField.Name] { (isOptions ? compiled.varyOptions : compiled.varyActual).names }
    /// The value a response whose `Vary` lines are `existing` should carry instead (its names, then
    /// those this decision adds), or `nil` when nothing changes: for containers that are not `HTTPFields`.
    public func mergedVary(_ existing: [String]) -> String? {
        (isOptions ? compiled.varyOptions : compiled.varyActual).mergedValue(existing)
    }

    /// `varyNames` as one prebuilt `Vary` field, for a response that has none; `nil` when there are none.
    public var varyField: HTTPField? { (isOptions ? compiled.varyOptions : compiled.varyActual).fields.first }
    /// The status of the preflight answer: the policy's for an allowed one, 403 for a refused one.
    public var preflightStatus: HTTPResponse.Status {
        outcome == .preflightAllowed ? compiled.preflightStatus : .forbidden
    }

    /// `apply(to:)` on a whole response.
    public func apply(to response: inout HTTPResponse) { apply(to: &response.headerFields) }

    /// The request's Origin to echo, or `nil` when the prebuilt `*` is already at the head of the tail.
    @inline(__always)
    private var echoedOrigin: String? {
        compiled.originIndependent ? nil : subject
    }

    /// The echoed origin, or `nil` when the prebuilt `*` is already at the head of the tail.
    @inline(__always)
    private var allowOriginField: HTTPField? {
        if compiled.originIndependent { return nil }
        return subject.map { HTTPField(name: .accessControlAllowOrigin, value: $0) }
    }

    private static let accessControlPrefix = Array("access-control-".utf8)

    /// Drops Access-Control-* fields the application set itself, so the browser sees exactly one, ours.
    private static func removeAccessControlFields(from fields: inout HTTPFields) {
        var kept = HTTPFields()
        for field in fields where !field.name.canonicalName.hasPrefix("access-control-") { kept.append(field) }
        fields = kept
    }
}

/// The fields a decision adds, iterated without building an array: the echoed
/// Access-Control-Allow-Origin (when not the prebuilt `*`), then prebuilt fields.
public struct AccessControlFields: Sequence, Sendable {
    let head: HTTPField?
    let tail: [HTTPField]

    /// Walks the echoed origin's field, then the prebuilt ones.
    public struct Iterator: IteratorProtocol {
        var head: HTTPField?
        var tail: IndexingIterator<[HTTPField]>
        /// The next field to add, or `nil` after the last.
        public mutating func next() -> HTTPField? {
            if let field = head {
                head = nil
                return field
            }
            return tail.next()
        }
    }

    /// An iterator over the fields, in the order they go on the response.
    public func makeIterator() -> Iterator { Iterator(head: head, tail: tail.makeIterator()) }
    /// The exact number of fields, so a container can reserve room for them at once.
    public var underestimatedCount: Int { tail.count + (head == nil ? 0 : 1) }
}
