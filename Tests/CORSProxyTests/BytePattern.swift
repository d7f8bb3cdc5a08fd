#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deterministic pseudo-random byte stream of any length: byte `i` is `block[i % period]`, with
/// a period (a prime) that no power-of-two chunk size divides, so a chunk dropped, repeated or
/// swapped anywhere in a stream shows up as a mismatch at a known offset. Checking a stream is a
/// `memcmp` per received chunk, cheap even in a debug build.
enum BytePattern {
    static let period = 1_000_003
    /// The longest slice `slice(at:count:)` hands out in one piece.
    static let maximumSlice = 65_536
    /// One period, followed by its first `maximumSlice` bytes again, so every slice is contiguous.
    static let block: [UInt8] = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: period + maximumSlice)
        for index in 0..<period {
            // xorshift64*: fast, and every byte matters.
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            bytes[index] = UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
        }
        for index in 0..<maximumSlice { bytes[period + index] = bytes[index] }
        return bytes
    }()

    /// Calls `body` with the stream's bytes from `offset`, `count` of them (at most `maximumSlice`).
    static func withSlice<T>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        precondition(count <= maximumSlice)
        let start = offset % period
        return try block.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[start..<(start + count)])) }
    }

    static func bytes(count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var offset = 0
        while offset < count {
            let piece = min(maximumSlice, count - offset)
            withSlice(at: offset, count: piece) { out.append(contentsOf: $0) }
            offset += piece
        }
        return out
    }
}

/// Checks a received stream against `BytePattern` as it arrives: how many bytes, and the offset
/// of the first one that differs.
struct PatternCheck: Sendable, CustomStringConvertible {
    private(set) var count = 0
    private(set) var firstMismatch: Int?

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        var done = 0
        while done < bytes.count {
            let piece = min(BytePattern.maximumSlice, bytes.count - done)
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[done..<(done + piece)])
            if firstMismatch == nil {
                let equal = BytePattern.withSlice(at: count, count: piece) { expected in
                    memcmp(expected.baseAddress!, chunk.baseAddress!, piece) == 0
                }
                if !equal {
                    BytePattern.withSlice(at: count, count: piece) { expected in
                        for index in 0..<piece where expected[index] != chunk[index] {
                            firstMismatch = count + index
                            break
                        }
                    }
                }
            }
            count += piece
            done += piece
        }
    }

    /// Exactly `expected` bytes, each the pattern's.
    func isExactly(_ expected: Int) -> Bool { count == expected && firstMismatch == nil }

    var description: String { "\(count) bytes, first mismatch at \(firstMismatch.map(String.init) ?? "none")" }
}
