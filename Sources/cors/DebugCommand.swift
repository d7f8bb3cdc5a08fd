#if Hummingbird
import ArgumentParser
import CORSExplain
import Foundation
import Hummingbird
import Logging

/// `cors debug`: the CORS debugger page. A form (URL, origin, method, headers, body,
/// credentials, browser) or a pasted console error; the request runs server-side in the
/// browser-side engine, and the page shows the whole exchange, each browser's verdict, the cause
/// and the fix, and the sequence picture `cors demo` draws.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Serve the CORS debugger page: run a request as Chromium and Firefox would, or paste a console error.",
        discussion: """
            Open the printed URL. The page's state lives in its URL, so a result can be shared or reloaded. Behind \
            it, /api/check?url=...&origin=... answers what cors check --json prints, and /api/explain?text=... what \
            cors explain --json prints.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one).")
    var port = 8099

    func run() async throws {
        var logger = Logger(label: "cors-debug")
        logger.logLevel = .warning
        let router = Router()
        router.add(middleware: DebugPageMiddleware())
        let host = self.host
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "cors debug"),
            onServerRunning: { channel in
                let origin = DemoCommand.origin(host: host, port: channel.localAddress?.port ?? 0)
                // Written unbuffered: tests (and scripts) read this line from a pipe.
                FileHandle.standardOutput.write(Data("cors debug: page \(origin)/\ncors debug: open it in a browser (Ctrl-C stops it)\n".utf8))
            },
            logger: logger
        )
        try await app.runService()
    }
}

/// The page, and the two JSON endpoints behind it.
struct DebugPageMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        switch (request.method, request.uri.path) {
        case (.get, "/"), (.get, "/index.html"):
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: DebugPage.html))
            )
        case (.get, "/api/check"):
            return Self.json(await Debugger.check(query))
        case (.get, "/api/explain"):
            return Self.json(Debugger.explain(query.last { $0.name == "text" }?.value ?? ""))
        default:
            return Self.json(Debugger.Answer(status: 404, json: #"{"error": "not found"}"#))
        }
    }

    static func json(_ answer: Debugger.Answer) -> Response {
        Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: answer.json + "\n"))
        )
    }
}
#endif
