import CORSBrowser
import CORSFetch

/// What `cors debug`'s page asks its server: a request run as the browsers would run it, or a
/// pasted console error explained. Each answer is the JSON `cors check --json` or
/// `cors explain --json` prints for the same input.
public enum Debugger {
    /// An answer: the HTTP status and the JSON text.
    public struct Answer: Sendable {
        /// The HTTP status: 200, 400 for a form that is not a request, 502 when the server cannot be reached.
        public var status: Int
        /// The JSON text.
        public var json: String

        /// An answer with `status` and `json`.
        public init(status: Int, json: String) {
            self.status = status
            self.json = json
        }
    }

    /// Runs the request the form describes: `url`, `origin`, `method`, `header` (repeated, or
    /// lines), `body`, `credentials`, `browser`, `probe` (`1` sends `--probe-errors`' probes).
    public static func check(_ query: [(name: String, value: String)]) async -> Answer {
        func value(_ name: String) -> String? {
            query.last { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let url = value("url"), let origin = value("origin") else {
            return Answer(status: 400, json: ReportJSON.text(["error": "give the URL to fetch and the page's origin"]))
        }
        let headers = query.filter { $0.name == "header" }.flatMap { $0.value.split(whereSeparator: \.isNewline) }.map(String.init)
            .filter { !$0.allSatisfy(\.isWhitespace) }
        var options = CheckOptions(url: url, origin: origin, method: value("method"), headers: headers, body: value("body"))
        options.credentials = value("credentials") ?? "same-origin"
        options.browser = value("browser") ?? "chromium"
        do {
            let run = try await CheckRun.perform(options.request(), browsers: options.browsers(), probeErrors: value("probe") == "1")
            return Answer(status: 200, json: ReportJSON.text(ReportJSON.check(run)))
        } catch let error as CheckOptions.InvalidOption {
            return Answer(status: 400, json: ReportJSON.text(["error": error.description]))
        } catch {
            return Answer(status: 502, json: ReportJSON.text(["error": "\(error)"]))
        }
    }

    /// Explains a pasted console error.
    public static func explain(_ text: String) -> Answer {
        switch ConsoleErrorReader.read(text) {
        case .success(let error): Answer(status: 200, json: ReportJSON.text(ReportJSON.explain(Explanation(error))))
        case .failure(let what): Answer(status: 200, json: ReportJSON.text(ReportJSON.notCORS(what)))
        }
    }
}
