import CORS
import TestHarness
import Testing

/// Holds the compiled header-name and method lookups (hashed and compared eight bytes at a time,
/// letters lowercased eight at once) against the obvious definition, on random preflights whose
/// names straddle the word boundaries and differ in case or in one byte.
@Suite struct PreflightListPropertyTests {
    static let allowedHeaders = ["X-A", "Content-Type", "X-Request-Id", "X-Tenant-Identifier", "x^y", "Accept-Version-8"]
    static let allowedMethods = ["PUT", "DELETE", "PATCH", "PURGE-CACHE"]

    /// Names near the allowed ones: other case, one byte changed (`^` and `~` differ by 0x20 as
    /// letters do), longer or shorter by one, and lengths 1 to 20 around the 8-byte words.
    static func candidateNames() -> [String] {
        var names: [String] = []
        for name in allowedHeaders {
            names += [name, name.lowercased(), name.uppercased(), name + "x", String(name.dropLast())]
            var bytes = Array(name.utf8)
            bytes[bytes.count / 2] ^= 0x01
            names.append(String(decoding: bytes, as: UTF8.self))
        }
        names += ["x~y", "X^Y", "x_a", "authorization", "accept-version-9", "content-typf", "-"]
        names += (1...20).map { String(repeating: "a", count: $0) }
        return names.filter { $0.utf8.allSatisfy { byte in byte > 0x20 && byte < 0x7F && !"(),/:;<=>?@[\\]{}\"".utf8.contains(byte) } }
    }

    @Test func requestedHeadersAreAllowedExactlyWhenEachNameIsListedIgnoringCase() throws {
        let cors = try responder(CORSPolicy(allowOrigins: ["https://app.test"], allowMethods: ["PUT"], allowHeaders: Self.allowedHeaders))
        let listed = Set(Self.allowedHeaders.map { $0.lowercased() })
        let names = Self.candidateNames()
        var rng = SplitMix64(state: 7)
        var allowedSeen = 0
        for _ in 0..<3000 {
            let picked = (0..<Int.random(in: 1...4, using: &rng)).map { _ in names.randomElement(using: &rng)! }
            let expected = picked.allSatisfy { listed.contains($0.lowercased()) }
            let decision = cors.decideNow(preflight(origin: "https://app.test", method: "PUT", headers: picked.joined(separator: ",")))
            #expect((decision.outcome == .preflightAllowed) == expected, "\(picked)")
            if expected { allowedSeen += 1 }
        }
        #expect(allowedSeen > 300)  // both verdicts were exercised
    }

    @Test func requestedMethodsAreAllowedExactlyWhenListedWithTheSameCase() throws {
        let cors = try responder(CORSPolicy(allowOrigins: ["https://app.test"], allowMethods: Self.allowedMethods))
        let allowed = Set(Self.allowedMethods + ["GET", "HEAD", "POST"])
        var candidates = ["GET", "get", "Post", "OPTIONS", "PURGE-CACHES", "PURGE-CACH", "purge-cache", "PU T", "PATCHX"]
        for method in Self.allowedMethods { candidates += [method, method.lowercased(), String(method.dropLast())] }
        for method in candidates {
            let decision = cors.decideNow(preflight(origin: "https://app.test", method: method))
            if (decision.outcome == .preflightAllowed) != allowed.contains(method) { Issue.record("method \(method): \(decision.outcome)") }
        }
    }
}
