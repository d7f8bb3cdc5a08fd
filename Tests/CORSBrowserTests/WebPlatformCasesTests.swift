import CORSBrowser
import HTTPTypes
import Testing

/// Cases from the Web Platform Tests' `fetch/api/cors` and `cors/` directories, restated in our
/// own words as (what the server answers, what the page asked) → verdict, and run against the engine.
@Suite struct WebPlatformCasesTests {
    static let page = "http://web-platform.test:8000"

    struct Row: CustomTestStringConvertible, Sendable {
        var summary: String
        var allowOrigin: [String]
        var allowCredentials: String?
        var credentials: CredentialsMode
        var allowed: Bool
        var testDescription: String { summary }
    }

    /// The value of Access-Control-Allow-Origin decides; browsers compare it byte for byte.
    static let accessRows: [Row] = [
        Row(summary: "a wildcard lets an anonymous request through", allowOrigin: ["*"], credentials: .omit, allowed: true),
        Row(
            summary: "a wildcard refuses a credentialed request",
            allowOrigin: ["*"],
            allowCredentials: "true",
            credentials: .include,
            allowed: false
        ),
        Row(summary: "the exact origin lets an anonymous request through", allowOrigin: [page], credentials: .omit, allowed: true),
        Row(
            summary: "the exact origin plus credentials true lets a credentialed one through",
            allowOrigin: [page],
            allowCredentials: "true",
            credentials: .include,
            allowed: true
        ),
        Row(
            summary: "credentials must be exactly true, lowercase",
            allowOrigin: [page],
            allowCredentials: "TRUE",
            credentials: .include,
            allowed: false
        ),
        Row(summary: "credentials false is refused", allowOrigin: [page], allowCredentials: "false", credentials: .include, allowed: false),
        Row(summary: "an origin with a trailing slash does not match", allowOrigin: [page + "/"], credentials: .omit, allowed: false),
        Row(summary: "an uppercased origin does not match", allowOrigin: [page.uppercased()], credentials: .omit, allowed: false),
        Row(summary: "the default port spelled out does not match", allowOrigin: ["http://web-platform.test:80"], credentials: .omit, allowed: false),
        Row(summary: "another scheme does not match", allowOrigin: ["https://web-platform.test:8000"], credentials: .omit, allowed: false),
        Row(summary: "null does not match a real origin", allowOrigin: ["null"], credentials: .omit, allowed: false),
        Row(summary: "two values, even if one matches, are refused", allowOrigin: [page, "*"], credentials: .omit, allowed: false),
        Row(summary: "a comma-joined list is refused", allowOrigin: ["\(page), http://other.test"], credentials: .omit, allowed: false),
        Row(summary: "an empty value is refused", allowOrigin: [""], credentials: .omit, allowed: false),
        Row(
            summary: "a wildcard with credentials omitted needs no Allow-Credentials",
            allowOrigin: ["*"],
            allowCredentials: "true",
            credentials: .omit,
            allowed: true
        ),
    ]

    @Test(arguments: accessRows)
    func corsCheck(_ row: Row) {
        var fields = HTTPFields()
        for value in row.allowOrigin { fields.append(HTTPField(name: .accessControlAllowOrigin, value: value)) }
        if let value = row.allowCredentials { fields.append(HTTPField(name: .accessControlAllowCredentials, value: value)) }
        let reason = CORSAccessCheck.check(fields, origin: Self.page, credentials: row.credentials)
        #expect((reason == nil) == row.allowed, "\(row.summary): \(String(describing: reason))")
    }

    /// Requests a page can make without a preflight ("simple requests"), and those it cannot.
    @Test func simpleRequestsNeedNoPreflight() {
        #expect(!CORSPreflight.isNeeded(method: "GET", headers: []))
        #expect(!CORSPreflight.isNeeded(method: "HEAD", headers: [("Accept", "*/*")]))
        #expect(!CORSPreflight.isNeeded(method: "POST", headers: [("Content-Type", "multipart/form-data; boundary=x")]))
        #expect(!CORSPreflight.isNeeded(method: "POST", headers: [("Content-Language", "fr")]))
        // A method outside the three, a custom header, or a JSON body each need one.
        #expect(CORSPreflight.isNeeded(method: "DELETE", headers: []))
        #expect(CORSPreflight.isNeeded(method: "GET", headers: [("X-Requested-With", "XMLHttpRequest")]))
        #expect(CORSPreflight.isNeeded(method: "POST", headers: [("Content-Type", "application/json")]))
        // Safelisted names with values that are not: a quote in Accept, an underscore in a language.
        #expect(CORSPreflight.isNeeded(method: "GET", headers: [("Accept", "\"")]))
        #expect(CORSPreflight.isNeeded(method: "GET", headers: [("Accept-Language", "en_GB")]))
    }

    /// What the preflight's answer must grant for the actual request to go out.
    @Test func preflightGrants() throws {
        func grant(_ pairs: [(HTTPField.Name, String)], method: String, headers: [(String, String)], credentials: CredentialsMode = .omit) -> Bool {
            var fields: HTTPFields = [.accessControlAllowOrigin: credentials == .include ? Self.page : "*"]
            if credentials == .include { fields[.accessControlAllowCredentials] = "true" }
            for (name, value) in pairs { fields.append(HTTPField(name: name, value: value)) }
            return
                (try? CORSPreflight.validate(
                    status: 200,
                    fields: fields,
                    origin: Self.page,
                    method: method,
                    headers: headers,
                    credentials: credentials
                ).get()) != nil
        }
        // Safelisted methods never need listing; others are compared case-sensitively.
        #expect(grant([], method: "POST", headers: [("X-A", "1")]) == false)
        #expect(grant([(.accessControlAllowHeaders, "x-a")], method: "POST", headers: [("X-A", "1")]))
        #expect(grant([(.accessControlAllowMethods, "PATCH")], method: "PATCH", headers: []))
        #expect(grant([(.accessControlAllowMethods, "patch")], method: "PATCH", headers: []) == false)
        // Header names are compared case-insensitively; `*` works only without credentials.
        #expect(grant([(.accessControlAllowHeaders, "X-A")], method: "GET", headers: [("x-a", "1")]))
        #expect(grant([(.accessControlAllowHeaders, "*")], method: "GET", headers: [("x-a", "1")]))
        #expect(grant([(.accessControlAllowHeaders, "*")], method: "GET", headers: [("x-a", "1")], credentials: .include) == false)
        #expect(grant([(.accessControlAllowMethods, "*")], method: "PUT", headers: [], credentials: .include) == false)
        // Several lines of a list are one list.
        #expect(
            grant([(.accessControlAllowHeaders, "x-a"), (.accessControlAllowHeaders, "x-b")], method: "GET", headers: [("X-A", "1"), ("X-B", "2")])
        )
    }

    /// Which response headers the page can read.
    @Test func exposedHeaders() {
        var fields: HTTPFields = [.cacheControl: "no-cache", .contentLanguage: "en", .expires: "0", .lastModified: "x"]
        fields.append(HTTPField(name: HTTPField.Name("Pragma")!, value: "no-cache"))
        fields.append(HTTPField(name: HTTPField.Name("X-Custom")!, value: "1"))
        #expect(
            ReadableResponseHeaders.names(of: fields, credentials: .omit) == [
                "cache-control", "content-language", "expires", "last-modified", "pragma",
            ]
        )
        fields[.accessControlExposeHeaders] = "x-custom"
        #expect(ReadableResponseHeaders.names(of: fields, credentials: .omit).contains("x-custom"))
    }
}
