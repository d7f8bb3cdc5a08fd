import CORS
import CORSBrowser
import FuzzSupport
import HTTPTypes

/// The browser side's parsers on any header values, each against its plain definition:
/// - Access-Control-Allow-Methods and -Allow-Headers (through `CORSPreflight.validate`): a
///   comma-separated token list, HTTP whitespace trimmed, empty items skipped; a list that is
///   not one blocks the preflight, otherwise the grant holds exactly its items and allows the
///   method and the unsafe headers exactly as Fetch §4.8 says (`*` only without credentials);
/// - Access-Control-Expose-Headers (through `ReadableResponseHeaders`): a script reads a field
///   when it is safelisted, listed, or `*` is listed without credentials; never Set-Cookie; once;
/// - Access-Control-Max-Age: absent is none; digits are that many seconds (too many, the most);
///   anything else the browser's default for an unparsable value; never negative; the cache's
///   lifetime of a grant is between 0 and the browser's cap;
/// - the MIME type of Content-Type (through `CORSSafelist.isSafelisted`): safelisted exactly when
///   at most 128 bytes without a CORS-unsafe byte whose essence is one of the three;
/// - the client hints Chromium safelists: numbers for DPR, Device-Memory and Downlink, whole
///   numbers for Width, Viewport-Width and RTT, `on` for Save-Data, a connection type for ECT;
///   never in Firefox;
/// - Access-Control-Allow-Origin and -Credentials (`CORSAccessCheck`): readable exactly when the
///   values, joined, are `*` without credentials, or the page's origin and (with credentials)
///   Allow-Credentials is exactly `true`; Firefox also refuses several lines.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBrowserLists(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        let browser = input.bool() ? BrowserProfile.chromium : .firefox
        switch input.byte() % 7 {
        case 0: checkAllowList(methods: true, browser, &input)
        case 1: checkAllowList(methods: false, browser, &input)
        case 2: checkExposeHeaders(&input)
        case 3: checkMaxAge(browser, &input)
        case 4: checkContentType(browser, &input)
        case 5: checkClientHint(browser, &input)
        default: checkAccess(browser, &input)
        }
    }
}

let tokens = ["PUT", "put", "GET", "x-a", "X-A", "*", "Authorization", "content-type", "", " ", "\t", ",", "a b", "é", "(", "X-Request-Id"]

/// One to three header lines: pieces from `tokens` joined by commas, or raw bytes.
func lines(_ input: inout FuzzInput) -> [String] {
    (0..<input.int(in: 1...3)).map { _ in
        if input.bool() { return input.string(maximum: 40) }
        return (0..<input.int(in: 0...5)).map { _ in input.pick(tokens) }.joined(separator: input.pick([",", ", ", " ,", ""]))
    }
}

func append(_ name: HTTPField.Name, _ values: [String], to fields: inout HTTPFields) {
    for value in values { fields.append(HTTPField(name: name, value: value)) }
}

func checkAllowList(methods: Bool, _ browser: BrowserProfile, _ input: inout FuzzInput) {
    let credentials: CredentialsMode = input.bool() ? .include : .omit
    let origin = "https://app.test"
    var fields = HTTPFields()
    if credentials == .include {
        fields[.accessControlAllowOrigin] = origin
        fields[.accessControlAllowCredentials] = "true"
    } else {
        fields[.accessControlAllowOrigin] = "*"
    }
    append(methods ? .accessControlAllowMethods : .accessControlAllowHeaders, lines(&input), to: &fields)
    let methodsValue = fields[values: .accessControlAllowMethods].joined(separator: ",")
    let headersValue = fields[values: .accessControlAllowHeaders].joined(separator: ",")
    let methodList = Reference.tokenList(methodsValue)
    let headerList = Reference.tokenList(headersValue)
    let listed = (methods ? methodList : headerList) ?? []
    let method = methods ? (listed.isEmpty || input.bool() ? input.pick(["PUT", "GET", "put", "PATCH", "POST"]) : input.pick(listed)) : "GET"
    var headers: [(name: String, value: String)] = []
    if !methods {
        for _ in 0..<input.int(in: 0...3) {
            let name = listed.isEmpty || input.bool() ? input.pick(["X-A", "authorization", "Content-Type", "Accept", "x-b"]) : input.pick(listed)
            if HTTPField.Name(name) != nil { headers.append((name, input.pick(["1", "application/json", "text/plain"]))) }
        }
    }
    let result = CORSPreflight.validate(
        status: 204,
        fields: fields,
        origin: origin,
        method: method,
        headers: headers,
        credentials: credentials,
        browser: browser
    )
    let context = "methods \(methodsValue.debugDescription), headers \(headersValue.debugDescription), \(method) \(headers) \(credentials)"
    guard let methodList else {
        require(result == .failure(.invalidAllowMethodsPreflightResponse(methodsValue)), "\(context): \(result)")
        return
    }
    guard let headerList else {
        require(result == .failure(.invalidAllowHeadersPreflightResponse(headersValue)), "\(context): \(result)")
        return
    }
    let wildcard = credentials != .include
    let methodAllowed = ["GET", "HEAD", "POST"].contains(method) || methodList.contains(method) || (wildcard && methodList.contains("*"))
    if !methodAllowed {
        require(result == .failure(.methodDisallowedByPreflightResponse(method)), "\(context): \(result)")
        return
    }
    for name in CORSSafelist.unsafeNames(headers, browser: browser) {
        let allowed = headerList.contains { $0.lowercased() == name.lowercased() } || (wildcard && headerList.contains("*"))
        if !allowed {
            require(result == .failure(.headerDisallowedByPreflightResponse(name)), "\(context): \(result)")
            return
        }
    }
    guard case .success(let grant) = result else { disagreement("\(context): \(result)") }
    require(grant.methods == methodList && grant.headerNames == headerList, "\(context): granted \(grant)")
}

func checkExposeHeaders(_ input: inout FuzzInput) {
    let credentials: CredentialsMode = input.pick(CredentialsMode.allCases)
    var fields = HTTPFields()
    append(.accessControlExposeHeaders, lines(&input), to: &fields)
    let present = [
        "Content-Type", "X-A", "x-a", "Set-Cookie", "X-Request-Id", "Authorization", "Cache-Control", "Content-Length", "set-cookie2", "PUT",
    ]
    for _ in 0..<input.int(in: 0...6) {
        fields.append(HTTPField(name: HTTPField.Name(input.pick(present))!, value: "v"))
    }
    let names = ReadableResponseHeaders.names(of: fields, credentials: credentials)
    let exposed = Set((Reference.tokenList(fields[values: .accessControlExposeHeaders].joined(separator: ",")) ?? []).map { $0.lowercased() })
    let all = exposed.contains("*") && credentials != .include
    let safelisted: Set<String> = ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"]
    var expected: [String] = []
    for field in fields {
        let name = field.name.canonicalName
        if name == "set-cookie" || name == "set-cookie2" || expected.contains(name) { continue }
        if all || safelisted.contains(name) || exposed.contains(name) { expected.append(name) }
    }
    require(names == expected, "readable \(names), expected \(expected) from \(fields) \(credentials)")
}

func checkMaxAge(_ browser: BrowserProfile, _ input: inout FuzzInput) {
    var fields: HTTPFields = [.accessControlAllowOrigin: "*"]
    var values: [String] = []
    for _ in 0..<input.int(in: 0...2) {
        values.append(
            input.bool()
                ? input.string(maximum: 24)
                : input.pick([
                    "0", "5", "600", "-1", "-", "", "7200", "86401", "99999999999999999999999", "-99999999999999999999", "1.5", " 5", "+5", "05",
                ])
        )
    }
    append(.accessControlMaxAge, values, to: &fields)
    let stored = fields[values: .accessControlMaxAge]
    guard
        case .success(let grant) = CORSPreflight.validate(
            status: 200,
            fields: fields,
            origin: "https://app.test",
            method: "GET",
            headers: [],
            credentials: .omit,
            browser: browser
        )
    else { disagreement("a preflight answered * refused") }
    let expected: Int?
    if stored.isEmpty {
        expected = nil
    } else if stored.count == 1, let text = stored.first, !text.isEmpty, text.utf8.allSatisfy(StrictDigits.isDigit) {
        expected = Int(text) ?? Int.max
    } else if stored.count == 1, let text = stored.first, text.hasPrefix("-"), text.utf8.dropFirst().allSatisfy(StrictDigits.isDigit) {
        expected = 0
    } else {
        expected = browser.unparsableMaxAgeSeconds
    }
    require(
        grant.maxAge == expected,
        "Max-Age \(stored) read as \(String(describing: grant.maxAge)), expected \(String(describing: expected)) (\(browser))"
    )
    let lifetime = PreflightCache(browser: browser).lifetime(of: grant)
    require(lifetime >= 0 && lifetime <= browser.maxAgeCap, "lifetime \(lifetime) of Max-Age \(stored)")
}

enum StrictDigits {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}

func checkContentType(_ browser: BrowserProfile, _ input: inout FuzzInput) {
    let value: String
    if input.bool() {
        value = input.string(maximum: 160)
    } else {
        let type = input.pick(["text", "TEXT", "application", "multipart", "text ", " text", "", "te(t"])
        let subtype = input.pick(["plain", "Plain", "x-www-form-urlencoded", "form-data", "json", "plain ", " plain", "", "plain/x"])
        let parameters = input.pick(["", ";charset=utf-8", "; charset=\"x\"", ";", ";;a=b", " ;x", ";\u{7F}"])
        value = (input.bool() ? " " : "") + type + "/" + subtype + parameters + (input.bool() ? "\t" : "")
    }
    let safelisted = CORSSafelist.isSafelisted(name: "Content-Type", value: value, browser: browser)
    let expected = Reference.isSafelistedContentType(value)
    require(safelisted == expected, "Content-Type \(value.debugDescription) safelisted \(safelisted), expected \(expected)")
    require(CORSSafelist.isSafelisted(name: "content-type", value: value, browser: browser) == safelisted, "the name's case changed the verdict")
}

func checkAccess(_ browser: BrowserProfile, _ input: inout FuzzInput) {
    let origin = input.bool() ? input.pick(["https://app.test", "null", "http://localhost:3000"]) : input.origin()
    let credentials = input.pick(CredentialsMode.allCases)
    let preflight = input.bool()
    var fields = HTTPFields()
    let acao = (0..<input.int(in: 0...2)).map { _ in
        input.bool()
            ? input.pick([origin, "*", "null", origin + " ", "https://app.test, https://b.test", "", origin.uppercased()]) : input.string(maximum: 32)
    }
    append(.accessControlAllowOrigin, acao, to: &fields)
    let acac = (0..<input.int(in: 0...2)).map { _ in input.pick(["true", "True", "TRUE", "false", "", "true ", "1"]) }
    append(.accessControlAllowCredentials, acac, to: &fields)
    let reason = CORSAccessCheck.check(fields, origin: origin, credentials: credentials, preflight: preflight, browser: browser)

    let values = fields[values: .accessControlAllowOrigin]
    let joined = values.joined(separator: ", ")
    let include = credentials == .include
    let readable: Bool
    if values.isEmpty || (browser.severalAllowOriginValuesNeedSeveralLines && values.count > 1) {
        readable = false
    } else if joined == "*" {
        readable = !include
    } else {
        readable = joined == origin && (!include || fields[values: .accessControlAllowCredentials].joined(separator: ", ") == "true")
    }
    require(
        (reason == nil) == readable,
        "Allow-Origin \(values), Allow-Credentials \(fields[values: .accessControlAllowCredentials]) for \(origin.debugDescription) \(credentials) \(browser): \(String(describing: reason))"
    )
    if let reason {
        require(!reason.kind.isEmpty && !reason.chromiumDetail.isEmpty && !reason.firefoxReason.isEmpty, "\(reason) without words")
        _ = reason.chromiumMessage(url: "https://api.test/x", origin: origin)
        _ = reason.firefoxMessages(url: "https://api.test/x", status: 200, interrupted: false)
    }
}

func checkClientHint(_ browser: BrowserProfile, _ input: inout FuzzInput) {
    let name = input.pick(["DPR", "device-memory", "Downlink", "Width", "viewport-width", "RTT", "Save-Data", "ECT", "X-Width"])
    let value =
        input.bool() ? input.string(maximum: 12) : input.pick(["2", "2.5", "2.", ".5", "1.2.3", "300", "-1", "on", "On", "4g", "slow-2g", "5g", ""])
    let safelisted = CORSSafelist.isSafelisted(name: name, value: value, browser: browser)
    let bytes = Array(value.utf8)
    func digits(_ part: ArraySlice<UInt8>) -> Bool { !part.isEmpty && part.allSatisfy(StrictDigits.isDigit) }
    let expected: Bool
    switch browser.safelistsClientHints ? name.lowercased() : "" {
    case "dpr", "device-memory", "downlink":
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        expected = (1...2).contains(parts.count) && parts.allSatisfy(digits)
    case "width", "viewport-width", "rtt": expected = digits(bytes[...])
    case "save-data": expected = value == "on"
    case "ect": expected = ["slow-2g", "2g", "3g", "4g"].contains(value)
    default: expected = false
    }
    require(safelisted == expected, "\(name): \(value.debugDescription) safelisted \(safelisted) in \(browser)")
}

extension Reference {
    /// Fetch §2.2.2's Content-Type rule: at most 128 bytes, no CORS-unsafe request-header byte,
    /// and the essence of the MIME type one of the three. The MIME type is parsed as the MIME
    /// Sniffing Standard says (trim HTTP whitespace; the type up to `/`, token code points; the
    /// subtype up to `;`, trailing whitespace removed, token code points), except that leading
    /// whitespace is also removed from the subtype, as `MIMEType` does (see the fuzzing notes).
    static func isSafelistedContentType(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count <= 128 else { return false }
        let unsafe: Set<UInt8> = [0x22, 0x28, 0x29, 0x3A, 0x3C, 0x3E, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F]
        if bytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || unsafe.contains($0) }) { return false }
        let text = trimmed(bytes[...], isHTTPWhitespace)
        guard let slash = text.firstIndex(of: UInt8(ascii: "/")) else { return false }
        let type = text[..<slash]
        let afterSlash = text[(slash + 1)...]
        let subtype = trimmed(afterSlash[..<(afterSlash.firstIndex(of: UInt8(ascii: ";")) ?? afterSlash.endIndex)], isHTTPWhitespace)
        guard !type.isEmpty, type.allSatisfy(isTokenByte), !subtype.isEmpty, subtype.allSatisfy(isTokenByte) else { return false }
        let essence = String(decoding: type + [UInt8(ascii: "/")] + subtype, as: UTF8.self).lowercased()
        return ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"].contains(essence)
    }
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzBrowserLists) }
}
