import CORS
import NIOCore
import NIOHTTP1

/// Why the gateway answered a request itself instead of relaying the upstream's answer. Each case
/// is a status and a stable cause id; the answer carries the route's CORS headers and a small JSON
/// body naming the cause, so the page's script can read why (a bare 502 tells it nothing).
public enum ProxyFault: Error, Sendable, Hashable {
    /// The upstream refused the connection or could not be reached: 502.
    case upstreamUnreachable(String)
    /// No connection within the connect timeout: 504 (as nginx answers).
    case upstreamConnectTimeout
    /// The request was sent; no response head came back within the response-head timeout: 504.
    case upstreamHeadTimeout
    /// A body (either way) was silent longer than the idle timeout: 504.
    case idleTimeout
    /// The whole exchange ran past its deadline: 504.
    case deadlineExceeded
    /// The upstream answered something that is not HTTP/1.1, or closed before a response head: 502.
    case upstreamMalformedResponse(String)
    /// The upstream closed the connection before its response head: 502.
    case upstreamClosedEarly
    /// Content-Length, or the bytes received so far, exceed the body limit: 413.
    case requestBodyTooLarge(limit: Int64)
    /// The request line and headers exceed the header limit: 431.
    case requestHeadTooLarge(limit: Int)
    /// The request is not HTTP/1.1 the gateway can forward: 400.
    case malformedRequest(String)
    /// No route covers the path: 404.
    case noRoute(String)
    /// Open mode: the target is not in the allowlist, or is not an absolute http(s) URL: 403.
    case targetNotAllowed(String)
    /// Open mode: the target resolves to a loopback, private, link-local or metadata address: 403.
    case targetAddressNotPublic(host: String, address: String, AddressClass)
    /// Open mode: the target's host did not resolve: 502.
    case targetUnresolvable(String)

    /// The status the client gets.
    public var status: HTTPResponseStatus {
        switch self {
        case .upstreamUnreachable, .upstreamMalformedResponse, .upstreamClosedEarly, .targetUnresolvable: return .badGateway
        case .upstreamConnectTimeout, .upstreamHeadTimeout, .idleTimeout, .deadlineExceeded: return .gatewayTimeout
        case .requestBodyTooLarge: return .payloadTooLarge
        case .requestHeadTooLarge: return .requestHeaderFieldsTooLarge
        case .malformedRequest: return .badRequest
        case .noRoute: return .notFound
        case .targetNotAllowed, .targetAddressNotPublic: return .forbidden
        }
    }

    /// The stable id logs, metrics and the JSON body use.
    public var cause: String {
        switch self {
        case .upstreamUnreachable: return "upstream-unreachable"
        case .upstreamConnectTimeout: return "upstream-connect-timeout"
        case .upstreamHeadTimeout: return "upstream-response-timeout"
        case .idleTimeout: return "idle-timeout"
        case .deadlineExceeded: return "deadline-exceeded"
        case .upstreamMalformedResponse: return "upstream-malformed-response"
        case .upstreamClosedEarly: return "upstream-closed-early"
        case .requestBodyTooLarge: return "request-body-too-large"
        case .requestHeadTooLarge: return "request-headers-too-large"
        case .malformedRequest: return "malformed-request"
        case .noRoute: return "no-route"
        case .targetNotAllowed: return "target-not-allowed"
        case .targetAddressNotPublic: return "target-address-not-public"
        case .targetUnresolvable: return "target-unresolvable"
        }
    }

    /// Every cause id: the metrics keep one fault counter per cause.
    public static let allCauses = [
        "upstream-unreachable", "upstream-connect-timeout", "upstream-response-timeout", "idle-timeout",
        "deadline-exceeded", "upstream-malformed-response", "upstream-closed-early", "request-body-too-large",
        "request-headers-too-large", "malformed-request", "no-route", "target-not-allowed",
        "target-address-not-public", "target-unresolvable",
    ]

    /// One sentence for the body and the log.
    public var detail: String {
        switch self {
        case .upstreamUnreachable(let why): return "the upstream could not be reached: \(why)"
        case .upstreamConnectTimeout: return "the upstream did not accept a connection in time"
        case .upstreamHeadTimeout: return "the upstream did not start its response in time"
        case .idleTimeout: return "a body was silent for longer than the idle timeout"
        case .deadlineExceeded: return "the exchange took longer than its deadline"
        case .upstreamMalformedResponse(let why): return "the upstream's response is not valid HTTP/1.1: \(why)"
        case .upstreamClosedEarly: return "the upstream closed the connection before responding"
        case .requestBodyTooLarge(let limit): return "the request body is larger than the gateway's limit of \(limit) bytes"
        case .requestHeadTooLarge(let limit): return "the request's headers are larger than the gateway's limit of \(limit) bytes"
        case .malformedRequest(let why): return "the request cannot be forwarded: \(why)"
        case .noRoute(let path): return "no route of the gateway covers \(path)"
        case .targetNotAllowed(let why): return why
        case .targetAddressNotPublic(let host, let address, let kind):
            return "\(host) resolves to \(address), a \(kind.rawValue) address, which open mode refuses unless private targets are allowed"
        case .targetUnresolvable(let host): return "\(host) did not resolve to any address"
        }
    }

    /// `{"error": cause, "detail": sentence}`.
    var body: String {
        "{\"error\":\"\(cause)\",\"detail\":\(JSONValue.quoted(detail))}"
    }
}
