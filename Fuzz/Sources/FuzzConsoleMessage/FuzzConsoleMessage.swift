import CORSBrowser
import FuzzSupport

/// `cors explain`'s message reader (`ConsoleErrorReader`):
/// - any text: never a crash; what it recognizes quotes lines that are in the text (quotes
///   straightened), and its URL and origin hold no line break;
/// - every kind the engine knows, written in Chromium's and Firefox's words for a generated URL,
///   origin and value (with console noise around it), reads back as that kind, with the URL, the
///   origin (Chromium) and the value where the browser's words carry it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConsoleMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.withInput(data, size) { bytes in
        var input = FuzzInput(bytes)
        if input.byte() % 2 == 0 {
            checkAnyText(input.string(maximum: 4096))
        } else {
            checkRoundTrip(&input)
        }
    }
}

func checkAnyText(_ text: String) {
    guard case .success(let error) = ConsoleErrorReader.read(text) else { return }
    require(!error.lines.isEmpty, "recognized without a line: \(text.debugDescription)")
    let straight = String(text.map { "\u{2018}\u{2019}\u{201A}".contains($0) ? "'" : "\u{201C}\u{201D}\u{201E}".contains($0) ? "\"" : $0 })
        .replacing("\r\n", with: "\n")
    for line in error.lines { require(straight.contains(line), "line \(line.debugDescription) is not in \(text.debugDescription)") }
    for value in [error.url, error.origin, error.redirectedFrom].compactMap({ $0 }) {
        require(!value.contains("\n"), "a value spans lines: \(value.debugDescription)")
    }
}

let tokenCharacters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/*")

/// A non-empty run of `alphabet`, chosen by the input.
func word(_ input: inout FuzzInput, _ alphabet: [Character], maximum: Int = 24) -> String {
    String((0..<input.int(in: 1...maximum)).map { _ in input.pick(alphabet) })
}

func checkRoundTrip(_ input: inout FuzzInput) {
    let url = "http://" + word(&input, tokenCharacters) + (input.bool() ? "?q=" + word(&input, tokenCharacters) : "")
    let origin = "http://" + word(&input, tokenCharacters)
    // A value the browser quotes (no quote inside), or a token (no space).
    let value = word(&input, tokenCharacters + [" ", ","])
    let token = word(&input, tokenCharacters)
    let preflight = input.bool()
    let reasons: [CORSBlockReason] = [
        .missingAllowOriginHeader(preflight: preflight), .wildcardOriginNotAllowed(preflight: preflight),
        .multipleAllowOriginValues(value, preflight: preflight), .invalidAllowOriginValue(value, preflight: preflight),
        .allowOriginMismatch(value, preflight: preflight), .invalidAllowCredentials(value, preflight: preflight),
        .preflightInvalidStatus(input.int(in: 100...599)), .preflightDisallowedRedirect,
        .methodDisallowedByPreflightResponse(token), .headerDisallowedByPreflightResponse(token.lowercased()),
    ]
    let reason = input.pick(reasons)
    let before = input.pick(["", "GET \(url) net::ERR_FAILED 200 (OK)\n", "index.html:1 "])
    let after = input.pick(["", "\nUncaught (in promise) TypeError: Failed to fetch", "   app.js:12"])

    let chromium = ConsoleErrorReader.read(before + reason.chromiumMessage(url: url, origin: origin) + after)
    guard case .success(let read) = chromium else { disagreement("Chromium's \(reason) not read: \(chromium)") }
    var expected = reason
    if case .preflightInvalidStatus = reason { expected = .preflightInvalidStatus(0) }  // Chromium prints no status
    require(read.failure == .blocked(expected), "Chromium's \(reason) read as \(read.failure)")
    require(read.url == url && read.origin == origin, "Chromium's \(reason): url \(read.url ?? "-"), origin \(read.origin ?? "-")")

    let lines = reason.firefoxMessages(url: url, status: 403, interrupted: reason.isPreflight)
    let firefox = ConsoleErrorReader.read(before + lines.joined(separator: "\n") + after)
    guard case .success(let fromFirefox) = firefox, case .blocked(let got) = fromFirefox.failure else {
        disagreement("Firefox's \(reason) not read: \(firefox)")
    }
    // Firefox words an invalid value as a mismatch.
    let kind = if case .invalidAllowOriginValue = reason { CORSBlockReason.allowOriginMismatch("", preflight: preflight).kind } else { reason.kind }
    require(got.kind == kind && got.isPreflight == reason.isPreflight, "Firefox's \(reason) read as \(got)")
    require(fromFirefox.url == url, "Firefox's \(reason): url \(fromFirefox.url ?? "-")")
}

@main enum Main {
    static func main() { FuzzDriver.run(fuzzConsoleMessage) }
}
