import CORSBrowser
import Testing

/// Fetch §2.2.2: which request headers need no preflight.
@Suite struct SafelistTests {
    @Test(arguments: [
        ("Accept", "application/json"), ("Accept", "*/*"), ("Accept-Language", "en-US,en;q=0.9"),
        ("Content-Language", "de-DE"), ("Content-Type", "text/plain"), ("Content-Type", "text/plain;charset=UTF-8"),
        ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Type", "multipart/form-data; boundary=x"),
        ("Content-Type", " TEXT/Plain "), ("Range", "bytes=0-"), ("Range", "bytes=0-499"),
    ])
    func safelistedValues(_ name: String, _ value: String) {
        #expect(CORSSafelist.isSafelisted(name: name, value: value))
    }

    @Test(arguments: [
        ("Content-Type", "application/json"), ("Content-Type", "text/plain\"x"), ("Content-Type", "text/"),
        ("Content-Type", "text/plain; charset=(x)"), ("Accept", "text/html{"), ("Accept-Language", "en_US"),
        ("Content-Language", "de@x"), ("Range", "bytes=-500"), ("Range", "bytes=5-1"), ("Range", "bytes=0-1,5-6"),
        ("Range", "bytes = 0-"), ("Range", "Bytes=10-20"), ("DPR", "abc"), ("Width", "1.5"), ("ECT", "5g"), ("X-Custom", "1"),
        ("Authorization", "Bearer x"),
        ("Accept", String(repeating: "a", count: 129)),
    ])
    func unsafeValues(_ name: String, _ value: String) {
        #expect(!CORSSafelist.isSafelisted(name: name, value: value))
    }

    @Test func unsafeNamesAreLowercasedSortedAndUnique() {
        let names = CORSSafelist.unsafeNames([
            ("X-B", "1"), ("Content-Type", "application/json"), ("x-a", "2"), ("X-B", "3"), ("Accept", "*/*"),
        ])
        #expect(names == ["content-type", "x-a", "x-b"])
    }

    @Test func safelistedValuesOverAKilobyteInAllBecomeUnsafe() {
        let value = String(repeating: "a", count: 120)
        let headers = (0..<9).map { _ in ("Accept", value) } + [("Accept-Language", "en")]
        #expect(CORSSafelist.unsafeNames(headers) == ["accept", "accept-language"])
        #expect(CORSSafelist.unsafeNames(Array(headers.prefix(8))).isEmpty)
    }

    @Test func preflightIsNeededForUnsafeMethodsOrHeaders() {
        #expect(!CORSPreflight.isNeeded(method: "GET", headers: []))
        #expect(!CORSPreflight.isNeeded(method: "POST", headers: [("Content-Type", "text/plain")]))
        #expect(CORSPreflight.isNeeded(method: "POST", headers: [("Content-Type", "application/json")]))
        #expect(CORSPreflight.isNeeded(method: "PUT", headers: []))
        #expect(CORSPreflight.isNeeded(method: "get", headers: []))
    }

    @Test func preflightRequestCarriesWhatBrowsersSend() {
        let fields = CORSPreflight.requestFields(
            origin: "https://app.test",
            method: "PUT",
            headers: [("X-B", "1"), ("Content-Type", "application/json")]
        )
        #expect(fields[.origin] == "https://app.test")
        #expect(fields[.accessControlRequestMethod] == "PUT")
        #expect(fields[.accessControlRequestHeaders] == "content-type,x-b")
        #expect(CORSPreflight.requestFields(origin: "https://app.test", method: "PUT", headers: [])[.accessControlRequestHeaders] == nil)
    }
}

@Suite struct ServerFrameworkTests {
    @Test func detectsTheServerAndWritesTheFixInItsTerms() {
        #expect(ServerFramework.detect([("X-Powered-By", "Express")]) == .express)
        #expect(ServerFramework.detect([("Server", "nginx/1.22.1")]) == .nginx)
        #expect(ServerFramework.detect([("Server", "cors serve")]) == .hummingbird)
        #expect(ServerFramework.detect([("Server", "unknown")]) == nil)
        let reason = CORSBlockReason.headerDisallowedByPreflightResponse("x-request-id")
        #expect(
            ServerFramework.express.snippet(for: reason, origin: "https://app.test")
                == "app.use(cors({ origin: 'https://app.test', allowedHeaders: ['x-request-id'] }))   // npm package cors"
        )
        #expect(
            ServerFramework.nginx.snippet(for: reason, origin: "https://app.test").contains(
                "add_header Access-Control-Allow-Headers \"x-request-id\" always;"
            )
        )
        #expect(
            ServerFramework.vapor.snippet(for: .wildcardOriginNotAllowed(preflight: false), origin: "https://app.test").contains(
                "allowCredentials: true"
            )
        )
    }
}
