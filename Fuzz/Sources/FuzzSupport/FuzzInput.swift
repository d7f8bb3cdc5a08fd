/// Reads choices out of libFuzzer's bytes, front to back: each read takes what it needs and
/// answers zero (the first choice) once the bytes run out, so every input means something and
/// small mutations make small changes.
public struct FuzzInput {
    public let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var index = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    public var isExhausted: Bool { index >= bytes.count }
    public var remaining: Int { max(bytes.count - index, 0) }

    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A number in `range`, from one byte (two for ranges wider than 256).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = range.upperBound - range.lowerBound + 1
        if width <= 1 { return range.lowerBound }
        var value = Int(byte())
        if width > 256 { value = value << 8 | Int(byte()) }
        return range.lowerBound + value % width
    }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[int(in: 0...(choices.count - 1))] }

    /// Up to `maximum` raw bytes: a length byte, then the bytes.
    public mutating func bytes(maximum: Int) -> [UInt8] {
        let count = min(int(in: 0...maximum), remaining)
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// Up to `maximum` bytes read as UTF-8 (invalid sequences become U+FFFD).
    public mutating func string(maximum: Int) -> String { String(decoding: bytes(maximum: maximum), as: UTF8.self) }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] {
        defer { index = bytes.count }
        return index < bytes.count ? Array(bytes[index...]) : []
    }
}
