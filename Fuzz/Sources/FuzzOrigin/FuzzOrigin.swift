import CORS
import FuzzSupport

/// Origin parsing (any bytes): `Origin.init` against the plain definition (`Reference.origin`),
/// part by part; a parsed origin reads back as itself; a policy of one origin allows exactly it;
/// a `*` policy allows exactly the well-formed origins and `null`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOrigin(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        check(String(decoding: bytes, as: UTF8.self))
    }
}

let anyOrigin = try! CORSResponder(policy: CORSPolicy(allowOrigins: ["*"]))

func check(_ text: String) {
    let parsed = Origin(text)
    let expected = Reference.origin(text)
    require(
        (parsed == nil) == (expected == nil),
        "Origin(\(text.debugDescription)) is \(parsed.map(\.serialized) ?? "nil"), the definition says \(expected.map { "\($0)" } ?? "nil")"
    )
    allowedByAnyOrigin(text, expected: parsed != nil || text == "null")
    guard let parsed, let expected else { return }
    require(parsed.serialized == text, "serialized \(parsed.serialized.debugDescription) is not the text \(text.debugDescription)")
    require(String(parsed.scheme) == expected.scheme, "scheme \(parsed.scheme) of \(text.debugDescription), expected \(expected.scheme)")
    require(String(parsed.host) == expected.host, "host \(parsed.host) of \(text.debugDescription), expected \(expected.host)")
    require(
        parsed.port == expected.port,
        "port \(String(describing: parsed.port)) of \(text.debugDescription), expected \(String(describing: expected.port))"
    )
    let rebuilt = "\(parsed.scheme)://\(parsed.host)" + (parsed.port.map { ":\($0)" } ?? "")
    require(rebuilt == text, "the parts of \(text.debugDescription) rebuild \(rebuilt.debugDescription)")
    require(Origin(rebuilt) == parsed, "\(text.debugDescription) does not read back as itself")
    let host = expected.host
    let loopback = host == "localhost" || host.hasSuffix(".localhost") || host == "[::1]" || (host.hasPrefix("127.") && expected.lastLabelNumeric)
    require(parsed.isLoopback == loopback, "isLoopback of \(text.debugDescription) is \(parsed.isLoopback)")

    // As an allowOrigins entry: an exact pattern (file: pages are refused by name), which a
    // policy of that one origin allows and nothing else near it.
    if expected.scheme == "file" { return }
    guard let pattern = try? OriginPattern(parsing: text), case .exact(let exact) = pattern, exact == parsed else {
        disagreement("\(text.debugDescription) is an origin but not an exact pattern")
    }
    let policy = CORSPolicy(allowOrigins: [text], dangerouslyAllowSubdomainsOfPublicSuffixes: true)
    guard let responder = try? CORSResponder(policy: policy) else {
        disagreement("a policy of the origin \(text.debugDescription) is refused: \(policy.validate().lines)")
    }
    require(isAllowed(responder, text), "the policy [\(text.debugDescription)] refuses it")
    for near in [text + "/", text + ".", "x" + text, text.uppercased(), String(text.dropLast())] where near != text {
        require(!isAllowed(responder, near), "the policy [\(text.debugDescription)] allows \(near.debugDescription)")
    }
}

func allowedByAnyOrigin(_ text: String, expected: Bool) {
    let allowed = isAllowed(anyOrigin, text)
    require(allowed == expected, "a * policy \(allowed ? "allows" : "refuses") Origin \(text.debugDescription)")
}

func isAllowed(_ responder: CORSResponder, _ origin: String) -> Bool {
    var head = CORSRequestHead(isOptions: false)
    head.record(name: "Origin", value: origin)
    return responder.decideSynchronously(head)?.outcome == .actualAllowed
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzOrigin) }
}
