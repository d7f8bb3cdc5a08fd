import CORS
import TestHarness
import Testing

/// Holds the compiled origin matcher against the obvious definition of each pattern
/// (`OriginPattern.matches`) on random origins and random pattern sets.
@Suite struct OriginMatcherPropertyTests {
    static let labels = ["a", "b", "foo", "bar", "barfoo", "foobar", "example", "evil", "x-y", "api", "localhost"]
    static let tlds = ["com", "org", "example", "test"]

    func randomHost(_ rng: inout SplitMix64) -> String {
        let depth = Int.random(in: 0...3, using: &rng)
        let parts = (0..<depth).map { _ in Self.labels.randomElement(using: &rng)! }
        if parts.isEmpty { return ["localhost", "127.0.0.1", "foo.com"].randomElement(using: &rng)! }
        return (parts + [Self.tlds.randomElement(using: &rng)!]).joined(separator: ".")
    }

    func randomPort(_ rng: inout SplitMix64) -> String {
        ["", "", ":3000", ":8443"].randomElement(using: &rng)!
    }

    func randomOrigin(_ rng: inout SplitMix64) -> String {
        "\(["http", "https"].randomElement(using: &rng)!)://\(randomHost(&rng))\(randomPort(&rng))"
    }

    func randomPattern(_ rng: inout SplitMix64) -> String {
        let scheme = ["http", "https"].randomElement(using: &rng)!
        let host = randomHost(&rng)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0, 1: return "\(scheme)://\(host)\(randomPort(&rng))"
        case 2: return "\(scheme)://*.\(host)\([randomPort(&rng), ":*"].randomElement(using: &rng)!)"
        default: return "\(scheme)://\(host):*"
        }
    }

    @Test func compiledMatcherAgreesWithTheReferenceOnRandomOriginsAndPatterns() throws {
        var rng = SplitMix64(state: 0x5EED)
        var checked = 0
        var allowedSeen = 0
        for _ in 0..<400 {
            var patterns: [OriginPattern] = []
            var texts: [String] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let text = randomPattern(&rng)
                guard let pattern = try? OriginPattern(parsing: text), !texts.contains(text) else { continue }
                patterns.append(pattern)
                texts.append(text)
            }
            if texts.isEmpty { continue }
            let policy = CORSPolicy(allowOrigins: texts, dangerouslyAllowSubdomainsOfPublicSuffixes: true)
            let responder = try CORSResponder(policy: policy)
            var candidates = (0..<40).map { _ in randomOrigin(&rng) }
            // Near misses of the patterns themselves: the cases a substring matcher gets wrong.
            for text in texts {
                let filled = text.replacing("*.", with: "x.").replacing(":*", with: "")
                candidates += [filled, "https://evil" + filled.split(separator: "/").last!, filled + ".evil.com"]
            }
            for origin in candidates {
                let expected = patterns.contains { $0.matches(origin) }
                let outcome = responder.decideNow(request(.get, [("Origin", origin)])).outcome
                let actual = outcome == .actualAllowed
                #expect(actual == expected, "origin \(origin) against \(texts)")
                if actual != expected { return }
                checked += 1
                if expected { allowedSeen += 1 }
            }
        }
        // The random sets must exercise both answers, or the test proves nothing.
        #expect(checked > 10_000)
        #expect(allowedSeen > 1_000)
    }

    @Test func manyExactOriginsAndPatternsStillMatchExactly() throws {
        let exact = (0..<10_000).map { "https://site\($0).example.com" }
        let patterns = (0..<100).map { "https://*.tenant\($0).example.org" }
        let responder = try CORSResponder(policy: CORSPolicy(allowOrigins: exact + patterns))
        func allowed(_ origin: String) -> Bool {
            responder.decideNow(request(.get, [("Origin", origin)])).outcome == .actualAllowed
        }
        #expect(allowed("https://site0.example.com"))
        #expect(allowed("https://site9999.example.com"))
        #expect(allowed("https://a.tenant42.example.org"))
        #expect(!allowed("https://site10000.example.com"))
        #expect(!allowed("https://tenant42.example.org"))
        #expect(!allowed("http://site1.example.com"))
    }
}
