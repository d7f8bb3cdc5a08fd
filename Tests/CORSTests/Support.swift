import CORS
import HTTPTypes

/// A request as a browser (or anything else) would send it.
func request(
    _ method: HTTPRequest.Method = .get,
    path: String = "/api",
    _ fields: [(String, String)] = []
) -> HTTPRequest {
    var headerFields = HTTPFields()
    for (name, value) in fields { headerFields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
    return HTTPRequest(method: method, scheme: "http", authority: "api.test", path: path, headerFields: headerFields)
}

func preflight(origin: String, method: String, headers: String? = nil, path: String = "/api") -> HTTPRequest {
    var fields = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if let headers { fields.append(("Access-Control-Request-Headers", headers)) }
    return request(.options, path: path, fields)
}

func responder(_ policy: CORSPolicy) throws -> CORSResponder { try CORSResponder(policy: policy) }

extension HTTPFields {
    /// All values of `name`, one per field line.
    func values(_ name: String) -> [String] { self[values: HTTPField.Name(name)!] }
}

extension CORSResponder {
    func decideNow(_ request: HTTPRequest) -> CORSDecision { decideSynchronously(request)! }

    /// The response an adapter would produce for `request` when the application answers `application`.
    func respond(to request: HTTPRequest, application: HTTPResponse = HTTPResponse(status: .ok)) -> HTTPResponse {
        let decision = decideNow(request)
        if decision.answersWithoutApplication { return decision.preflightResponse() }
        var response = application
        decision.apply(to: &response)
        return response
    }
}
