#if Hummingbird
import ArgumentParser
import CORS
import CORSHummingbird
import Foundation
import Hummingbird
import Logging

/// `cors serve`: an echo API under a policy, reloaded when the file changes.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve an echo API under a CORS policy, logging every CORS decision.",
        discussion: """
            Every path answers every method with JSON: the method, the path and the request headers. \
            Edits to the policy file are picked up within a second; an invalid edit is reported and the \
            running policy stays in force.
            """
    )

    @Option(help: "The JSON policy file.")
    var policy: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    func run() async throws {
        let loaded = LoadedPolicy.load(policy)
        guard let initial = loaded.policy else {
            for line in loaded.lines { print(line) }
            print(loaded.summary(for: policy))
            print("cors serve: refusing to start under an invalid policy")
            throw ExitCode(loaded.status.rawValue)
        }
        for line in loaded.lines { print(line) }
        let store = CORSResponderStore(try CORSResponder(policy: initial))

        var logger = Logger(label: "cors")
        logger.logLevel = .info
        let router = Router()
        router.add(middleware: CORSPolicyMiddleware(store: store, observer: Self.logDecision))
        router.add(middleware: EchoMiddleware())
        let policyPath = policy
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "cors serve"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                let line = "cors serve: listening on http://\(host):\(bound) under \(policyPath)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger
        )
        let watcher = Task { await Self.watch(policyPath, store: store, logger: logger) }
        defer { watcher.cancel() }
        try await app.runService()
    }

    /// One log line per decision: what was asked, the outcome, and why when refused.
    @Sendable static func logDecision(_ decision: CORSDecision, _ request: Request, _ logger: Logger) {
        let origin = request.headers[.origin] ?? "-"
        var line = "\(request.method) \(request.uri.path) origin=\(origin) cors=\(decision.outcome)"
        if let rejection = decision.rejection {
            line += " reason=\(rejection.reason.rawValue): \(decision.explanation ?? "")"
        }
        logger.info("\(line)")
    }

    /// Polls the policy file and swaps the policy in when a valid edit lands.
    static func watch(_ path: String, store: CORSResponderStore, logger: Logger) async {
        func stamp() -> Date? { (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date }
        var last = stamp()
        var lastText = try? String(contentsOfFile: path, encoding: .utf8)
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            let current = stamp()
            let text = try? String(contentsOfFile: path, encoding: .utf8)
            guard current != last || text != lastText else { continue }
            last = current
            lastText = text
            let loaded = LoadedPolicy.load(path)
            guard let policy = loaded.policy, (try? store.replace(with: policy)) != nil else {
                logger.error("policy file changed but is not valid; keeping the running policy")
                for line in loaded.lines { logger.error("\(line)") }
                continue
            }
            logger.info("policy reloaded from \(path)")
        }
    }
}

/// Answers every request with a JSON echo of its method, path and headers.
struct EchoMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let echo: [String: Any] = ["method": request.method.rawValue, "path": request.uri.path, "headers": headers]
        let body = try JSONSerialization.data(withJSONObject: echo, options: [.sortedKeys])
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
#endif
