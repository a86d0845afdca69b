// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "consult",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "consult", targets: ["ConsultCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        /// The domain: survey model, definition checks, deadline policy, scoring. Foundation only, no I/O.
        .target(name: "ConsultCore"),
        /// Reads survey definition files (YAML) from disk into the domain model.
        .target(
            name: "SurveyFiles",
            dependencies: ["ConsultCore", .product(name: "Yams", package: "Yams")]
        ),
        /// The `consult` command-line tool.
        .executableTarget(
            name: "ConsultCLI",
            dependencies: [
                "ConsultCore",
                "SurveyFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ConsultCoreTests", dependencies: ["ConsultCore"]),
        .testTarget(
            name: "SurveyFilesTests",
            dependencies: ["SurveyFiles", "ConsultCore"],
            exclude: ["BrokenSurveys"]
        ),
        .testTarget(name: "ConsultCLITests", dependencies: ["ConsultCLI"]),
    ]
)
