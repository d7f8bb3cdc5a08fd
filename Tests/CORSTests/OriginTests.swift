import CORS
import Testing

@Suite struct OriginTests {
    @Test(arguments: [
        "https://example.com", "http://localhost:3000", "http://127.0.0.1:8080", "https://a.b.example.com",
        "http://[::1]:8080", "https://xn--bcher-kva.example", "http://my_host.internal", "chrome-extension://abcdef",
    ])
    func acceptsSerializedOrigins(_ text: String) {
        #expect(Origin(text)?.serialized == text)
    }

    @Test(arguments: [
        "", "null", "https://Example.com", "HTTPS://example.com", "https://example.com/", "https://example.com/path",
        "https://example.com?q", "https://user@example.com", "https://example.com:443", "http://example.com:80",
        "https://example.com:0443", "https://example.com:65536", "https://example.com:", " https://example.com",
        "https://example.com ", "https://exa mple.com", "https://bücher.example", "https://example..com",
        "https://.example.com", "example.com", "https:/example.com", "https://", "https://[::1",
    ])
    func rejectsWhatBrowsersNeverSend(_ text: String) {
        #expect(Origin(text) == nil)
    }

    @Test func rejectsOversizedOriginsWithoutScanningThem() {
        let long = "https://" + String(repeating: "a", count: 600) + ".com"
        #expect(Origin(long) == nil)
    }

    @Test func exposesItsParts() throws {
        let origin = try #require(Origin("https://api.example.com:8443"))
        #expect(origin.scheme == "https")
        #expect(origin.host == "api.example.com")
        #expect(origin.port == 8443)
        #expect(Origin("https://example.com")?.port == nil)
    }

    @Test func knowsLoopbackHosts() {
        #expect(Origin("http://localhost:3000")!.isLoopback)
        #expect(Origin("http://app.localhost")!.isLoopback)
        #expect(Origin("http://127.0.0.1")!.isLoopback)
        #expect(Origin("http://[::1]:1")!.isLoopback)
        #expect(!Origin("http://127.0.0.1.evil.com")!.isLoopback)
        #expect(!Origin("http://localhost.evil.com")!.isLoopback)
    }
}
