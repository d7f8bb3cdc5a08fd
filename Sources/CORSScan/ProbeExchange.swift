import CORS
import HTTPTypes

/// One probe sent and what came back: the evidence a finding shows.
public struct ProbeExchange: Sendable {
    /// The method sent (`GET`, or `OPTIONS` for a preflight).
    public var method: String
    /// The URL sent to.
    public var url: String
    /// The Origin sent; `nil` for the probe that sends none.
    public var origin: String?
    /// Every header sent, values of the caller's own headers (cookies, authorization) masked.
    public var requestHeaders: [(name: String, value: String)]
    /// The status received.
    public var status: Int
    /// Every header line received, in order.
    public var responseHeaders: [(name: String, value: String)]
    /// The same lines as `HTTPFields`, for the browser engine's checks.
    public var fields: HTTPFields
    /// How many body bytes came back (a response with data makes `*` matter).
    public var bodyLength: Int

    /// Every Access-Control-Allow-Origin line.
    public var allowOriginValues: [String] { fields[values: .accessControlAllowOrigin] }
    /// Every Access-Control-Allow-Credentials line, joined.
    public var allowCredentials: String { fields[values: .accessControlAllowCredentials].joined(separator: ", ") }
    /// The names listed in Vary, lowercased.
    public var varyNames: [String] {
        fields[values: .vary].flatMap { $0.split(separator: ",") }.map { $0.trimmingHTTPWhitespace().lowercased() }
    }
}

extension ProbeExchange {
    /// The exchange as evidence: the Origin sent, the request's headers, the status and every
    /// response header received.
    public var json: JSONValue {
        .members([
            ("method", .string(method)),
            ("url", .string(url)),
            ("origin", origin.map(JSONValue.string) ?? .null),
            ("requestHeaders", .array(requestHeaders.map(Self.pair))),
            ("status", .number(String(status))),
            ("responseHeaders", .array(responseHeaders.map(Self.pair))),
        ])
    }

    static func pair(_ header: (name: String, value: String)) -> JSONValue {
        .members([("name", .string(header.name)), ("value", .string(header.value))])
    }

    /// The exchange as the human report shows it: request line, headers sent, status, CORS
    /// headers received.
    public var lines: [String] {
        var out = ["> \(method) \(url)"]
        for (name, value) in requestHeaders { out.append("> \(name): \(value)") }
        out.append("< \(status)")
        for (name, value) in responseHeaders where Self.shown(name) { out.append("< \(name): \(value)") }
        return out
    }

    static func shown(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("access-control-") || lower == "vary"
    }
}
