import CORS
import CORSBrowser
import HTTPTypes
import Testing

/// The CORS check and the preflight's validation, in Chromium's order.
@Suite struct AccessAndPreflightTests {
    let origin = "https://app.test"

    @Test func accessCheckKindsInOrder() {
        let credentialed = CredentialsMode.include
        #expect(CORSAccessCheck.check(fields([]), origin: origin, credentials: .omit) == .missingAllowOriginHeader(preflight: false))
        #expect(CORSAccessCheck.check(fields([("Access-Control-Allow-Origin", "*")]), origin: origin, credentials: .omit) == nil)
        #expect(
            CORSAccessCheck.check(fields([("Access-Control-Allow-Origin", "*")]), origin: origin, credentials: credentialed)
                == .wildcardOriginNotAllowed(preflight: false)
        )
        #expect(
            CORSAccessCheck.check(
                fields([("Access-Control-Allow-Origin", "https://app.test"), ("Access-Control-Allow-Origin", "https://b.test")]),
                origin: origin,
                credentials: .omit
            ) == .multipleAllowOriginValues("https://app.test, https://b.test", preflight: false)
        )
        #expect(
            CORSAccessCheck.check(fields([("Access-Control-Allow-Origin", "app.test")]), origin: origin, credentials: .omit)
                == .invalidAllowOriginValue("app.test", preflight: false)
        )
        #expect(
            CORSAccessCheck.check(fields([("Access-Control-Allow-Origin", "https://app.test/")]), origin: origin, credentials: .omit)
                == .allowOriginMismatch("https://app.test/", preflight: false)
        )
        #expect(
            CORSAccessCheck.check(fields([("Access-Control-Allow-Origin", origin)]), origin: origin, credentials: credentialed)
                == .invalidAllowCredentials("", preflight: false)
        )
        #expect(
            CORSAccessCheck.check(
                fields([("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "True")]),
                origin: origin,
                credentials: credentialed
            ) == .invalidAllowCredentials("True", preflight: false)
        )
        #expect(
            CORSAccessCheck.check(
                fields([("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]),
                origin: origin,
                credentials: credentialed
            ) == nil
        )
    }

    func validate(
        _ status: Int,
        _ pairs: [(String, String)],
        method: String = "PUT",
        headers: [(String, String)] = [],
        credentials: CredentialsMode = .omit
    ) -> Result<CORSPreflight.Grant, CORSBlockReason> {
        CORSPreflight.validate(
            status: status,
            fields: fields(pairs),
            origin: origin,
            method: method,
            headers: headers,
            credentials: credentials
        )
    }

    @Test func preflightRedirectIsRefusedBeforeAnythingElse() {
        #expect(throws: CORSBlockReason.preflightDisallowedRedirect) { try validate(302, []).get() }
    }

    @Test func preflightAccessCheckComesBeforeItsStatus() {
        #expect(throws: CORSBlockReason.missingAllowOriginHeader(preflight: true)) { try validate(404, []).get() }
        #expect(throws: CORSBlockReason.preflightInvalidStatus(404)) {
            try validate(404, [("Access-Control-Allow-Origin", "*")]).get()
        }
    }

    @Test func preflightListsMustParse() {
        #expect(throws: CORSBlockReason.invalidAllowMethodsPreflightResponse("PUT DELETE")) {
            try validate(204, [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT DELETE")]).get()
        }
        #expect(throws: CORSBlockReason.invalidAllowHeadersPreflightResponse("x-a;x-b")) {
            try validate(
                204,
                [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-a;x-b")]
            ).get()
        }
    }

    @Test func methodsAreCaseSensitiveAndStarNeedsNoCredentials() throws {
        let allowPut = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
        #expect(throws: CORSBlockReason.methodDisallowedByPreflightResponse("PUT")) {
            try validate(204, allowPut + [("Access-Control-Allow-Methods", "put")], credentials: .include).get()
        }
        #expect(throws: CORSBlockReason.methodDisallowedByPreflightResponse("PUT")) {
            try validate(204, allowPut + [("Access-Control-Allow-Methods", "*")], credentials: .include).get()
        }
        _ = try validate(204, [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "*")]).get()
        _ = try validate(204, [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", ", PUT,")]).get()
    }

    @Test func headersAreCaseInsensitiveAndStarCoversAuthorizationAsInChromium() throws {
        let base = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT")]
        _ = try validate(204, base + [("Access-Control-Allow-Headers", "X-A")], headers: [("x-a", "1")]).get()
        #expect(throws: CORSBlockReason.headerDisallowedByPreflightResponse("x-b")) {
            try validate(204, base + [("Access-Control-Allow-Headers", "x-a")], headers: [("X-A", "1"), ("X-B", "2")]).get()
        }
        _ = try validate(204, base + [("Access-Control-Allow-Headers", "*")], headers: [("X-A", "1")]).get()
        _ = try validate(204, base + [("Access-Control-Allow-Headers", "*")], headers: [("Authorization", "Bearer t")]).get()
    }

    @Test func messagesReadAsChromiumWritesThem() {
        let reason = CORSBlockReason.headerDisallowedByPreflightResponse("x-custom")
        #expect(
            reason.chromiumMessage(url: "http://127.0.0.1:3000/api", origin: "http://127.0.0.1:8000")
                == "Access to fetch at 'http://127.0.0.1:3000/api' from origin 'http://127.0.0.1:8000' has been blocked by CORS policy: Request header field x-custom is not allowed by Access-Control-Allow-Headers in preflight response."
        )
        #expect(reason.kind == "HeaderDisallowedByPreflightResponse")
        #expect(CORSBlockReason.missingAllowOriginHeader(preflight: true).kind == "PreflightMissingAllowOriginHeader")
        #expect(reason.fix(origin: origin).contains("Access-Control-Allow-Headers"))
    }

    /// The server side and the browser side must agree: every preflight swift-cors' responder
    /// allows passes the browser engine's validation, and every one it refuses fails it.
    @Test func responderAndBrowserEngineAgreeOnPreflights() throws {
        let policy = CORSPolicy(
            allowOrigins: [origin, "https://*.tenant.test"],
            allowMethods: ["PUT", "DELETE"],
            allowHeaders: ["Content-Type", "X-Request-Id"],
            allowCredentials: true,
            maxAge: 600
        )
        let responder = try CORSResponder(policy: policy)
        let origins = [origin, "https://a.tenant.test", "https://evil.test", "http://app.test"]
        let methods = ["PUT", "DELETE", "PATCH", "put", "GET"]
        let headerSets: [[(String, String)]] = [
            [], [("Content-Type", "application/json")], [("X-Request-Id", "1")], [("X-Other", "1")],
            [("Content-Type", "text/plain")],
        ]
        var allowedSeen = 0
        var refusedSeen = 0
        for requestOrigin in origins {
            for method in methods {
                for headers in headerSets {
                    let preflight = HTTPRequest(
                        method: .options,
                        scheme: "https",
                        authority: "api.test",
                        path: "/x",
                        headerFields: CORSPreflight.requestFields(origin: requestOrigin, method: method, headers: headers)
                    )
                    let answer = responder.decideSynchronously(preflight)!.preflightResponse()
                    let verdict = CORSPreflight.validate(
                        status: answer.status.code,
                        fields: answer.headerFields,
                        origin: requestOrigin,
                        method: method,
                        headers: headers,
                        credentials: .include
                    )
                    let serverAllowed = responder.decideSynchronously(preflight)!.outcome == .preflightAllowed
                    let browserAllowed = (try? verdict.get()) != nil
                    #expect(serverAllowed == browserAllowed, "\(requestOrigin) \(method) \(headers)")
                    if browserAllowed { allowedSeen += 1 } else { refusedSeen += 1 }
                }
            }
        }
        #expect(allowedSeen > 10 && refusedSeen > 10)
    }
}
