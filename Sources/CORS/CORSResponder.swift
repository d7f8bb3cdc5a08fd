import HTTPTypes

/// A validated policy compiled for answering requests: every header value the policy can produce
/// is built once here, so a decision is a scan of the request's fields, one origin lookup, and
/// copies of prebuilt fields, with no string joining and no heap allocation.
public struct CORSResponder: Sendable {
    let compiled: CompiledPolicy

    /// Validates `policy` and compiles it; throws every error (with the warnings) when it is invalid.
    public init(policy: CORSPolicy) throws(CORSPolicyValidationError) {
        let (diagnostics, patterns) = policy.checked()
        guard diagnostics.isValid else { throw CORSPolicyValidationError(diagnostics: diagnostics) }
        compiled = CompiledPolicy(policy: policy, patterns: patterns, warnings: diagnostics.warnings)
    }

    /// The policy this responder answers for.
    public var policy: CORSPolicy { compiled.policy }

    /// Decorates the response to a request without an Origin (not a CORS request), which is all
    /// `decideSynchronously(_:)` followed by `apply(to:)` would do for it, without a decision:
    /// the `Vary` a cache needs (Origin, and for OPTIONS the preflight headers), merged into the
    /// application's. Adapters take this path when they see no Origin and log nothing.
    public func decorateNonCORSResponse(_ fields: inout HTTPFields, isOptions: Bool) {
        let vary = isOptions ? compiled.varyOptions : compiled.varyActual
        if vary.fields.isEmpty { return }
        var hasVary = false
        for index in fields.indices where fields[index].name.canonicalName.utf8.count == 4 {
            if fields[index].name == .vary { hasVary = true }
        }
        CORSDecision.addVary(vary, to: &fields, hasVary: hasVary)
    }

    /// `decorateNonCORSResponse(_:isOptions:)` for containers that are not `HTTPFields`: the `Vary`
    /// name and value to add to a response without one, `nil` when the policy's answers never vary.
    public func nonCORSVaryPair(isOptions: Bool) -> (String, String)? {
        isOptions ? compiled.varyOptionsPair : compiled.varyActualPair
    }

    /// The value a non-CORS response whose `Vary` lines are `existing` should carry instead, or
    /// `nil` when nothing changes (see `CORSDecision.mergedVary(_:)`).
    public func mergedNonCORSVary(_ existing: [String], isOptions: Bool) -> String? {
        (isOptions ? compiled.varyOptions : compiled.varyActual).mergedValue(existing)
    }

    /// The warnings validation found (the policy is usable regardless).
    public var warnings: [CORSPolicyWarning] { compiled.warnings }

    /// Decides `request`. When the policy's origin predicate is `.async` and the origin is not in
    /// the static list, awaits it; otherwise never suspends.
    @inline(__always)
    public func decide(_ request: HTTPRequest) async -> CORSDecision {
        await decide(CORSRequestHead(request))
    }

    /// Decides a request from the CORS-relevant parts an adapter gathered.
    public func decide(_ head: CORSRequestHead) async -> CORSDecision {
        let decision = evaluate(head, predicateVerdict: nil)
        guard decision.awaitsPredicate, case .async(let predicate) = compiled.policy.allowOriginPredicate,
            let value = decision.subject, let origin = Origin(value)
        else { return decision }
        return evaluate(head, predicateVerdict: await predicate(origin))
    }

    /// Decides `request` without suspending; `nil` only when an `.async` origin predicate must be
    /// consulted (use `decide(_:)` then).
    @inline(__always)
    public func decideSynchronously(_ request: HTTPRequest) -> CORSDecision? {
        decideSynchronously(CORSRequestHead(request))
    }

    /// `decideSynchronously(_:)` from the parts an adapter gathered.
    @inline(__always)
    public func decideSynchronously(_ head: CORSRequestHead) -> CORSDecision? {
        let decision = evaluate(head, predicateVerdict: nil)
        return decision.awaitsPredicate ? nil : decision
    }

    /// The whole decision, given the async predicate's verdict when it has been awaited.
    @inline(__always)
    func evaluate(_ head: CORSRequestHead, predicateVerdict: Bool?) -> CORSDecision {
        let compiled = self.compiled
        let isOptions = head.isOptions
        guard let originField = head.origin else {
            return CORSDecision(.notCORS, compiled: compiled, isOptions: isOptions)
        }
        let isPreflight = isOptions && head.requestMethod != nil

        func reject(_ reason: CORSRejection.Reason, _ value: String, _ range: Range<Int> = 0..<0) -> CORSDecision {
            CORSDecision(
                isPreflight ? .preflightRejected : .actualRejected,
                compiled: compiled,
                isOptions: isOptions,
                subject: value,
                reason: reason,
                range: range
            )
        }

        // The origin.
        if head.hasDuplicateOrigin { return reject(.malformedOrigin, originField) }
        let matched: OriginMatcher.Match? = originField.withUTF8Bytes { bytes -> OriginMatcher.Match? in
            let origins = compiled.origins
            if let exact = origins.exactMatch(bytes) { return exact }
            if bytes.count == 4, bytes[0] == UInt8(ascii: "n"), bytes[1] == UInt8(ascii: "u"),
                bytes[2] == UInt8(ascii: "l"), bytes[3] == UInt8(ascii: "l")
            {
                return origins.allowsNull || origins.allowsAny ? .allowed : .notAllowed
            }
            // Nothing but an exact entry could allow it: refused unscanned (whether it was
            // malformed is worked out only if someone asks, see `CORSDecision.rejection`).
            if !origins.needsScanAfterExactMiss, !compiled.hasPredicate { return .notAllowed }
            guard let layout = OriginLayout.scan(bytes) else { return nil }
            return origins.matchPatterns(bytes, layout: layout)
        }
        guard let matched else { return reject(.malformedOrigin, originField) }
        if !matched.isAllowed {
            if let predicateVerdict {
                if !predicateVerdict { return reject(.originNotAllowed, originField) }
            } else if compiled.hasPredicate, let predicate = compiled.policy.allowOriginPredicate,
                let origin = Origin(originField)
            {
                switch predicate {
                case .sync(let check):
                    if !check(origin) { return reject(.originNotAllowed, originField) }
                case .async:
                    return CORSDecision(
                        isPreflight ? .preflightRejected : .actualRejected,
                        compiled: compiled,
                        isOptions: isOptions,
                        subject: originField,
                        reason: .originNotAllowed,
                        awaitsPredicate: true
                    )
                }
            } else {
                return reject(.originNotAllowed, originField)
            }
        }
        guard isPreflight else {
            return CORSDecision(.actualAllowed, compiled: compiled, isOptions: isOptions, subject: originField, prebuilt: matched.prebuilt)
        }

        // The requested method: a token, compared case-sensitively (Fetch §4.8 step 7).
        let methodField = head.requestMethod!
        if head.hasDuplicateRequestMethod { return reject(.malformedRequestMethod, methodField) }
        let methodVerdict = methodField.withUTF8Bytes { compiled.methods.check($0) }
        switch methodVerdict {
        case .malformed: return reject(.malformedRequestMethod, methodField)
        case .notAllowed: return reject(.methodNotAllowed, methodField)
        case .allowed: break
        }

        // The requested headers (several lines arrive joined).
        var requestedAny = false
        if let headersField = head.requestHeaders {
            let verdict = headersField.withUTF8Bytes { RequestedHeaderNames.check($0, allowance: compiled.headers) }
            switch verdict {
            case .allowed(let any): requestedAny = any
            case .malformed: return reject(.malformedRequestHeaders, headersField)
            case .tooLarge: return reject(.requestHeadersTooLarge, headersField)
            case .notAllowed(let start, let end): return reject(.headerNotAllowed, headersField, start..<end)
            }
        }
        return CORSDecision(
            .preflightAllowed,
            compiled: compiled,
            isOptions: isOptions,
            subject: originField,
            requestedHeaders: requestedAny,
            prebuilt: matched.prebuilt
        )
    }
}

/// The compiled policy shared by every decision (a class, so a decision carries one reference).
final class CompiledPolicy: Sendable {
    let policy: CORSPolicy
    let warnings: [CORSPolicyWarning]
    let origins: OriginMatcher
    let methods: AllowedMethods
    let headers: RequestedHeaderNames.Allowance
    /// Whether responses never depend on the request's Origin (any origin, no credentials).
    let originIndependent: Bool
    let preflightStatus: HTTPResponse.Status
    /// Whether there is an origin predicate (checked before the optional closure is copied).
    let hasPredicate: Bool
    /// Owns the lookup tables' memory.
    private let arena = Arena()

    // Prebuilt fields, in the order they are appended. Access-Control-Allow-Origin comes first:
    // in the tails below when it is `*`, echoed from the request otherwise.
    let varyActual: VaryNames
    let varyOptions: VaryNames
    let actualWithVary: [HTTPField]
    let actualWithoutVary: [HTTPField]
    let preflightWithHeaders: [HTTPField]
    let preflightWithoutHeaders: [HTTPField]
    let preflightWithHeadersWithoutVary: [HTTPField]
    let preflightWithoutHeadersWithoutVary: [HTTPField]
    let rejectedPreflightFields: HTTPFields
    /// Whole preflight answers; the first field is Access-Control-Allow-Origin (`*`, or a placeholder
    /// the echoed origin replaces).
    let preflightTemplateWithHeaders: HTTPFields
    let preflightTemplateWithoutHeaders: HTTPFields
    /// For each of the first exact origins (`OriginMatcher.prebuiltOrigins`), its fields complete
    /// with Access-Control-Allow-Origin, so decorating takes one append and answering no copy.
    let prebuilt: [PrebuiltOriginFields]
    // The same as (name, value) string pairs, for containers such as NIO's `HTTPHeaders`.
    let actualWithoutVaryPairs: [(String, String)]
    let preflightWithHeadersPairs: [(String, String)]
    let preflightWithoutHeadersPairs: [(String, String)]
    let rejectedPreflightPairs: [(String, String)]
    let varyActualPair: (String, String)?
    let varyOptionsPair: (String, String)?
    // The same as HTTP/1.1 field lines, for servers that write heads as bytes (`FieldLines`).
    let actualWithoutVaryLines: [UInt8]
    let preflightWithHeadersLines: [UInt8]
    let preflightWithoutHeadersLines: [UInt8]
    let rejectedPreflightLines: [UInt8]
    let varyActualLine: [UInt8]
    let varyOptionsLine: [UInt8]

    init(policy: CORSPolicy, patterns: [OriginPattern], warnings: [CORSPolicyWarning]) {
        self.policy = policy
        self.warnings = warnings
        origins = OriginMatcher(patterns: patterns, allowsAny: policy.allowsAnyOrigin, arena: arena)
        methods = AllowedMethods(policy.allowMethods, arena: arena)
        headers = RequestedHeaderNames.Allowance(policy.allowHeaders, arena: arena)
        originIndependent = policy.allowsAnyOrigin && !policy.allowCredentials
        hasPredicate = policy.allowOriginPredicate != nil
        preflightStatus = HTTPResponse.Status(code: policy.preflightStatus)
        let allowOriginAny: [HTTPField] =
            originIndependent ? [HTTPField(name: .accessControlAllowOrigin, value: "*")] : []
        let allowCredentials: [HTTPField] =
            policy.allowCredentials ? [HTTPField(name: .accessControlAllowCredentials, value: "true")] : []
        func list(_ name: HTTPField.Name, _ values: [String]) -> [HTTPField] {
            values.isEmpty ? [] : [HTTPField(name: name, value: values.joined(separator: ", "))]
        }
        let allowMethods = list(.accessControlAllowMethods, policy.allowMethods)
        // `*` never covers Authorization (Fetch §4.8 step 8), so it is named when allowed.
        let allowHeaders =
            headers.any
            ? list(.accessControlAllowHeaders, headers.authorization ? ["*", "Authorization"] : ["*"])
            : list(.accessControlAllowHeaders, policy.allowHeaders)
        let maxAge = policy.maxAge.map { [HTTPField(name: .accessControlMaxAge, value: String($0))] } ?? []
        let exposeHeaders = list(.accessControlExposeHeaders, policy.exposeHeaders)
        varyActual = originIndependent ? VaryNames([]) : VaryNames([.origin])
        varyOptions = VaryNames(
            (originIndependent ? [] : [.origin]) + [.accessControlRequestMethod, .accessControlRequestHeaders]
        )
        actualWithoutVary = allowOriginAny + allowCredentials + exposeHeaders
        actualWithVary = actualWithoutVary + varyActual.fields
        preflightWithoutHeadersWithoutVary = allowOriginAny + allowCredentials + allowMethods + maxAge
        preflightWithHeadersWithoutVary = allowOriginAny + allowCredentials + allowMethods + allowHeaders + maxAge
        preflightWithoutHeaders = preflightWithoutHeadersWithoutVary + varyOptions.fields
        preflightWithHeaders = preflightWithHeadersWithoutVary + varyOptions.fields
        rejectedPreflightFields = HTTPFields(varyOptions.fields)
        let placeholder = originIndependent ? [] : [HTTPField(name: .accessControlAllowOrigin, value: "null")]
        preflightTemplateWithHeaders = HTTPFields(placeholder + preflightWithHeaders)
        preflightTemplateWithoutHeaders = HTTPFields(placeholder + preflightWithoutHeaders)
        func pairs(_ fields: [HTTPField]) -> [(String, String)] { fields.map { ($0.name.rawName, $0.value) } }
        actualWithoutVaryPairs = pairs(actualWithoutVary)
        preflightWithHeadersPairs = pairs(preflightWithHeaders)
        preflightWithoutHeadersPairs = pairs(preflightWithoutHeaders)
        rejectedPreflightPairs = pairs(varyOptions.fields)
        varyActualPair = pairs(varyActual.fields).first
        varyOptionsPair = pairs(varyOptions.fields).first
        actualWithoutVaryLines = FieldLines.bytes(actualWithoutVary)
        preflightWithHeadersLines = FieldLines.bytes(preflightWithHeaders)
        preflightWithoutHeadersLines = FieldLines.bytes(preflightWithoutHeaders)
        rejectedPreflightLines = FieldLines.bytes(varyOptions.fields)
        varyActualLine = FieldLines.bytes(varyActual.fields)
        varyOptionsLine = FieldLines.bytes(varyOptions.fields)
        let (actualWith, actualWithout, preflightWith, preflightWithout) =
            (actualWithVary, actualWithoutVary, preflightWithHeaders, preflightWithoutHeaders)
        prebuilt =
            originIndependent
            ? []
            : origins.prebuiltOrigins.map { origin in
                let allowOrigin = HTTPField(name: .accessControlAllowOrigin, value: origin)
                return PrebuiltOriginFields(
                    actualWithVary: HTTPFields([allowOrigin] + actualWith),
                    actualWithoutVary: [allowOrigin] + actualWithout,
                    preflightWithHeaders: HTTPFields([allowOrigin] + preflightWith),
                    preflightWithoutHeaders: HTTPFields([allowOrigin] + preflightWithout),
                    actualWithoutVaryPairs: pairs([allowOrigin] + actualWithout),
                    preflightWithHeadersPairs: pairs([allowOrigin] + preflightWith),
                    preflightWithoutHeadersPairs: pairs([allowOrigin] + preflightWithout),
                    actualWithoutVaryLines: FieldLines.bytes([allowOrigin] + actualWithout),
                    preflightWithHeadersLines: FieldLines.bytes([allowOrigin] + preflightWith),
                    preflightWithoutHeadersLines: FieldLines.bytes([allowOrigin] + preflightWithout)
                )
            }
    }
}

/// One exact origin's response fields, Access-Control-Allow-Origin first.
struct PrebuiltOriginFields: Sendable {
    let actualWithVary: HTTPFields
    let actualWithoutVary: [HTTPField]
    let preflightWithHeaders: HTTPFields
    let preflightWithoutHeaders: HTTPFields
    // As string pairs (`CORSDecision.accessControlPairs`, `preflightAnswerPairs`).
    let actualWithoutVaryPairs: [(String, String)]
    let preflightWithHeadersPairs: [(String, String)]
    let preflightWithoutHeadersPairs: [(String, String)]
    // As HTTP/1.1 field lines (`CORSDecision.accessControlFieldLines`, `preflightAnswerFieldLines`).
    let actualWithoutVaryLines: [UInt8]
    let preflightWithHeadersLines: [UInt8]
    let preflightWithoutHeadersLines: [UInt8]
}

/// `allowMethods`, compiled: case-sensitive lookup of a requested method token.
struct AllowedMethods: Sendable {
    enum Verdict { case allowed, notAllowed, malformed }
    let any: Bool
    let names: ByteStringTable.Frozen

    init(_ methods: [String], arena: Arena) {
        any = methods.contains("*")
        var names = ByteStringTable(expectedCount: methods.count + 3)
        for method in methods + ["GET", "HEAD", "POST"] where method != "*" {
            let bytes = Array(method.utf8)
            names.insert(bytes, hash: RequestedHeaderNames.hash(bytes), tag: 0)
        }
        self.names = names.freeze(into: arena)
    }

    @inline(__always)
    func check(_ method: UnsafeBufferPointer<UInt8>) -> Verdict {
        guard !method.isEmpty, method.count <= 64 else { return .malformed }
        let isToken = HTTPToken.isTokenByte
        for byte in method {
            guard isToken[Int(byte)] else { return .malformed }
        }
        if names.contains(method, hash: ByteStringTable.finish(ByteStringTable.wordHash(method), tag: 0), tag: 0) { return .allowed }
        // `*` allows any method (a lone `*` without credentials, as validation ensures).
        return any ? .allowed : .notAllowed
    }
}
