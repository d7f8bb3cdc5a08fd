import CORS
import HTTPTypes

/// Test servers, each configured with one misconfiguration as found in the wild, for the site
/// https://www.target.test (whose own origin every one of them trusts).
enum Misconfiguration {
    static let site = "https://www.target.test"

    /// Trusts the Origin when `trusts` says so: echoes it (with credentials when asked), answers
    /// preflights with fixed lists, and always says `Vary: Origin` unless `vary` is false.
    static func trusting(credentials: Bool = true, vary: Bool = true, _ trusts: @escaping @Sendable (String) -> Bool) -> ServerBehaviour {
        { request in
            var headers: [(String, String)] = vary ? [("Vary", "Origin")] : []
            guard let origin = request.origin, origin == site || trusts(origin) else {
                return request.isPreflight ? ServerAnswer(status: 403, headers: headers, body: "") : ServerAnswer(headers: headers)
            }
            headers.append(("Access-Control-Allow-Origin", origin))
            if credentials { headers.append(("Access-Control-Allow-Credentials", "true")) }
            if request.isPreflight {
                headers += [("Access-Control-Allow-Methods", "GET, POST, PUT"), ("Access-Control-Allow-Headers", "Content-Type")]
                return ServerAnswer(status: 204, headers: headers, body: "")
            }
            return ServerAnswer(headers: headers)
        }
    }

    static let reflectsAnyOrigin = trusting { _ in true }
    static let reflectsWithoutCredentials = trusting(credentials: false) { _ in true }
    static let trustsNull = trusting { $0 == "null" }
    /// `origin.startsWith("https://www.target.test")`
    static let prefixMatch = trusting { $0.hasPrefix(site) }
    /// `origin.endsWith("target.test")`
    static let suffixMatch = trusting { $0.hasSuffix("target.test") }
    /// `origin.contains("target.test")`
    static let substringMatch = trusting { $0.contains("target.test") }
    /// `/^https:\/\/www.target.test$/`: the dots left unescaped.
    static let unescapedDot = trusting { $0.wholeMatch(of: try! Regex("https://www.target.test")) != nil }
    /// `https` and a host that is, or ends with `.`, the domain.
    static let anySubdomain = trusting { origin in
        guard origin.hasPrefix("https://") else { return false }
        let host = origin.dropFirst("https://".count)
        return host == "target.test" || host.hasSuffix(".target.test")
    }
    /// Both schemes of the site's host.
    static let insecureOrigin = trusting { $0 == "http://www.target.test" }
    /// `/^https:\/\/www\.target\.test([^a-z0-9.-].*)?$/`: anything but a hostname character is
    /// taken for the end of the host.
    static let specialCharacters = trusting { $0.wholeMatch(of: try! Regex(#"https://www\.target\.test([^a-z0-9.\-].*)?"#)) != nil }
    /// The site and `null`, and any prefix: two holes at once.
    static let nullAndPrefix = trusting { $0 == "null" || $0.hasPrefix(site) }
    /// The exact site only, but no Vary anywhere.
    static let missingVary = trusting(vary: false) { _ in false }

    /// `*` on everything, as for public data.
    static let wildcard: ServerBehaviour = { _ in ServerAnswer(headers: [("Access-Control-Allow-Origin", "*")]) }
    /// `*` with credentials, which browsers refuse.
    static let wildcardWithCredentials: ServerBehaviour = { _ in
        ServerAnswer(headers: [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")])
    }
    /// `*` with credentials configured, turned into reflection when an Origin comes (as some frameworks do).
    static let wildcardTurnedIntoReflection: ServerBehaviour = { request in
        let origin = request.origin ?? "*"
        return ServerAnswer(headers: [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")])
    }
    /// Access-Control-Allow-Origin written as `value` lines, whatever the Origin.
    static func invalidAllowOrigin(_ values: [String]) -> ServerBehaviour {
        { _ in ServerAnswer(headers: values.map { ("Access-Control-Allow-Origin", $0) }) }
    }
    /// The site only; but the preflight grants whatever it is asked for.
    static let preflightReflection: ServerBehaviour = { request in
        guard request.origin == site else { return ServerAnswer(status: request.isPreflight ? 403 : 200, headers: [("Vary", "Origin")]) }
        var headers: [(String, String)] = [("Access-Control-Allow-Origin", site), ("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")]
        if request.isPreflight {
            if let method = request.value("Access-Control-Request-Method") { headers.append(("Access-Control-Allow-Methods", method)) }
            if let names = request.value("Access-Control-Request-Headers") { headers.append(("Access-Control-Allow-Headers", names)) }
            return ServerAnswer(status: 204, headers: headers, body: "")
        }
        return ServerAnswer(headers: headers)
    }
    /// No CORS headers at all.
    static let noCORS: ServerBehaviour = { _ in ServerAnswer() }

    /// swift-cors' own responder under `policy`: preflights answered from it, other requests
    /// decorated by it.
    static func swiftCORS(_ policy: CORSPolicy) throws -> ServerBehaviour {
        let responder = try CORSResponder(policy: policy)
        return { request in
            var fields = HTTPFields()
            for (name, value) in request.headers {
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            let head = HTTPRequest(
                method: HTTPRequest.Method(request.method) ?? .get,
                scheme: "http",
                authority: "127.0.0.1",
                path: "/account",
                headerFields: fields
            )
            guard let decision = responder.decideSynchronously(head) else { return ServerAnswer(status: 500) }
            if decision.answersWithoutApplication {
                let response = decision.preflightResponse()
                return ServerAnswer(status: response.status.code, headers: response.headerFields.map { ($0.name.canonicalName, $0.value) }, body: "")
            }
            var answer = HTTPFields([HTTPField(name: .contentType, value: "application/json")])
            decision.apply(to: &answer)
            return ServerAnswer(headers: answer.map { ($0.name.canonicalName, $0.value) })
        }
    }

    /// A strict policy for the site: one exact origin, credentials, a method and a header.
    static let strictPolicy = CORSPolicy(
        allowOrigins: [site],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["Content-Type"],
        exposeHeaders: ["X-Request-Id"],
        allowCredentials: true,
        maxAge: 600
    )
}
