import CORS
import CORSBrowser
import HTTPTypes
import Testing

/// Inputs the fuzz targets (Fuzz/, Scripts/fuzz.sh) found on the browser side, each kept as the
/// case it was, with the target that found it.
@Suite struct BrowserFuzzRegressionTests {
    /// FuzzBrowserLists: digits were recognized as characters in "0"..."9", and a `3` followed by
    /// combining marks is one character that sorts between them: `Access-Control-Max-Age: 3֔֔`
    /// read as the longest possible time instead of an unparsable value, and a client hint such
    /// as `Width: 3֔` counted as safelisted (no preflight) in Chromium.
    @Test(arguments: BrowserProfile.all)
    func maxAgeWithCombiningMarksIsUnparsable(_ browser: BrowserProfile) throws {
        for value in ["3\u{594}\u{594}", "6\u{301}00", "-1\u{301}"] {
            let answer = fields([("Access-Control-Allow-Origin", "*"), ("Access-Control-Max-Age", value)])
            let grant = try CORSPreflight.validate(
                status: 204,
                fields: answer,
                origin: "https://app.test",
                method: "GET",
                headers: [],
                credentials: .omit,
                browser: browser
            ).get()
            #expect(grant.maxAge == browser.unparsableMaxAgeSeconds, "\(value.debugDescription)")
        }
    }

    @Test func clientHintsWithCombiningMarksAreNotSafelisted() {
        for (name, value) in [("Width", "3\u{594}"), ("DPR", "2\u{301}.0"), ("RTT", "5\u{301}0"), ("Device-Memory", "8.0\u{301}")] {
            #expect(!CORSSafelist.isSafelisted(name: name, value: value, browser: .chromium), "\(name): \(value.debugDescription)")
        }
        // The plain digits still are, and still parse.
        #expect(CORSSafelist.isSafelisted(name: "Width", value: "300", browser: .chromium))
        #expect(CORSSafelist.isSafelisted(name: "DPR", value: "2.0", browser: .chromium))
        #expect(CORSSafelist.isSafelisted(name: "Range", value: "bytes=0-9"))
        #expect(!CORSSafelist.isSafelisted(name: "Range", value: "bytes=0\u{301}-9"))
    }
}
