#if Hummingbird
import CORS
import CORSBrowser
import CORSFetch
import Foundation

/// One button of the demo: a `fetch()` the page makes against the API, defined once so the
/// browser and swift-cors' engine send exactly the same request.
struct DemoButton: Sendable {
    /// The element's `data-button` value and the engine endpoint's key, e.g. `stage3-with`.
    var id: String
    var label: String
    var method: String
    /// The API path (the page appends `?run=N` so every click gets a fresh preflight cache entry).
    var path: String
    var headers: [(name: String, value: String)] = []
    var body: String?
    var credentials: CredentialsMode = .sameOrigin
    /// How many times the same request is sent in a row (2 for the Max-Age stage).
    var repeats = 1
    /// A response header the script tries to read (stage 5).
    var readsHeader: String?

    /// The `fetch()` init the page passes, as JSON.
    var json: [String: Any] {
        var object: [String: Any] = [
            "id": id, "label": label, "method": method, "path": path, "credentials": credentials.rawValue,
            "repeats": repeats, "headers": headers.map { [$0.name, $0.value] },
        ]
        if let body { object["body"] = body }
        if let readsHeader { object["readsHeader"] = readsHeader }
        return object
    }

    /// The same call for swift-cors' engine: `url` already carries the run's query.
    func fetchRequest(url: String, origin: String) -> FetchRequest {
        FetchRequest(url: url, origin: origin, method: method, headers: headers, body: body, credentials: credentials)
    }
}

/// One stage of the walk through CORS: what it teaches, how the API answers, and its buttons.
struct DemoStage: Sendable {
    var number: Int
    var title: String
    /// What the stage shows, in a sentence or two (HTML allowed: it is our own text).
    var lesson: String
    /// How the API route(s) of this stage are configured, shown under the title.
    var server: String
    var buttons: [DemoButton]

    var json: [String: Any] {
        ["number": number, "title": title, "lesson": lesson, "server": server, "buttons": buttons.map(\.json)]
    }
}

/// The six stages and the API's per-route policies for a page at `pageOrigin`.
struct DemoStages: Sendable {
    let pageOrigin: String
    let stages: [DemoStage]

    /// The header stage 5 sends and, on one route, exposes.
    static let requestIDHeader = "X-Request-Id"
    /// The cookie the page sets with `document.cookie` before the credentials stage.
    static let cookieName = "demo_session"
    static let jsonBody = #"{"hello":"cors"}"#

    /// The policy a credentialed API with `*` would need; validation refuses it, so stage 4's
    /// wildcard route writes its headers by hand.
    static let wildcardWithCredentials = CORSPolicy(allowOrigins: ["*"], allowCredentials: true)

    /// What `cors lint` says about `wildcardWithCredentials`.
    static var wildcardLint: String {
        wildcardWithCredentials.validate().lines.joined(separator: "\n")
    }

    init(pageOrigin: String) {
        self.pageOrigin = pageOrigin
        let json = [(name: "Content-Type", value: "application/json")]
        let pageHost = DemoEngine.hostOf(pageOrigin)
        stages = [
            DemoStage(
                number: 1,
                title: "No CORS headers",
                lesson: "The server answers, but without <code>Access-Control-Allow-Origin</code>: the browser hides the response from the page.",
                server: "/stage1: no CORS handling at all.",
                buttons: [DemoButton(id: "stage1", label: "GET /stage1", method: "GET", path: "/stage1")]
            ),
            DemoStage(
                number: 2,
                title: "Allow the page's origin",
                lesson:
                    "With <code>Access-Control-Allow-Origin: \(pageOrigin)</code> a simple GET is readable. No preflight: GET with safelisted headers is a simple request.",
                server: "/stage2: CORSPolicy(allowOrigins: [\"\(pageOrigin)\"])",
                buttons: [DemoButton(id: "stage2", label: "GET /stage2", method: "GET", path: "/stage2")]
            ),
            DemoStage(
                number: 3,
                title: "A JSON body: the preflight",
                lesson:
                    "<code>Content-Type: application/json</code> is not a safelisted value, so the browser first asks with an OPTIONS preflight. The POST is sent only if the answer allows the header.",
                server: "/stage3/without: allowOrigins [page] only. /stage3/with: allowOrigins [page], allowHeaders [\"Content-Type\"].",
                buttons: [
                    DemoButton(
                        id: "stage3-without",
                        label: "POST JSON to /stage3/without",
                        method: "POST",
                        path: "/stage3/without",
                        headers: json,
                        body: Self.jsonBody
                    ),
                    DemoButton(
                        id: "stage3-with",
                        label: "POST JSON to /stage3/with",
                        method: "POST",
                        path: "/stage3/with",
                        headers: json,
                        body: Self.jsonBody
                    ),
                ]
            ),
            DemoStage(
                number: 4,
                title: "Credentials (cookies)",
                lesson:
                    "The page sets a cookie with <code>document.cookie</code> on \(pageHost); cookies ignore ports, so <code>credentials: 'include'</code> sends it to the API. With credentials, <code>*</code> is refused: the server must name the origin and send <code>Access-Control-Allow-Credentials: true</code>.",
                server:
                    "/stage4/wildcard: headers written by hand (Access-Control-Allow-Origin: *, Access-Control-Allow-Credentials: true), because swift-cors refuses that policy. /stage4/exact: allowOrigins [page], allowCredentials: true.",
                buttons: [
                    DemoButton(
                        id: "stage4-wildcard",
                        label: "GET /stage4/wildcard with credentials",
                        method: "GET",
                        path: "/stage4/wildcard",
                        credentials: .include
                    ),
                    DemoButton(
                        id: "stage4-exact",
                        label: "GET /stage4/exact with credentials",
                        method: "GET",
                        path: "/stage4/exact",
                        credentials: .include
                    ),
                ]
            ),
            DemoStage(
                number: 5,
                title: "Reading a custom response header",
                lesson:
                    "Both responses carry <code>\(Self.requestIDHeader)</code>, but a script sees only the safelisted response headers plus those named in <code>Access-Control-Expose-Headers</code>.",
                server: "/stage5/hidden: allowOrigins [page]. /stage5/exposed: allowOrigins [page], exposeHeaders [\"\(Self.requestIDHeader)\"].",
                buttons: [
                    DemoButton(
                        id: "stage5-hidden",
                        label: "GET /stage5/hidden, read \(Self.requestIDHeader)",
                        method: "GET",
                        path: "/stage5/hidden",
                        readsHeader: Self.requestIDHeader
                    ),
                    DemoButton(
                        id: "stage5-exposed",
                        label: "GET /stage5/exposed, read \(Self.requestIDHeader)",
                        method: "GET",
                        path: "/stage5/exposed",
                        readsHeader: Self.requestIDHeader
                    ),
                ]
            ),
            DemoStage(
                number: 6,
                title: "Max-Age: caching the preflight",
                lesson:
                    "<code>Access-Control-Max-Age: 600</code> lets the browser reuse the preflight's answer for 10 minutes: the same request sent twice is preflighted only once.",
                server: "/stage6: allowOrigins [page], allowHeaders [\"Content-Type\"], maxAge: 600.",
                buttons: [
                    DemoButton(
                        id: "stage6",
                        label: "POST JSON to /stage6 twice",
                        method: "POST",
                        path: "/stage6",
                        headers: json,
                        body: Self.jsonBody,
                        repeats: 2
                    )
                ]
            ),
        ]
    }

    /// Every path the API answers.
    var apiPaths: Set<String> { Set(stages.flatMap { $0.buttons.map(\.path) }) }

    /// Every button, by id.
    func button(_ id: String) -> DemoButton? {
        stages.lazy.flatMap(\.buttons).first { $0.id == id }
    }

    /// The API's per-route policies. Stage 1 and `/stage4/wildcard` have none on purpose.
    /// `insecureHost`: the page is served over plain http on a non-loopback host, which
    /// validation refuses with credentials unless told the risk is known (this is a local demo).
    func routes(insecureHost: Bool) throws(CORSRoutesError) -> CORSRoutes {
        let page = [pageOrigin]
        return try CORSRoutes([
            "/stage2": CORSPolicy(allowOrigins: page),
            "/stage3/without": CORSPolicy(allowOrigins: page),
            "/stage3/with": CORSPolicy(allowOrigins: page, allowHeaders: ["Content-Type"]),
            "/stage4/exact": CORSPolicy(
                allowOrigins: page,
                allowCredentials: true,
                dangerouslyAllowInsecureOriginsWithCredentials: insecureHost
            ),
            "/stage5/hidden": CORSPolicy(allowOrigins: page),
            "/stage5/exposed": CORSPolicy(allowOrigins: page, exposeHeaders: [Self.requestIDHeader]),
            "/stage6": CORSPolicy(allowOrigins: page, allowHeaders: ["Content-Type"], maxAge: 600),
        ])
    }

    /// Everything the page needs, as JSON text to embed in it.
    func json(apiOrigin: String) -> String {
        let object: [String: Any] = [
            "pageOrigin": pageOrigin, "apiOrigin": apiOrigin, "cookieName": Self.cookieName,
            "wildcardLint": Self.wildcardLint, "stages": stages.map(\.json),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        // Safe inside <script>: no "</script>" can close the element early.
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
    }
}
#endif
