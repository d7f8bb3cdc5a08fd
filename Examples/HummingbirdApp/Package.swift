// swift-tools-version:6.1
import PackageDescription

// A minimal Hummingbird 2 app under a CORS policy; swift-cors comes from this repository by path,
// with its Hummingbird trait only (so Vapor is neither fetched nor built). `name:` lets the products
// be named by package "swift-cors" whatever the repository's folder is called.
let package = Package(
    name: "HummingbirdApp",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-cors", path: "../..", traits: ["Hummingbird"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdApp",
            dependencies: [
                .product(name: "CORS", package: "swift-cors"),
                .product(name: "CORSHummingbird", package: "swift-cors"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
