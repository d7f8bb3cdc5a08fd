import CORSFetch

/// `cors check --probe-errors`: requests beyond the browser's own that show causes the browser's
/// requests alone cannot (headers on success only, answers that vary by Origin without saying so).
public enum ErrorProbes {
    /// The origin the "another origin" probe comes from: reserved (RFC 2606), so no allow-list holds it.
    public static let otherOrigin = "https://cors-check.example"

    /// Sends the probes for a page at `origin` fetching `url`: a plain GET, a GET of a path that
    /// does not exist, a POST with a body the server cannot take, and a GET from another origin.
    /// A probe that gets no answer is left out.
    public static func send(url: String, origin: String, using wire: WireClient) async -> [ObservedAnswer] {
        let missing = Self.missingPath(of: url)
        let probes: [(ObservedAnswer.Purpose, String, String, String, [(name: String, value: String)], String?)] = [
            (.baseline, "GET", url, origin, [], nil),
            (.missingPath, "GET", missing, origin, [], nil),
            (.errorStatus, "POST", url, origin, [("Content-Type", "application/json")], "{"),
            (.otherOrigin, "GET", url, otherOrigin, [], nil),
        ]
        var answers: [ObservedAnswer] = []
        for (purpose, method, target, from, extra, body) in probes {
            let headers = [("Origin", from)] + extra
            guard let response = try? await wire.send(method, target, headers: headers, body: body) else { continue }
            answers.append(
                ObservedAnswer(
                    purpose: purpose,
                    method: method,
                    url: target,
                    origin: from,
                    requestHeaders: headers,
                    status: response.status,
                    headers: response.headers,
                    body: String(response.body.prefix(512))
                )
            )
        }
        return answers
    }

    /// `url` with its last path segment replaced by a name no server routes.
    static func missingPath(of url: String) -> String {
        let withoutQuery = url.prefix { $0 != "?" && $0 != "#" }
        guard let schemeEnd = withoutQuery.firstRange(of: "://") else { return url }
        let hostEnd = withoutQuery[schemeEnd.upperBound...].firstIndex(of: "/") ?? withoutQuery.endIndex
        let path = withoutQuery[hostEnd...]
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return String(withoutQuery[..<hostEnd]) + directory + "cors-check-no-such-path"
    }
}
