// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // System libraries (Debian packages; `make deps` installs them).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // A thin C API over simdjson's On-Demand parser (Debian `libsimdjson-dev`).
        .target(
            name: "CSimdJSON",
            cxxSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),

        // `Locked`: the project's Mutex, with happens-before annotations ThreadSanitizer understands;
        // CTSanSupport also makes librdkafka's C11 threads visible to TSan (TSan builds only).
        .target(name: "CTSanSupport"),
        .target(name: "VigilSync", dependencies: ["CTSanSupport"]),

        .target(
            name: "VigilStats",
            dependencies: [
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "VigilEvents",
            dependencies: ["VigilStats", "CSimdJSON", "VigilSync"]
        ),
        .target(
            name: "VigilKafka",
            dependencies: [
                "CRdKafka", "VigilSync",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "VigilAlerting",
            dependencies: [
                "VigilStats", "VigilSync",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "VigilExposition",
            dependencies: [
                "CZlib", "VigilSync",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "VigilAgent",
            dependencies: [
                "VigilStats", "VigilEvents", "VigilKafka", "VigilExposition", "VigilAlerting", "VigilSync", "CSimdJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "VigilSyncTests", dependencies: ["VigilSync"]),
        .testTarget(name: "VigilStatsTests", dependencies: ["VigilStats", "TestSupport", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "VigilEventsTests", dependencies: ["VigilEvents", "VigilStats", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VigilKafkaTests", dependencies: ["VigilKafka", "VigilSync", "TestSupport"]),
        .testTarget(
            name: "VigilExpositionTests",
            dependencies: [
                "VigilExposition", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),   // loopback load test
            ]
        ),
        .testTarget(
            name: "VigilAlertingTests",
            dependencies: [
                "VigilAlerting", "VigilStats", "VigilSync", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "VigilAgentTests", dependencies: ["VigilAgent", "VigilEvents", "VigilStats", "VigilExposition", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "VigilAgent", "VigilKafka", "VigilExposition", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
    ],
    cxxLanguageStandard: .cxx17
)

for target in package.targets where target.type != .system {
    guard target.name != "CSimdJSON", target.name != "CTSanSupport" else { continue }
    var settings = target.swiftSettings ?? []
    settings += [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    ]
    target.swiftSettings = settings
}
