import CORSFetch

/// Sends a scan's requests one at a time within its limits (rate, total), never following a
/// redirect, with the caller's extra headers on GET probes.
final class ProbeSender {
    private let wire: WireClient
    private let options: ScanOptions
    private(set) var sent = 0
    private var lastSend: ContinuousClock.Instant?

    init(options: ScanOptions) {
        self.options = options
        wire = WireClient(connectTimeout: options.timeout, requestTimeout: options.timeout)
    }

    func shutdown() async { try? await wire.shutdown() }

    /// Whether another request fits the budget.
    var hasBudget: Bool { sent < options.maxRequests }

    /// A GET with `origin` (none when `nil`) and the extra headers.
    func get(_ url: String, origin: String?) async throws(ScanError) -> ProbeExchange {
        var headers = options.extraHeaders
        if let origin { headers.append(("Origin", origin)) }
        return try await send("GET", url, origin: origin, headers: headers)
    }

    /// A preflight: OPTIONS with Origin, Access-Control-Request-Method and, when any,
    /// Access-Control-Request-Headers; no credentials (Fetch §4.8 step 1).
    func preflight(_ url: String, origin: String, method: String, headerNames: [String]) async throws(ScanError) -> ProbeExchange {
        var headers: [(name: String, value: String)] = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if !headerNames.isEmpty { headers.append(("Access-Control-Request-Headers", headerNames.joined(separator: ","))) }
        return try await send("OPTIONS", url, origin: origin, headers: headers)
    }

    private func send(
        _ method: String,
        _ url: String,
        origin: String?,
        headers: [(name: String, value: String)]
    ) async throws(ScanError) -> ProbeExchange {
        if let rate = options.requestsPerSecond, let lastSend {
            let interval = Duration.nanoseconds(Int64(1_000_000_000 / rate))
            let next = lastSend.advanced(by: interval)
            if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
        }
        lastSend = .now
        sent += 1
        let response: WireClient.Response
        do {
            response = try await wire.send(method, url, headers: headers)
        } catch {
            switch error {
            case .unreachable(let url, let reason): throw .unreachable(url: url, reason: reason)
            }
        }
        let given = Set(options.extraHeaders.map { $0.name.lowercased() })
        let shown = headers.map { header -> (name: String, value: String) in
            given.contains(header.name.lowercased()) ? (header.name, "(given, not shown)") : header
        }
        return ProbeExchange(
            method: method,
            url: url,
            origin: origin,
            requestHeaders: shown,
            status: response.status,
            responseHeaders: response.headers,
            fields: response.fields,
            bodyLength: response.body.utf8.count
        )
    }
}
