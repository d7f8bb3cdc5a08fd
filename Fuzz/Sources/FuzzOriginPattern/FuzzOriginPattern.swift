import CORS
import FuzzSupport

/// `OriginPattern(parsing:)` on any text and on generated entries, and whole `allowOrigins` lists
/// through validation:
/// - a parsed pattern prints as the text it was read from, and reads back as itself;
/// - `matches` keeps the pattern's meaning: an exact pattern matches its one origin, a subdomain
///   pattern any host with more labels ending in its base's labels (never the base), a port
///   pattern its host on every port, nothing that is not an origin;
/// - a suggestion offered for a mistaken entry is itself a valid entry;
/// - validation never crashes, every diagnostic has its words, and a list is valid exactly when
///   a responder can be built from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOriginPattern(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        switch input.byte() % 3 {
        case 0: checkEntry(String(decoding: input.rest(), as: UTF8.self), &input)
        case 1:
            let entry = input.pattern()
            checkEntry(entry, &input)
        default: checkList(&input)
        }
    }
}

func checkEntry(_ text: String, _ input: inout FuzzInput) {
    let pattern: OriginPattern
    do {
        pattern = try OriginPattern(parsing: text)
    } catch {
        if case .notAnOrigin(let value, let suggestion?) = error {
            require(value == text, "the error names \(value.debugDescription), not \(text.debugDescription)")
            require(suggestion != text, "\(text.debugDescription) is suggested for itself")
            require(
                (try? OriginPattern(parsing: suggestion)) != nil,
                "for \(text.debugDescription) the suggestion \(suggestion.debugDescription) is not a valid entry either"
            )
        }
        return
    }
    require(pattern.description == text, "\(text.debugDescription) prints as \(pattern.description.debugDescription)")
    require((try? OriginPattern(parsing: pattern.description)) == pattern, "\(text.debugDescription) does not read back as itself")
    var candidates = FuzzInput.nearMisses(of: text)
    for _ in 0..<4 { candidates.append(input.origin()) }
    for candidate in candidates {
        let matches = pattern.matches(candidate)
        let expected = meaning(of: pattern, candidate)
        require(matches == expected, "\(text.debugDescription).matches(\(candidate.debugDescription)) is \(matches)")
    }
    // No origin longer than Origin.maximumLength is matched, even one a pattern describes (it is
    // rejected before it is scanned): the origins a pattern must match are those within it.
    func fits(_ origin: String) -> Bool { origin.utf8.count <= Origin.maximumLength }
    switch pattern {
    case .subdomains(let scheme, let base, let port, let anyPort):
        let portText = port.map { ":\($0)" } ?? ""
        let subdomain = "\(scheme)://x.\(base)\(portText)"
        require(pattern.matches(subdomain) == fits(subdomain), "\(text.debugDescription) does not match a subdomain")
        require(!pattern.matches("\(scheme)://\(base)\(portText)"), "\(text.debugDescription) matches its bare domain")
        let otherPort = "\(scheme)://x.\(base):1234"
        if anyPort { require(pattern.matches(otherPort) == fits(otherPort), "\(text.debugDescription) does not match another port") }
    case .anyPort(let scheme, let host):
        require(pattern.matches("\(scheme)://\(host)"), "\(text.debugDescription) does not match the default port")
        let otherPort = "\(scheme)://\(host):1234"
        require(pattern.matches(otherPort) == fits(otherPort), "\(text.debugDescription) does not match port 1234")
    case .exact(let origin):
        require(pattern.matches(origin.serialized), "\(text.debugDescription) does not match itself")
    case .null:
        require(pattern.matches("null"), "null does not match null")
    }
}

/// What a pattern means, stated over labels rather than strings.
func meaning(of pattern: OriginPattern, _ candidate: String) -> Bool {
    switch pattern {
    case .null: return candidate == "null"
    case .exact(let origin): return candidate == origin.serialized
    case .anyPort(let scheme, let host):
        guard let parts = Reference.origin(candidate) else { return false }
        return parts.scheme == scheme && parts.host == host
    case .subdomains(let scheme, let base, let port, let anyPort):
        guard let parts = Reference.origin(candidate), parts.scheme == scheme, anyPort || parts.port == port else { return false }
        let hostLabels = parts.host.split(separator: ".", omittingEmptySubsequences: false)
        let baseLabels = base.split(separator: ".", omittingEmptySubsequences: false)
        return hostLabels.count > baseLabels.count && Array(hostLabels.suffix(baseLabels.count)) == baseLabels
    }
}

func checkList(_ input: inout FuzzInput) {
    let flags = input.byte()
    var entries: [String] = []
    for _ in 0..<input.int(in: 0...7) {
        entries.append(input.bool() ? input.pattern() : input.string(maximum: 40))
    }
    if flags & 0x10 != 0 { entries = ["*"] + (flags & 0x20 != 0 ? entries : []) }
    let policy = CORSPolicy(
        allowOrigins: entries,
        allowCredentials: flags & 1 != 0,
        dangerouslyAllowNullOrigin: flags & 2 != 0,
        dangerouslyAllowInsecureOriginsWithCredentials: flags & 4 != 0,
        dangerouslyAllowSubdomainsOfPublicSuffixes: flags & 8 != 0
    )
    let diagnostics = policy.validate()
    for error in diagnostics.errors {
        require(!error.key.isEmpty && !error.reason.isEmpty && !error.fix.isEmpty, "an error without words: \(error)")
    }
    for warning in diagnostics.warnings {
        require(!warning.key.isEmpty && !warning.reason.isEmpty && !warning.fix.isEmpty, "a warning without words: \(warning)")
    }
    _ = diagnostics.lines
    // Every distinct entry that is not a pattern is an error.
    if !policy.allowsAnyOrigin {
        var seen: Set<String> = []
        let refused = entries.filter { seen.insert($0).inserted && (try? OriginPattern(parsing: $0)) == nil }.count
        require(diagnostics.errors.count >= refused, "\(entries) has \(refused) unparsable entries but \(diagnostics.errors.count) errors")
    }
    let responder = try? CORSResponder(policy: policy)
    require((responder != nil) == diagnostics.isValid, "\(entries): valid \(diagnostics.isValid), responder \(responder != nil)")
    guard let responder else { return }
    for _ in 0..<4 {
        let origin = input.origin()
        var head = CORSRequestHead(isOptions: false)
        head.record(name: "origin", value: origin)
        let allowed = responder.decideSynchronously(head)!.outcome == .actualAllowed
        require(allowed == Messages.listAllows(policy, origin), "\(entries) \(allowed ? "allows" : "refuses") \(origin.debugDescription)")
    }
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzOriginPattern) }
}
