import CORS
import NIOCore
import NIOHTTP1

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1): a proxy removes them,
/// and every header the Connection field names, before forwarding in either direction
/// (`FieldRole` tells them apart on the request path; these sets check configurations).
enum HopByHopHeaders {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]

    /// What header rules may not touch: the hop-by-hop ones, framing, Host, and the forwarding headers.
    static let gatewayOwned: Set<String> = names.union([
        "host", "content-length", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
    ])
}
