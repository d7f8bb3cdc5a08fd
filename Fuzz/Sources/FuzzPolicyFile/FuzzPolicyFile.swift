import CORS
import FuzzSupport

/// `CORSPolicyFile.read` on any bytes: never a crash; either a syntax error located inside the
/// text, or a policy with its problems, each located at its key's opening quote. The reader
/// accepts exactly RFC 8259 JSON nested at most 32 deep (a plain grammar, `StrictJSON`, says
/// which texts are JSON). Whatever policy is read writes and reads back as itself; validation
/// never crashes and is valid exactly when a responder can be built; a parsed value printed by
/// `rendered()` parses back to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicyFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        check(String(decoding: bytes, as: UTF8.self))
    }
}

/// Whether (line, column) lies inside `lines` (1-based; the column may be one past the line's end).
func located(_ line: Int, _ column: Int, in lines: [ArraySlice<UInt8>]) -> Bool {
    line >= 1 && line <= lines.count && column >= 1 && column <= lines[line - 1].count + 1
}

func check(_ text: String) {
    let bytes = Array(text.utf8)
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    let isJSON = StrictJSON.accepts(bytes)
    let result: (policy: CORSPolicy, problems: [CORSPolicyFile.Problem])
    do {
        result = try CORSPolicyFile.read(text)
    } catch {
        require(!isJSON, "valid JSON refused: \(error) in \(text.debugDescription)")
        require(located(error.line, error.column, in: lines), "error \(error) lies outside the text \(text.debugDescription)")
        require(!error.message.isEmpty, "an error without a message")
        return
    }
    require(isJSON, "not JSON, yet read: \(text.debugDescription)")
    for problem in result.problems {
        _ = problem.description
        switch problem {
        case .unknownKey(_, let line, let column, _), .duplicateKey(_, let line, let column), .wrongType(_, let line, let column, _, _):
            require(located(line, column, in: lines), "\(problem) lies outside the text")
            let line = lines[line - 1]
            require(line[line.startIndex + column - 1] == UInt8(ascii: "\""), "\(problem) does not point at a key in \(text.debugDescription)")
        case .notAnObject: break
        }
    }
    let policy = result.policy
    let written = CORSPolicyFile.write(policy)
    guard let reread = try? CORSPolicyFile.read(written) else { disagreement("the written policy is not JSON: \(written)") }
    require(reread.problems.isEmpty, "the written policy has problems: \(reread.problems)")
    require(reread.policy == policy, "read back differs:\n\(written)")
    let diagnostics = policy.validate()
    _ = diagnostics.lines
    require(((try? CORSResponder(policy: policy)) != nil) == diagnostics.isValid, "validation and the responder disagree on\n\(written)")

    // rendered() parses back to the same value (positions aside).
    let value = try! JSONValue.parse(text)
    guard let again = try? JSONValue.parse(value.rendered()) else { disagreement("rendered() is not JSON: \(value.rendered())") }
    require(withoutPositions(again) == withoutPositions(value), "rendered() reads back differently: \(value.rendered())")
}

func withoutPositions(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let members): return .members(members.map { ($0.key, withoutPositions($0.value)) })
    case .array(let elements): return .array(elements.map(withoutPositions))
    default: return value
    }
}

/// RFC 8259's grammar, byte by byte, values nested at most 32 deep (the reader's bound).
enum StrictJSON {
    static func accepts(_ bytes: [UInt8]) -> Bool {
        var index = 0
        skipWhitespace(bytes, &index)
        guard value(bytes, &index, depth: 0) else { return false }
        skipWhitespace(bytes, &index)
        return index == bytes.count
    }

    static func skipWhitespace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
    }

    static func literal(_ word: String, _ bytes: [UInt8], _ index: inout Int) -> Bool {
        let word = Array(word.utf8)
        guard bytes[index...].starts(with: word) else { return false }
        index += word.count
        return true
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func value(_ bytes: [UInt8], _ index: inout Int, depth: Int) -> Bool {
        guard depth < 32, index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace(bytes, &index)
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return true
            }
            while true {
                skipWhitespace(bytes, &index)
                guard string(bytes, &index) else { return false }
                skipWhitespace(bytes, &index)
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                index += 1
                skipWhitespace(bytes, &index)
                guard value(bytes, &index, depth: depth + 1) else { return false }
                skipWhitespace(bytes, &index)
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return true
                }
                guard bytes[index] == UInt8(ascii: ",") else { return false }
                index += 1
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace(bytes, &index)
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return true
            }
            while true {
                skipWhitespace(bytes, &index)
                guard value(bytes, &index, depth: depth + 1) else { return false }
                skipWhitespace(bytes, &index)
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return true
                }
                guard bytes[index] == UInt8(ascii: ",") else { return false }
                index += 1
            }
        case UInt8(ascii: "\""): return string(bytes, &index)
        case UInt8(ascii: "t"): return literal("true", bytes, &index)
        case UInt8(ascii: "f"): return literal("false", bytes, &index)
        case UInt8(ascii: "n"): return literal("null", bytes, &index)
        default: return number(bytes, &index)
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    static func number(_ bytes: [UInt8], _ index: inout Int) -> Bool {
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { while index < bytes.count, isDigit(bytes[index]) { index += 1 } }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { return false }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { return false }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return true
    }

    static func string(_ bytes: [UInt8], _ index: inout Int) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return true }
            if byte < 0x20 { return false }
            guard byte == UInt8(ascii: "\\") else { continue }
            guard index < bytes.count else { return false }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            default: break
            }
            guard escape == UInt8(ascii: "u"), index + 4 <= bytes.count,
                bytes[index..<index + 4].allSatisfy({ isDigit($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) })
            else { return false }
            index += 4
        }
        return false
    }
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzPolicyFile) }
}
