/// Checks an `Access-Control-Request-Headers` value against the allowed header names in one
/// bounded pass. Browsers write it lowercase, sorted and comma-separated without spaces
/// (Fetch §4.8 "CORS-preflight fetch", step 5); other clients and gateways add whitespace, empty
/// items or several lines (joined with `,` by `CORSRequestHead`), which are tolerated up to fixed
/// limits so a hostile value costs a bounded number of byte reads, however large it is.
struct RequestedHeaderNames {
    /// Values longer than this, summed over all lines, are refused before any byte is read.
    static let maximumLength = 4096
    /// At most this many names.
    static let maximumNames = 64
    /// At most this many empty items (`a,,b`, a trailing comma).
    static let maximumEmptyItems = 16

    enum Verdict: Equatable {
        /// Every name is allowed; `any` is whether there was at least one name.
        case allowed(any: Bool)
        /// The name at this byte range is not allowed.
        case notAllowed(start: Int, end: Int)
        /// A name with non-token bytes, or more empty items than tolerated.
        case malformed
        /// Longer than `maximumLength` or more than `maximumNames` names.
        case tooLarge
    }

    /// What the policy allows.
    struct Allowance: Sendable {
        var names: ByteStringTable.Frozen
        /// `*` is listed: every name but `authorization`.
        var any: Bool
        /// `Authorization` is listed by name (only it passes `*`'s exception).
        var authorization: Bool

        init(_ allowHeaders: [String], arena: Arena) {
            var names = ByteStringTable(expectedCount: allowHeaders.count)
            any = allowHeaders.contains("*")
            authorization = allowHeaders.contains { $0.lowercased() == "authorization" }
            for name in allowHeaders where name != "*" {
                let bytes = Array(name.lowercased().utf8)
                names.insert(bytes, hash: RequestedHeaderNames.hash(bytes), tag: 0)
            }
            self.names = names.freeze(into: arena)
        }
    }

    /// The table hash of a name given in its stored case (lowercase header names; methods as listed).
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { ByteStringTable.finish(ByteStringTable.wordHash($0), tag: 0) }
    }

    /// Checks the whole value.
    @inline(__always)
    static func check(_ value: UnsafeBufferPointer<UInt8>, allowance: Allowance) -> Verdict {
        if value.count > maximumLength { return .tooLarge }
        var names = 0
        var emptyItems = 0
        let isToken = HTTPToken.isTokenByte
        var index = 0
        let count = value.count
        while index <= count {
            // One item: optional whitespace, a token, optional whitespace, then `,` or the end.
            while index < count, ASCII.isOptionalWhitespace(value[index]) { index += 1 }
            let start = index
            while index < count, isToken[Int(value[index])] { index += 1 }
            let end = index
            while index < count, ASCII.isOptionalWhitespace(value[index]) { index += 1 }
            if index < count, value[index] != UInt8(ascii: ",") { return .malformed }
            index += 1  // past the comma, or past the end
            if start == end {
                emptyItems += 1
                if emptyItems > maximumEmptyItems { return .malformed }
                continue
            }
            names += 1
            if names > maximumNames { return .tooLarge }
            let name = UnsafeBufferPointer(rebasing: value[start..<end])
            if allowance.names.count > 0,
                allowance.names.contains(
                    name,
                    hash: ByteStringTable.finish(ByteStringTable.wordHash(name, lowercasing: true), tag: 0),
                    tag: 0,
                    foldCase: true
                )
            {
                continue
            }
            if allowance.any, !isAuthorization(name) { continue }
            return .notAllowed(start: start, end: end)
        }
        return .allowed(any: names > 0)
    }

    @inline(__always)
    private static func isAuthorization(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count == 13 else { return false }
        var offset = 0
        for byte in "authorization".utf8 {
            if ASCII.lowercase(name[offset]) != byte { return false }
            offset += 1
        }
        return true
    }
}
