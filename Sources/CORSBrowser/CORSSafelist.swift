import CORS

/// Which request headers a script may send cross-origin without a preflight (Fetch §2.2.2
/// "CORS-safelisted request-header") and which names a preflight must ask about
/// ("CORS-unsafe request-header names").
public enum CORSSafelist {
    /// The longest value a safelisted header may have (Fetch §2.2.2, step 2).
    public static let maximumValueLength = 128
    /// The most bytes all safelisted values together may have before they all count as unsafe.
    public static let maximumTotalValueLength = 1024

    /// Fetch §2.2.2 "CORS-unsafe request-header byte".
    static func isUnsafeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x00...0x08, 0x0A...0x1F, 0x22, 0x28, 0x29, 0x3A, 0x3C, 0x3E, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F:
            return true
        default:
            return false
        }
    }

    /// The bytes Accept-Language and Content-Language values may contain.
    static func isLanguageByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: " "), UInt8(ascii: "*"), UInt8(ascii: ","),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// The three MIME essences a Content-Type may have without a preflight.
    public static let safelistedContentTypes: Set<String> = [
        "application/x-www-form-urlencoded", "multipart/form-data", "text/plain",
    ]

    /// Fetch §2.2.2 "CORS-safelisted request-header": whether (name, value) needs no preflight in
    /// `browser` (Chromium adds client hints to the standard's list).
    public static func isSafelisted(name: String, value: String, browser: BrowserProfile = .chromium) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count <= maximumValueLength else { return false }
        switch name.lowercased() {
        case "accept":
            return !bytes.contains(where: isUnsafeByte)
        case "accept-language", "content-language":
            return bytes.allSatisfy(isLanguageByte)
        case "content-type":
            guard !bytes.contains(where: isUnsafeByte), let essence = MIMEType.essence(of: value) else { return false }
            return safelistedContentTypes.contains(essence)
        case "range":
            // Case-sensitive, as the Fetch Standard parses it: Chromium 156 preflights `Bytes=0-`.
            return SingleRange(value) != nil
        default:
            return browser.safelistsClientHints && isChromiumClientHint(name: name.lowercased(), value: value)
        }
    }

    /// The client-hint names Chromium safelists, lowercased.
    public static let chromiumClientHints: Set<String> = ["dpr", "device-memory", "downlink", "width", "viewport-width", "rtt", "save-data", "ect"]

    /// Chromium also safelists these client-hint headers (not in the Fetch Standard), when their
    /// values are well-formed: numbers for DPR, Device-Memory and Downlink, whole numbers for Width,
    /// Viewport-Width and RTT, `on` for Save-Data, a connection type for ECT. Observed on Chromium
    /// 156: each valid value goes out without a preflight, `DPR: abc` is preflighted.
    static func isChromiumClientHint(name: String, value: String) -> Bool {
        guard chromiumClientHints.contains(name) else { return false }
        func isNumber(_ text: String) -> Bool {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
        }
        switch name {
        case "dpr", "device-memory", "downlink": return isNumber(value)
        case "width", "viewport-width", "rtt": return !value.isEmpty && value.allSatisfy(\.isASCIIDigit)
        case "save-data": return value == "on"
        case "ect": return ["slow-2g", "2g", "3g", "4g"].contains(value)
        default: return false
        }
    }

    /// Fetch §2.2.2 "CORS-unsafe request-header names": lowercased, sorted, without duplicates
    /// (Firefox keeps one per entry: `listsRepeatedNamesInPreflight`).
    public static func unsafeNames(_ headers: [(name: String, value: String)], browser: BrowserProfile = .chromium) -> [String] {
        var unsafe: [String] = []
        var potentiallyUnsafe: [String] = []
        var totalSafelistedLength = 0
        for (name, value) in headers {
            if isSafelisted(name: name, value: value, browser: browser) {
                potentiallyUnsafe.append(name)
                totalSafelistedLength += value.utf8.count
            } else {
                unsafe.append(name)
            }
        }
        if totalSafelistedLength > maximumTotalValueLength { unsafe += potentiallyUnsafe }
        let lowered = unsafe.map { $0.lowercased() }
        return (browser.listsRepeatedNamesInPreflight ? lowered : Array(Set(lowered)))
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// `bytes=N-` or `bytes=N-M` with N ≤ M (Fetch §2.2.2 "parse a single range header value",
/// without whitespace); the suffix form `bytes=-N` is not safelisted.
struct SingleRange {
    let start: UInt64
    let end: UInt64?

    init?(_ value: String) {
        guard value.hasPrefix("bytes=") else { return nil }
        let rest = value.dropFirst(6)
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        let first = rest[..<dash]
        let last = rest[rest.index(after: dash)...]
        guard !first.isEmpty, first.allSatisfy(\.isASCIIDigit), let start = UInt64(first) else { return nil }
        if last.isEmpty {
            end = nil
        } else {
            guard last.allSatisfy(\.isASCIIDigit), let end = UInt64(last), start <= end else { return nil }
            self.end = end
        }
        self.start = start
    }
}

extension Character {
    /// One of the ten bytes 0-9. Not `("0"..."9").contains(self)`: characters compare as
    /// grapheme clusters, and `3` followed by combining marks lies between "0" and "9".
    var isASCIIDigit: Bool {
        guard let ascii = asciiValue else { return false }
        return ascii >= UInt8(ascii: "0") && ascii <= UInt8(ascii: "9")
    }
}
