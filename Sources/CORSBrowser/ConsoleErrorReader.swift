/// Reads a pasted console error back into a `ConsoleError`: Chromium's "Access to fetch at ..."
/// line (or older Chromium's "Failed to load ...", or the reason alone), Firefox's
/// "Cross-Origin Request Blocked: ..." lines (or the reason alone), and fetch()'s TypeErrors, in
/// the wording the engine writes them, with any console noise around them.
public enum ConsoleErrorReader {
    /// The CORS error in `text`, or what the text is instead.
    public static func read(_ text: String) -> Result<ConsoleError, NotACORSMessage> {
        let straight = text.withStraightQuotes
        // Most pasted texts have no CR; the generic replacing costs as much as reading them.
        let text = Substring(straight.utf8.contains(13) ? straight.replacing("\r\n", with: "\n") : straight)
        var found: [ConsoleError] = []
        if let chromium = chromiumMessage(in: text) { found.append(chromium) }
        if let firefox = firefoxMessage(in: text) { found.append(firefox) }
        if found.isEmpty, let bare = bareReason(in: text) { found.append(bare) }
        if let typeError = typeErrorMessage(in: text) { found.append(typeError) }
        // Several recognized: the one that starts first in the text, as the console printed it first.
        if let first = found.min(by: { position(of: $0, in: text) < position(of: $1, in: text) }) {
            return .success(first)
        }
        return .failure(notCORS(text))
    }

    private static func position(of error: ConsoleError, in text: Substring) -> Int {
        guard let line = error.lines.first, let range = text.firstRange(ofText: line) else { return Int.max }
        return text.distance(from: text.startIndex, to: range.lowerBound)
    }

    // MARK: Chromium

    private static let hole = String(MessageTemplate.hole)
    private static let chromiumPrefix = MessageTemplate("Access to \(hole) at '\(hole)' from origin '\(hole)' has been blocked by CORS policy: ")
    private static let redirectedChromiumPrefix = MessageTemplate(
        "Access to \(hole) at '\(hole)' (redirected from '\(hole)') from origin '\(hole)' has been blocked by CORS policy: "
    )
    private static let oldChromiumPrefix = MessageTemplate("Failed to load \(hole): ")
    private static let oldChromiumOrigin = MessageTemplate("Origin '\(hole)' is therefore not allowed access")
    private static let preflightPrefix = "Response to preflight request doesn't pass access control check: "

    /// One way Chromium words a failure: the template and the reason its hole's value makes.
    struct Wording: Sendable {
        let template: MessageTemplate
        let reason: @Sendable (String) -> CORSBlockReason
        /// Whether the words say it was the preflight (`nil`: they do not tell).
        let preflight: Bool?
    }

    /// Every kind the engine knows, rendered by the engine with a hole for its value; then the
    /// wordings of older Chromium releases that users still paste.
    static let chromiumWordings: [Wording] = {
        var wordings: [Wording] = []
        let both: [@Sendable (String, Bool) -> CORSBlockReason] = [
            { _, p in .missingAllowOriginHeader(preflight: p) },
            { _, p in .wildcardOriginNotAllowed(preflight: p) },
            { v, p in .multipleAllowOriginValues(v, preflight: p) },
            { v, p in .invalidAllowOriginValue(v, preflight: p) },
            { v, p in .allowOriginMismatch(v, preflight: p) },
            { v, p in .invalidAllowCredentials(v, preflight: p) },
        ]
        for make in both {
            for preflight in [true, false] {
                wordings.append(
                    Wording(template: MessageTemplate(make(hole, preflight).chromiumDetail), reason: { make($0, preflight) }, preflight: preflight)
                )
            }
        }
        let preflightOnly: [@Sendable (String) -> CORSBlockReason] = [
            { _ in .preflightInvalidStatus(0) }, { _ in .preflightDisallowedRedirect },
            { .invalidAllowMethodsPreflightResponse($0) }, { .invalidAllowHeadersPreflightResponse($0) },
            { .methodDisallowedByPreflightResponse($0) }, { .headerDisallowedByPreflightResponse($0) },
        ]
        for make in preflightOnly {
            wordings.append(Wording(template: MessageTemplate(make(hole).chromiumDetail), reason: make, preflight: true))
        }
        wordings.append(
            Wording(
                template: MessageTemplate(CORSBlockReason.redirectContainsCredentials(hole).chromiumDetail),
                reason: { .redirectContainsCredentials($0) },
                preflight: false
            )
        )
        // Older releases (before Chromium 70 or so).
        wordings += [
            Wording(
                template: MessageTemplate("Response for preflight has invalid HTTP status code \(hole)"),
                reason: { .preflightInvalidStatus(Int($0.prefix { $0.isNumber }) ?? 0) },
                preflight: true
            ),
            Wording(
                template: MessageTemplate("Response for preflight is invalid (redirect)"),
                reason: { _ in .preflightDisallowedRedirect },
                preflight: true
            ),
            Wording(
                template: MessageTemplate(
                    preflightPrefix + "A wildcard '*' cannot be used in the 'Access-Control-Allow-Origin' header when the credentials flag is true."
                ),
                reason: { _ in .wildcardOriginNotAllowed(preflight: true) },
                preflight: true
            ),
            Wording(
                template: MessageTemplate(
                    "A wildcard '*' cannot be used in the 'Access-Control-Allow-Origin' header when the credentials flag is true."
                ),
                reason: { _ in .wildcardOriginNotAllowed(preflight: false) },
                preflight: false
            ),
            Wording(
                template: MessageTemplate(
                    preflightPrefix + "Credentials flag is 'true', but the 'Access-Control-Allow-Credentials' header is '\(hole)'."
                ),
                reason: { .invalidAllowCredentials($0, preflight: true) },
                preflight: true
            ),
            Wording(
                template: MessageTemplate("Credentials flag is 'true', but the 'Access-Control-Allow-Credentials' header is '\(hole)'."),
                reason: { .invalidAllowCredentials($0, preflight: false) },
                preflight: false
            ),
        ]
        return wordings
    }()

    private static func chromiumMessage(in text: Substring) -> ConsoleError? {
        for (template, redirected) in [(redirectedChromiumPrefix, true), (chromiumPrefix, false)] {
            guard let prefix = template.firstMatch(in: text) else { continue }
            let detail = text[prefix.range.upperBound...]
            guard let (wording, end, value) = chromiumDetail(atStartOf: detail) else { return nil }
            let values = prefix.values.map(String.init)
            return ConsoleError(
                browser: .chromium,
                failure: .blocked(wording.reason(value)),
                url: values[1],
                origin: redirected ? values[3] : values[2],
                redirectedFrom: redirected ? values[2] : nil,
                initiator: values[0],
                preflight: wording.preflight,
                lines: [String(text[prefix.range.lowerBound..<end])]
            )
        }
        if let prefix = oldChromiumPrefix.firstMatch(in: text) {
            let detail = text[prefix.range.upperBound...]
            guard let (wording, end, value) = chromiumDetail(atStartOf: detail) else { return nil }
            let rest = text[end...].prefix { $0 != "\n" }
            let origin = oldChromiumOrigin.firstMatch(in: rest).map { String($0.values[0]) }
            return ConsoleError(
                browser: .chromium,
                failure: .blocked(wording.reason(value)),
                url: String(prefix.values[0]),
                origin: origin,
                preflight: wording.preflight,
                lines: [String(text[prefix.range.lowerBound..<rest.endIndex])]
            )
        }
        return nil
    }

    private static func chromiumDetail(atStartOf detail: Substring) -> (Wording, String.Index, String)? {
        for wording in chromiumWordings {
            if let match = wording.template.prefixMatch(of: detail) {
                return (wording, match.end, match.values.first.map(String.init) ?? "")
            }
        }
        return nil
    }

    // MARK: Firefox

    private static let firefoxLine = MessageTemplate(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at \(hole). (Reason: "
    )
    private static let firefoxStatus = MessageTemplate("Status code: \(hole).")

    /// One way Firefox words a reason.
    struct FirefoxWording: Sendable {
        let template: MessageTemplate
        let failure: @Sendable (String, Bool?) -> ConsoleError.Failure
        /// Whether the reason itself says it was the preflight.
        let preflight: Bool?
    }

    static let firefoxWordings: [FirefoxWording] = {
        var wordings: [FirefoxWording] = []
        // A mismatch first: Firefox words an invalid value the same way.
        let either: [@Sendable (String, Bool) -> CORSBlockReason] = [
            { _, p in .missingAllowOriginHeader(preflight: p) }, { _, p in .wildcardOriginNotAllowed(preflight: p) },
            { v, p in .multipleAllowOriginValues(v, preflight: p) }, { v, p in .allowOriginMismatch(v, preflight: p) },
            { v, p in .invalidAllowCredentials(v, preflight: p) },
        ]
        for make in either {
            wordings.append(
                FirefoxWording(
                    template: MessageTemplate(make(hole, false).firefoxReason),
                    failure: { .blocked(make($0, $1 ?? false)) },
                    preflight: nil
                )
            )
        }
        let preflightOnly: [@Sendable (String) -> CORSBlockReason] = [
            { _ in .preflightInvalidStatus(0) }, { _ in .preflightDisallowedRedirect },
            { .invalidAllowMethodsPreflightResponse($0) }, { .invalidAllowHeadersPreflightResponse($0) },
            { .methodDisallowedByPreflightResponse($0) }, { .headerDisallowedByPreflightResponse($0) },
        ]
        for make in preflightOnly {
            wordings.append(
                FirefoxWording(
                    template: MessageTemplate(make(hole).firefoxReason.withStraightQuotes),
                    failure: { value, _ in .blocked(make(value)) },
                    preflight: true
                )
            )
        }
        wordings += [
            // Older releases, and the reasons the engine never gives.
            FirefoxWording(
                template: MessageTemplate("missing token '\(hole)' in CORS header 'Access-Control-Allow-Headers' from CORS preflight channel"),
                failure: { value, _ in .blocked(.headerDisallowedByPreflightResponse(value)) },
                preflight: true
            ),
            FirefoxWording(
                template: MessageTemplate("CORS preflight channel did not succeed"),
                failure: { _, _ in .blocked(.preflightInvalidStatus(0)) },
                preflight: true
            ),
            FirefoxWording(template: MessageTemplate("CORS request not HTTP"), failure: { _, _ in .schemeNotHTTP }, preflight: nil),
            FirefoxWording(template: MessageTemplate("CORS disabled"), failure: { _, _ in .corsDisabled }, preflight: nil),
            FirefoxWording(template: MessageTemplate("CORS request did not succeed"), failure: { _, _ in .didNotSucceed }, preflight: nil),
        ]
        return wordings.map {
            FirefoxWording(
                template: MessageTemplate(String($0.template.literals.joined(separator: hole)).withStraightQuotes),
                failure: $0.failure,
                preflight: $0.preflight
            )
        }
    }()

    /// The wording that matches all of `reason`, and its hole's value.
    private static func firefoxWording(for reason: Substring) -> (FirefoxWording, String)? {
        for wording in firefoxWordings {
            if let match = wording.template.prefixMatch(of: reason), match.end == reason.endIndex {
                return (wording, match.values.first.map(String.init) ?? "")
            }
        }
        return nil
    }

    /// Firefox's lines: the first with a reason other than "did not succeed" decides; a "did not
    /// succeed" line after it means the failure interrupted the request (a preflight, or a redirect).
    private static func firefoxMessage(in text: Substring) -> ConsoleError? {
        var lines: [(line: Substring, url: String, reason: Substring, status: Int?)] = []
        var rest = text
        while let match = firefoxLine.firstMatch(in: rest) {
            let line = rest[match.range.upperBound...].prefix { $0 != "\n" }
            // The reason runs to the ')' before "Status code", or to the line's last ')' (a token
            // Firefox quotes may hold one).
            guard let close = line.ranges(of: "). Status code: ").last?.lowerBound ?? line.lastIndex(of: ")") else {
                rest = text[line.endIndex...]
                continue
            }
            let reason = line[..<close]
            let after = line[line.index(after: close)...]
            let status = firefoxStatus.firstMatch(in: after).flatMap { Int($0.values[0]) }
            var url = match.values[0]
            if url.hasPrefix("'"), url.hasSuffix("'"), url.count >= 2 { url = url.dropFirst().dropLast() }
            lines.append((text[match.range.lowerBound..<after.endIndex], String(url), reason, status))
            rest = text[after.endIndex...]
        }
        guard !lines.isEmpty else { return nil }
        let main =
            lines.firstIndex { firefoxWording(for: $0.reason).map { $0.0.template.literals[0] != "CORS request did not succeed" } ?? false } ?? 0
        guard let (wording, value) = firefoxWording(for: lines[main].reason) else { return nil }
        // A "did not succeed" line after the failure means it interrupted the request: the
        // preflight, unless the failing answer was itself a redirect being followed.
        let interrupted = lines[(main + 1)...].contains { $0.reason == "CORS request did not succeed" }
        let redirect = lines[main].status.map { (300..<400).contains($0) } ?? false
        let preflight: Bool? = wording.preflight ?? (interrupted ? !redirect : nil)
        return ConsoleError(
            browser: .firefox,
            failure: wording.failure(value, preflight),
            url: lines[main].url,
            preflight: preflight,
            status: lines[main].status,
            lines: lines.map { String($0.line) }
        )
    }

    // MARK: The reason alone

    /// A reason pasted without the browser's opening words: Chromium's detail or Firefox's reason.
    private static func bareReason(in text: Substring) -> ConsoleError? {
        var best: (start: String.Index, error: ConsoleError)?
        for wording in chromiumWordings {
            if let match = wording.template.firstMatch(in: text), best.map({ match.range.lowerBound < $0.start }) ?? true {
                let error = ConsoleError(
                    browser: .chromium,
                    failure: .blocked(wording.reason(match.values.first.map(String.init) ?? "")),
                    preflight: wording.preflight,
                    lines: [String(text[match.range])]
                )
                best = (match.range.lowerBound, error)
            }
        }
        for wording in firefoxWordings {
            if let match = wording.template.firstMatch(in: text), best.map({ match.range.lowerBound < $0.start }) ?? true {
                let value = match.values.first.map(String.init) ?? ""
                let error = ConsoleError(
                    browser: .firefox,
                    failure: wording.failure(value, wording.preflight),
                    preflight: wording.preflight,
                    lines: [String(text[match.range])]
                )
                best = (match.range.lowerBound, error)
            }
        }
        return best?.error
    }

    // MARK: fetch()'s TypeErrors

    static let typeErrors: [(make: @Sendable (String) -> FetchTypeError, chromium: MessageTemplate, firefox: MessageTemplate)] = {
        let makes: [@Sendable (String) -> FetchTypeError] = [
            { .forbiddenMethod($0) }, { .invalidMethod($0) }, { .invalidHeaderName($0) }, { .invalidHeaderValue($0) },
            { _ in .bodyWithGetOrHead }, { .credentialsInURL($0) }, { .methodUnsupportedInNoCORS($0) }, { .invalidURL($0) },
            { .onlyIfCachedOutsideSameOrigin($0) },
        ]
        return makes.map { make in
            (make, MessageTemplate(make(hole).message.withStraightQuotes), MessageTemplate(make(hole).firefoxMessage.withStraightQuotes))
        }
    }()

    private static func typeErrorMessage(in text: Substring) -> ConsoleError? {
        for (make, chromium, firefox) in typeErrors {
            for (browser, template) in [(BrowserProfile.Name.chromium, chromium), (.firefox, firefox)] {
                if let match = template.firstMatch(in: text) {
                    let value = match.values.first.map(String.init) ?? ""
                    return ConsoleError(browser: browser, failure: .typeError(make(value)), lines: [String(text[match.range])])
                }
            }
        }
        return nil
    }

    // MARK: Not CORS

    private static func notCORS(_ text: Substring) -> NotACORSMessage {
        let lowered = Substring(text.lowercased())
        // Found by bytes: the standard `contains` builds a searcher on every call.
        func says(_ words: String) -> Bool { lowered.firstRange(ofText: words) != nil }
        if says("mixed content") || says("mixed active content") { return .mixedContent }
        if says("content security policy") || says("content-security-policy") { return .contentSecurityPolicy }
        if says("address space") || says("private-network") || says("private network")
            || says("local network")
        {
            return .localNetworkAccess
        }
        if let range = text.firstRange(ofText: "net::ERR_") {
            let code = text[range.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
            if code != "net::ERR_FAILED" { return .networkError(String(code)) }
        }
        if says("failed to fetch") || says("networkerror when attempting to fetch")
            || says("net::err_failed") || says("load failed")
        {
            return .scriptErrorOnly
        }
        return .unrecognized
    }
}
