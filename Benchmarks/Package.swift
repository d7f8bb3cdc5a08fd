// swift-tools-version:6.1
// The benchmarks live in their own package so `swift test` on the main package never builds
// ordo-one/benchmark. Run them with: swift package --package-path Benchmarks benchmark
import PackageDescription

let package = Package(
    name: "swift-cors-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-cors", path: ".."),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CORSBenchmarks",
            dependencies: [
                .product(name: "CORS", package: "swift-cors"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CORSBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
