import HTTPTypes

/// The request headers a response varies on because of CORS, and how to add them to a response's
/// `Vary` without duplicating what the application already listed (RFC 9110 §12.5.5).
struct VaryNames: Sendable {
    let names: [HTTPField.Name]
    /// The prebuilt `Vary` field for a response that has none (empty when `names` is).
    let fields: [HTTPField]

    init(_ names: [HTTPField.Name]) {
        self.names = names
        fields = names.isEmpty ? [] : [HTTPField(name: .vary, value: names.map(\.rawName).joined(separator: ", "))]
    }

    static let varyName = HTTPField.Name.vary.canonicalName

    /// Adds the missing names to a response that already has a `Vary`: rewrites the application's
    /// Vary into one field listing its names then the missing ones. `Vary: *` already covers all.
    func mergeSlowly(into fields: inout HTTPFields) {
        guard !names.isEmpty else { return }
        var listed: [String] = []
        for field in fields where field.name == .vary {
            for item in field.value.split(separator: ",") {
                let token = item.trimmingWhitespaceSubstring()
                if token.isEmpty { continue }
                if token == "*" { return }
                listed.append(String(token))
            }
        }
        let lowercased = Set(listed.map { $0.lowercased() })
        let missing = names.filter { !lowercased.contains($0.canonicalName) }
        guard !missing.isEmpty else { return }
        let value = (listed + missing.map(\.rawName)).joined(separator: ", ")
        var rebuilt = HTTPFields()
        var placed = false
        for field in fields {
            if field.name == .vary {
                if !placed { rebuilt.append(HTTPField(name: .vary, value: value)) }
                placed = true
            } else {
                rebuilt.append(field)
            }
        }
        fields = rebuilt
    }
}

extension StringProtocol {
    func trimmingWhitespaceSubstring() -> Substring {
        var view = self[...]
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return Substring(view)
    }
}
