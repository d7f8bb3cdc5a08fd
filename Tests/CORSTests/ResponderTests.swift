import CORS
import HTTPTypes
import Testing

@Suite struct ResponderTests {
    static let credentialed = CORSPolicy(
        allowOrigins: ["https://app.example.com", "https://*.example.org"],
        allowMethods: ["PUT", "DELETE"],
        allowHeaders: ["Content-Type", "X-Request-Id"],
        exposeHeaders: ["X-Total-Count"],
        allowCredentials: true,
        maxAge: 600
    )
    static let open = CORSPolicy(allowOrigins: ["*"], allowMethods: ["PUT"], allowHeaders: ["*"], exposeHeaders: ["*"])

    // MARK: Preflights

    @Test func allowedPreflightGetsEveryAllowHeaderAndNoBody() throws {
        let response = try responder(Self.credentialed).respond(
            to: preflight(origin: "https://app.example.com", method: "PUT", headers: "content-type,x-request-id")
        )
        #expect(response.status.code == 204)
        #expect(response.headerFields.values("Access-Control-Allow-Origin") == ["https://app.example.com"])
        #expect(response.headerFields.values("Access-Control-Allow-Credentials") == ["true"])
        #expect(response.headerFields.values("Access-Control-Allow-Methods") == ["PUT, DELETE"])
        #expect(response.headerFields.values("Access-Control-Allow-Headers") == ["Content-Type, X-Request-Id"])
        #expect(response.headerFields.values("Access-Control-Max-Age") == ["600"])
        #expect(response.headerFields.values("Access-Control-Expose-Headers") == [])
        #expect(
            response.headerFields.values("Vary")
                == ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
        )
    }

    @Test func preflightWithoutRequestedHeadersGetsNoAllowHeaders() throws {
        let response = try responder(Self.credentialed).respond(to: preflight(origin: "https://app.example.com", method: "PUT"))
        #expect(response.headerFields.values("Access-Control-Allow-Headers") == [])
    }

    @Test func anyOriginWithoutCredentialsAnswersStar() throws {
        let response = try responder(Self.open).respond(to: preflight(origin: "https://x.test", method: "PUT", headers: "x-a"))
        #expect(response.headerFields.values("Access-Control-Allow-Origin") == ["*"])
        #expect(response.headerFields.values("Access-Control-Allow-Credentials") == [])
        #expect(response.headerFields.values("Access-Control-Allow-Headers") == ["*"])
        #expect(response.headerFields.values("Vary") == ["Access-Control-Request-Method, Access-Control-Request-Headers"])
    }

    @Test func preflightStatusIsConfigurable() throws {
        var policy = Self.credentialed
        policy.preflightStatus = 200
        let response = try responder(policy).respond(to: preflight(origin: "https://app.example.com", method: "PUT"))
        #expect(response.status.code == 200)
    }

    @Test func optionsWithoutRequestMethodIsAnOrdinaryRequest() throws {
        let decision = try responder(Self.credentialed).decideNow(request(.options, [("Origin", "https://app.example.com")]))
        #expect(decision.outcome == .actualAllowed)
        #expect(!decision.answersWithoutApplication)
    }

    /// A policy of exact origins only refuses the others without scanning them (a hit is byte-equal
    /// to a validated origin): the reason must still tell malformed from merely unlisted.
    @Test(arguments: [
        ("https://App.example.com", CORSRejection.Reason.malformedOrigin),
        ("https://app.example.com/", .malformedOrigin),
        ("https://app.example.com:443", .malformedOrigin),
        ("https://app.example.com:", .malformedOrigin),
        ("", .malformedOrigin),
        ("https://app.example.co", .originNotAllowed),
        ("https://app.example.com.evil.net", .originNotAllowed),
        ("http://app.example.com", .originNotAllowed),
        ("https://app.example.com:8443", .originNotAllowed),
        ("http://localhost:300", .originNotAllowed),
        ("null", .originNotAllowed),
    ])
    func exactOnlyPoliciesRefuseOtherOriginsWithTheRightReason(_ origin: String, _ reason: CORSRejection.Reason) throws {
        let responder = try responder(CORSPolicy(allowOrigins: ["https://app.example.com", "http://localhost:3000"]))
        #expect(responder.decideNow(request(.get, [("Origin", "https://app.example.com")])).outcome == .actualAllowed)
        #expect(responder.decideNow(request(.get, [("Origin", "http://localhost:3000")])).outcome == .actualAllowed)
        let actual = responder.decideNow(request(.get, [("Origin", origin)]))
        #expect(actual.outcome == .actualRejected)
        #expect(actual.rejection?.reason == reason)
        let refused = responder.decideNow(preflight(origin: origin, method: "GET"))
        #expect(refused.outcome == .preflightRejected)
        #expect(refused.rejection?.reason == reason)
    }

    @Test(arguments: [
        ("https://evil.com", "PUT", "content-type", CORSRejection.Reason.originNotAllowed),
        ("https://app.example.com", "PATCH", "content-type", .methodNotAllowed),
        ("https://app.example.com", "put", "content-type", .methodNotAllowed),
        ("https://app.example.com", "PUT", "content-type,x-secret", .headerNotAllowed),
        ("https://app.example.com", "PUT X", "", .malformedRequestMethod),
        ("https://app.example.com", "PUT", "content-type;x", .malformedRequestHeaders),
        ("https://App.example.com", "PUT", "", .malformedOrigin),
    ])
    func refusedPreflightIs403WithoutAnyAllowHeader(
        _ origin: String,
        _ method: String,
        _ headers: String,
        _ reason: CORSRejection.Reason
    ) throws {
        let responder = try responder(Self.credentialed)
        let request = preflight(origin: origin, method: method, headers: headers)
        let decision = responder.decideNow(request)
        #expect(decision.outcome == .preflightRejected)
        #expect(decision.rejection?.reason == reason)
        #expect(decision.answersWithoutApplication)
        let response = decision.preflightResponse()
        #expect(response.status == .forbidden)
        #expect(!response.headerFields.contains { $0.name.canonicalName.hasPrefix("access-control-allow") })
        #expect(response.headerFields.values("Vary").count == 1)
        #expect(decision.explanation?.isEmpty == false)
    }

    @Test func explanationsSayWhatWasAskedAndWhatIsAllowed() throws {
        let responder = try responder(Self.credentialed)
        let header = responder.decideNow(preflight(origin: "https://app.example.com", method: "PUT", headers: "content-type, x-secret"))
        #expect(header.rejection?.subject == "x-secret")
        #expect(header.explanation?.contains("request header x-secret is not allowed") == true)
        #expect(header.explanation?.contains("Content-Type, X-Request-Id") == true)
        let method = responder.decideNow(preflight(origin: "https://app.example.com", method: "patch"))
        #expect(method.explanation?.contains("method patch is not allowed") == true)
        let origin = responder.decideNow(preflight(origin: "https://evil.com", method: "PUT"))
        #expect(origin.explanation?.contains("origin https://evil.com is not allowed") == true)
    }

    @Test func safelistedMethodsAreAlwaysAllowedInPreflights() throws {
        let responder = try responder(CORSPolicy(allowOrigins: ["https://a.com"], allowHeaders: ["X-A"]))
        for method in ["GET", "HEAD", "POST"] {
            #expect(responder.decideNow(preflight(origin: "https://a.com", method: method, headers: "x-a")).outcome == .preflightAllowed)
        }
        #expect(responder.decideNow(preflight(origin: "https://a.com", method: "PUT")).outcome == .preflightRejected)
    }

    @Test func wildcardHeadersNeverCoverAuthorizationUnlessNamed() throws {
        let star = try responder(CORSPolicy(allowOrigins: ["*"], allowHeaders: ["*"]))
        let refused = star.decideNow(preflight(origin: "https://a.com", method: "GET", headers: "authorization,x-a"))
        #expect(refused.rejection?.reason == .headerNotAllowed)
        #expect(refused.explanation?.contains("never covers Authorization") == true)
        let named = try responder(CORSPolicy(allowOrigins: ["*"], allowHeaders: ["*", "Authorization"]))
        let response = named.respond(to: preflight(origin: "https://a.com", method: "GET", headers: "authorization,x-a"))
        #expect(response.headerFields.values("Access-Control-Allow-Headers") == ["*, Authorization"])
    }

    @Test func requestedHeadersAreToleratedInEveryShapeClientsSend() throws {
        let responder = try responder(Self.credentialed)
        let shapes = ["content-type,x-request-id", " Content-Type , X-Request-ID ", "content-type,,x-request-id,", ",", ""]
        for shape in shapes {
            let decision = responder.decideNow(preflight(origin: "https://app.example.com", method: "PUT", headers: shape))
            #expect(decision.outcome == .preflightAllowed, "\(shape)")
        }
        // Several lines, as gateways may split them.
        let split = request(
            .options,
            [
                ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "content-type"), ("Access-Control-Request-Headers", "x-request-id"),
            ]
        )
        #expect(responder.decideNow(split).outcome == .preflightAllowed)
        let splitBad = request(
            .options,
            [
                ("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "x-nope"), ("Access-Control-Request-Headers", "content-type"),
            ]
        )
        #expect(splitBad.headerFields.count == 4)
        #expect(responder.decideNow(splitBad).rejection?.subject == "x-nope")
    }

    @Test func oversizedRequestedHeadersAreRefusedWithoutParsing() throws {
        let responder = try responder(Self.credentialed)
        let megabyte = String(repeating: ",", count: 1 << 20)
        let decision = responder.decideNow(preflight(origin: "https://app.example.com", method: "PUT", headers: megabyte))
        #expect(decision.rejection?.reason == .requestHeadersTooLarge)
        let commas = String(repeating: ",", count: 1000)
        #expect(
            responder.decideNow(preflight(origin: "https://app.example.com", method: "PUT", headers: commas)).rejection?.reason
                == .malformedRequestHeaders
        )
        let many = (0..<65).map { "x-h\($0)" }.joined(separator: ",")
        #expect(
            try CORSResponder(policy: Self.open).decideNow(preflight(origin: "https://app.example.com", method: "PUT", headers: many)).rejection?
                .reason
                == .requestHeadersTooLarge
        )
    }

    @Test func duplicateOriginOrMethodHeadersAreMalformed() throws {
        let responder = try responder(Self.credentialed)
        let twoOrigins = request(.get, [("Origin", "https://app.example.com"), ("Origin", "https://app.example.com")])
        #expect(responder.decideNow(twoOrigins).rejection?.reason == .malformedOrigin)
        let twoMethods = request(
            .options,
            [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Method", "PUT")]
        )
        #expect(responder.decideNow(twoMethods).rejection?.reason == .malformedRequestMethod)
    }

    @Test func passthroughHandsAllowedPreflightsToTheApplicationAndDecoratesItsAnswer() throws {
        var policy = Self.credentialed
        policy.preflightPassthrough = true
        let responder = try responder(policy)
        let allowed = responder.decideNow(preflight(origin: "https://app.example.com", method: "PUT", headers: "content-type"))
        #expect(!allowed.answersWithoutApplication)
        var response = HTTPResponse(status: .ok)
        allowed.apply(to: &response)
        #expect(response.headerFields.values("Access-Control-Allow-Methods") == ["PUT, DELETE"])
        #expect(response.headerFields.values("Access-Control-Allow-Origin") == ["https://app.example.com"])
        let refused = responder.decideNow(preflight(origin: "https://evil.com", method: "PUT"))
        #expect(refused.answersWithoutApplication)
    }

    // MARK: Actual requests

    @Test func allowedActualRequestGetsOriginCredentialsAndExposedHeadersOnly() throws {
        let response = try responder(Self.credentialed).respond(
            to: request(.get, [("Origin", "https://a.b.example.org")])
        )
        #expect(response.headerFields.values("Access-Control-Allow-Origin") == ["https://a.b.example.org"])
        #expect(response.headerFields.values("Access-Control-Allow-Credentials") == ["true"])
        #expect(response.headerFields.values("Access-Control-Expose-Headers") == ["X-Total-Count"])
        #expect(response.headerFields.values("Access-Control-Allow-Methods") == [])
        #expect(response.headerFields.values("Access-Control-Max-Age") == [])
        #expect(response.headerFields.values("Vary") == ["Origin"])
    }

    @Test func everyExactOriginIsEchoedWhetherItsFieldsArePrebuiltOrNot() throws {
        // The first 64 exact origins get prebuilt fields (a duplicate among them takes no slot);
        // the rest, and pattern matches, are built per request.
        let origins = (0..<100).map { "https://app\($0).example.com" }
        var listed = origins
        listed.insert("https://app3.example.com", at: 10)
        let policy = CORSPolicy(
            allowOrigins: listed + ["https://*.example.org"],
            allowMethods: ["PUT"],
            allowHeaders: ["X-A"],
            exposeHeaders: ["X-Total-Count"],
            allowCredentials: true
        )
        let cors = try responder(policy)
        let applicationAnswers: [(HTTPFields, vary: [String])] = [
            ([.vary: "Accept"], ["Accept, Origin"]),
            ([:], ["Origin"]),
            ([.accessControlAllowOrigin: "*", .accessControlAllowCredentials: "false"], ["Origin"]),
        ]
        for origin in origins + ["https://a.example.org"] {
            for (fields, vary) in applicationAnswers {
                let actual = cors.respond(to: request(.get, [("Origin", origin)]), application: HTTPResponse(status: .ok, headerFields: fields))
                #expect(actual.headerFields.values("Access-Control-Allow-Origin") == [origin])
                #expect(actual.headerFields.values("Access-Control-Allow-Credentials") == ["true"])
                #expect(actual.headerFields.values("Access-Control-Expose-Headers") == ["X-Total-Count"])
                #expect(actual.headerFields.values("Vary") == vary)
            }
            let answer = cors.respond(to: preflight(origin: origin, method: "PUT", headers: "x-a"))
            #expect(answer.headerFields.values("Access-Control-Allow-Origin") == [origin])
            #expect(answer.headerFields.values("Access-Control-Allow-Headers") == ["X-A"])
            let bare = cors.respond(to: preflight(origin: origin, method: "PUT"))
            #expect(bare.headerFields.values("Access-Control-Allow-Origin") == [origin])
            #expect(bare.headerFields.values("Access-Control-Allow-Headers") == [])
        }
        #expect(cors.respond(to: request(.get, [("Origin", "https://app100.example.com")])).headerFields.values("Access-Control-Allow-Origin") == [])
    }

    @Test func decorationKeepsEveryApplicationFieldInOrderWhateverTheirNumber() throws {
        // Fewer application fields than ours take another path (ours first, theirs appended):
        // both must give the same set, each field once, the application's in their own order.
        let cors = try responder(Self.credentialed)
        let names = ["Content-Type", "Content-Length", "ETag", "Cache-Control", "X-Request-Id", "Set-Cookie", "Set-Cookie"]
        for origin in ["https://app.example.com", "https://a.example.org"] {
            for count in 0...names.count {
                var fields = HTTPFields()
                for (index, name) in names.prefix(count).enumerated() {
                    fields.append(HTTPField(name: HTTPField.Name(name)!, value: "v\(index)"))
                }
                let decorated = cors.respond(
                    to: request(.get, [("Origin", origin)]),
                    application: HTTPResponse(status: .ok, headerFields: fields)
                )
                let theirs = decorated.headerFields.filter { names.contains($0.name.rawName) }.map { "\($0.name.rawName): \($0.value)" }
                #expect(theirs == fields.map { "\($0.name.rawName): \($0.value)" }, "\(origin), \(count) fields")
                #expect(decorated.headerFields.count == count + 4)
                #expect(decorated.headerFields.values("Access-Control-Allow-Origin") == [origin])
                #expect(decorated.headerFields.values("Access-Control-Allow-Credentials") == ["true"])
                #expect(decorated.headerFields.values("Access-Control-Expose-Headers") == ["X-Total-Count"])
                #expect(decorated.headerFields.values("Vary") == ["Origin"])
            }
        }
    }

    @Test func decoratingANonCORSResponseDirectlyEqualsDecidingAndApplying() throws {
        // Adapters skip the decision when there is no Origin; the response must not differ.
        let applications: [HTTPFields] = [
            [:], [.contentType: "text/plain"], [.vary: "Accept-Encoding"], [.vary: "*"], [.vary: "origin", .contentType: "a/b"],
            [.vary: "Accept", .contentLength: "2", .vary: "Access-Control-Request-Method"],
        ]
        for policy in [Self.credentialed, Self.open] {
            let cors = try responder(policy)
            for method in [HTTPRequest.Method.get, .options, .post] {
                for fields in applications {
                    var viaDecision = HTTPResponse(status: .ok, headerFields: fields)
                    cors.decideNow(request(method)).apply(to: &viaDecision)
                    var direct = fields
                    cors.decorateNonCORSResponse(&direct, isOptions: method == .options)
                    #expect(
                        direct.map { "\($0.name.rawName): \($0.value)" } == viaDecision.headerFields.map { "\($0.name.rawName): \($0.value)" },
                        "\(method) \(fields)"
                    )
                }
            }
        }
    }

    @Test func stringPairsAndFieldLinesCarryExactlyTheFieldsForEveryOriginAndOutcome() throws {
        // Pairs are what NIO-based adapters (Vapor) write, field lines what the gateway copies into
        // its heads; both must say what the HTTPFields say.
        let origins = (0..<70).map { "https://app\($0).example.com" }
        let policies = [
            CORSPolicy(
                allowOrigins: origins + ["https://*.example.org"],
                allowMethods: ["PUT"],
                allowHeaders: ["X-A"],
                exposeHeaders: ["X-Total-Count"],
                allowCredentials: true,
                maxAge: 60
            ),
            CORSPolicy(allowOrigins: ["*"], allowMethods: ["PUT"], allowHeaders: ["X-A"], exposeHeaders: ["X-Total-Count"]),
        ]
        func text(_ fields: some Sequence<HTTPField>) -> [String] { fields.map { "\($0.name.rawName): \($0.value)" } }
        func text(_ pairs: [(String, String)]) -> [String] { pairs.map { "\($0.0): \($0.1)" } }
        func lines(_ fields: some Sequence<HTTPField>) -> String { text(fields).map { $0 + "\r\n" }.joined() }
        func lines(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        for policy in policies {
            let cors = try responder(policy)
            for origin in [origins[0], origins[69], "https://a.example.org", "https://evil.test"] {
                var decisions: [CORSDecision] = []
                for headers in [nil, "x-a", "x-b"] {
                    let decision = try #require(cors.decideSynchronously(preflight(origin: origin, method: "PUT", headers: headers)))
                    #expect(text(decision.preflightAnswerPairs) == text(decision.preflightResponse().headerFields))
                    #expect(lines(decision.preflightAnswerFieldLines) == lines(decision.preflightResponse().headerFields))
                    decisions.append(decision)
                }
                decisions.append(try #require(cors.decideSynchronously(request(.get, [("Origin", origin)]))))
                for decision in decisions {
                    #expect(text(decision.accessControlPairs) == text(decision.accessControlFields))
                    #expect(lines(decision.accessControlFieldLines) == lines(decision.accessControlFields))
                    #expect(decision.varyPair.map { "\($0.0): \($0.1)" } == decision.varyField.map { "\($0.name.rawName): \($0.value)" })
                    #expect(lines(decision.varyFieldLine) == lines(decision.varyField.map { [$0] } ?? []))
                }
            }
        }
    }

    @Test func errorResponsesAreDecoratedToo() throws {
        let responder = try responder(Self.credentialed)
        for status in [HTTPResponse.Status.notFound, .unauthorized, .internalServerError] {
            let response = responder.respond(
                to: request(.post, [("Origin", "https://app.example.com")]),
                application: HTTPResponse(status: status)
            )
            #expect(response.headerFields.values("Access-Control-Allow-Origin") == ["https://app.example.com"])
        }
    }

    @Test func refusedActualRequestIsHandedOnUntouchedButVaries() throws {
        let responder = try responder(Self.credentialed)
        let decision = responder.decideNow(request(.delete, [("Origin", "https://evil.com")]))
        #expect(decision.outcome == .actualRejected)
        #expect(!decision.answersWithoutApplication)
        var response = HTTPResponse(status: .ok, headerFields: [.contentType: "application/json"])
        decision.apply(to: &response)
        #expect(response.headerFields == [.contentType: "application/json", .vary: "Origin"])
    }

    @Test func applicationSetAllowHeadersAreReplacedNotDuplicated() throws {
        let response = try responder(Self.credentialed).respond(
            to: request(.get, [("Origin", "https://app.example.com")]),
            application: HTTPResponse(status: .ok, headerFields: [.accessControlAllowOrigin: "*", .contentType: "text/plain"])
        )
        #expect(response.headerFields.values("Access-Control-Allow-Origin") == ["https://app.example.com"])
        #expect(response.headerFields.values("Content-Type") == ["text/plain"])
    }

    @Test func anyOriginWithoutCredentialsSendsStarAndNoVary() throws {
        let response = try responder(Self.open).respond(to: request(.get, [("Origin", "https://x.test")]))
        #expect(response.headerFields.values("Access-Control-Allow-Origin") == ["*"])
        #expect(response.headerFields.values("Access-Control-Expose-Headers") == ["*"])
        #expect(response.headerFields.values("Vary") == [])
    }

    // MARK: Vary

    @Test func nonCORSRequestsVaryOnOriginUnlessTheAnswerNeverDependsOnIt() throws {
        let noOrigin = request(.get)
        #expect(try responder(Self.credentialed).respond(to: noOrigin).headerFields.values("Vary") == ["Origin"])
        #expect(try responder(Self.open).respond(to: noOrigin).headerFields.values("Vary") == [])
        // Any origin *with* a predicate or a list still echoes, so it varies.
        #expect(
            try responder(CORSPolicy(allowOrigins: ["https://a.com"])).respond(to: noOrigin).headerFields.values("Vary")
                == ["Origin"]
        )
    }

    @Test func optionsRequestsAlwaysVaryOnThePreflightHeaders() throws {
        let plainOptions = request(.options)
        #expect(
            try responder(Self.credentialed).respond(to: plainOptions).headerFields.values("Vary")
                == ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
        )
    }

    @Test func varyIsMergedWithTheApplicationsAndNeverDuplicated() throws {
        let responder = try responder(Self.credentialed)
        let allowed = request(.get, [("Origin", "https://app.example.com")])
        let merged = responder.respond(to: allowed, application: HTTPResponse(status: .ok, headerFields: [.vary: "Accept-Encoding"]))
        #expect(merged.headerFields.values("Vary") == ["Accept-Encoding, Origin"])
        let already = responder.respond(to: allowed, application: HTTPResponse(status: .ok, headerFields: [.vary: "accept, origin"]))
        #expect(already.headerFields.values("Vary") == ["accept, origin"])
        let star = responder.respond(to: allowed, application: HTTPResponse(status: .ok, headerFields: [.vary: "*"]))
        #expect(star.headerFields.values("Vary") == ["*"])
        var twoLines = HTTPFields()
        twoLines.append(HTTPField(name: .vary, value: "Accept"))
        twoLines.append(HTTPField(name: .contentType, value: "text/plain"))
        twoLines.append(HTTPField(name: .vary, value: "Accept-Language"))
        let joined = responder.respond(to: allowed, application: HTTPResponse(status: .ok, headerFields: twoLines))
        #expect(joined.headerFields.values("Vary") == ["Accept, Accept-Language, Origin"])
        #expect(joined.headerFields.values("Content-Type") == ["text/plain"])
    }

    // MARK: Predicates

    @Test func syncPredicateDecidesOriginsTheListDoesNotName() throws {
        let policy = CORSPolicy(
            allowOrigins: ["https://a.com"],
            allowOriginPredicate: .sync { $0.host.hasSuffix(".tenant.test") }
        )
        let responder = try responder(policy)
        #expect(responder.decideNow(request(.get, [("Origin", "https://x.tenant.test")])).outcome == .actualAllowed)
        #expect(responder.decideNow(request(.get, [("Origin", "https://a.com")])).outcome == .actualAllowed)
        #expect(responder.decideNow(request(.get, [("Origin", "https://evil.test")])).outcome == .actualRejected)
    }

    @Test func asyncPredicateIsAwaitedOnlyWhenTheListDoesNotDecide() async throws {
        let policy = CORSPolicy(
            allowOrigins: ["https://a.com"],
            allowOriginPredicate: .async { origin in
                await Task.yield()
                return origin.serialized == "https://tenant.test"
            },
            allowMethods: ["PUT"]
        )
        let responder = try responder(policy)
        #expect(responder.decideSynchronously(request(.get, [("Origin", "https://a.com")])) != nil)
        #expect(responder.decideSynchronously(request(.get, [("Origin", "https://tenant.test")])) == nil)
        #expect(await responder.decide(request(.get, [("Origin", "https://tenant.test")])).outcome == .actualAllowed)
        #expect(await responder.decide(preflight(origin: "https://tenant.test", method: "PUT")).outcome == .preflightAllowed)
        #expect(await responder.decide(preflight(origin: "https://tenant.test", method: "PATCH")).outcome == .preflightRejected)
        #expect(await responder.decide(request(.get, [("Origin", "https://other.test")])).outcome == .actualRejected)
    }

    // MARK: Swapping

    @Test func storeSwapsPoliciesAtomicallyAndKeepsTheOldOneOnError() throws {
        let store = CORSResponderStore(try responder(CORSPolicy(allowOrigins: ["https://a.com"])))
        let fromB = request(.get, [("Origin", "https://b.com")])
        #expect(store.responder.decideNow(fromB).outcome == .actualRejected)
        try store.replace(with: CORSPolicy(allowOrigins: ["https://b.com"]))
        #expect(store.responder.decideNow(fromB).outcome == .actualAllowed)
        #expect(throws: CORSPolicyValidationError.self) { try store.replace(with: CORSPolicy(allowOrigins: ["*"], allowCredentials: true)) }
        #expect(store.responder.policy.allowOrigins == ["https://b.com"])
    }
}
