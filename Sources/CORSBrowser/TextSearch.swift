#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Substring {
    /// The first range where `text` occurs, as `firstRange(of:)` finds it (whole characters), but
    /// found by comparing bytes and then checking that both ends fall on character boundaries:
    /// the standard searcher builds a table on every call, which was most of the message
    /// reader's time.
    func firstRange(ofText text: some StringProtocol) -> Range<String.Index>? {
        let pattern = text.utf8
        guard !pattern.isEmpty else { return startIndex..<startIndex }
        let bytes = utf8
        var from = 0
        while let offset = Self.firstOffset(of: pattern, in: bytes, from: from) {
            let candidate = bytes.index(bytes.startIndex, offsetBy: offset)
            let end = bytes.index(candidate, offsetBy: pattern.count)
            if candidate.samePosition(in: base) != nil, end.samePosition(in: base) != nil {
                return candidate..<end
            }
            from = offset + 1
        }
        return nil
    }

    /// The offset of the first occurrence of `pattern` in `bytes` at or after `from`, by `memchr`
    /// and `memcmp` on their contiguous UTF-8 (native strings lend it; others are copied first).
    private static func firstOffset(
        of pattern: some Collection<UInt8>,
        in bytes: Substring.UTF8View,
        from: Int
    ) -> Int? {
        let lent = bytes.withContiguousStorageIfAvailable { haystack in
            pattern.withContiguousStorageIfAvailable { needle in firstOffset(of: needle, in: haystack, from: from) }
        }
        if let lent, let found = lent { return found }
        return Array(bytes).withUnsafeBufferPointer { haystack in
            Array(pattern).withUnsafeBufferPointer { needle in firstOffset(of: needle, in: haystack, from: from) }
        }
    }

    private static func firstOffset(
        of needle: UnsafeBufferPointer<UInt8>,
        in haystack: UnsafeBufferPointer<UInt8>,
        from: Int
    ) -> Int? {
        guard let start = haystack.baseAddress, let needleStart = needle.baseAddress else { return nil }
        var offset = from
        // memchr finds each place the first byte occurs; memcmp compares the rest.
        while offset + needle.count <= haystack.count,
            let hit = memchr(start + offset, Int32(needle[0]), haystack.count - needle.count + 1 - offset)
        {
            offset = UnsafeRawPointer(hit) - UnsafeRawPointer(start)
            if memcmp(start + offset, needleStart, needle.count) == 0 { return offset }
            offset += 1
        }
        return nil
    }
}
