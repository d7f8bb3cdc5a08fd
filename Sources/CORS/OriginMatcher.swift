/// The compiled form of `allowOrigins`: decides in one right-to-left pass over the origin's host
/// whether it is allowed, in time independent of how many origins and patterns are configured.
///
/// Exact origins live in one table keyed by their whole serialization, probed with the request's
/// bytes before anything else: a hit is byte-equal to a validated origin, so it needs no scan.
/// Patterns live in one table per scheme: a subdomain pattern keyed by the text after `*.` (with or
/// without its port), a port pattern by its host. The scan hashes the host from its last byte
/// backwards, so at every `.` the hash of the suffix to its right is already known and one probe
/// answers "is this suffix a configured subdomain base?". Keys are hashed a word at a time, except
/// subdomain bases (byte by byte, reversed).
struct OriginMatcher: @unchecked Sendable {
    private enum Tag {
        static let exact: UInt8 = 0
        static let anyPortHost: UInt8 = 1
        static let subdomainsWithPort: UInt8 = 2
        static let subdomainsAnyPort: UInt8 = 3
    }

    private struct SchemeTable {
        var scheme: [UInt8]
        var table: ByteStringTable
    }

    private struct FrozenScheme {
        var scheme: UnsafeBufferPointer<UInt8>
        var table: ByteStringTable.Frozen
    }

    /// What a lookup found: not allowed, allowed, or allowed as the exact origin whose fields are
    /// prebuilt at `prebuilt` (an index into `prebuiltOrigins`).
    struct Match {
        let code: Int32
        static let notAllowed = Match(code: -1)
        static let allowed = Match(code: -2)
        var isAllowed: Bool { code != -1 }
        /// The prebuilt-fields index, or -1.
        var prebuilt: Int32 { code >= 0 ? code : -1 }
    }

    /// How many exact origins get their response fields prebuilt (beyond it, built per request):
    /// enough for every ordinary list, bounded for huge ones.
    static let prebuiltLimit = 64

    /// `allowOrigins` is `*`.
    let allowsAny: Bool
    /// The exact origins, serialized, whose matches carry a prebuilt-fields index (in index order).
    let prebuiltOrigins: [String]
    /// `null` is listed (and was opted into).
    let allowsNull: Bool
    private let schemes: UnsafeBufferPointer<FrozenScheme>
    /// Exact origins, keyed by their whole serialization.
    private let exactOrigins: ByteStringTable.Frozen
    /// Whether an origin no exact entry matched can still be allowed (by `*` or a pattern): only
    /// then must it be scanned to be decided.
    let needsScanAfterExactMiss: Bool

    init(patterns: [OriginPattern], allowsAny: Bool, arena: Arena) {
        self.allowsAny = allowsAny
        var allowsNull = false
        var schemes: [SchemeTable] = []
        var prebuiltOrigins: [String] = []
        var exactOrigins = ByteStringTable(expectedCount: patterns.count)
        for pattern in patterns {
            let scheme: String
            let key: String
            let tag: UInt8
            switch pattern {
            case .null:
                allowsNull = true
                continue
            case .exact(let origin):
                let bytes = Array(origin.serialized.utf8)
                var payload = UInt32.max
                if prebuiltOrigins.count < Self.prebuiltLimit {
                    payload = UInt32(prebuiltOrigins.count)
                    prebuiltOrigins.append(origin.serialized)
                }
                let hash = bytes.withUnsafeBufferPointer { ByteStringTable.wordHash($0) }
                if !exactOrigins.insert(bytes, hash: ByteStringTable.finish(hash, tag: Tag.exact), tag: Tag.exact, payload: payload),
                    payload != UInt32.max
                {
                    prebuiltOrigins.removeLast()  // a duplicate: the first copy's fields serve
                }
                continue
            case .anyPort(let patternScheme, let host):
                (scheme, key, tag) = (patternScheme, host, Tag.anyPortHost)
            case .subdomains(let patternScheme, let base, let port, let anyPort):
                scheme = patternScheme
                if anyPort {
                    (key, tag) = (base, Tag.subdomainsAnyPort)
                } else {
                    (key, tag) = (base + (port.map { ":\($0)" } ?? ""), Tag.subdomainsWithPort)
                }
            }
            let bytes = Array(key.utf8)
            var hash = ByteStringTable.seed
            if tag == Tag.anyPortHost {
                hash = bytes.withUnsafeBufferPointer { ByteStringTable.wordHash($0) }
            } else {
                for byte in bytes.reversed() { hash = ByteStringTable.step(hash, byte) }
            }
            let schemeBytes = Array(scheme.utf8)
            let index =
                schemes.firstIndex { $0.scheme == schemeBytes }
                ?? {
                    schemes.append(SchemeTable(scheme: schemeBytes, table: ByteStringTable(expectedCount: patterns.count)))
                    return schemes.count - 1
                }()
            _ = schemes[index].table.insert(bytes, hash: ByteStringTable.finish(hash, tag: tag), tag: tag)
        }
        self.allowsNull = allowsNull
        self.prebuiltOrigins = prebuiltOrigins
        self.exactOrigins = exactOrigins.freeze(into: arena)
        needsScanAfterExactMiss = allowsAny || !schemes.isEmpty
        self.schemes = arena.copy(
            schemes.map { FrozenScheme(scheme: arena.copy($0.scheme), table: $0.table.freeze(into: arena)) }
        )
    }

    /// The exact origin `origin`'s bytes are, if any: found by the unscanned bytes (a hit equals a
    /// validated serialization, so it is well-formed).
    @inline(__always)
    func exactMatch(_ origin: UnsafeBufferPointer<UInt8>) -> Match? {
        guard exactOrigins.tags != 0, exactOrigins.mayHold(length: origin.count, tag: Tag.exact),
            let payload = exactOrigins.payload(
                of: origin,
                hash: ByteStringTable.finish(ByteStringTable.wordHash(origin), tag: Tag.exact),
                tag: Tag.exact
            )
        else { return nil }
        return payload == UInt32.max ? .allowed : Match(code: Int32(payload))
    }

    /// Whether `*` or a pattern allows the scanned `origin` (exact origins are `exactMatch`'s).
    @inline(__always)
    func matchPatterns(_ origin: UnsafeBufferPointer<UInt8>, layout: OriginLayout) -> Match {
        if allowsAny { return .allowed }
        let scheme = UnsafeBufferPointer(rebasing: origin[0..<layout.schemeEnd])
        for entry in schemes where memoryEqual(entry.scheme, scheme) {
            return Self.probe(entry.table, origin, layout)
        }
        return .notAllowed
    }

    @inline(__always)
    private static func probe(_ table: ByteStringTable.Frozen, _ origin: UnsafeBufferPointer<UInt8>, _ layout: OriginLayout) -> Match {
        let tags = table.tags
        let end = layout.length
        let hostStart = layout.hostStart
        let hostEnd = layout.hostEnd
        // Subdomain patterns: hash the suffix right to left, probing at every `.`.
        if tags & (1 << 2 | 1 << 3) != 0, !layout.hostIsIPv4, !layout.hostIsIPv6,
            table.mayHoldSubdomainKey(shorterThan: end - hostStart)
        {
            // Hash of the reversed bytes of `suffix[:port]` and of `suffix` alone, grown leftwards.
            var withPort = ByteStringTable.seed
            var index = end - 1
            while index >= hostEnd {
                withPort = ByteStringTable.step(withPort, origin[index])
                index -= 1
            }
            var hostOnly = ByteStringTable.seed
            while index >= hostStart {
                let byte = origin[index]
                if byte == UInt8(ascii: ".") {
                    // A suffix no pattern has the length of is not probed (a large table's probes
                    // are cache misses).
                    if tags & (1 << 2) != 0, table.mayHold(length: end - index - 1, tag: Tag.subdomainsWithPort),
                        table.contains(
                            UnsafeBufferPointer(rebasing: origin[(index + 1)..<end]),
                            hash: ByteStringTable.finish(withPort, tag: Tag.subdomainsWithPort),
                            tag: Tag.subdomainsWithPort
                        )
                    {
                        return .allowed
                    }
                    if tags & (1 << 3) != 0, table.mayHold(length: hostEnd - index - 1, tag: Tag.subdomainsAnyPort),
                        table.contains(
                            UnsafeBufferPointer(rebasing: origin[(index + 1)..<hostEnd]),
                            hash: ByteStringTable.finish(hostOnly, tag: Tag.subdomainsAnyPort),
                            tag: Tag.subdomainsAnyPort
                        )
                    {
                        return .allowed
                    }
                }
                withPort = ByteStringTable.step(withPort, byte)
                hostOnly = ByteStringTable.step(hostOnly, byte)
                index -= 1
            }
        }
        // Port patterns: the whole host, hashed a word at a time.
        if tags & (1 << 1) != 0, table.mayHold(length: hostEnd - hostStart, tag: Tag.anyPortHost) {
            let key = UnsafeBufferPointer(rebasing: origin[hostStart..<hostEnd])
            if table.contains(key, hash: ByteStringTable.finish(ByteStringTable.wordHash(key), tag: Tag.anyPortHost), tag: Tag.anyPortHost) {
                return .allowed
            }
        }
        return .notAllowed
    }
}
