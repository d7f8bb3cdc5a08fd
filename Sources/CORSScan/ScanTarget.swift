import CORS
import CORSFetch

/// What a scan is about: the endpoint's URL, the site that legitimately calls it, the site's
/// registrable domain, and this scan's random attacker label (fresh per scan, so no cache can
/// answer one scan's probe with another's response).
public struct ScanTarget: Sendable {
    /// The endpoint to probe.
    public let url: String
    /// The site's own origin (`--site`, or the URL's origin).
    public let site: Origin
    /// The site's registrable domain (`target.com` for `www.target.com`): `nil` for an IP address,
    /// a single label, or a host that is itself a public suffix.
    public let domain: String?
    /// Random lowercase letters and digits, unique to this scan.
    public let label: String

    /// Parses and checks the URL and the site; the error says which one is wrong and how.
    public init(url: String, site: String? = nil, label: String? = nil) throws(ScanError) {
        guard let parts = URLParts(url) else { throw .invalidURL(url) }
        guard !parts.hasCredentials else { throw .credentialsInURL(url) }
        let siteText = site ?? parts.origin
        guard let origin = Origin(siteText), origin.scheme == "http" || origin.scheme == "https" else {
            throw .invalidSite(siteText, suggestion: site == nil ? nil : Self.suggestion(for: siteText))
        }
        self.url = url
        self.site = origin
        self.domain = Self.registrableDomain(of: String(origin.host))
        // A given label (tests pin one) keeps only what a DNS label may hold.
        let given = (label ?? "").lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        self.label = given.isEmpty ? Self.randomLabel() : String(given.prefix(20))
    }

    /// The site's host.
    public var host: String { String(site.host) }
    /// The site's scheme.
    public var scheme: String { String(site.scheme) }
    /// `:port` when the site has an explicit one, else empty.
    var portSuffix: String { site.port.map { ":\($0)" } ?? "" }
    /// A domain only this scan uses, standing for one an attacker registers.
    public var attackerDomain: String { "evil\(label).net" }

    /// Whether the host is a dotted IPv4 or bracketed IPv6 address.
    var hostIsAddress: Bool {
        host.hasPrefix("[") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    /// The registrable domain by the Public Suffix List: the public suffix plus one label.
    static func registrableDomain(of host: String) -> String? {
        if host.hasPrefix("[") || host.split(separator: ".").allSatisfy({ $0.allSatisfy(\.isNumber) }) { return nil }
        let labels = host.split(separator: ".").map(String.init)
        var index = labels.count - 1
        var candidate = labels[index]
        while PublicSuffixList.isPublicSuffix(candidate) {
            guard index > 0 else { return nil }
            index -= 1
            candidate = labels[index] + "." + candidate
        }
        return candidate
    }

    static func randomLabel() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<8).map { _ in alphabet.randomElement()! })
    }

    static func suggestion(for text: String) -> String? {
        var candidate = text.lowercased()
        while candidate.hasSuffix("/") { candidate.removeLast() }
        if let parts = URLParts(candidate), Origin(parts.origin) != nil, parts.origin != text { return parts.origin }
        return nil
    }
}
