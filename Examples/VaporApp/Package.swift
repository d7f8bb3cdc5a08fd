// swift-tools-version:6.1
import PackageDescription

// A minimal Vapor 4 app under a CORS policy; swift-cors comes from this repository by path, with
// its Vapor trait only (so Hummingbird is neither fetched nor built). `name:` lets the products be
// named by package "swift-cors" whatever the repository's folder is called.
let package = Package(
    name: "VaporApp",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-cors", path: "../..", traits: ["Vapor"]),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
    ],
    targets: [
        .executableTarget(
            name: "VaporApp",
            dependencies: [
                .product(name: "CORS", package: "swift-cors"),
                .product(name: "CORSVapor", package: "swift-cors"),
                .product(name: "Vapor", package: "vapor"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
