import NIOCore

/// Byte comparisons on field names and list items, in any ASCII case, without allocating.
enum ASCIIBytes {
    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 { byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte }

    /// Whether `bytes` spell `lowercase` (given in lowercase; any text) in any ASCII case: for
    /// names known only at run time (a literal takes the `StaticString` overload).
    @inline(__always)
    static func equal(_ bytes: UnsafeRawBufferPointer, text lowercase: String) -> Bool {
        guard bytes.count == lowercase.utf8.count else { return false }
        return lowercase.utf8.withContiguousStorageIfAvailable { expected in
            equal(bytes, UnsafeRawBufferPointer(expected))
        } ?? zip(bytes, lowercase.utf8).allSatisfy { lowercased($0) == $1 }
    }

    /// Whether `bytes` spell `lowercase` (a static lowercase word) in any ASCII case.
    @inline(__always)
    static func equal(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return equal(bytes, UnsafeRawBufferPointer(start: lowercase.utf8Start, count: bytes.count))
    }

    /// Two runs of the same length, the first in any ASCII case, the second lowercase: eight
    /// bytes at a time, each word lowercased exactly (only A-Z change).
    @inline(__always)
    private static func equal(_ bytes: UnsafeRawBufferPointer, _ lowercase: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let expected = lowercase.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if lowercased(word) != expected { return false }
            index += 8
        }
        while index < bytes.count {
            if lowercased(bytes[index]) != lowercase[index] { return false }
            index += 1
        }
        return true
    }

    /// Eight bytes lowercased: a byte from A to Z gains 0x20 (per byte, below 0x80 after the
    /// mask: the high bit of `x + 0x3F` is set from A up, that of `x + 0x25` above Z).
    @inline(__always)
    static func lowercased(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let x = word & ~high
        let upper = (x &+ ones &* 0x3F) & ~(x &+ ones &* 0x25) & ~word & high
        return word | upper >> 2
    }

    /// Whether `name` starts with `access-control-` in any case.
    @inline(__always)
    static func hasAccessControlPrefix(_ name: UnsafeRawBufferPointer) -> Bool {
        name.count > 15 && ASCIIBytes.equal(UnsafeRawBufferPointer(rebasing: name[..<15]), "access-control-")
    }

    /// The comma-separated items of a list value, each without the whitespace around it; empty
    /// items are skipped (RFC 9110 §5.6.1).
    @inline(__always)
    static func forEachListItem(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var index = 0
        while index <= value.count {
            var end = index
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            var first = index
            var last = end
            while first < last, value[first] == HTTP1Parser.space || value[first] == HTTP1Parser.tab { first += 1 }
            while last > first, value[last - 1] == HTTP1Parser.space || value[last - 1] == HTTP1Parser.tab { last -= 1 }
            if last > first { body(UnsafeRawBufferPointer(rebasing: value[first..<last])) }
            index = end + 1
        }
    }
}
