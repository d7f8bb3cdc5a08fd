// swift-tools-version:6.1
// The benchmarks live in their own package so `swift test` on the main package never builds
// ordo-one/benchmark. Run them with:
//   swift package --package-path Benchmarks benchmark --target CORSBenchmarks        (decision alone)
//   swift package --package-path Benchmarks benchmark --target FrameworkBenchmarks   (in a router)
import PackageDescription

let package = Package(
    name: "swift-cors-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-cors", path: ".."),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
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
        ),
        // The setups the framework comparisons share (baseline, empty, headers only, built-in, swift-cors).
        .target(
            name: "FrameworkVariants",
            dependencies: [
                .product(name: "CORS", package: "swift-cors"),
                .product(name: "CORSHummingbird", package: "swift-cors"),
                .product(name: "CORSVapor", package: "swift-cors"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Sources/FrameworkVariants"
        ),
        .executableTarget(
            name: "FrameworkBenchmarks",
            dependencies: [
                "FrameworkVariants",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/FrameworkBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The same setups in alternating rounds: `swift run -c release --package-path Benchmarks AlternatingBenchmark`.
        .executableTarget(
            name: "AlternatingBenchmark",
            dependencies: ["FrameworkVariants"],
            path: "Sources/AlternatingBenchmark"
        ),
        // A Hummingbird server for the end-to-end load test (Scripts/load-test.sh runs wrk against it).
        .executableTarget(
            name: "LoadTestServer",
            dependencies: [
                .product(name: "CORS", package: "swift-cors"),
                .product(name: "CORSHummingbird", package: "swift-cors"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/LoadTestServer"
        ),
        // SwiftNIO answering a prebuilt 204 (HTTP/1 pipeline or raw bytes): the floor under the gateway.
        .executableTarget(
            name: "NIOFloorServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/NIOFloorServer"
        ),
    ],
    swiftLanguageModes: [.v6]
)
