import Foundation
import FrameworkVariants

// Issue #3's framework comparison in alternating rounds: every round times a batch of each request
// kind through each setup, so slow drift (other processes, frequency, caches) hits every setup
// alike. The overhead of a setup is its time minus the baseline's *in the same round*; the figure
// reported is the median over rounds, with the middle half of the rounds beside it.
// Usage: AlternatingBenchmark [rounds=21] [Hummingbird|Vapor [KIND [SETUP]]]
// (one framework only; one request kind and one setup besides the baseline, for profiling)
let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 21 : 21
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : nil
let hummingbirdBatch = 4000
let vaporBatch = 2000

func nanoseconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func quartiles(_ values: [Double]) -> (Double, Double) {
    let sorted = values.sorted()
    return (sorted[sorted.count / 4], sorted[(sorted.count * 3) / 4])
}

/// Per (framework, kind, setup): ns per request, one value per round.
var samples: [String: [Double]] = [:]
let onlySetup = CommandLine.arguments.count > 4 ? CommandLine.arguments[4] : nil
func kept(_ name: String) -> Bool { onlySetup == nil || name == "baseline" || name.hasPrefix(onlySetup!) }
let hummingbird = only == "Vapor" ? [] : FrameworkVariants.hummingbirdVariants().filter { kept($0.name) }
let vapor = only == "Hummingbird" ? [] : FrameworkVariants.vaporVariants().filter { kept($0.name) }
let kinds =
    CommandLine.arguments.count > 3
    ? FrameworkVariants.kinds.filter { $0.name.hasPrefix(CommandLine.arguments[3]) } : FrameworkVariants.kinds
// One warm-up round, not recorded.
for round in 0...rounds {
    for kind in kinds {
        let head = FrameworkVariants.hummingbirdHead(kind)
        for (name, responder) in hummingbird {
            let time = try await nanoseconds { try await FrameworkVariants.runHummingbird(responder, head: head, count: hummingbirdBatch) }
            if round > 0 { samples["Hummingbird|\(kind.name)|\(name)", default: []].append(time / Double(hummingbirdBatch)) }
        }
        for (name, setup) in vapor {
            let time = try await nanoseconds { try await FrameworkVariants.runVapor(setup, kind, count: vaporBatch) }
            if round > 0 { samples["Vapor|\(kind.name)|\(name)", default: []].append(time / Double(vaporBatch)) }
        }
    }
}
for (_, setup) in vapor { try await setup.app.asyncShutdown() }

print("\(rounds) alternating rounds; Hummingbird batches of \(hummingbirdBatch), Vapor of \(vaporBatch) requests")
for (framework, names) in [("Hummingbird", hummingbird.map(\.name)), ("Vapor", vapor.map(\.name))] where !names.isEmpty {
    print("\n| \(framework): overhead over baseline, ns (p25-p75 of rounds) | " + kinds.map(\.name).joined(separator: " | ") + " |")
    print("|---|" + String(repeating: "---|", count: kinds.count))
    var overheads: [String: [String: Double]] = [:]
    print(
        "| baseline, ns per request | " + kinds.map { String(Int(median(samples["\(framework)|\($0.name)|baseline"]!))) }.joined(separator: " | ")
            + " |"
    )
    for name in names where name != "baseline" {
        var cells: [String] = []
        for kind in kinds {
            let base = samples["\(framework)|\(kind.name)|baseline"]!
            let mine = samples["\(framework)|\(kind.name)|\(name)"]!
            let differences = zip(mine, base).map { $0 - $1 }
            let (low, high) = quartiles(differences)
            overheads[name, default: [:]][kind.name] = median(differences)
            cells.append("\(Int(median(differences))) (\(Int(low))-\(Int(high)))")
        }
        print("| \(name) | " + cells.joined(separator: " | ") + " |")
    }
    if let ours = overheads["swift-cors"], let theirs = overheads["built-in"] {
        print(
            "| **ratio swift-cors / built-in** | "
                + kinds.map { kind in
                    let denominator = theirs[kind.name]!
                    return denominator > 0 ? String(format: "**%.2f**", ours[kind.name]! / denominator) : "n/a (built-in ≤ 0)"
                }.joined(separator: " | ") + " |"
        )
    }
}
