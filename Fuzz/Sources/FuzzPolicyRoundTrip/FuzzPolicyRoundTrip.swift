import CORS
import FuzzSupport

/// A policy written by `CORSPolicyFile.write` reads back with no problem as the same policy, and
/// writing it again gives the same text, whatever its strings hold (quotes, backslashes, control
/// characters, any Unicode, `*` alone or among others) and whatever its numbers are.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicyRoundTrip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        check(&input)
    }
}

let strings = [
    "*", "https://app.test", "https://*.example.com", "\"", "\\", "\u{0}", "\n", "\u{1F}", "\u{7F}", "é", "\u{2028}", "\u{FFFD}", "😀", "", " ",
    "\\u0041", "PUT",
]

func list(_ input: inout FuzzInput) -> [String] {
    (0..<input.int(in: 0...4)).map { _ in input.bool() ? input.pick(strings) : input.string(maximum: 24) }
}

func integer(_ input: inout FuzzInput) -> Int {
    switch input.byte() % 4 {
    case 0: return input.pick([0, 5, 200, 204, -1, 86400, Int.max, Int.min, 1 << 53, -(1 << 53) - 1])
    case 1: return input.int(in: -1000...100_000)
    default:
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(input.byte()) }
        return Int(truncatingIfNeeded: value)
    }
}

func check(_ input: inout FuzzInput) {
    let flags = input.byte()
    let policy = CORSPolicy(
        allowOrigins: list(&input),
        allowMethods: list(&input),
        allowHeaders: list(&input),
        exposeHeaders: list(&input),
        allowCredentials: flags & 1 != 0,
        maxAge: flags & 2 != 0 ? integer(&input) : nil,
        preflightStatus: flags & 4 != 0 ? integer(&input) : 204,
        preflightPassthrough: flags & 8 != 0,
        dangerouslyAllowNullOrigin: flags & 16 != 0,
        dangerouslyAllowInsecureOriginsWithCredentials: flags & 32 != 0,
        dangerouslyAllowSubdomainsOfPublicSuffixes: flags & 64 != 0
    )
    let written = CORSPolicyFile.write(policy)
    let read: (policy: CORSPolicy, problems: [CORSPolicyFile.Problem])
    do {
        read = try CORSPolicyFile.read(written)
    } catch {
        disagreement("the written policy is not JSON (\(error)):\n\(written)")
    }
    require(read.problems.isEmpty, "the written policy has problems \(read.problems):\n\(written)")
    require(read.policy == policy, "read back differs:\n\(written)\nread \(read.policy)")
    require(CORSPolicyFile.write(read.policy) == written, "written twice differs:\n\(written)")
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzPolicyRoundTrip) }
}
