import TestHarness
import Testing

@testable import CORSBrowser

/// The message reader's byte search (`firstRange(ofText:)`) against the standard library's
/// character search: the same ranges, where a byte match that cuts a character is no match.
@Suite struct TextSearchTests {
    /// Pieces that join into characters across their boundaries: combining marks, a ZWJ, a
    /// prepend character, regional indicators, CR and LF, curly quotes. No piece is canonically
    /// equivalent to another (the standard search would match those, bytes never do).
    static let pieces = [
        "a", "b", "e", "'", "\"", " ", ":", "\u{301}", "\u{308}", "\u{200D}", "\u{600}", "\u{1F1EB}", "\u{1F1F7}",
        "\r", "\n", "\u{2019}", "\u{201C}", "\u{1F469}", "\u{1F4BB}", "ab", "e'",
    ]

    static func text(_ rng: inout SplitMix64, upTo count: Int) -> String {
        (0..<Int.random(in: 0...count, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    @Test func byteSearchFindsWhatCharacterSearchFinds() {
        var rng = SplitMix64(state: 17)
        var found = 0
        for _ in 0..<50_000 {
            let text = Self.text(&rng, upTo: 14)
            // Half the patterns are cut from the text (so most are found), half are made up.
            var pattern = Self.text(&rng, upTo: 3)
            if Bool.random(using: &rng), !text.isEmpty {
                let utf8 = Array(text.utf8)
                let start = Int.random(in: 0..<utf8.count, using: &rng)
                let end = Int.random(in: start...min(utf8.count, start + 8), using: &rng)
                pattern = String(decoding: utf8[start..<end], as: UTF8.self)
            }
            let from = Int.random(in: 0...text.count, using: &rng)
            let slice = Substring(text).dropFirst(from)
            let byBytes = slice.firstRange(ofText: pattern)
            let byCharacters = pattern.isEmpty ? slice.startIndex..<slice.startIndex : slice.firstRange(of: pattern)
            #expect(byBytes == byCharacters, "\(pattern.debugDescription) in \(slice.debugDescription)")
            if byBytes != nil { found += 1 }
        }
        // Both outcomes are exercised: many found, many not.
        #expect(found > 10_000 && found < 40_000, "\(found) found")
    }

    @Test func aPatternLongerThanTheRestOfTheTextIsNotFound() {
        let text = Substring("Access to fetch")
        #expect(text.firstRange(ofText: "fetch at") == nil)
        #expect(text.dropFirst(10).firstRange(ofText: "fetch") == text.firstRange(of: "fetch"))
    }
}
