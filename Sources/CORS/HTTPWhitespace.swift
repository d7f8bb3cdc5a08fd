extension StringProtocol {
    /// Without leading and trailing HTTP whitespace (tab, LF, CR, space: Fetch §2.2 "HTTP
    /// whitespace"), the trimming every header value and list item gets. Shared by the modules
    /// of this package, not part of its API.
    package func trimmingHTTPWhitespace() -> String {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isWhitespace($0) }), let last = lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
