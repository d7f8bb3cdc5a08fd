import AsyncHTTPClient
import HTTPTypes
import NIOCore
import NIOHTTP1

/// Sends one HTTP request exactly as given (any Origin, any header a script could not set) and
/// returns the answer as received, never following a redirect: the wire under `CORSFetcher`, and
/// what `cors scan` probes with.
public final class WireClient: Sendable {
    /// A response as it arrived: every header line in order, and the same lines as `HTTPFields`
    /// (lines whose name is not a token are kept in `headers` only).
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Every header line, in the order received.
        public var headers: [(name: String, value: String)]
        /// The same lines as `HTTPFields`, for the CORS checks.
        public var fields: HTTPFields
        /// The body, decoded as UTF-8 (at most 8 MiB are read).
        public var body: String
    }

    private let client: HTTPClient
    private let requestTimeout: TimeAmount

    /// A client with its own connection pool; `connectTimeout` bounds reaching the server,
    /// `requestTimeout` the whole exchange.
    public init(connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(30)) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: TimeAmount(connectTimeout), read: TimeAmount(requestTimeout))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.requestTimeout = TimeAmount(requestTimeout)
    }

    /// Must be called once done: the connections and threads are released here.
    public func shutdown() async throws { try await client.shutdown() }

    /// Sends `method url` with exactly `headers` (and `body`); throws only when no answer came.
    public func send(
        _ method: String,
        _ url: String,
        headers: [(name: String, value: String)],
        body: String? = nil
    ) async throws(CORSFetcher.FetchFailure) -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        do {
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: requestTimeout)
            } catch  where Self.isStaleConnection(error) && Self.idempotentMethods.contains(method) {
                // A pooled connection the server had closed: an idempotent request is sent again
                // once on a fresh one, as a browser resends on a reused socket that fails before
                // any answer. POST and PATCH are not, so nothing reaches a server twice.
                response = try await client.execute(request, timeout: requestTimeout)
            }
            let collected = try await response.body.collect(upTo: 8 << 20)
            var fields = HTTPFields()
            var pairs: [(name: String, value: String)] = []
            for (name, value) in response.headers {
                pairs.append((name, value))
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            return Response(status: Int(response.status.code), headers: pairs, fields: fields, body: String(buffer: collected))
        } catch {
            throw .unreachable(url: url, reason: "\(error)")
        }
    }

    /// RFC 9110 §9.2.2.
    static let idempotentMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]

    /// Whether `error` says the connection was gone before any answer (a kept-alive connection
    /// the server closed meanwhile).
    static func isStaleConnection(_ error: any Error) -> Bool {
        if let channelError = error as? ChannelError, channelError == .ioOnClosedChannel { return true }
        if let clientError = error as? HTTPClientError, clientError == .remoteConnectionClosed { return true }
        return false
    }
}
