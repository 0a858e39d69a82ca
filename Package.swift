// swift-tools-version:6.1
import class Foundation.ProcessInfo
import PackageDescription

/// Settings every Trailwatch module compiles with (see STYLE.md): Swift 6 language mode,
/// explicit existentials, and imports that are internal unless a file says `public import`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Trailwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "trailwatch", targets: ["trailwatch"]),
        .executable(name: "trailwatch-bench", targets: ["TrailwatchBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),
        .target(
            name: "TrailwatchCore",
            dependencies: ["CZlib"],
            swiftSettings: strictSettings),
        .target(
            name: "AWSWire",
            dependencies: [
                "TrailwatchCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "AWSShapes",
            dependencies: ["TrailwatchCore", "AWSWire"],
            // 30,000 generated lines take 15 minutes to optimise and gain nothing measurable:
            // hot operations decode on fast paths, not through the generated initialisers.
            swiftSettings: strictSettings + [.unsafeFlags(["-Onone"], .when(configuration: .release))]),
        .target(
            name: "Runtime",
            dependencies: [
                "TrailwatchCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "Storage",
            dependencies: ["TrailwatchCore", "Runtime"],
            swiftSettings: strictSettings),
        // The backend-neutral storage engine: the metric head, the sample log, cell blocks and
        // column codecs, log blocks. No database here: a backend stores what it encodes.
        .target(
            name: "StorageEngine",
            dependencies: ["TrailwatchCore", "Storage", "CZlib", "CZstd"],
            swiftSettings: strictSettings),
        .target(
            name: "StorageSQLite",
            dependencies: [
                "TrailwatchCore", "Storage", "StorageEngine", "Runtime", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "Identity",
            dependencies: ["TrailwatchCore", "AWSShapes", "Storage"],
            swiftSettings: strictSettings),
        .target(
            name: "CloudWatchMetrics",
            dependencies: ["TrailwatchCore", "AWSShapes", "AWSWire", "Storage"],
            swiftSettings: strictSettings),
        .target(
            name: "CloudWatchAlarms",
            dependencies: ["TrailwatchCore", "AWSShapes", "AWSWire", "Storage", "Runtime", "CloudWatchMetrics"],
            swiftSettings: strictSettings),
        .target(name: "LogsInsights", dependencies: ["TrailwatchCore", "AWSWire"], swiftSettings: strictSettings),
        .target(
            name: "CloudWatchLogs",
            dependencies: ["TrailwatchCore", "AWSShapes", "AWSWire", "Storage", "Runtime", "S3Subset", "LogsInsights"],
            swiftSettings: strictSettings),
        .target(
            name: "S3Subset",
            dependencies: ["TrailwatchCore", "AWSWire", "Storage", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings),
        .target(
            name: "SNSSubset",
            dependencies: ["TrailwatchCore", "AWSShapes", "AWSWire", "Storage", "Runtime",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strictSettings),
        .target(
            name: "CloudTrail",
            dependencies: ["TrailwatchCore", "AWSShapes", "AWSWire", "Storage", "Runtime", "S3Subset",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto")],
            swiftSettings: strictSettings),
        .target(
            name: "Server",
            dependencies: [
                "TrailwatchCore", "AWSWire", "AWSShapes", "Storage", "Runtime", "Identity", "CloudWatchMetrics", "CloudWatchAlarms", "CloudWatchLogs", "S3Subset", "SNSSubset", "CloudTrail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "trailwatch",
            dependencies: [
                "TrailwatchCore", "Server", "Storage", "StorageSQLite", "Runtime", "CloudTrail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "TrailwatchBench",
            dependencies: [
                "TrailwatchCore", "AWSWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/TrailwatchBench",
            swiftSettings: strictSettings),
        .testTarget(name: "TrailwatchCoreTests", dependencies: ["TrailwatchCore"], swiftSettings: strictSettings),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "TrailwatchCore", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strictSettings),
        // One test kit per store protocol, run against every backend (SQLite today).
        .testTarget(name: "StorageConformanceTests", dependencies: ["Storage", "StorageSQLite", "Runtime", "TrailwatchCore"],
                    swiftSettings: strictSettings),
        .testTarget(name: "AWSWireTests", dependencies: ["AWSWire", "AWSShapes", "TrailwatchCore"],
                    resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "StorageSQLiteTests", dependencies: ["StorageSQLite", "StorageEngine", "Storage", "TrailwatchCore", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strictSettings),
        .testTarget(name: "CloudWatchMetricsTests", dependencies: ["CloudWatchMetrics", "AWSShapes", "Storage", "StorageSQLite", "TrailwatchCore"],
                    resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "CloudWatchAlarmsTests", dependencies: ["CloudWatchAlarms", "CloudWatchMetrics", "AWSShapes", "Storage", "StorageSQLite", "TrailwatchCore"],
                    resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "CloudWatchLogsTests", dependencies: ["CloudWatchLogs", "AWSShapes", "Storage", "StorageSQLite", "TrailwatchCore"],
                    resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "LogsInsightsTests", dependencies: ["LogsInsights", "TrailwatchCore"], resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "CloudTrailTests", dependencies: ["CloudTrail", "Storage", "StorageSQLite", "TrailwatchCore"], swiftSettings: strictSettings),
        .testTarget(name: "ServerTests", dependencies: ["Server", "AWSWire", "AWSShapes", "Storage", "StorageSQLite", "Runtime", "CloudTrail", "CloudWatchLogs", "SNSSubset", "TrailwatchCore"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer harnesses (FUZZING.md): built only by scripts/fuzz, which sets
// TRAILWATCH_FUZZ=1 and compiles with -sanitize=fuzzer,address -parse-as-library (libFuzzer
// supplies main), into its own scratch folder.
if ProcessInfo.processInfo.environment["TRAILWATCH_FUZZ"] == "1" {
    package.products.append(.executable(name: "trailwatch-fuzz", targets: ["TrailwatchFuzz"]))
    package.targets.append(.executableTarget(
        name: "TrailwatchFuzz",
        dependencies: [
            "TrailwatchCore", "AWSWire", "AWSShapes", "CloudWatchMetrics", "CloudWatchAlarms", "CloudWatchLogs", "LogsInsights", "CloudTrail", "Identity",
            "Server", "Storage", "StorageSQLite", "Runtime", .product(name: "Logging", package: "swift-log"),
        ],
        path: "Fuzz/TrailwatchFuzz",
        swiftSettings: strictSettings))
}
