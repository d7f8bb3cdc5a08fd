import Testing

@testable import CORS

/// The word-at-a-time helpers the lookups rest on, against byte-at-a-time definitions: a wrong
/// tail or a wrong lowercase would otherwise hide behind the hash (only a collision reaches them).
@Suite struct ByteComparisonTests {
    @Test func lowercasingAWordLowersEachByteAsTheByteHelperDoes() {
        for byte in 0...255 {
            for position in 0..<8 {
                let filler = UInt64(0x5A)  // "Z", itself lowered
                var word: UInt64 = 0
                for index in 0..<8 { word |= (index == position ? UInt64(byte) : filler) << (UInt64(index) * 8) }
                var expected: UInt64 = 0
                for index in 0..<8 {
                    let original = UInt8(truncatingIfNeeded: word >> (UInt64(index) * 8))
                    expected |= UInt64(ASCII.lowercase(original)) << (UInt64(index) * 8)
                }
                #expect(ASCII.lowercase(word: word) == expected, "byte \(byte) at \(position)")
            }
        }
    }

    @Test func wordEqualityFindsADifferenceAtEveryPositionOfEveryLength() {
        for length in 0...24 {
            let base = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            base.withUnsafeBufferPointer { left in
                #expect(memoryEqual(left, left))
                let upper = base.map { $0 - 0x20 }
                upper.withUnsafeBufferPointer { #expect(memoryEqual(left, lowercasing: $0)) }
                for position in 0..<length {
                    var changed = base
                    changed[position] ^= 0x01
                    changed.withUnsafeBufferPointer { right in
                        #expect(!memoryEqual(left, right), "length \(length), position \(position)")
                        #expect(!memoryEqual(left, lowercasing: right), "length \(length), position \(position)")
                    }
                }
            }
        }
    }

    @Test func lowercasingHashEqualsTheHashOfTheLoweredBytes() {
        for name in ["a", "X-A", "Content-Type", "X-REQUEST-ID", "Accept-Version-8", "x^Y~_"] {
            let lowered = Array(name.lowercased().utf8)
            let hashes = (Array(name.utf8), lowered)
            let mixed = hashes.0.withUnsafeBufferPointer { ByteStringTable.wordHash($0, lowercasing: true) }
            let plain = hashes.1.withUnsafeBufferPointer { ByteStringTable.wordHash($0) }
            #expect(mixed == plain, "\(name)")
        }
    }
}
