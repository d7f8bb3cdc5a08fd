/// The Origin values a scan sends for each origin-trust class, derived from the site's host and
/// domain and the scan's attacker label, and the rule each class stands for (so a narrower class
/// is not reported for an origin a broader finding already explains).
/// Every value is one a browser can send: a serialized origin, or `null`.
public struct CraftedOrigins: Sendable {
    /// The scan whose origins these are.
    public let target: ScanTarget

    /// The crafted origins for `target`.
    public init(_ target: ScanTarget) { self.target = target }

    /// Characters the URL Standard lets a domain hold (they are not "forbidden domain code points",
    /// URL §3.1) beyond letters, digits, `-` and `.`: a check that takes them for the end of the host
    /// trusts `https://www.site.com_.attacker.net`.
    public static let hostCharacters: [Character] = ["_", "`", "{", "}", "!", "~", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", "\""]

    /// The candidates for `kind`, in the order they are tried, or why the class cannot be tried.
    public func candidates(for kind: MisconfigurationClass) -> Result<[String], NotTried> {
        let scheme = target.scheme
        let host = target.host
        let attacker = target.attackerDomain
        let port = target.portSuffix
        switch kind {
        case .reflectedOrigin:
            return .success(["\(scheme)://\(attacker)"])
        case .nullOrigin:
            return .success(["null"])
        case .prefixMatch:
            return .success(["\(scheme)://\(host).\(attacker)"])
        case .specialCharacters:
            return .success(Self.hostCharacters.map { "\(scheme)://\(host)\($0).\(attacker)" })
        case .suffixMatch, .substringMatch, .anySubdomain, .unescapedDot:
            guard let domain = target.domain else { return .failure(.noRegistrableDomain(host)) }
            switch kind {
            case .suffixMatch:
                return .success(["\(scheme)://evil\(target.label)\(domain)\(port)"])
            case .substringMatch:
                return .success(["\(scheme)://evil\(target.label)\(domain).\(attacker)"])
            case .anySubdomain:
                var list = ["\(scheme)://x\(target.label).\(host)\(port)"]
                if domain != host { list.append("\(scheme)://x\(target.label).\(domain)\(port)") }
                return .success(list)
            default:
                // Each dot of the host in turn replaced by a letter: `www.target.com` gives
                // `wwwxtarget.com` and `www.targetxcom`.
                var list: [String] = []
                for index in host.indices where host[index] == "." {
                    var lookalike = host
                    lookalike.replaceSubrange(index...index, with: "x")
                    list.append("\(scheme)://\(lookalike)\(port)")
                }
                return list.isEmpty ? .failure(.noDotInHost(host)) : .success(list)
            }
        case .insecureOrigin:
            guard scheme == "https" else { return .failure(.siteNotHTTPS(target.site.serialized)) }
            return .success(["http://\(host)\(port)"])
        case .wildcardOrigin, .wildcardWithCredentials, .invalidAllowOrigin, .missingVary, .preflightReflection:
            return .success([])
        }
    }

    /// Whether a server that makes mistake `kind` would trust `origin` anyway: what lets a finding
    /// of `kind` explain (and so hide) a narrower class's hit on `origin`.
    public func explains(_ kind: MisconfigurationClass, _ origin: String) -> Bool {
        switch kind {
        case .reflectedOrigin: return true
        case .substringMatch: return target.domain.map { origin.contains($0) } ?? false
        case .prefixMatch: return origin.hasPrefix("\(target.scheme)://\(target.host)")
        case .suffixMatch: return target.domain.map { origin.hasSuffix($0) || origin.hasSuffix($0 + target.portSuffix) } ?? false
        default: return false
        }
    }

    /// Why a class could not be tried against this target.
    public enum NotTried: Error, Sendable, Hashable, CustomStringConvertible {
        /// The site's host has no registrable domain to build look-alikes from.
        case noRegistrableDomain(String)
        /// The site's host has no `.` for the unescaped-dot class to replace.
        case noDotInHost(String)
        /// The site is plain http, so there is no insecure variant of it to try.
        case siteNotHTTPS(String)
        /// The request budget (`--max-requests`, given) ran out before this class.
        case budgetExhausted(Int)
        /// Every candidate is one a class already found trusts as well: the finding covers it.
        case explainedBy(MisconfigurationClass)

        /// The reason in a sentence, with what to do where something can be done.
        public var description: String {
            switch self {
            case .noRegistrableDomain(let host):
                return
                    "the site's host \(host) has no registrable domain (an IP address, a single label or a public suffix); pass --site with the site's real origin, e.g. --site https://www.example.com"
            case .noDotInHost(let host): return "the site's host \(host) has no dot to replace"
            case .siteNotHTTPS(let site): return "the site \(site) is itself plain http"
            case .budgetExhausted(let limit): return "the request budget (--max-requests \(limit)) ran out first"
            case .explainedBy(let kind):
                return "not sent: a server with \(kind.rawValue) trusts every origin this class tries; fixing that finding is the first step"
            }
        }
    }
}
