extension CORSPolicy {
    /// Every error and warning in this policy, all at once.
    public func validate() -> CORSPolicyDiagnostics { checked().diagnostics }

    /// Validation, plus the parsed origin patterns the responder compiles.
    func checked() -> (diagnostics: CORSPolicyDiagnostics, patterns: [OriginPattern]) {
        var errors: [CORSPolicyError] = []
        var warnings: [CORSPolicyWarning] = []
        var patterns: [OriginPattern] = []

        // allowOrigins
        if allowsAnyOrigin {
            if allowCredentials { errors.append(.wildcardOriginWithCredentials) }
        } else {
            if allowOrigins.isEmpty && allowOriginPredicate == nil { errors.append(.noOriginsAllowed) }
            var seen: Set<String> = []
            for (index, entry) in allowOrigins.enumerated() {
                if !seen.insert(entry).inserted {
                    warnings.append(.duplicate(key: "allowOrigins", index: index, value: entry))
                    continue
                }
                let pattern: OriginPattern
                do {
                    pattern = try OriginPattern(parsing: entry)
                } catch {
                    switch error {
                    case .wildcardInList: errors.append(.wildcardOriginAmongOthers(index: index))
                    case .empty: errors.append(.notASerializedOrigin(index: index, value: entry, suggestion: nil))
                    case .notAnOrigin(_, let suggestion):
                        errors.append(.notASerializedOrigin(index: index, value: entry, suggestion: suggestion))
                    case .fileScheme: errors.append(.fileOrigin(index: index, value: entry))
                    case .misplacedWildcard: errors.append(.misplacedWildcard(index: index, value: entry))
                    case .matchesEverySite: errors.append(.patternMatchesEverySite(index: index, value: entry))
                    case .subdomainsOfAddress: errors.append(.subdomainsOfIPAddress(index: index, value: entry))
                    }
                    continue
                }
                switch pattern {
                case .null:
                    if !dangerouslyAllowNullOrigin { errors.append(.nullOriginNotOptedIn(index: index)) }
                case .subdomains(_, let base, _, _):
                    if !dangerouslyAllowSubdomainsOfPublicSuffixes, base != "localhost", PublicSuffixList.isPublicSuffix(base) {
                        errors.append(.patternCoversPublicSuffix(index: index, value: entry, suffix: base))
                    }
                default: break
                }
                if allowCredentials, !dangerouslyAllowInsecureOriginsWithCredentials, pattern.scheme == "http",
                    !pattern.isLoopback
                {
                    errors.append(.insecureOriginWithCredentials(index: index, value: entry))
                }
                patterns.append(pattern)
            }
        }

        // allowMethods
        checkWildcard(allowMethods, key: "allowMethods", loneOnly: true, errors: &errors)
        var seenMethods: Set<String> = []
        for (index, method) in allowMethods.enumerated() where method != "*" {
            if !seenMethods.insert(method).inserted {
                warnings.append(.duplicate(key: "allowMethods", index: index, value: method))
            } else if !HTTPToken.isToken(method) {
                errors.append(.notAToken(key: "allowMethods", index: index, value: method))
            } else if FetchVocabulary.forbiddenMethods.contains(method.uppercased()) {
                errors.append(.forbiddenMethod(index: index, value: method))
            } else if FetchVocabulary.safelistedMethods.contains(method) {
                warnings.append(.safelistedMethodListed(index: index, value: method))
            } else if method != method.uppercased(), FetchVocabulary.normalizedMethods.contains(method.uppercased()) {
                warnings.append(.methodNeverSentInThisCase(index: index, value: method))
            }
        }

        // allowHeaders: "*" may stand beside names (it never covers Authorization).
        checkWildcard(allowHeaders, key: "allowHeaders", loneOnly: false, errors: &errors)
        var seenHeaders: Set<String> = []
        for (index, name) in allowHeaders.enumerated() where name != "*" {
            if !seenHeaders.insert(name.lowercased()).inserted {
                warnings.append(.duplicate(key: "allowHeaders", index: index, value: name))
            } else if !HTTPToken.isToken(name) {
                errors.append(.notAToken(key: "allowHeaders", index: index, value: name))
            } else if FetchVocabulary.isForbiddenRequestHeaderName(name) {
                warnings.append(.forbiddenRequestHeaderListed(index: index, value: name))
            }
        }

        // exposeHeaders
        checkWildcard(exposeHeaders, key: "exposeHeaders", loneOnly: true, errors: &errors)
        var seenExposed: Set<String> = []
        for (index, name) in exposeHeaders.enumerated() where name != "*" {
            let lower = name.lowercased()
            if !seenExposed.insert(lower).inserted {
                warnings.append(.duplicate(key: "exposeHeaders", index: index, value: name))
            } else if !HTTPToken.isToken(name) {
                errors.append(.notAToken(key: "exposeHeaders", index: index, value: name))
            } else if FetchVocabulary.forbiddenResponseHeaders.contains(lower) {
                warnings.append(.unexposableHeader(index: index, value: name))
            } else if FetchVocabulary.safelistedResponseHeaders.contains(lower) {
                warnings.append(.safelistedHeaderExposed(index: index, value: name))
            }
        }

        if let maxAge {
            if maxAge < 0 {
                errors.append(.negativeMaxAge(maxAge))
            } else if maxAge > 86400 {
                errors.append(.maxAgeAboveOneDay(maxAge))
            } else if maxAge > 7200 {
                warnings.append(.maxAgeAboveChromiumCap(maxAge))
            }
        }
        if !(200...299).contains(preflightStatus) { errors.append(.preflightStatusNotOK(preflightStatus)) }
        return (CORSPolicyDiagnostics(errors: errors, warnings: warnings), patterns)
    }

    private func checkWildcard(_ list: [String], key: String, loneOnly: Bool, errors: inout [CORSPolicyError]) {
        guard let index = list.firstIndex(of: "*") else { return }
        if allowCredentials {
            errors.append(.wildcardWithCredentials(key: key))
        } else if loneOnly, list.count > 1 {
            errors.append(.wildcardAmongOthers(key: key, index: index))
        }
    }
}

extension OriginPattern {
    /// Whether every origin this pattern matches is loopback (`localhost`, `127.x`, `[::1]`).
    var isLoopback: Bool {
        switch self {
        case .exact(let origin): return origin.isLoopback
        case .anyPort(let scheme, let host):
            return Origin("\(scheme)://\(host)")?.isLoopback ?? false
        case .subdomains(_, let base, _, _): return base == "localhost"
        case .null: return false
        }
    }
}
