import CORS
import Foundation

/// A policy file read and checked, with everything `cors lint` prints about it.
struct LoadedPolicy {
    enum Status: Int32 {
        case valid = 0
        case invalid = 1
        case unreadable = 2
    }

    var policy: CORSPolicy?
    var status: Status
    /// Lines to print: file problems, then validation errors and warnings.
    var lines: [String]

    /// Reads, parses and validates `path`; never throws, every failure becomes a status and lines.
    static func load(_ path: String) -> LoadedPolicy {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read as UTF-8 text" : "does not exist"
            return LoadedPolicy(policy: nil, status: .unreadable, lines: ["error: \(path) \(reason)"])
        }
        let read: (policy: CORSPolicy, problems: [CORSPolicyFile.Problem])
        do {
            read = try CORSPolicyFile.read(text)
        } catch {
            return LoadedPolicy(
                policy: nil,
                status: .unreadable,
                lines: ["error: \(path):\(error.line):\(error.column): \(error.message)"]
            )
        }
        let diagnostics = read.policy.validate()
        let lines = read.problems.map(\.description) + diagnostics.lines
        let valid = read.problems.isEmpty && diagnostics.isValid
        return LoadedPolicy(policy: valid ? read.policy : nil, status: valid ? .valid : .invalid, lines: lines)
    }

    /// The last line `cors lint` prints.
    func summary(for path: String) -> String {
        let errors = lines.filter { $0.hasPrefix("error") }.count
        let warnings = lines.filter { $0.hasPrefix("warning") }.count
        switch status {
        case .valid: return "\(path): valid" + (warnings > 0 ? " with \(warnings) warning\(warnings == 1 ? "" : "s")" : "")
        case .invalid: return "\(path): invalid: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        case .unreadable: return "\(path): not a policy file"
        }
    }
}
