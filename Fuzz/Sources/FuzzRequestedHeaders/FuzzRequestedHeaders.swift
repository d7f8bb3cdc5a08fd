import CORS
import FuzzSupport

/// Access-Control-Request-Headers (any bytes, over one or several lines, and values built to
/// cross the size bounds: 4096 bytes, 64 names, 16 empty items) against the plain definition:
/// the lines joined with `,`; over 4096 bytes too large; then item by item, each trimmed of
/// spaces and tabs: not a token is malformed, the 17th empty item is malformed, the 65th name is
/// too large, a name the policy does not list (ignoring case; `*` covers all but Authorization)
/// is refused by name. An allowed preflight answers Access-Control-Allow-Headers exactly when it
/// asked for a header.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestedHeaders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        check(&input)
    }
}

let allowSets: [[String]] = [
    [], ["*"], ["*", "Authorization"], ["X-A", "Content-Type", "X-Request-Id", "X-Tenant-Identifier", "x^y", "Accept-Version-8"],
    ["authorization", "x-a"], (0..<40).map { "X-H\($0)" },
]
let responders = allowSets.map {
    try! CORSResponder(policy: CORSPolicy(allowOrigins: ["https://app.test"], allowMethods: ["PUT"], allowHeaders: $0))
}
let pieces = [
    "x-a", "X-A", "content-type", "authorization", "Authorization", "x-request-id", "x^y", "x-h1", "X-H39", "x-h40", " ", "\t", ",", "", "a b", "é",
    "\"", "*",
]
let separators = [",", ", ", ",,", " , ", "\t,", ""]

enum Verdict: Equatable {
    case allowed(any: Bool)
    case refused(CORSRejection.Reason, subject: String?)
}

func expected(_ value: String, allowHeaders: [String]) -> Verdict {
    let bytes = Array(value.utf8)
    if bytes.count > 4096 { return .refused(.requestHeadersTooLarge, subject: nil) }
    let listed = Set(allowHeaders.filter { $0 != "*" }.map { $0.lowercased() })
    let any = allowHeaders.contains("*")
    var names = 0
    var empty = 0
    for item in Reference.commaItems(bytes) {
        let name = Reference.trimmed(item) { $0 == 0x20 || $0 == 0x09 }
        if !name.allSatisfy(Reference.isTokenByte) { return .refused(.malformedRequestHeaders, subject: nil) }
        if name.isEmpty {
            empty += 1
            if empty > 16 { return .refused(.malformedRequestHeaders, subject: nil) }
            continue
        }
        names += 1
        if names > 64 { return .refused(.requestHeadersTooLarge, subject: nil) }
        let text = String(decoding: name, as: UTF8.self)
        let lower = text.lowercased()
        if listed.contains(lower) || (any && lower != "authorization") { continue }
        return .refused(.headerNotAllowed, subject: text)
    }
    return .allowed(any: names > 0)
}

func check(_ input: inout FuzzInput) {
    let which = input.int(in: 0...(allowSets.count - 1))
    let responder = responders[which]
    var lines: [String] = []
    if input.bool() {
        // Built: a piece repeated, to cross the bounds quickly.
        for _ in 0..<input.int(in: 1...3) {
            let piece = input.byte() < 200 ? input.pick(pieces) : input.string(maximum: 16)
            let separator = input.pick(separators)
            let count = input.int(in: 0...1200)
            lines.append(Array(repeating: piece, count: count).joined(separator: separator) + (input.bool() ? separator : ""))
        }
    } else {
        lines = String(decoding: input.rest(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
    var head = CORSRequestHead(isOptions: true)
    head.record(name: "Origin", value: "https://app.test")
    head.record(name: "Access-Control-Request-Method", value: "PUT")
    for line in lines { head.record(name: "Access-Control-Request-Headers", value: line) }
    let joined = lines.joined(separator: ",")
    require(
        head.requestHeaders == (lines.isEmpty ? nil : joined),
        "the lines were gathered as \(String(describing: head.requestHeaders?.debugDescription))"
    )

    let decision = responder.decideSynchronously(head)!
    let want = lines.isEmpty ? .allowed(any: false) : expected(joined, allowHeaders: allowSets[which])
    let got: Verdict
    switch decision.outcome {
    case .preflightAllowed:
        got = .allowed(any: decision.preflightAnswerFields[.accessControlAllowHeaders] != nil)
    case .preflightRejected:
        let rejection = decision.rejection!
        got = .refused(rejection.reason, subject: rejection.reason == .headerNotAllowed ? rejection.subject : nil)
    default:
        disagreement("a preflight decided as \(decision.outcome)")
    }
    // Access-Control-Allow-Headers goes out when a header was asked for and the policy lists any.
    let adjusted: Verdict = {
        if case .allowed(let any) = want { return .allowed(any: any && !allowSets[which].isEmpty) }
        return want
    }()
    require(
        got == adjusted,
        "Access-Control-Request-Headers \(String(joined.prefix(300)).debugDescription) (\(joined.utf8.count) bytes) against \(allowSets[which]): \(got), expected \(adjusted)"
    )
    if case .refused = got { _ = decision.explanation }
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzRequestedHeaders) }
}
