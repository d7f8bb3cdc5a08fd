#if Vapor
import CORS
import HTTPTypes
import Synchronization
import Vapor

/// Vapor 4 middleware that applies a `CORSPolicy`: answers preflights before routing (so routes
/// need no OPTIONS handler, and unknown paths get an answer too), decorates every other response.
///
/// Register it first, outside Vapor's `ErrorMiddleware`, so it sees every response, errors
/// included: `app.middleware.use(try CORSPolicyMiddleware(policy: policy), at: .beginning)`.
/// Registered inside it, errors pass through undecorated: it logs one warning saying so, at the
/// first request when the application's middleware list shows it, else at the first error.
///
/// A future-based `Middleware`, not an `AsyncMiddleware`: the async kind starts a task per
/// request, which alone costs more than the whole CORS decision. Headers are read straight out
/// of NIO's `HTTPHeaders` in one pass; nothing is converted.
public final class CORSPolicyMiddleware: Middleware {
    let source: CORSResponderSource
    private let warnedAboutPlacement = Atomic(false)
    private let checkedPlacement = Atomic(false)

    /// Applies `policy`; throws its validation errors.
    public init(policy: CORSPolicy) throws(CORSPolicyValidationError) {
        source = .fixed(try CORSResponder(policy: policy))
    }

    /// Applies whatever policy `store` holds at each request, so it can be swapped while serving.
    public init(store: CORSResponderStore) {
        source = .store(store)
    }

    /// Applies per-route policies (see `CORSRoutes` for the nesting rules).
    public init(routes: CORSRoutes) {
        source = .routes(routes)
    }

    /// Answers a preflight itself, or lets `next` answer and decorates its response in place when
    /// it arrives; a path no policy covers passes untouched.
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if !checkedPlacement.load(ordering: .relaxed) { checkPlacement(request) }
        guard let responder = source.responder(forPath: request.url.path) else {
            return next.respond(to: request)
        }
        var head = CORSRequestHead(isOptions: request.method == .OPTIONS)
        for (name, value) in request.headers { head.record(name: name, value: value) }
        if head.origin == nil {
            // Not a CORS request (most traffic: same-origin pages, servers): nothing to decide or
            // log, at most the `Vary` a cache needs, and nothing at all when answers never vary.
            let isOptions = head.isOptions
            guard let vary = responder.nonCORSVaryPair(isOptions: isOptions) else { return next.respond(to: request) }
            let future = next.respond(to: request)
            future.whenComplete { result in
                switch result {
                case .success(let response):
                    var headers = response.headers
                    let changed = Self.addVary(vary, to: &headers, hasVary: Self.hasVary(headers)) {
                        responder.mergedNonCORSVary($0, isOptions: isOptions)
                    }
                    if changed { response.headers = headers }
                case .failure:
                    self.warnOnceAboutPlacement(request.logger)
                }
            }
            return future
        }
        if let decision = responder.decideSynchronously(head) {
            return handle(decision, request, next)
        }
        // An async origin predicate must decide: only then is a task started.
        let gathered = head
        let promise = request.eventLoop.makePromise(of: CORSDecision.self)
        promise.completeWithTask { await responder.decide(gathered) }
        return promise.futureResult.flatMap { self.handle($0, request, next) }
    }

    private func handle(_ decision: CORSDecision, _ request: Request, _ next: any Responder) -> EventLoopFuture<Response> {
        if decision.isRejected, request.logger.logLevel <= .debug {
            request.logger.debug(
                "CORS \(decision.outcome): \(decision.explanation ?? "")",
                metadata: ["cors_reason": "\(decision.rejection?.reason.rawValue ?? "")"]
            )
        }
        if decision.answersWithoutApplication {
            // The answer's fields come as NIO's own currency, (name, value) pairs: prebuilt and
            // shared for the policy's exact origins, so nothing is added one by one.
            let headers = HTTPHeaders(decision.preflightAnswerPairs)
            let response = Response(status: HTTPResponseStatus(statusCode: decision.preflightStatus.code), headers: headers)
            return request.eventLoop.makeSucceededFuture(response)
        }
        // Decorated in place (a Vapor `Response` is a class) from a callback on the application's
        // own future: no promise, no second stage, which in Vapor's chain cost more than the
        // decision. Errors are `ErrorMiddleware`'s to turn into responses, inside this one.
        let future = next.respond(to: request)
        future.whenComplete { result in
            switch result {
            case .success(let response):
                Self.decorate(response.headers, with: decision).map { response.headers = $0 }
            case .failure:
                self.warnOnceAboutPlacement(request.logger)
            }
        }
        return future
    }

    /// Once, at the first request: registered after (inside) an `ErrorMiddleware` with none inside
    /// it, as `app.middleware.use(cors)` does, errors will be answered outside it undecorated: said
    /// before the first error does. Other arrangements (route groups, custom error middleware) are
    /// left to the first error to reveal.
    private func checkPlacement(_ request: Request) {
        guard !checkedPlacement.exchange(true, ordering: .relaxed) else { return }
        let chain = request.application.middleware.resolve()
        guard let position = chain.firstIndex(where: { ($0 as? CORSPolicyMiddleware) === self }) else { return }
        let errorsHandledOutside = chain[..<position].contains { $0 is ErrorMiddleware }
        let errorsHandledInside = chain[(position + 1)...].contains { $0 is ErrorMiddleware }
        if errorsHandledOutside, !errorsHandledInside { warnOnceAboutPlacement(request.logger) }
    }

    /// An error reached this middleware, so nothing between it and the application turns errors into
    /// responses: whatever does so outside it (ErrorMiddleware, or Vapor's server) answers
    /// without CORS headers, and the browser cannot read why the request failed. Said once.
    private func warnOnceAboutPlacement(_ logger: Logger) {
        guard !warnedAboutPlacement.exchange(true, ordering: .relaxed) else { return }
        logger.warning(
            """
            CORSPolicyMiddleware saw an error pass through it: it is registered inside ErrorMiddleware (or \
            without one), so error responses will lack CORS headers and browsers will hide them from scripts. \
            Fix: app.middleware.use(cors, at: .beginning)
            """
        )
    }

    /// The response's headers with the decision's fields set (replacing any of the same name the
    /// application set) and its Vary merged; `nil` when nothing changes. One scan decides whether
    /// the slow paths (replacing, merging) are needed; usually the fields are simply appended.
    static func decorate(_ original: HTTPHeaders, with decision: CORSDecision) -> HTTPHeaders? {
        let pairs = decision.accessControlPairs
        let vary = decision.varyPair
        if vary == nil && pairs.isEmpty { return nil }
        var hasVary = false
        var hasAccessControl = false
        for (name, _) in original {
            let utf8 = name.utf8
            if utf8.count == 4, CORSRequestHead.equalsIgnoringCase(utf8, "vary") {
                hasVary = true
            } else if utf8.count > 15, let first = utf8.first, first | 0x20 == UInt8(ascii: "a"),
                name.lowercased().hasPrefix("access-control-")
            {
                hasAccessControl = true
            }
        }
        var headers = original
        if hasAccessControl {
            for (name, value) in pairs { headers.replaceOrAdd(name: name, value: value) }
        } else if !pairs.isEmpty {
            // Appended as a block: NIO skips its per-name checks (the names are ours, known ASCII).
            headers.add(contentsOf: HTTPHeaders(pairs))
        }
        if let vary { _ = addVary(vary, to: &headers, hasVary: hasVary, merge: decision.mergedVary) }
        return headers
    }

    /// `vary` added to `headers`: appended when they have no Vary line, else merged into theirs by
    /// `merge` (given their Vary values); whether anything changed.
    static func addVary(
        _ vary: (String, String),
        to headers: inout HTTPHeaders,
        hasVary: Bool,
        merge: ([String]) -> String?
    ) -> Bool {
        if !hasVary {
            headers.add(name: vary.0, value: vary.1)
        } else if let merged = merge(headers[canonicalForm: "Vary"].map(String.init)) {
            headers.replaceOrAdd(name: "Vary", value: merged)
        } else {
            return false
        }
        return true
    }

    /// Whether `headers` has a Vary line (names compared without allocating).
    static func hasVary(_ headers: HTTPHeaders) -> Bool {
        for (name, _) in headers where name.utf8.count == 4 && CORSRequestHead.equalsIgnoringCase(name.utf8, "vary") {
            return true
        }
        return false
    }

}
#endif
