#if Hummingbird
import CORS
import Hummingbird
import Logging

/// Hummingbird 2 middleware that applies a `CORSPolicy`: answers preflights before routing (so
/// routes need no OPTIONS handler), decorates every other response, errors included.
///
/// Add it to the router (`router.add(middleware:)`) so it also sees requests for unknown paths.
public struct CORSPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let source: CORSResponderSource
    let observer: (@Sendable (CORSDecision, Request, Logger) -> Void)?

    /// Applies `policy`; throws its validation errors.
    public init(policy: CORSPolicy) throws(CORSPolicyValidationError) {
        source = .fixed(try CORSResponder(policy: policy))
        observer = nil
    }

    /// Applies whatever policy `store` holds at each request, so it can be swapped while serving.
    /// `observer` sees every decision (for logging); without it, rejections are logged at debug.
    public init(store: CORSResponderStore, observer: (@Sendable (CORSDecision, Request, Logger) -> Void)? = nil) {
        source = .store(store)
        self.observer = observer
    }

    /// Applies per-route policies (see `CORSRoutes` for the nesting rules).
    public init(routes: CORSRoutes) {
        source = .routes(routes)
        observer = nil
    }

    /// Answers a preflight itself, or calls the rest of the chain and decorates its response
    /// (an `HTTPResponseError` it throws included); a path no policy covers passes untouched.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let responder = source.responder(forPath: request.uri.path) else {
            return try await next(request, context)
        }
        let head = CORSRequestHead(request.head)
        if head.origin == nil, observer == nil {
            // Not a CORS request (most traffic: same-origin pages, servers): only `Vary` to add.
            var response = try await respond(request, context, next)
            responder.decorateNonCORSResponse(&response.headers, isOptions: head.isOptions)
            return response
        }
        // Decide without suspending unless an async origin predicate must be awaited.
        let decision: CORSDecision
        if let decided = responder.decideSynchronously(head) {
            decision = decided
        } else {
            decision = await responder.decide(head)
        }
        if let observer {
            observer(decision, request, context.logger)
        } else if decision.isRejected, context.logger.logLevel <= .debug {
            context.logger.debug(
                "CORS \(decision.outcome): \(decision.explanation ?? "")",
                metadata: ["cors_reason": "\(decision.rejection?.reason.rawValue ?? "")"]
            )
        }
        if decision.answersWithoutApplication {
            let status = decision.preflightStatus
            guard status == .noContent else { return Response(status: status, headers: decision.preflightAnswerFields) }
            // Given its fields after creation: Hummingbird's initializer would look for a
            // Content-Length among them and add `0` (copying the shared list), which a 204 must
            // not carry anyway (RFC 9110 §8.6).
            var response = Response(status: status)
            response.headers = decision.preflightAnswerFields
            return response
        }
        var response = try await respond(request, context, next)
        decision.apply(to: &response.headers)
        return response
    }

    /// The application's response, or the response of the HTTP error it threw: decorated too, so
    /// a browser can read why the request failed.
    @inline(__always)
    private func respond(
        _ request: Request,
        _ context: Context,
        _ next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }
}
#endif
