/// A console message's wording with holes where the browser puts a value (a header's value, a
/// method, a URL): the engine's own rendering of each error kind, cut at the values, so reading a
/// message back is the inverse of writing it and cannot drift from it.
struct MessageTemplate: Sendable {
    /// Literal runs, one more than there are holes.
    let literals: [Substring]

    /// Marks a hole in a rendering; never appears in a console message.
    static let hole: Character = "\u{0}"

    /// `rendering` with `hole` where each value goes.
    init(_ rendering: String) {
        literals = rendering.split(separator: Self.hole, omittingEmptySubsequences: false)
    }

    /// Where the template matches in `text` (the earliest place), and the values in its holes.
    /// A hole takes the shortest run up to the next literal and never spans a line.
    func firstMatch(in text: Substring) -> (range: Range<String.Index>, values: [Substring])? {
        var searchFrom = text.startIndex
        while let first = text[searchFrom...].firstRange(ofText: literals[0]) {
            if let match = match(in: text, from: first.upperBound) {
                return (first.lowerBound..<match.end, match.values)
            }
            guard first.lowerBound < text.endIndex else { return nil }
            searchFrom = text.index(after: first.lowerBound)
        }
        return nil
    }

    /// The template matched from its start exactly at `text.startIndex`.
    func prefixMatch(of text: Substring) -> (end: String.Index, values: [Substring])? {
        guard text.hasPrefix(literals[0]) else { return nil }
        return match(in: text, from: text.index(text.startIndex, offsetBy: literals[0].count))
    }

    private func match(in text: Substring, from start: String.Index) -> (end: String.Index, values: [Substring])? {
        var position = start
        var values: [Substring] = []
        for literal in literals.dropFirst() {
            let line = text[position...].prefix { $0 != "\n" }
            if literal.isEmpty {
                // A hole at the very end takes the rest of the line.
                values.append(line)
                position = line.endIndex
                continue
            }
            guard let next = line.firstRange(ofText: literal) else { return nil }
            values.append(text[position..<next.lowerBound])
            position = next.upperBound
        }
        return (position, values)
    }
}

extension StringProtocol {
    /// Curly quotes as straight ones: browsers, consoles and chat tools change them back and forth.
    var withStraightQuotes: String {
        // Each curly quote (U+2018 to U+201E) starts with the byte E2; most texts have none.
        guard utf8.contains(0xE2) else { return String(self) }
        return String(
            map { character -> Character in
                switch character {
                case "\u{2018}", "\u{2019}", "\u{201A}": return "'"
                case "\u{201C}", "\u{201D}", "\u{201E}": return "\""
                default: return character
                }
            }
        )
    }
}
