// swift-tools-version:6.1
// The fuzz targets live in their own package so `swift test` on the main package never builds
// them (libFuzzer needs -sanitize=fuzzer). Build and run them with Scripts/fuzz.sh, or one by hand:
//   swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address \
//     -Xswiftc -parse-as-library --product FuzzOrigin
//   SWIFT_BACKTRACE=enable=no Fuzz/.build/release/FuzzOrigin Fuzz/Corpus/FuzzOrigin -dict=Fuzz/cors.dict
import PackageDescription

/// One executable per fuzz target, each `Sources/<name>/<name>.swift`, with the shared support.
let targetNames = [
    "FuzzOrigin", "FuzzOriginPattern", "FuzzRequestedHeaders", "FuzzRequestHead", "FuzzPolicyFile",
    "FuzzBrowserLists", "FuzzOriginMatcher", "FuzzResponderVsBrowser", "FuzzPolicyRoundTrip", "FuzzConsoleMessage",
]
/// The gateway's HTTP/1 parser and writer are internal to CORSProxy, and CORSProxy brings TLS,
/// metrics and lifecycle along: this target compiles those files themselves (links into
/// Sources/CORSProxy), needing only swift-nio's core and HTTP/1 types.
let gatewayTargetNames = ["FuzzHTTP1Parser"]

let package = Package(
    name: "swift-cors-fuzz",
    platforms: [.macOS(.v15)],
    products: (targetNames + gatewayTargetNames).map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        // No traits: neither framework adapter is needed, so neither framework is fetched.
        .package(name: "swift-cors", path: "..", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver for Swift.
        .target(name: "FuzzDriverC"),
        // The driver glue, the input reader and the generators the targets share.
        .target(
            name: "FuzzSupport",
            dependencies: [
                "FuzzDriverC",
                .product(name: "CORS", package: "swift-cors"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
        + targetNames.map { name in
            .executableTarget(
                name: name,
                dependencies: [
                    "FuzzSupport",
                    .product(name: "CORS", package: "swift-cors"),
                    .product(name: "CORSBrowser", package: "swift-cors"),
                    .product(name: "HTTPTypes", package: "swift-http-types"),
                ]
            )
        }
        + gatewayTargetNames.map { name in
            .executableTarget(
                name: name,
                dependencies: [
                    "FuzzSupport",
                    .product(name: "NIOCore", package: "swift-nio"),
                    .product(name: "NIOHTTP1", package: "swift-nio"),
                ]
            )
        },
    swiftLanguageModes: [.v6]
)
