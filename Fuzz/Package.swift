// swift-tools-version:6.2
// libFuzzer targets for Vigil's input parsers; run with `make fuzz` from the root (README
// "Fuzzing and sanitizers").
//
// A separate package, like Benchmarks/: a `@_cdecl("LLVMFuzzerTestOneInput")` executable links
// only with `-sanitize=fuzzer` (libFuzzer supplies `main`), so these targets must stay out of the
// root package's `swift build --build-tests`. Vigil's module APIs are `package` access, which
// another package cannot see, so this package compiles the same sources through symlinks:
// whole modules (`VigilStats`, `VigilEvents`, `CSimdJSON`, `CZlib`), the framework-free part of
// `VigilExposition` (`Sources/ExpositionCore`, the same files Benchmarks/ uses), `AlertMetrics`
// from `VigilAlerting` (the only part the configuration parser needs) and, inside each fuzz target,
// the `VigilAgent` files under test, so the harness can call their `internal` entry points.
//
// Build one target at a time (all at once leaves most Swift code without coverage counters):
// swift build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --product FuzzEventDecoder
import PackageDescription

let package = Package(
    name: "VigilFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "CSimdJSON",
            path: "Sources/CSimdJSON",
            cxxSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        .target(
            name: "VigilStats",
            dependencies: [
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "Collections", package: "swift-collections"),
            ],
            path: "Sources/VigilStats"
        ),
        .target(name: "VigilEvents", dependencies: ["VigilStats", "CSimdJSON", "VigilSync"], path: "Sources/VigilEvents"),
        .target(name: "CTSanSupport", path: "Sources/CTSanSupport"),
        .target(name: "VigilSync", dependencies: ["CTSanSupport"], path: "Sources/VigilSync"),
        .target(name: "VigilExposition", dependencies: ["CZlib", "VigilSync"], path: "Sources/ExpositionCore"),
        .target(name: "VigilAlerting", dependencies: ["VigilStats"], path: "Sources/AlertingCore"),

        // The event decoder: simdjson shim + the mapping into EventBatch columns.
        .executableTarget(name: "FuzzEventDecoder", dependencies: ["VigilEvents"]),
        // Configuration.parse(yaml:): YAML (Yams) + validation; VigilAgent/Configuration symlinked in.
        .executableTarget(
            name: "FuzzConfiguration",
            dependencies: ["VigilEvents", "VigilStats", "VigilAlerting", .product(name: "Yams", package: "Yams")]
        ),
        // ProfileFile.decode, plain and gzip; VigilAgent/Reference/ProfileFile.swift symlinked in.
        .executableTarget(name: "FuzzProfileFile", dependencies: ["VigilStats", "VigilExposition"]),
        // Label values through MetricsRegistry.render, read back by a strict parser (round trip).
        .executableTarget(name: "FuzzExpositionLabels", dependencies: ["VigilExposition"]),
    ],
    cxxLanguageStandard: .cxx17
)

// The root package's settings (Package.swift there), so the shared sources compile as in the product.
for target in package.targets where target.type != .system {
    guard target.name != "CSimdJSON" else { continue }
    var settings = target.swiftSettings ?? []
    settings += [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    ]
    target.swiftSettings = settings
}
