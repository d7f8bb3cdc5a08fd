import CORS
import CORSBrowser
import FuzzSupport
import HTTPTypes

/// The responder against the browser-side engine, over generated policies and fetches: the
/// preflight a browser would send (`CORSPreflight.isNeeded` and `requestFields`) is allowed by the
/// responder exactly when its answer passes `CORSPreflight.validate`; the actual response the
/// responder decorates passes `CORSAccessCheck` exactly when the policy allows the origin, and
/// the headers the policy exposes are readable. The one deliberate difference: the responder
/// never lets `*` cover Authorization, which Chromium does (and this engine models Chromium).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponderVsBrowser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        check(&input)
    }
}

let methodPool = ["PUT", "DELETE", "PATCH", "put", "PURGE", "*", "GET", "patch", "X-Custom"]
let headerPool = ["X-A", "Content-Type", "Authorization", "*", "X-Request-Id", "accept", "X-B", "dpr"]
let exposePool = ["X-Request-Id", "X-A", "*", "Content-Type", "Set-Cookie"]
let requestMethods = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "put", "patch", "delete", "PURGE", "X-Custom", "OPTIONS"]
let requestHeaders: [(name: String, value: String)] = [
    ("X-A", "1"), ("Content-Type", "application/json"), ("Content-Type", "text/plain"), ("Authorization", "Bearer x"),
    ("Accept", "*/*"), ("X-Request-Id", "7"), ("X-B", "1"), ("Accept-Language", "en"), ("DPR", "2"), ("Range", "bytes=0-"),
    ("x-a", "2"), ("Content-Language", "(x)"),
]

func subset(_ pool: [String], _ input: inout FuzzInput) -> [String] {
    let mask = Int(input.byte()) | Int(input.byte()) << 8
    return pool.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
}

func check(_ input: inout FuzzInput) {
    let flags = input.byte()
    var origins = (0..<input.int(in: 1...4)).map { _ in input.pattern() }
    if flags & 0x01 != 0 { origins = ["*"] }
    let policy = CORSPolicy(
        allowOrigins: origins,
        allowMethods: subset(methodPool, &input),
        allowHeaders: subset(headerPool, &input),
        exposeHeaders: subset(exposePool, &input),
        allowCredentials: flags & 0x02 != 0,
        maxAge: input.pick([nil, 0, 5, 600, 7200]),
        preflightStatus: flags & 0x04 != 0 ? 200 : 204,
        preflightPassthrough: flags & 0x08 != 0,
        dangerouslyAllowNullOrigin: flags & 0x10 != 0,
        dangerouslyAllowInsecureOriginsWithCredentials: true,
        dangerouslyAllowSubdomainsOfPublicSuffixes: true
    )
    guard let responder = try? CORSResponder(policy: policy) else { return }

    // The page: an origin a browser could have (serialized, or opaque).
    var pageOrigins = ["null", "https://app.test"]
    for entry in origins where !policy.allowsAnyOrigin { pageOrigins += FuzzInput.nearMisses(of: entry) }
    let origin = input.bool() ? input.origin() : input.pick(pageOrigins)
    guard origin == "null" || Origin(origin) != nil else { return }
    // fetch() upper-cases the methods the standard normalizes.
    var method = input.pick(requestMethods)
    if FetchVocabulary.normalizedMethods.contains(method.uppercased()) { method = method.uppercased() }
    let headers = (0..<input.int(in: 0...3)).map { _ in input.pick(requestHeaders) }
    let credentials: CredentialsMode = policy.allowCredentials ? input.pick(CredentialsMode.allCases) : input.pick([.omit, .sameOrigin])
    let browser = input.bool() ? BrowserProfile.chromium : .firefox
    let originAllowed = Messages.listAllows(policy, origin)
    let context = "\(origin) \(method) \(headers) \(credentials) \(browser) under\n\(CORSPolicyFile.write(policy))"

    if CORSPreflight.isNeeded(method: method, headers: headers, browser: browser) {
        let preflight = Messages.request(
            method: .options,
            CORSPreflight.requestFields(origin: origin, method: method, headers: headers, browser: browser)
        )
        let decision = responder.decideSynchronously(preflight)!
        var status = decision.preflightStatus.code
        var fields = decision.preflightAnswerFields
        if !decision.answersWithoutApplication {
            // Passed through: the application answers 200 and the responder decorates it.
            var response = HTTPResponse(status: .ok)
            decision.apply(to: &response)
            status = response.status.code
            fields = response.headerFields
        }
        let verdict = CORSPreflight.validate(
            status: status,
            fields: fields,
            origin: origin,
            method: method,
            headers: headers,
            credentials: credentials,
            browser: browser
        )
        let serverAllowed = decision.outcome == .preflightAllowed
        let browserAllowed = (try? verdict.get()) != nil
        if serverAllowed != browserAllowed {
            // Chromium lets `*` cover Authorization; the responder never does.
            let authorizationUnderWildcard =
                !serverAllowed && decision.rejection?.reason == .headerNotAllowed
                && decision.rejection?.subject.lowercased() == "authorization" && policy.allowHeaders.contains("*")
            require(
                authorizationUnderWildcard,
                "preflight: responder \(decision.outcome) (\(decision.explanation ?? "")), browser \(verdict), for \(context)"
            )
            return
        }
        if serverAllowed { require(originAllowed, "a preflight from an unlisted origin allowed: \(context)") }
        if !browserAllowed { return }
    }

    // The actual request, and the application's response decorated.
    let requestFields = Messages.fields([("Origin", origin)] + headers.map { ($0.name, $0.value) })
    let decision = responder.decideSynchronously(Messages.request(method: HTTPRequest.Method(method)!, requestFields))!
    let extras = input.byte()
    var application: [(String, String)] = [("Content-Type", "application/json"), ("X-Request-Id", "7")]
    if extras & 1 != 0 { application.append(("X-A", "a")) }
    if extras & 2 != 0 { application.append(("Vary", "Accept-Encoding")) }
    if extras & 4 != 0 { application.append(("Set-Cookie", "a=b")) }
    let staleAllowOrigin = extras & 8 != 0 && originAllowed
    if staleAllowOrigin { application.append(("Access-Control-Allow-Origin", "https://stale.test")) }
    var response = Messages.fields(application)
    decision.apply(to: &response)
    let reason = CORSAccessCheck.check(response, origin: origin, credentials: credentials, browser: browser)
    if originAllowed {
        require(decision.outcome == .actualAllowed, "actual request refused: \(decision.explanation ?? "") for \(context)")
        require(reason == nil, "the decorated response is blocked: \(String(describing: reason)), fields \(response), for \(context)")
        let readable = ReadableResponseHeaders.names(of: response, credentials: credentials)
        for name in policy.exposeHeaders where name != "*" && response[values: HTTPField.Name(name)!].count > 0 {
            if name.lowercased() == "set-cookie" { continue }
            require(readable.contains(name.lowercased()), "\(name) exposed but not readable (\(readable)) for \(context)")
        }
        if policy.exposeHeaders == ["*"] && credentials != .include {
            require(readable.contains("x-request-id"), "* exposed but X-Request-Id not readable for \(context)")
        }
    } else {
        require(decision.outcome == .actualRejected, "actual request from an unlisted origin: \(decision.outcome) for \(context)")
        require(reason != nil, "a refused origin's response is readable: \(response) for \(context)")
    }
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzResponderVsBrowser) }
}
