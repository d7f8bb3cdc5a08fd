#if Hummingbird
import ArgumentParser
import CORS
import CORSBrowser
import CORSFetch
import CORSHummingbird
import Foundation
import Hummingbird
import Logging
import Synchronization

/// `cors demo`: an API and a page on two local origins; the page walks through CORS stage by
/// stage, each a real `fetch()` from the browser shown beside swift-cors' own verdict.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Serve an interactive walk through CORS: an API and a page on two local origins.",
        discussion: """
            Open the printed page URL in a browser and click each stage's buttons: every click makes a real \
            cross-origin fetch() and shows the request, the headers the server sent, what the browser gave \
            the page, and swift-cors' explanation and fix for the same request.
            """
    )

    @Option(help: "The address both servers listen on.")
    var host = "127.0.0.1"

    @Option(name: .customLong("api-port"), help: "The API's port (0 picks a free one).")
    var apiPort = 3000

    @Option(name: .customLong("page-port"), help: "The page's port (0 picks a free one).")
    var pagePort = 8000

    func run() async throws {
        var logger = Logger(label: "cors-demo")
        logger.logLevel = .warning
        let log = DemoLog()
        let setup = DemoSetup()
        let host = self.host

        // The page first: its bound port is the origin the API's policies allow.
        let (pageBound, pageBoundSink) = AsyncStream<Int>.makeStream()
        let pageRouter = Router()
        pageRouter.add(middleware: DemoPageMiddleware(setup: setup, log: log))
        let pageApp = Application(
            router: pageRouter,
            configuration: ApplicationConfiguration(address: .hostname(host, port: pagePort), serverName: "cors demo page"),
            onServerRunning: { channel in pageBoundSink.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { pageBoundSink.finish() }
                try await pageApp.runService()
            }
            var boundPages = pageBound.makeAsyncIterator()
            guard let boundPagePort = await boundPages.next() else {
                _ = try await group.next()  // the page server stopped before listening: surface its error
                return
            }
            let stages = DemoStages(pageOrigin: Self.origin(host: host, port: boundPagePort))
            let routes: CORSRoutes
            do {
                routes = try stages.routes(insecureHost: !Self.isLoopback(host))
            } catch {
                FileHandle.standardError.write(Data("cors demo: \(error)\n".utf8))
                throw ExitCode(2)
            }

            let (apiBound, apiBoundSink) = AsyncStream<Int>.makeStream()
            let apiRouter = Router()
            apiRouter.add(middleware: DemoRecordingMiddleware(log: log, routes: routes))
            apiRouter.add(middleware: CORSPolicyMiddleware(routes: routes))
            apiRouter.add(middleware: DemoAPIMiddleware(log: log, paths: stages.apiPaths))
            let apiApp = Application(
                router: apiRouter,
                configuration: ApplicationConfiguration(address: .hostname(host, port: apiPort), serverName: "cors demo api"),
                onServerRunning: { channel in apiBoundSink.yield(channel.localAddress?.port ?? 0) },
                logger: logger
            )
            group.addTask {
                defer { apiBoundSink.finish() }
                try await apiApp.runService()
            }
            var boundAPIs = apiBound.makeAsyncIterator()
            guard let boundAPIPort = await boundAPIs.next() else {
                _ = try await group.next()
                return
            }
            let apiOrigin = Self.origin(host: host, port: boundAPIPort)
            setup.ready(DemoSetup.Ready(stages: stages, apiOrigin: apiOrigin))
            // Written unbuffered: tests (and scripts) read these lines from a pipe.
            let lines = """
                cors demo: page \(stages.pageOrigin)/
                cors demo: api \(apiOrigin)
                cors demo: open \(stages.pageOrigin)/ in a browser and click through the six stages (Ctrl-C stops the demo)

                """
            FileHandle.standardOutput.write(Data(lines.utf8))
            // Either server stopping (Ctrl-C stops both) ends the demo.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// `http://host:port`, with IPv6 literals bracketed.
    static func origin(host: String, port: Int) -> String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }
}

/// What the page server needs once both servers are bound; until then it answers 503.
final class DemoSetup: Sendable {
    struct Ready: Sendable {
        var stages: DemoStages
        var apiOrigin: String
    }

    private let state = Mutex<Ready?>(nil)

    func ready(_ ready: Ready) { state.withLock { $0 = ready } }
    var current: Ready? { state.withLock { $0 } }
}

/// One request the API received and the response it sent, CORS headers included.
struct DemoExchange: Sendable {
    var sequence: Int
    var method: String
    var path: String
    var query: String
    /// The request headers CORS is about: Origin, Access-Control-Request-*, Cookie, Content-Type.
    var requestHeaders: [(name: String, value: String)]
    var status: Int
    var responseHeaders: [(name: String, value: String)]
    /// What swift-cors' responder decided for the route, when a policy covers it.
    var serverDecision: String?

    var json: [String: Any] {
        var object: [String: Any] = [
            "sequence": sequence, "method": method, "path": path, "query": query, "status": status,
            "requestHeaders": requestHeaders.map { [$0.name, $0.value] },
            "responseHeaders": responseHeaders.map { [$0.name, $0.value] },
        ]
        if let serverDecision { object["serverDecision"] = serverDecision }
        return object
    }
}

/// Every exchange the API has had, in order, so the page can draw what happened on the wire.
final class DemoLog: Sendable {
    private let exchanges = Mutex<[DemoExchange]>([])
    private let counter = Mutex(0)

    /// A fresh number for a response's X-Request-Id.
    func nextRequestID() -> Int {
        counter.withLock {
            $0 += 1
            return $0
        }
    }

    func append(_ exchange: DemoExchange) {
        exchanges.withLock { list in
            var numbered = exchange
            numbered.sequence = list.count
            list.append(numbered)
        }
    }

    /// The exchanges from `index` on, and how many there are in all.
    func since(_ index: Int) -> (count: Int, exchanges: [DemoExchange]) {
        exchanges.withLock { list in (list.count, Array(list[min(max(index, 0), list.count)...])) }
    }
}

/// The API's outermost middleware: records each request and the response finally sent, after
/// the CORS middleware has answered or decorated it.
struct DemoRecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: DemoLog
    let routes: CORSRoutes

    /// The request headers worth showing (lowercase): Origin, Access-Control-Request-*, Cookie, Content-Type.
    static var recordedRequestHeaders: [String] {
        ["origin", "access-control-request-method", "access-control-request-headers", "cookie", "content-type"]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        var requestHeaders: [(name: String, value: String)] = []
        for name in Self.recordedRequestHeaders {
            for field in request.headers where field.name.canonicalName == name {
                requestHeaders.append((name.capitalizedHeaderName, field.value))
            }
        }
        var decision: String?
        if let responder = routes.responder(forPath: request.uri.path),
            let decided = responder.decideSynchronously(CORSRequestHead(request.head))
        {
            decision = "\(decided.outcome)" + (decided.explanation.map { ": \($0)" } ?? "")
        }
        log.append(
            DemoExchange(
                sequence: 0,
                method: request.method.rawValue,
                path: request.uri.path,
                query: request.uri.query ?? "",
                requestHeaders: requestHeaders,
                status: Int(response.status.code),
                responseHeaders: response.headers.map { ($0.name.rawName, $0.value) },
                serverDecision: decision
            )
        )
        return response
    }
}

/// The API's endpoints: every stage path answers any method with a small JSON echo and an
/// X-Request-Id; `/stage4/wildcard` also writes the CORS headers swift-cors refuses to produce.
struct DemoAPIMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: DemoLog
    /// The stages' paths; anything else is 404.
    let paths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard paths.contains(path) else {
            return DemoJSON.response(["error": "no such demo endpoint: \(path)"], status: .notFound)
        }
        var request = request
        let body = try await request.collectBody(upTo: 1 << 16)
        var echo: [String: Any] = ["path": path, "method": request.method.rawValue]
        echo["cookie"] = request.headers[.cookie] ?? NSNull()
        echo["body"] = body.readableBytes > 0 ? String(buffer: body) : NSNull()
        var response = DemoJSON.response(echo)
        if let requestID = HTTPFields.Element.Name(DemoStages.requestIDHeader) {
            response.headers[requestID] = "demo-\(log.nextRequestID())"
        }
        if path == "/stage4/wildcard" {
            // By hand: CORSPolicy(allowOrigins: ["*"], allowCredentials: true) does not validate.
            response.headers[.accessControlAllowOrigin] = "*"
            response.headers[.accessControlAllowCredentials] = "true"
        }
        return response
    }
}

/// The page's origin: the page itself, the API's record (`/log`) and swift-cors' engine
/// running the same request (`/engine`).
struct DemoPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let setup: DemoSetup
    let log: DemoLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let ready = setup.current else {
            return DemoJSON.response(["error": "the demo is still starting"], status: .serviceUnavailable)
        }
        let query = request.uri.queryParameters
        switch (request.method, request.uri.path) {
        case (.get, "/"), (.get, "/index.html"):
            let html = DemoPage.html(config: ready.stages.json(apiOrigin: ready.apiOrigin))
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: html))
            )
        case (.get, "/log"):
            let since = query.get("since").flatMap { Int($0) } ?? 0
            let (count, exchanges) = log.since(since)
            return DemoJSON.response(["count": count, "exchanges": exchanges.map(\.json)])
        case (.get, "/engine"):
            guard let id = query.get("button"), let button = ready.stages.button(id) else {
                return DemoJSON.response(["error": "unknown button"], status: .notFound)
            }
            let run = String((query.get("run") ?? "0").filter(\.isNumber).prefix(24))
            return await DemoEngine.run(
                button,
                url: "\(ready.apiOrigin)\(button.path)?run=\(run)",
                origin: ready.stages.pageOrigin,
                pageCookie: request.headers[.cookie],
                apiOrigin: ready.apiOrigin
            )
        default:
            return DemoJSON.response(["error": "not found"], status: .notFound)
        }
    }
}

/// swift-cors' browser-side engine on the page's request: the same URL, origin, credentials and
/// cookie, a fresh preflight cache per click (as the page's `?run=N` gives the browser).
enum DemoEngine {
    static func run(_ button: DemoButton, url: String, origin: String, pageCookie: String?, apiOrigin: String) async -> Response {
        // The page's cookies reach this endpoint because it is same-origin; the API shares the
        // page's host, and cookies ignore ports, so the browser would send them there too.
        let jar = CookieJar()
        let apiHost = hostOf(apiOrigin)
        if let pageCookie {
            jar.store(setCookie: pageCookie.split(separator: ";").map { String($0) }, host: apiHost)
        }
        let request = button.fetchRequest(url: url, origin: origin)
        do {
            let outcomes = try await CORSFetcher.with(cookies: jar) { fetcher in
                var outcomes: [CORSFetcher.Outcome] = []
                for _ in 0..<max(button.repeats, 1) { outcomes.append(try await fetcher.fetch(request)) }
                return outcomes
            }
            return DemoJSON.response(["fetches": outcomes.map { json($0, button: button, origin: origin) }])
        } catch {
            return DemoJSON.response(["error": "\(error)"], status: .badGateway)
        }
    }

    /// The engine's verdict for one fetch, in the words the page shows.
    static func json(_ outcome: CORSFetcher.Outcome, button: DemoButton, origin: String) -> [String: Any] {
        var object: [String: Any] = [
            "allowed": outcome.allowed, "preflightSent": outcome.preflightSent,
            "preflightFromCache": outcome.preflightFromCache, "readableHeaders": outcome.readableHeaders,
            "status": outcome.status ?? NSNull(), "explanation": explanation(outcome),
        ]
        if let readsHeader = button.readsHeader {
            object["headerReadable"] = outcome.readableHeaders.contains { $0.lowercased() == readsHeader.lowercased() }
        }
        if let message = outcome.chromiumMessage { object["chromiumMessage"] = message }
        if let reason = outcome.blockReason {
            object["kind"] = reason.kind
            object["firefoxReason"] = reason.firefoxReason
            object["fix"] = reason.fix(origin: origin)
        } else if outcome.typeError != nil {
            object["kind"] = "TypeError"
            object["fix"] = "Change the fetch() call: the browser refuses to send it."
        } else if let networkError = outcome.networkError {
            object["kind"] = "NetworkError"
            object["fix"] = "Not a CORS failure: \(networkError)."
        }
        object["trace"] = outcome.trace.map { exchange -> [String: Any] in
            [
                "stage": exchange.stage.rawValue, "method": exchange.method, "url": exchange.url, "status": exchange.status,
                "requestHeaders": exchange.requestHeaders.map { [$0.name, $0.value] },
                "responseHeaders": exchange.responseHeaders.map { [$0.name, $0.value] },
            ]
        }
        return object
    }

    /// One or two sentences: what was sent, and why the page can or cannot read the answer.
    static func explanation(_ outcome: CORSFetcher.Outcome) -> String {
        let preflight: String
        if outcome.preflightFromCache {
            preflight = "No preflight went out: the preflight cache (Access-Control-Max-Age) covers this request."
        } else if outcome.preflightSent {
            preflight = "The request is not simple, so a preflight (OPTIONS) went first and was answered \(outcome.preflightStatus ?? 0)."
        } else {
            preflight = "A simple request: no preflight needed."
        }
        if outcome.allowed {
            let readable = outcome.readableHeaders.isEmpty ? "none" : outcome.readableHeaders.joined(separator: ", ")
            return "\(preflight) The answer passes the CORS check: the page reads status \(outcome.status ?? 0) and these headers: \(readable)."
        }
        if let reason = outcome.blockReason {
            let failed = outcome.trace.last?.stage == .preflight ? "the preflight's answer" : "the response"
            return
                "\(preflight) The browser blocks the page from reading it: \(failed) fails the CORS check (\(reason.kind)). \(reason.firefoxReason)."
        }
        if let typeError = outcome.typeError { return "fetch() refuses to send it: \(typeError.message)" }
        return "The fetch fails: \(outcome.networkError ?? "network error")."
    }

    static func hostOf(_ origin: String) -> String {
        let afterScheme = origin.split(separator: "://", maxSplits: 1).last.map(String.init) ?? origin
        if afterScheme.hasPrefix("["), let close = afterScheme.firstIndex(of: "]") {
            return String(afterScheme[afterScheme.index(after: afterScheme.startIndex)..<close])
        }
        return String(afterScheme.prefix { $0 != ":" && $0 != "/" })
    }
}

/// JSON responses for the demo's endpoints.
enum DemoJSON {
    static func response(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension String {
    /// `access-control-request-method` → `Access-Control-Request-Method`, for display.
    var capitalizedHeaderName: String {
        split(separator: "-", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-")
    }
}
#endif
