// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-cors",
    platforms: [.macOS(.v15)],
    products: [
        // The framework-agnostic core: policy, validation, responder. Depends on swift-http-types only.
        .library(name: "CORS", targets: ["CORS"]),
        // Hummingbird 2 middleware over the core responder.
        .library(name: "CORSHummingbird", targets: ["CORSHummingbird"]),
        // The `cors` command line: lint, serve.
        .executable(name: "cors", targets: ["cors"]),
    ],
    dependencies: [
        // `traits: []` keeps Foundation out of the core: http-types' default trait imports it.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .target(
            name: "CORS",
            dependencies: [.product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .target(
            name: "CORSHummingbird",
            dependencies: [
                "CORS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "cors",
            dependencies: [
                "CORS",
                "CORSHummingbird",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CORSTests",
            dependencies: ["CORS", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(
            name: "CORSToolTests",
            dependencies: ["cors"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
