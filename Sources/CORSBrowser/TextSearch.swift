extension Substring {
    /// The first range where `text` occurs, as `firstRange(of:)` finds it (whole characters), but
    /// found by comparing bytes and then checking that both ends fall on character boundaries:
    /// the standard searcher builds a table on every call, which was most of the message
    /// reader's time.
    func firstRange(ofText text: some StringProtocol) -> Range<String.Index>? {
        let pattern = text.utf8
        guard let first = pattern.first else { return startIndex..<startIndex }
        let bytes = utf8
        var from = bytes.startIndex
        while let candidate = bytes[from...].firstIndex(of: first) {
            if let end = bytes.index(candidate, offsetBy: pattern.count, limitedBy: bytes.endIndex),
                bytes[candidate..<end].elementsEqual(pattern),
                candidate.samePosition(in: base) != nil,
                end.samePosition(in: base) != nil
            {
                return candidate..<end
            }
            from = bytes.index(after: candidate)
        }
        return nil
    }
}
