/// The swift-cors package itself.
///
/// Named after the package rather than `CORSVersion`: the symbol graph DocC reads hides every
/// type whose name starts with the module's name followed by `Version`, taking it for a
/// generated version symbol.
public enum SwiftCORS {
    /// This release, as `MAJOR.MINOR.PATCH` (semantic versioning; before 1.0 a minor release may
    /// change the API). The one place the version is kept: `cors --version` prints it, and the
    /// newest heading of CHANGELOG.md names it.
    public static let version = "0.1.0"
}
