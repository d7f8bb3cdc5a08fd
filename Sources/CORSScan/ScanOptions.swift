import CORS

/// How a scan sends its probes: what goes with every request, and the limits it keeps.
public struct ScanOptions: Sendable {
    /// Headers sent with every GET probe (cookies, authorization), so an endpoint that answers
    /// differently to a signed-in user is scanned as one. Never sent with preflights (browsers do not).
    public var extraHeaders: [(name: String, value: String)]
    /// At most this many requests per second (`nil`: as fast as answers come).
    public var requestsPerSecond: Double?
    /// At most this many requests in all; classes not reached are reported as not tried.
    public var maxRequests: Int
    /// How long one request may take, connection included.
    public var timeout: Duration

    /// Options with `cors scan`'s defaults: 10 requests a second, at most 200, 10 seconds each.
    public init(
        extraHeaders: [(name: String, value: String)] = [],
        requestsPerSecond: Double? = 10,
        maxRequests: Int = 200,
        timeout: Duration = .seconds(10)
    ) {
        self.extraHeaders = extraHeaders
        self.requestsPerSecond = requestsPerSecond
        self.maxRequests = maxRequests
        self.timeout = timeout
    }

    /// Checks the limits and headers; the error names the one that is wrong.
    public func validated() throws(ScanError) -> ScanOptions {
        if let rate = requestsPerSecond, !(rate >= 0.01 && rate <= 100_000) {
            throw .invalidLimit(name: "--rate", value: "\(rate)", reason: "must be a number of requests per second from 0.01 to 100000")
        }
        if maxRequests < 3 {
            throw .invalidLimit(
                name: "--max-requests",
                value: "\(maxRequests)",
                reason: "must be at least 3 (two baseline requests, without an Origin and with the site's, then the probes)"
            )
        }
        if timeout <= .zero || timeout > .seconds(3600) {
            throw .invalidLimit(name: "--timeout", value: "\(timeout)", reason: "must be a number of seconds above 0 and at most 3600")
        }
        for (name, value) in extraHeaders {
            guard FetchVocabulary.isToken(name), !value.contains("\r"), !value.contains("\n") else {
                throw .invalidHeader("\(name): \(value)")
            }
            if ["origin", "access-control-request-method", "access-control-request-headers"].contains(name.lowercased()) {
                throw .reservedHeader(name)
            }
        }
        return self
    }

    /// Parses a `Name: value` header as given on the command line.
    public static func header(_ text: String) throws(ScanError) -> (name: String, value: String) {
        guard let colon = text.firstIndex(of: ":") else { throw .invalidHeader(text) }
        let name = String(text[..<colon])
        let value = String(text[text.index(after: colon)...]).trimmingHTTPWhitespace()
        guard FetchVocabulary.isToken(name) else { throw .invalidHeader(text) }
        return (name, String(value))
    }
}
