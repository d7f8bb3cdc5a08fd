/// Apache (not written yet).
struct ApacheConfiguration {
    let writer: ConfigurationWriter

    init(_ writer: ConfigurationWriter) { self.writer = writer }

    func render() throws(ExportError) -> ExportedConfiguration {
        throw .unsupported(feature: "any policy yet", format: .apache, wayOut: "this format is not written yet; use --format nginx")
    }
}
