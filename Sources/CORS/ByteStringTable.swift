/// An immutable open-addressing hash set of short byte strings, each with a small tag, laid out
/// flat (one array of slots, one array of bytes) so a lookup is a hash, one or two probes and a
/// byte compare, with no allocation and no `String` bridging. The caller owns the hash scheme,
/// which lets the origin matcher hash host suffixes incrementally while it scans right to left.
struct ByteStringTable: Sendable {
    struct Slot: Sendable {
        var hash: UInt64 = 0
        var start: UInt32 = 0
        var length: UInt32 = 0
        /// A value the caller keeps with the key (the origin matcher: which prebuilt fields).
        var payload: UInt32 = 0
        var tag: UInt8 = Slot.empty
        static let empty: UInt8 = 0xFF
    }

    private var slots: [Slot]
    private var bytes: [UInt8] = []
    private var mask: Int
    /// Number of distinct keys stored.
    private(set) var count = 0
    /// Bit `1 << tag` is set when some key carries `tag`: lets a lookup skip probes that cannot hit.
    private(set) var tags: UInt32 = 0
    /// For tags 0-3, bit `min(length, 63)` is set when a key of that length carries the tag: a
    /// lookup of a length no key has is skipped before hashing or probing.
    private(set) var lengthMasks: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(expectedCount: Int) {
        var capacity = 8
        while capacity < expectedCount * 2 { capacity <<= 1 }
        slots = Array(repeating: Slot(), count: capacity)
        mask = capacity - 1
    }

    // MARK: Hashing (FNV-1a steps, then a final avalanche with the tag)

    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always) static func step(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    /// A whole key hashed eight bytes at a time (unaligned loads, a multiply per word): for keys
    /// looked up whole, not grown a byte at a time like the subdomain suffixes. With `lowercasing`,
    /// the hash of the key's ASCII-lowercased bytes (so a stored lowercase key matches any case).
    @inline(__always) static func wordHash(_ key: UnsafeBufferPointer<UInt8>, lowercasing: Bool = false) -> UInt64 {
        let count = key.count
        var hash = seed ^ UInt64(truncatingIfNeeded: count)
        guard let base = key.baseAddress, count > 0 else { return hash }
        let raw = UnsafeRawPointer(base)
        if count < 8 {
            var tail: UInt64 = 0
            for index in 0..<count {
                let byte = raw.load(fromByteOffset: index, as: UInt8.self)
                tail |= UInt64(lowercasing ? ASCII.lowercase(byte) : byte) << (UInt64(index) &* 8)
            }
            return mix(hash, tail)
        }
        var offset = 0
        while offset + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = mix(hash, lowercasing ? ASCII.lowercase(word: word) : word)
            offset += 8
        }
        // The last, partial word: the final eight bytes, overlapping the word before.
        if offset < count {
            let word = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            hash = mix(hash, lowercasing ? ASCII.lowercase(word: word) : word)
        }
        return hash
    }

    @inline(__always) static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let x = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
        return x ^ (x >> 32)
    }

    @inline(__always) static func finish(_ hash: UInt64, tag: UInt8) -> UInt64 {
        var x = hash ^ (UInt64(tag) &* 0x9E37_79B9_7F4A_7C15)
        x ^= x >> 31
        x = x &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        return x
    }

    /// Inserts `key` (already hashed by the caller's scheme and finished with `tag`).
    /// Returns false when an equal key with the same tag is already present.
    @discardableResult
    mutating func insert(_ key: [UInt8], hash: UInt64, tag: UInt8, payload: UInt32 = 0) -> Bool {
        if (count + 1) * 2 > slots.count { grow() }
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].tag != Slot.empty {
            let slot = slots[index]
            if slot.hash == hash, slot.tag == tag, Array(bytes[Int(slot.start)..<Int(slot.start + slot.length)]) == key {
                return false
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(hash: hash, start: UInt32(bytes.count), length: UInt32(key.count), payload: payload, tag: tag)
        bytes.append(contentsOf: key)
        count += 1
        tags |= 1 << UInt32(tag)
        let bit: UInt64 = 1 << UInt64(min(key.count, 63))
        switch tag {
        case 0: lengthMasks.0 |= bit
        case 1: lengthMasks.1 |= bit
        case 2: lengthMasks.2 |= bit
        case 3: lengthMasks.3 |= bit
        default: break
        }
        return true
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot.tag != Slot.empty {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].tag != Slot.empty { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    /// Copies the table into memory owned by `arena`, for lookups that touch no reference counts.
    func freeze(into arena: Arena) -> Frozen {
        Frozen(slots: arena.copy(slots), bytes: arena.copy(bytes), mask: mask, count: count, tags: tags, lengthMasks: lengthMasks)
    }

    /// The table for lookups: plain pointers into an `Arena`, so copying it costs nothing.
    struct Frozen: @unchecked Sendable {
        let slots: UnsafeBufferPointer<Slot>
        let bytes: UnsafeBufferPointer<UInt8>
        let mask: Int
        let count: Int
        let tags: UInt32
        let lengthMasks: (UInt64, UInt64, UInt64, UInt64)

        /// Whether some key shorter than `length` bytes carries the subdomain tags (2 or 3).
        @inline(__always)
        func mayHoldSubdomainKey(shorterThan length: Int) -> Bool {
            length > 63 || (lengthMasks.2 | lengthMasks.3) & ((1 << UInt64(length)) &- 1) != 0
        }

        /// Whether some key of `length` bytes carries `tag` (0-3; other tags always answer yes).
        @inline(__always)
        func mayHold(length: Int, tag: UInt8) -> Bool {
            let bit: UInt64 = 1 << UInt64(min(length, 63))
            switch tag {
            case 0: return lengthMasks.0 & bit != 0
            case 1: return lengthMasks.1 & bit != 0
            case 2: return lengthMasks.2 & bit != 0
            case 3: return lengthMasks.3 & bit != 0
            default: return true
            }
        }

        /// Whether a key equal to `key` (ASCII case-folded when `foldCase`, in which case stored keys
        /// must be lowercase) with `tag` is present. `hash` must be finished with `tag`.
        @inline(__always)
        func contains(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, tag: UInt8, foldCase: Bool = false) -> Bool {
            find(key, hash: hash, tag: tag, foldCase: foldCase) != nil
        }

        /// The payload stored with `key`, or `nil` when it is absent (see `contains`).
        @inline(__always)
        func payload(of key: UnsafeBufferPointer<UInt8>, hash: UInt64, tag: UInt8) -> UInt32? {
            find(key, hash: hash, tag: tag, foldCase: false).map { slots[$0].payload }
        }

        @inline(__always)
        private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, tag: UInt8, foldCase: Bool) -> Int? {
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[index]
                if slot.tag == Slot.empty { return nil }
                if slot.hash == hash, slot.tag == tag, Int(slot.length) == key.count {
                    let stored = UnsafeBufferPointer(rebasing: bytes[Int(slot.start)..<Int(slot.start) + key.count])
                    if foldCase ? memoryEqual(stored, lowercasing: key) : memoryEqual(stored, key) { return index }
                }
                index = (index + 1) & mask
            }
        }
    }
}

/// Owns the memory of frozen lookup tables and frees it with the compiled policy that holds it.
final class Arena: @unchecked Sendable {
    private var allocations: [UnsafeMutableRawPointer] = []

    func copy<Element>(_ elements: [Element]) -> UnsafeBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(elements.count, 1))
        _ = buffer.initialize(from: elements)
        allocations.append(UnsafeMutableRawPointer(buffer.baseAddress!))
        return UnsafeBufferPointer(rebasing: buffer[0..<elements.count])
    }

    deinit {
        for allocation in allocations { allocation.deallocate() }
    }
}

/// Byte equality, eight bytes at a time.
@inline(__always)
func memoryEqual(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
    memoryEqual(lhs, rhs, lowercasingRight: false)
}

/// Whether `lowercase` equals `key` with `key`'s ASCII letters lowercased.
@inline(__always)
func memoryEqual(_ lowercase: UnsafeBufferPointer<UInt8>, lowercasing key: UnsafeBufferPointer<UInt8>) -> Bool {
    memoryEqual(lowercase, key, lowercasingRight: true)
}

@inline(__always)
private func memoryEqual(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>, lowercasingRight: Bool) -> Bool {
    let count = lhs.count
    guard count == rhs.count else { return false }
    guard count > 0, let left = lhs.baseAddress.map(UnsafeRawPointer.init), let right = rhs.baseAddress.map(UnsafeRawPointer.init)
    else { return true }
    if count < 8 {
        for index in 0..<count {
            let byte = right.load(fromByteOffset: index, as: UInt8.self)
            if left.load(fromByteOffset: index, as: UInt8.self) != (lowercasingRight ? ASCII.lowercase(byte) : byte) { return false }
        }
        return true
    }
    @inline(__always) func word(_ pointer: UnsafeRawPointer, _ offset: Int, _ lowercasing: Bool) -> UInt64 {
        let value = pointer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return lowercasing ? ASCII.lowercase(word: value) : value
    }
    var offset = 0
    while offset + 8 <= count {
        if word(left, offset, false) != word(right, offset, lowercasingRight) { return false }
        offset += 8
    }
    // The rest: the final eight bytes, overlapping.
    return offset == count || word(left, count - 8, false) == word(right, count - 8, lowercasingRight)
}

/// ASCII helpers for the byte-level scans.
enum ASCII {
    @inline(__always) static func lowercase(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }
    /// Each byte of `word` lowercased as `lowercase(_:)` does (A-Z only, other bytes untouched),
    /// eight at once: a byte below 0x80 is upper case when adding 0x3F sets its top bit and
    /// adding 0x25 does not (no carry crosses bytes once the top bits are masked off).
    @inline(__always) static func lowercase(word: UInt64) -> UInt64 {
        let low7 = word & 0x7F7F_7F7F_7F7F_7F7F
        let atLeastA = low7 &+ 0x3F3F_3F3F_3F3F_3F3F
        let pastZ = low7 &+ 0x2525_2525_2525_2525
        let upper = atLeastA & ~pastZ & ~word & 0x8080_8080_8080_8080
        return word | (upper >> 2)
    }
    @inline(__always) static func isOptionalWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}

extension String {
    /// The string's UTF-8 bytes, read in place when it is stored contiguously (always, for header
    /// values read off the wire); measured about four times cheaper than
    /// `HTTPField.withUnsafeBytesOfValue`, which copies the value to call a mutating method.
    @inline(__always)
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return copy.withUTF8(body)
    }
}
