/// Envoy (not written yet).
struct EnvoyConfiguration {
    let writer: ConfigurationWriter

    init(_ writer: ConfigurationWriter) { self.writer = writer }

    func render() throws(ExportError) -> ExportedConfiguration {
        throw .unsupported(feature: "any policy yet", format: .envoy, wayOut: "this format is not written yet; use --format nginx")
    }
}
