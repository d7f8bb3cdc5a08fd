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

    /// The value a response's `Vary` should have, given the values it already has (one per line):
    /// its names, then the missing ones, in one line; `nil` when nothing is missing or it is `*`.
    func mergedValue(_ existing: [String]) -> String? {
        guard !names.isEmpty else { return nil }
        var listed: [String] = []
        for value in existing {
            for item in value.split(separator: ",") {
                let token = item.trimmingHTTPWhitespace()
                if token.isEmpty { continue }
                if token == "*" { return nil }
                listed.append(token)
            }
        }
        let lowercased = Set(listed.map { $0.lowercased() })
        let missing = names.filter { !lowercased.contains($0.canonicalName) }
        guard !missing.isEmpty else { return nil }
        return (listed + missing.map(\.rawName)).joined(separator: ", ")
    }

    /// Adds the missing names to `fields`, which already has a `Vary`: rewrites it as one field.
    func mergeSlowly(into fields: inout HTTPFields) {
        guard let value = mergedValue(fields[values: .vary]) else { return }
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
