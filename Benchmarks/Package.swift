// swift-tools-version:6.2
// Benchmarks of the VigilStats core, the exposition and the event decoder (package-benchmark); run
// with `make bench` from the root.
//
// A separate package so the main build never pulls in the benchmark machinery. VigilStats's API
// is `package` access, which another package cannot see, so this package compiles the same
// sources as its own `VigilStats` target: `Sources/VigilStats` is a symlink to
// `../../Sources/VigilStats`, with the root package's dependencies and settings.
import PackageDescription

let package = Package(
    name: "VigilBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Only the MallocInterposer trait (mallocCountTotal and friends): the default
        // RuntimeInterposer trait (Linux, Swift 6.3) needs ordo-one/swift-runtime-interposer, which
        // the local package mirror does not have. It exists to work around a Swift 6.3 crash in the
        // runtime's ARC hooks, so the benchmarks here request no ARC metrics (retainCount, …).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        .target(
            name: "VigilStats",
            dependencies: [
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "Collections", package: "swift-collections"),
            ],
            path: "Sources/VigilStats"
        ),
        // The framework-free part of VigilExposition (registry, text/OpenMetrics writer, gzip):
        // `Sources/ExpositionCore` holds symlinks to those files, `Sources/CZlib` to the zlib target.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CTSanSupport", path: "Sources/CTSanSupport"),
        .target(name: "VigilSync", dependencies: ["CTSanSupport"], path: "Sources/VigilSync"),
        .target(name: "VigilExposition", dependencies: ["CZlib", "VigilSync"], path: "Sources/ExpositionCore"),
        // The event decoder and its simdjson shim: symlinks to the root package's targets.
        .target(
            name: "CSimdJSON",
            path: "Sources/CSimdJSON",
            cxxSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        .target(name: "VigilEvents", dependencies: ["VigilStats", "CSimdJSON", "VigilSync"], path: "Sources/VigilEvents"),
        .executableTarget(
            name: "DecodeBenchmarks",
            dependencies: [
                "VigilEvents", "VigilStats",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DecodeBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "ExpositionBenchmarks",
            dependencies: [
                "VigilExposition",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ExpositionBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "StatsBenchmarks",
            dependencies: [
                "VigilStats",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/StatsBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    cxxLanguageStandard: .cxx17
)

// The root package's settings (Package.swift there), so VigilStats compiles as it does in the product.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings += [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    ]
    target.swiftSettings = settings
}
