import CORS
import HTTPTypes
import Testing

/// Inputs the fuzz targets (Fuzz/, Scripts/fuzz.sh) found, each kept as the case it was, with the
/// target that found it.
@Suite struct FuzzRegressionTests {
    /// FuzzRequestHead: an allowed OPTIONS request without Access-Control-Request-Method is not a
    /// preflight, but its response still varies on the preflight headers (a cache must not hand it
    /// to a preflight): `apply(to:)` used the prebuilt `Vary: Origin` of GET responses, while
    /// `varyNames` said Origin, Access-Control-Request-Method, Access-Control-Request-Headers.
    @Test(arguments: [
        (["https://app.test"], "https://app.test"),  // an exact origin with prebuilt fields
        (["https://*.app.test"], "https://a.app.test"),  // a pattern
        (["*"], "https://app.test"),  // any origin: the response does not vary on Origin
    ])
    func allowedOptionsRequestThatIsNotAPreflightVariesOnThePreflightHeaders(_ origins: [String], _ origin: String) throws {
        let responder = try responder(CORSPolicy(allowOrigins: origins, allowMethods: ["PUT"]))
        let decision = responder.decideNow(request(.options, [("Origin", origin)]))
        #expect(decision.outcome == .actualAllowed)
        let names = decision.varyNames.map(\.rawName)
        #expect(names.suffix(2) == ["Access-Control-Request-Method", "Access-Control-Request-Headers"])
        // Without a Vary of the application's, and with one.
        var response = HTTPResponse(status: .ok, headerFields: [.contentType: "text/plain"])
        decision.apply(to: &response)
        #expect(response.headerFields.values("Vary") == [names.joined(separator: ", ")])
        #expect(response.headerFields.values("Access-Control-Allow-Origin") == [origins == ["*"] ? "*" : origin])
        var withVary = HTTPResponse(status: .ok, headerFields: [.vary: "Accept-Encoding"])
        decision.apply(to: &withVary)
        #expect(withVary.headerFields.values("Vary") == [(["Accept-Encoding"] + names).joined(separator: ", ")])
        // A GET keeps its prebuilt `Vary: Origin` (nothing when any origin is allowed).
        let get = responder.respond(to: request(.get, [("Origin", origin)]))
        #expect(get.headerFields.values("Vary") == (origins == ["*"] ? [] : ["Origin"]))
    }
}
