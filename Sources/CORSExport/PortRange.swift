/// Regular expressions for sets of port numbers written as serialized origins write them (decimal,
/// no leading zero, at most 65535), so `http://localhost:*` can exclude the default port exactly
/// as `Origin` does: servers' regex engines have no numeric comparison.
enum PortRange {
    /// Every port from 0 to 65535 except `excluded`.
    static func regex(excluding excluded: Int?) -> String {
        guard let excluded else { return regex(0, 65535) }
        var parts: [String] = []
        if excluded > 0 { parts.append(regex(0, excluded - 1)) }
        if excluded < 65535 { parts.append(regex(excluded + 1, 65535)) }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: "|") + ")"
    }

    /// The numbers `low...high` (no leading zeros), as one group of alternatives.
    static func regex(_ low: Int, _ high: Int) -> String {
        var alternatives: [String] = []
        var start = low
        // Split at each change of digit count, then build each same-width range.
        while start <= high {
            let width = String(start).count
            let widthEnd = min(high, Int(String(repeating: "9", count: width))!)
            alternatives += sameWidth(Array(String(start)), Array(String(widthEnd)))
            start = widthEnd + 1
        }
        return alternatives.count == 1 ? alternatives[0] : "(" + alternatives.joined(separator: "|") + ")"
    }

    /// Alternatives matching exactly the digit strings from `low` to `high`, both of one width.
    private static func sameWidth(_ low: [Character], _ high: [Character]) -> [String] {
        let n = low.count
        if n == 1 { return [digitClass(low[0], high[0])] }
        if low[0] == high[0] {
            return sameWidth(Array(low.dropFirst()), Array(high.dropFirst())).map { String(low[0]) + $0 }
        }
        let lowRest = Array(low.dropFirst())
        let highRest = Array(high.dropFirst())
        let zeros = Array(repeating: Character("0"), count: n - 1)
        let nines = Array(repeating: Character("9"), count: n - 1)
        var result: [String] = []
        var firstLow = low[0]
        var firstHigh = high[0]
        if lowRest != zeros {
            result += sameWidth(lowRest, nines).map { String(low[0]) + $0 }
            firstLow = Character(UnicodeScalar(low[0].asciiValue! + 1))
        }
        var tail: [String] = []
        if highRest != nines {
            tail = sameWidth(zeros, highRest).map { String(high[0]) + $0 }
            firstHigh = Character(UnicodeScalar(high[0].asciiValue! - 1))
        }
        if firstLow <= firstHigh {
            result.append(digitClass(firstLow, firstHigh) + (n - 1 == 1 ? "[0-9]" : "[0-9]{\(n - 1)}"))
        }
        return result + tail
    }

    private static func digitClass(_ low: Character, _ high: Character) -> String {
        low == high ? String(low) : "[\(low)-\(high)]"
    }
}
