import CORSBrowser
import CORSExplain
import CORSFetch
import Testing

/// Every kind the engine knows, written by the engine in each browser's words, read back.
@Suite struct ConsoleErrorReaderTests {
    /// A failure, and what each browser's message still says of it once printed.
    struct Case: Sendable, CustomStringConvertible {
        let reason: CORSBlockReason
        let fromChromium: ConsoleError.Failure
        let fromFirefox: ConsoleError.Failure
        var description: String { reason.kind }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for preflight in [false, true] {
            cases += [
                Case(
                    reason: .missingAllowOriginHeader(preflight: preflight),
                    fromChromium: .blocked(.missingAllowOriginHeader(preflight: preflight)),
                    fromFirefox: .blocked(.missingAllowOriginHeader(preflight: preflight))
                ),
                Case(
                    reason: .wildcardOriginNotAllowed(preflight: preflight),
                    fromChromium: .blocked(.wildcardOriginNotAllowed(preflight: preflight)),
                    fromFirefox: .blocked(.wildcardOriginNotAllowed(preflight: preflight))
                ),
                // Firefox names neither the values nor tells an invalid value from a mismatch.
                Case(
                    reason: .multipleAllowOriginValues("http://a.example, http://b.example", preflight: preflight),
                    fromChromium: .blocked(.multipleAllowOriginValues("http://a.example, http://b.example", preflight: preflight)),
                    fromFirefox: .blocked(.multipleAllowOriginValues("", preflight: preflight))
                ),
                Case(
                    reason: .invalidAllowOriginValue("http://a.example/", preflight: preflight),
                    fromChromium: .blocked(.invalidAllowOriginValue("http://a.example/", preflight: preflight)),
                    fromFirefox: .blocked(.allowOriginMismatch("http://a.example/", preflight: preflight))
                ),
                Case(
                    reason: .allowOriginMismatch("http://other.example:8080", preflight: preflight),
                    fromChromium: .blocked(.allowOriginMismatch("http://other.example:8080", preflight: preflight)),
                    fromFirefox: .blocked(.allowOriginMismatch("http://other.example:8080", preflight: preflight))
                ),
                Case(
                    reason: .invalidAllowCredentials("True", preflight: preflight),
                    fromChromium: .blocked(.invalidAllowCredentials("True", preflight: preflight)),
                    fromFirefox: .blocked(.invalidAllowCredentials("", preflight: preflight))
                ),
            ]
        }
        cases += [
            // Chromium prints no status; Firefox prints it after the reason (kept in `status`).
            Case(
                reason: .preflightInvalidStatus(404),
                fromChromium: .blocked(.preflightInvalidStatus(0)),
                fromFirefox: .blocked(.preflightInvalidStatus(0))
            ),
            Case(
                reason: .preflightDisallowedRedirect,
                fromChromium: .blocked(.preflightDisallowedRedirect),
                fromFirefox: .blocked(.preflightDisallowedRedirect)
            ),
            Case(
                reason: .invalidAllowMethodsPreflightResponse("GET;POST"),
                fromChromium: .blocked(.invalidAllowMethodsPreflightResponse("")),
                fromFirefox: .blocked(.invalidAllowMethodsPreflightResponse("GET;POST"))
            ),
            Case(
                reason: .invalidAllowHeadersPreflightResponse("x-a, (x-b)"),
                fromChromium: .blocked(.invalidAllowHeadersPreflightResponse("")),
                fromFirefox: .blocked(.invalidAllowHeadersPreflightResponse("(x-b)"))
            ),
            Case(
                reason: .methodDisallowedByPreflightResponse("PATCH"),
                fromChromium: .blocked(.methodDisallowedByPreflightResponse("PATCH")),
                fromFirefox: .blocked(.methodDisallowedByPreflightResponse(""))
            ),
            Case(
                reason: .headerDisallowedByPreflightResponse("x-api-key"),
                fromChromium: .blocked(.headerDisallowedByPreflightResponse("x-api-key")),
                fromFirefox: .blocked(.headerDisallowedByPreflightResponse("x-api-key"))
            ),
            // Firefox logs only that the request did not succeed.
            Case(
                reason: .redirectContainsCredentials("http://u:p@b.example/"),
                fromChromium: .blocked(.redirectContainsCredentials("")),
                fromFirefox: .didNotSucceed
            ),
        ]
        return cases
    }()

    static let url = "http://127.0.0.1:3000/api/items?id=1"
    static let origin = "http://localhost:5173"
    static let noiseBefore = "GET http://127.0.0.1:3000/api/items?id=1 net::ERR_FAILED 200 (OK)\n"
    static let noiseAfter = "\nUncaught (in promise) TypeError: Failed to fetch\n    at load (app.js:12:5)"

    @Test(arguments: cases)
    func chromiumMessagesReadBackAsTheirKind(_ c: Case) throws {
        let message = c.reason.chromiumMessage(url: Self.url, origin: Self.origin)
        for pasted in [message, Self.noiseBefore + message + "   app.js:12" + Self.noiseAfter, message.replacing("'", with: "\u{2019}")] {
            let error = try ConsoleErrorReader.read(pasted).get()
            #expect(error.browser == .chromium)
            #expect(error.failure == c.fromChromium)
            #expect(error.url == Self.url)
            #expect(error.origin == Self.origin)
            #expect(error.initiator == "fetch")
            #expect(error.preflight == c.reason.isPreflight)
        }
    }

    @Test(arguments: cases)
    func chromiumDetailAloneReadsBackAsItsKind(_ c: Case) throws {
        let error = try ConsoleErrorReader.read("has been blocked: " + c.reason.chromiumDetail).get()
        #expect(error.browser == .chromium)
        #expect(error.failure == c.fromChromium)
        #expect(error.url == nil)
        #expect(error.origin == nil)
    }

    @Test(arguments: cases)
    func firefoxMessagesReadBackAsTheirKind(_ c: Case) throws {
        let lines = c.reason.firefoxMessages(url: Self.url, status: 404, interrupted: c.reason.isPreflight)
        let pasted = Self.noiseBefore + lines.joined(separator: "\n") + Self.noiseAfter
        let error = try ConsoleErrorReader.read(pasted).get()
        #expect(error.browser == .firefox)
        #expect(error.failure == c.fromFirefox)
        #expect(error.url == Self.url)
        #expect(error.origin == nil)
        // Firefox says "preflight" only by the line that follows a failed one.
        if case .blocked(let reason) = c.fromFirefox { #expect(error.preflight == (reason.isPreflight ? true : nil)) }
        if case .preflightInvalidStatus = c.reason { #expect(error.status == 404) }
    }

    @Test func aRedirectedRequestNamesBothURLs() throws {
        let message = CORSBlockReason.missingAllowOriginHeader(preflight: false)
            .chromiumMessage(url: "http://b.example/final", origin: Self.origin, redirectedFrom: "http://a.example/start")
        let error = try ConsoleErrorReader.read(message).get()
        #expect(error.url == "http://b.example/final")
        #expect(error.redirectedFrom == "http://a.example/start")
    }

    @Test func xmlHttpRequestMessagesWithTheirTrailingAdviceAreRead() throws {
        let text =
            "Access to XMLHttpRequest at 'https://api.example.com/me' from origin 'https://app.example.com' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'. The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute."
        let error = try ConsoleErrorReader.read(text).get()
        #expect(error.initiator == "XMLHttpRequest")
        #expect(error.failure == .blocked(.invalidAllowCredentials("", preflight: false)))
        #expect(error.origin == "https://app.example.com")
    }

    @Test func olderChromiumWordingIsRead() throws {
        // The wording of Chromium releases before 70, as the seeds quote it.
        let text =
            "Failed to load http://api.lavandiere.local/graphql.php: Response to preflight request doesn't pass access control check: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'. Origin 'http://docker-host:78' is therefore not allowed access."
        let error = try ConsoleErrorReader.read(text).get()
        #expect(error.failure == .blocked(.wildcardOriginNotAllowed(preflight: true)))
        #expect(error.url == "http://api.lavandiere.local/graphql.php")
        #expect(error.origin == "http://docker-host:78")
        let status = try ConsoleErrorReader.read("Failed to load http://x.example/a: Response for preflight has invalid HTTP status code 405").get()
        #expect(status.failure == .blocked(.preflightInvalidStatus(405)))
    }

    @Test func olderFirefoxReasonsAreRead() throws {
        let header = try ConsoleErrorReader.read(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/x. (Reason: missing token \u{2018}authorization\u{2019} in CORS header \u{2018}Access-Control-Allow-Headers\u{2019} from CORS preflight channel)."
        ).get()
        #expect(header.failure == .blocked(.headerDisallowedByPreflightResponse("authorization")))
        #expect(header.preflight == true)
        let file = try ConsoleErrorReader.read("(Reason: CORS request not HTTP)").get()
        #expect(file.failure == .schemeNotHTTP)
    }

    @Test func firefoxDidNotSucceedAloneIsANetworkFailure() throws {
        let error = try ConsoleErrorReader.read(CORSBlockReason.firefoxDidNotSucceed(url: Self.url)).get()
        #expect(error.failure == .didNotSucceed)
        #expect(error.failure.kind == "NetworkError")
    }

    @Test func fetchTypeErrorsAreReadInBothBrowsersWords() throws {
        let chromium = try ConsoleErrorReader.read("Uncaught TypeError: " + FetchTypeError.bodyWithGetOrHead.message).get()
        #expect(chromium.failure == .typeError(.bodyWithGetOrHead))
        #expect(chromium.browser == .chromium)
        let firefox = try ConsoleErrorReader.read("TypeError: " + FetchTypeError.invalidHeaderName("x y").firefoxMessage).get()
        #expect(firefox.failure == .typeError(.invalidHeaderName("x y")))
        #expect(firefox.browser == .firefox)
    }

    @Test func textThatIsNotCORSIsNamedForWhatItIs() {
        let samples: [(String, NotACORSMessage)] = [
            (
                "Mixed Content: The page at 'https://app.example/' was loaded over HTTPS, but requested an insecure resource 'http://api.example/x'. This request has been blocked; the content must be served over HTTPS.",
                .mixedContent
            ),
            ("Blocked loading mixed active content \u{201C}http://api.example/x\u{201D}", .mixedContent),
            (
                "Refused to connect to 'https://api.example/x' because it violates the following Content Security Policy directive: \"connect-src 'self'\".",
                .contentSecurityPolicy
            ),
            (
                "Access to fetch at 'http://192.168.1.10/x' from origin 'https://app.example' has been blocked by CORS policy: The request client is not a secure context and the resource is in more-private address space `private`.",
                .localNetworkAccess
            ),
            ("GET http://127.0.0.1:9999/x net::ERR_CONNECTION_REFUSED", .networkError("net::ERR_CONNECTION_REFUSED")),
            ("Uncaught (in promise) TypeError: Failed to fetch", .scriptErrorOnly),
            ("TypeError: NetworkError when attempting to fetch resource.", .scriptErrorOnly),
            ("Hello, world", .unrecognized),
            ("", .unrecognized),
        ]
        for (text, expected) in samples {
            #expect(throws: expected, "\(text)") { try ConsoleErrorReader.read(text).get() }
        }
    }
}
