import CORS
import FuzzSupport

/// The compiled origin matcher (exact table, per-scheme suffix tables, the `null` and `*` cases,
/// prebuilt fields for the first 64 exact origins) against `OriginPattern.matches`, the obvious
/// definition, over generated pattern lists and origins: generated ones, and each entry's near
/// misses. An allowed origin is echoed in Access-Control-Allow-Origin; a refused one is refused
/// as malformed exactly when it is not an origin.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOriginMatcher(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        check(&input)
    }
}

func check(_ input: inout FuzzInput) {
    let flags = input.byte()
    var entries: [String] = []
    for _ in 0..<input.int(in: 0...12) { entries.append(input.pattern()) }
    let manyOrigins = flags & 0x07 == 0x07
    if manyOrigins {
        // Past the 64 prebuilt exact origins, and many patterns sharing a suffix (one input in
        // eight: compiling them is most of the cost of an input).
        let count = 60 + input.int(in: 0...40)
        entries += (0..<count).map { "https://s\($0).example.com" }
        if flags & 0x20 != 0 { entries += (0..<20).map { "https://*.t\($0).example.org" } }
    }
    if flags & 0x04 != 0 { entries.append("null") }
    if flags & 0x08 != 0 { entries = ["*"] }
    let policy = CORSPolicy(
        allowOrigins: entries,
        allowCredentials: flags & 0x10 != 0,
        dangerouslyAllowNullOrigin: true,
        dangerouslyAllowInsecureOriginsWithCredentials: true,
        dangerouslyAllowSubdomainsOfPublicSuffixes: true
    )
    guard let responder = try? CORSResponder(policy: policy) else { return }
    let patterns = policy.allowsAnyOrigin ? [] : entries.compactMap { try? OriginPattern(parsing: $0) }

    var candidates: [String] = []
    for _ in 0..<input.int(in: 1...8) { candidates.append(input.origin()) }
    for entry in entries.prefix(16) where input.bool() { candidates += FuzzInput.nearMisses(of: entry) }
    if manyOrigins {
        candidates += [
            "https://s0.example.com", "https://s63.example.com", "https://s64.example.com", "https://s99.example.com", "https://a.t7.example.org",
            "https://t7.example.org",
        ]
    }
    if candidates.count > 2 && input.bool() { candidates.append(candidates[0] + candidates[1]) }

    for origin in candidates {
        let expected = policy.allowsAnyOrigin ? (origin == "null" || Origin(origin) != nil) : patterns.contains { $0.matches(origin) }
        var head = CORSRequestHead(isOptions: false)
        head.record(name: "Origin", value: origin)
        let decision = responder.decideSynchronously(head)!
        let allowed = decision.outcome == .actualAllowed
        require(
            allowed == expected,
            "origin \(origin.debugDescription) against \(entries.count > 20 ? Array(entries.prefix(20)) + ["…"] : entries): \(allowed ? "allowed" : "refused")"
        )
        if allowed {
            let echoed = decision.accessControlPairs.first { $0.0.lowercased() == "access-control-allow-origin" }?.1
            let expectedEcho = policy.allowsAnyOrigin && !policy.allowCredentials ? "*" : origin
            require(echoed == expectedEcho, "origin \(origin.debugDescription) echoed as \(String(describing: echoed))")
        } else {
            let malformed = origin != "null" && Origin(origin) == nil
            let reason = decision.rejection?.reason
            require(
                reason == (malformed ? .malformedOrigin : .originNotAllowed),
                "origin \(origin.debugDescription) refused as \(String(describing: reason))"
            )
        }
    }
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzOriginMatcher) }
}
