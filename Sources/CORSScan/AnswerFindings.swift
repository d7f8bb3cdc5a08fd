import CORS
import CORSBrowser
import HTTPTypes

/// The classes read off the answers the probes got rather than off which origin was trusted:
/// the preflight's echo, `*`, values that are no origin, and a missing `Vary`.
extension CORSScanner {
    /// Echoing the probe's own made-up method or header is reflection; Authorization granted
    /// along with it, or credentials, makes it worse.
    func preflightReflection(_ exchange: ProbeExchange, method: String, header: String) -> ScanFinding? {
        let methods = exchange.fields[values: .accessControlAllowMethods].flatMap { $0.split(separator: ",") }.map { $0.trimmingHTTPWhitespace() }
        let headers = exchange.fields[values: .accessControlAllowHeaders].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingHTTPWhitespace().lowercased() }
        let echoedMethod = methods.contains(method)
        let echoedHeader = headers.contains(header)
        guard echoedMethod || echoedHeader else { return nil }
        let authorization = headers.contains("authorization")
        let credentials = exchange.allowCredentials == "true"
        var echoed: [String] = []
        if echoedMethod { echoed.append("the method \(method)") }
        if echoedHeader { echoed.append("the header \(header)") }
        if authorization { echoed.append("Authorization") }
        let detail =
            "The preflight granted what it was asked for, \(echoed.joined(separator: " and ")) (made up for this scan)"
            + (credentials ? ", with credentials." : ".")
        return ScanFinding(
            kind: .preflightReflection,
            severity: credentials || authorization ? .medium : .low,
            detail: detail,
            evidence: exchange,
            credentials: credentials
        )
    }

    /// `*` on an answer to a foreign origin: readable by every site (info, unless the endpoint
    /// looks private), and broken when it comes with credentials.
    func wildcardFindings(_ exchanges: [ProbeExchange], reflectionFound: Bool) -> [ScanFinding] {
        var findings: [ScanFinding] = []
        let wildcards = exchanges.filter { $0.allowOriginValues == ["*"] }
        // Only answers to a request with an Origin count: a browser's cross-origin request has one.
        if let exchange = wildcards.first(where: { $0.origin != nil && $0.origin != target.site.serialized })
            ?? wildcards.first(where: { $0.origin != nil }),
            (200...299).contains(exchange.status), exchange.bodyLength > 0
        {
            let cacheControl = exchange.fields[values: .cacheControl].joined(separator: ",").lowercased()
            let looksPrivate =
                cacheControl.contains("private") || Self.isPrivateNetworkHost(target.host) || Self.isPrivateNetworkHost(Self.host(of: target.url))
            let detail =
                "Every site can read this response (\(exchange.bodyLength) bytes)"
                + (looksPrivate
                    ? "; the endpoint looks private (Cache-Control: private, or a private-network host), so this likely leaks."
                    : "; fine if the data is public.")
            findings.append(
                ScanFinding(kind: .wildcardOrigin, severity: looksPrivate ? .medium : .info, detail: detail, evidence: exchange, credentials: false)
            )
        }
        if let exchange = wildcards.first(where: { $0.allowCredentials == "true" }) {
            let detail =
                reflectionFound
                ? "`*` with credentials is refused by browsers; with an Origin sent, the server reflects it instead (see reflected-origin), as some frameworks do."
                : "Browsers refuse `*` with credentials, so every credentialed read fails; probed with crafted Origins, the server did not turn it into reflection."
            findings.append(ScanFinding(kind: .wildcardWithCredentials, severity: .low, detail: detail, evidence: exchange, credentials: true))
        }
        return findings
    }

    /// Several Access-Control-Allow-Origin lines, a list in one, or a value that is no origin (an
    /// echo of what the probe sent is judged by the origin classes, not here).
    func invalidAllowOrigin(_ exchanges: [ProbeExchange]) -> ScanFinding? {
        for exchange in exchanges {
            let values = exchange.allowOriginValues
            guard !values.isEmpty else { continue }
            if values.count > 1 {
                return ScanFinding(
                    kind: .invalidAllowOrigin,
                    severity: .low,
                    detail:
                        "The response carries \(values.count) Access-Control-Allow-Origin lines (\(values.joined(separator: " | "))); browsers refuse several.",
                    evidence: exchange,
                    credentials: false
                )
            }
            let value = values[0]
            if value == "*" || value == "null" || value == exchange.origin { continue }
            if value.contains(",") || value.contains(" ") {
                return ScanFinding(
                    kind: .invalidAllowOrigin,
                    severity: .low,
                    detail: "Access-Control-Allow-Origin holds a list (\(value)); browsers accept exactly one origin.",
                    evidence: exchange,
                    credentials: false
                )
            }
            if Origin(value) == nil {
                return ScanFinding(
                    kind: .invalidAllowOrigin,
                    severity: .low,
                    detail:
                        "Access-Control-Allow-Origin is '\(value)', not an origin as browsers serialize it (scheme://host[:port], lowercase, no path); no origin ever matches it.",
                    evidence: exchange,
                    credentials: false
                )
            }
        }
        return nil
    }

    /// The CORS answer differs between Origins while some answer does not say `Vary: Origin`.
    func missingVary(_ exchanges: [ProbeExchange]) -> ScanFinding? {
        let gets = exchanges.filter { $0.method == "GET" }
        let answers = Set(gets.map { $0.allowOriginValues.joined(separator: "\n") + "\u{0}" + $0.allowCredentials })
        guard answers.count > 1 else { return nil }
        guard let missing = gets.first(where: { !$0.varyNames.contains("origin") && !$0.varyNames.contains("*") }) else { return nil }
        let other = gets.first { $0.allowOriginValues != missing.allowOriginValues }
        let described: (ProbeExchange?) -> String = { exchange in
            guard let exchange else { return "" }
            let sent = exchange.origin.map { "a request with Origin \($0)" } ?? "a request without Origin"
            let got =
                exchange.allowOriginValues.isEmpty
                ? "no Access-Control-Allow-Origin" : "Access-Control-Allow-Origin: \(exchange.allowOriginValues.joined(separator: ", "))"
            return "\(sent) gets \(got)"
        }
        var detail = described(missing) + " and no Vary: Origin, while " + described(other) + "; a cache can serve one answer to the other."
        detail = detail.prefix(1).uppercased() + detail.dropFirst()
        return ScanFinding(kind: .missingVary, severity: .low, detail: detail, evidence: missing, credentials: false)
    }

    static func host(of url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return "" }
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        if hostPort.hasPrefix("[") { return String(hostPort.prefix { $0 != "]" }) + "]" }
        return String(hostPort.prefix { $0 != ":" }).lowercased()
    }

    /// RFC 1918 and RFC 4193 addresses and names that only resolve inside a network: where `*`
    /// lets any public site read what only insiders should (loopback is not counted, it is
    /// where the scanner's own tests and local development run).
    static func isPrivateNetworkHost(_ host: String) -> Bool {
        let octets = host.split(separator: ".").compactMap { Int($0) }
        if octets.count == 4 {
            if octets[0] == 10 || (octets[0] == 192 && octets[1] == 168) || (octets[0] == 172 && (16...31).contains(octets[1])) {
                return true
            }
            return false
        }
        if host.hasPrefix("[fc") || host.hasPrefix("[fd") { return true }
        return [".internal", ".local", ".corp", ".lan", ".intranet", ".home.arpa"].contains { host.hasSuffix($0) }
    }
}
