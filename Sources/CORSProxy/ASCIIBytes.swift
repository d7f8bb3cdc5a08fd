import NIOCore

/// Byte comparisons on field names and list items, in any ASCII case, without allocating.
enum ASCIIBytes {
    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 { byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte }

    /// Whether `bytes` spell `lowercase` (given in lowercase; any text) in any ASCII case.
    @inline(__always)
    static func equal(_ bytes: UnsafeRawBufferPointer, _ lowercase: String) -> Bool {
        guard bytes.count == lowercase.utf8.count else { return false }
        return lowercase.utf8.withContiguousStorageIfAvailable { expected in
            for index in 0..<bytes.count where lowercased(bytes[index]) != expected[index] { return false }
            return true
        } ?? zip(bytes, lowercase.utf8).allSatisfy { lowercased($0) == $1 }
    }

    /// Whether `bytes` spell `lowercase` (a static lowercase word) in any ASCII case.
    @inline(__always)
    static func equal(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where lowercased(bytes[index]) != expected[index] { return false }
        return true
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
