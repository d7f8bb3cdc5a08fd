import HTTPTypes

/// Response fields as HTTP/1.1 field lines, `name: value` and CRLF each (RFC 9112 §5), for
/// servers that write heads as bytes: the compiled policy builds them once, so a response copies
/// one block instead of a string pair per field.
enum FieldLines {
    /// The lines of `fields`, in order, names as the policy spells them.
    static func bytes(_ fields: some Sequence<HTTPField>) -> [UInt8] {
        var lines: [UInt8] = []
        for field in fields { append(field.name.rawName, field.value, to: &lines) }
        return lines
    }

    /// One `name: value` line before `tail` (the echoed origin ahead of a prebuilt block).
    static func line(_ name: String, _ value: String, before tail: [UInt8]) -> [UInt8] {
        var lines: [UInt8] = []
        lines.reserveCapacity(name.utf8.count + value.utf8.count + 4 + tail.count)
        append(name, value, to: &lines)
        lines.append(contentsOf: tail)
        return lines
    }

    private static func append(_ name: String, _ value: String, to lines: inout [UInt8]) {
        lines.append(contentsOf: name.utf8)
        lines.append(contentsOf: ": ".utf8)
        lines.append(contentsOf: value.utf8)
        lines.append(contentsOf: "\r\n".utf8)
    }
}
