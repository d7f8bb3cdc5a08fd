import CORS
import FuzzSupport
import HTTPTypes

/// `CORSRequestHead` gathered from arbitrary header fields, two ways: from an `HTTPRequest`
/// (canonical names) and line by line with `record(name:value:)` (names as sent, any case, any
/// bytes). Both must equal the plain definition (the last Origin and whether there were several;
/// on OPTIONS the last Access-Control-Request-Method and whether there were several, and every
/// Access-Control-Request-Headers line joined with `,`), and decide alike. Each decision's
/// outputs must agree with each other: the string pairs with the fields, `apply(to:)` with
/// `accessControlFields`, one Access-Control-Allow-Origin on an allowed response, the
/// application's own fields kept on a refused one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        check(&input)
    }
}

let names = [
    "Origin", "origin", "ORIGIN", "OrIgIn", "Access-Control-Request-Method", "access-control-request-method",
    "Access-Control-Request-Headers", "ACCESS-CONTROL-REQUEST-HEADERS", "Accept", "Orign", "X-Origin", "Origin2",
    "access-control-request-methods", "Access-Control-Request-Header", "Vary", "Referer", "Content-Type",
]
let values = [
    "https://app.test", "https://a.tenant.test", "https://tenant.test", "http://localhost:3000", "null", "https://evil.test",
    "PUT", "GET", "put", "DELETE", "x-a", "x-a,content-type", "authorization", "", " ", "https://app.test ",
]
let methods: [HTTPRequest.Method] = [.options, .get, .post, .put, HTTPRequest.Method("options")!, .delete]
let responders = [
    // Exact origins only: an unlisted origin is refused unscanned.
    CORSPolicy(
        allowOrigins: ["https://app.test", "http://localhost:3000"],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["X-A", "Content-Type"]
    ),
    // Patterns and credentials: every origin is scanned.
    CORSPolicy(
        allowOrigins: ["https://app.test", "https://*.tenant.test", "http://localhost:*"],
        allowMethods: ["PUT"],
        allowHeaders: ["x-a", "Authorization"],
        exposeHeaders: ["X-Request-Id"],
        allowCredentials: true,
        maxAge: 600
    ),
    // Any origin: responses do not vary on it.
    CORSPolicy(allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"], exposeHeaders: ["*"], preflightPassthrough: true),
    // Null opted into.
    CORSPolicy(allowOrigins: ["null", "https://app.test"], allowMethods: ["PUT"], preflightStatus: 200, dangerouslyAllowNullOrigin: true),
].map { try! CORSResponder(policy: $0) }

struct Gathered: Equatable {
    var origin: String?
    var duplicateOrigin = false
    var method: String?
    var duplicateMethod = false
    var headers: String?

    init(_ head: CORSRequestHead) {
        origin = head.origin
        duplicateOrigin = head.hasDuplicateOrigin
        method = head.requestMethod
        duplicateMethod = head.hasDuplicateRequestMethod
        headers = head.requestHeaders
    }

    /// The plain definition, names compared after ASCII lowercasing.
    init(isOptions: Bool, _ pairs: [(String, String)]) {
        func lower(_ name: String) -> String {
            String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        }
        for (name, value) in pairs {
            switch lower(name) {
            case "origin":
                if origin != nil { duplicateOrigin = true }
                origin = value
            case "access-control-request-method" where isOptions:
                if method != nil { duplicateMethod = true }
                method = value
            case "access-control-request-headers" where isOptions:
                headers = headers.map { $0 + "," + value } ?? value
            default: break
            }
        }
    }
}

func pairs(_ fields: some Sequence<HTTPField>) -> [String] { fields.map { "\($0.name.rawName): \($0.value)" } }

func check(_ input: inout FuzzInput) {
    let method = input.pick(methods)
    let responder = input.pick(responders)
    var sent: [(String, String)] = []
    for _ in 0..<input.int(in: 0...8) {
        let name = input.byte() < 224 ? input.pick(names) : input.string(maximum: 32)
        let value = input.byte() < 160 ? input.pick(values) : input.string(maximum: 48)
        sent.append((name, value))
    }
    let isOptions = method == .options

    // Line by line, names as sent.
    let recorded = Messages.head(isOptions: isOptions, sent)
    require(recorded.isOptions == isOptions, "isOptions")
    require(Gathered(recorded) == Gathered(isOptions: isOptions, sent), "record(name:value:) over \(sent) gathered \(Gathered(recorded))")

    // From an HTTPRequest: only valid names become fields, and values as HTTPFields keeps them.
    let fields = Messages.fields(sent)
    let request = Messages.request(method: method, fields)
    let fromRequest = CORSRequestHead(request)
    let stored = fields.map { ($0.name.rawName, $0.value) }
    require(fromRequest.isOptions == isOptions, "isOptions from the request")
    require(
        Gathered(fromRequest) == Gathered(isOptions: isOptions, stored),
        "CORSRequestHead(request) over \(stored) gathered \(Gathered(fromRequest))"
    )

    // Deciding from the request, from the gathered head, and from the head recorded line by line
    // over the same fields gives the same answer.
    let fromFields = Messages.head(isOptions: isOptions, stored)
    let decision = responder.decideSynchronously(request)!
    let again = responder.decideSynchronously(fromRequest)!
    let recordedAgain = responder.decideSynchronously(fromFields)!
    require(
        decision.outcome == again.outcome && decision.outcome == recordedAgain.outcome,
        "the same request decided \(decision.outcome), \(again.outcome), \(recordedAgain.outcome)"
    )
    require(
        decision.rejection == recordedAgain.rejection,
        "rejections differ: \(String(describing: decision.rejection)) and \(String(describing: recordedAgain.rejection))"
    )
    checkOutputs(decision, responder: responder, origin: fromRequest.origin, &input)
    _ = responder.decideSynchronously(recorded)!.explanation
}

func checkOutputs(_ decision: CORSDecision, responder: CORSResponder, origin: String?, _ input: inout FuzzInput) {
    let fieldPairs = pairs(decision.accessControlFields)
    require(
        decision.accessControlPairs.map { "\($0.0): \($0.1)" } == fieldPairs,
        "accessControlPairs \(decision.accessControlPairs) and accessControlFields \(fieldPairs) differ"
    )
    require(
        decision.preflightAnswerPairs.map { "\($0.0): \($0.1)" } == pairs(decision.preflightAnswerFields),
        "preflightAnswerPairs and preflightAnswerFields differ"
    )
    require(
        decision.varyPair.map { "\($0.0): \($0.1)" } == decision.varyField.map { "\($0.name.rawName): \($0.value)" },
        "varyPair and varyField differ"
    )
    require(decision.preflightResponse().headerFields == decision.preflightAnswerFields, "preflightResponse's fields")

    // The application's response: a few fields, perhaps its own Vary and Access-Control-*.
    var application: [(String, String)] = [("Content-Type", "text/plain")]
    let extras = input.byte()
    if extras & 1 != 0 { application.append(("Vary", input.bool() ? "Accept-Encoding" : "origin")) }
    if extras & 2 != 0 { application.append(("Access-Control-Allow-Origin", "*")) }
    if extras & 4 != 0 { application.append(("X-Request-Id", "7")) }
    if extras & 8 != 0 { application.append(("Access-Control-Expose-Headers", "X-Other")) }
    var response = Messages.fields(application)
    let original = response
    decision.apply(to: &response)
    let allowOrigin = response[values: .accessControlAllowOrigin]
    switch decision.outcome {
    case .actualAllowed, .preflightAllowed:
        require(allowOrigin.count == 1, "an allowed response has Access-Control-Allow-Origin \(allowOrigin)")
        require(
            allowOrigin[0] == "*" || allowOrigin[0] == origin,
            "Access-Control-Allow-Origin \(allowOrigin[0]) for Origin \(String(describing: origin))"
        )
        // What apply(to:) added, Vary aside, is accessControlFields.
        let added = response.filter { $0.name.canonicalName.hasPrefix("access-control-") }
        require(pairs(added).sorted() == fieldPairs.sorted(), "apply added \(pairs(added)), accessControlFields is \(fieldPairs)")
    case .notCORS, .actualRejected, .preflightRejected:
        let kept = response.filter { $0.name != .vary }
        require(Array(kept) == Array(original.filter { $0.name != .vary }), "a refused response changed beyond Vary: \(pairs(response))")
    }
    // Vary names every name the decision varies on, once.
    let vary = response[values: .vary].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: " ").lowercased() }
    for name in decision.varyNames {
        require(vary.filter { $0 == name.canonicalName }.count == 1, "Vary \(vary) for \(decision.varyNames)")
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzRequestHead) }
}
