import VigilExposition

/// The agent's version, printed by `vigil --version` and exported in `vigil_build_info`.
package enum VigilVersion {
    package static let current = "0.1.0"
}

enum BuildInfo {
    static var swiftVersion: String {
        #if compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6"
        #endif
    }

    static func publish(to metrics: MetricsRegistry) {
        metrics.set(MetricCatalog.buildInfo, labels: [VigilVersion.current, swiftVersion], 1)
    }
}
