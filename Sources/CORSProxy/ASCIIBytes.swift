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

    /// Eight bytes lowercased: a byte from A to Z gains 0x20.
    @inline(__always)
    static func lowercased(_ word: UInt64) -> UInt64 {
        let upper = inRange(word & ~wordHigh, 0x41, 0x5A) & ~word & wordHigh
        return word | upper >> 2
    }

    /// One in every byte of a word, and each byte's high bit.
    static let wordOnes: UInt64 = 0x0101_0101_0101_0101
    static let wordHigh: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `x` (every byte below 0x80, so no carry crosses bytes) that
    /// lies in `low...high`: `x + (0x80 - low)` sets it from `low` up, `x + (0x7F - high)` above
    /// `high`. Other bits are left over; mask with `wordHigh`.
    @inline(__always)
    static func inRange(_ x: UInt64, _ low: UInt64, _ high: UInt64) -> UInt64 {
        (x &+ wordOnes &* (0x80 - low)) & ~(x &+ wordOnes &* (0x7F - high))
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
