import CORS
import TestHarness
import Testing

/// `cors --version` as a user runs it: the built binary prints the one version constant.
@Suite(.ownThread) struct VersionCommandTests {
    @Test func printsTheVersionConstant() throws {
        let (status, output) = try CORSTool.run(["--version"])
        #expect(status == 0)
        #expect(output == SwiftCORS.version + "\n")
    }
}
