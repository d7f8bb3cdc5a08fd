// swift-tools-version:6.1
import PackageDescription

// Each framework adapter sits behind a package trait, so an app that uses one adapter never
// resolves, fetches or builds the other framework:
//   .package(url: ".../swift-cors.git", from: "0.1.0", traits: ["Hummingbird"])
// Both traits are on by default (the `cors` tool needs Hummingbird; the tests cover both).
let package = Package(
    name: "swift-cors",
    platforms: [.macOS(.v15)],
    products: [
        // The framework-agnostic core: policy, validation, responder. Depends on swift-http-types only.
        .library(name: "CORS", targets: ["CORS"]),
        // The browser side: the Fetch Standard's CORS protocol as a browser applies it.
        .library(name: "CORSBrowser", targets: ["CORSBrowser"]),
        // A client that fetches as a browser would (AsyncHTTPClient underneath).
        .library(name: "CORSFetch", targets: ["CORSFetch"]),
        // Hummingbird 2 middleware over the core responder (trait "Hummingbird").
        .library(name: "CORSHummingbird", targets: ["CORSHummingbird"]),
        // Vapor 4 middleware over the core responder (trait "Vapor").
        .library(name: "CORSVapor", targets: ["CORSVapor"]),
        // A CORS gateway in front of any HTTP API: SwiftNIO, one event loop per exchange.
        .library(name: "CORSProxy", targets: ["CORSProxy"]),
        // `cors scan`: every CORS misconfiguration of a live endpoint, and its conformance to a policy.
        .library(name: "CORSScan", targets: ["CORSScan"]),
        // `cors explain` and `cors debug`: a console error read back, its causes on the server, and the fix.
        .library(name: "CORSExplain", targets: ["CORSExplain"]),
        // The `cors` command line: lint, serve (trait "Hummingbird").
        .executable(name: "cors", targets: ["cors"]),
    ],
    traits: [
        .trait(name: "Hummingbird", description: "The Hummingbird 2 middleware and the `cors` tool."),
        .trait(name: "Vapor", description: "The Vapor 4 middleware."),
        .default(enabledTraits: ["Hummingbird", "Vapor"]),
    ],
    dependencies: [
        // `traits: []` keeps Foundation out of the core: http-types' default trait imports it.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // `swift package generate-documentation` (Scripts/docs.sh): the DocC catalogs under Sources/*/.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "CORS",
            dependencies: [.product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .target(
            name: "CORSBrowser",
            dependencies: ["CORS", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .target(
            name: "CORSFetch",
            dependencies: [
                "CORS", "CORSBrowser",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "CORSHummingbird",
            dependencies: [
                "CORS",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CORSVapor",
            dependencies: [
                "CORS",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .target(
            name: "CORSProxy",
            dependencies: [
                "CORS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "CORSScan",
            dependencies: [
                "CORS", "CORSBrowser", "CORSFetch",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "CORSExport",
            dependencies: ["CORS"]
        ),
        .target(
            name: "CORSExplain",
            dependencies: ["CORS", "CORSBrowser", "CORSFetch"]
        ),
        .executableTarget(
            name: "cors",
            dependencies: [
                "CORS",
                "CORSScan",
                "CORSExport",
                "CORSExplain",
                "CORSProxy",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                "CORSBrowser",
                "CORSFetch",
                "CORSHummingbird",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support, used by tests alone: blocking work off the cooperative pool, real servers
        // as processes (TestHarness); headless Chromium and Firefox (BrowserHarness).
        .target(name: "TestHarness", path: "Tests/TestHarness"),
        .target(name: "BrowserHarness", dependencies: ["TestHarness"], path: "Tests/BrowserHarness"),
        .testTarget(
            name: "CORSTests",
            dependencies: ["CORS", "TestHarness", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(
            name: "CORSBrowserTests",
            dependencies: ["CORSBrowser", "CORS", "TestHarness", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(
            name: "CORSFetchTests",
            dependencies: [
                "CORS", "CORSBrowser", "CORSFetch", "CORSHummingbird", "CORSExplain", "BrowserHarness", "TestHarness",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                // The server-side Chromium suite serves its API with both adapters.
                "CORSVapor",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .testTarget(
            name: "CORSHummingbirdTests",
            dependencies: [
                "CORS", "CORSHummingbird",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CORSVaporTests",
            dependencies: [
                "CORS", "CORSVapor",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
                .product(name: "VaporTesting", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .testTarget(
            name: "CORSProxyTests",
            dependencies: [
                "CORS", "CORSProxy", "TestHarness",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CORSScanTests",
            dependencies: [
                "CORS", "CORSBrowser", "CORSScan", "TestHarness",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CORSExportTests",
            dependencies: [
                "CORS", "CORSBrowser", "CORSExport", "CORSProxy", "TestHarness",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CORSExplainTests",
            dependencies: [
                "CORS", "CORSBrowser", "CORSFetch", "CORSExplain", "TestHarness", "CORSHummingbird", "CORSVapor",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),
        .testTarget(
            name: "CORSToolTests",
            dependencies: ["cors", "CORS", "BrowserHarness", "TestHarness"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
