import Testing
@testable import VigilExposition

@Suite struct MetricNumberTests {
    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1, "1"), (-3, "-3"), (1_764_300_000, "1764300000"),
        (125.5, "125.5"), (0.1, "0.1"), (1e-7, "1e-07"), (1.0 / 3, "0.3333333333333333"),
        (9_007_199_254_740_992, "9007199254740992"), (1e20, "1e+20"),
        (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
    ] as [(Double, String)])
    func sampleValue(value: Double, expected: String) {
        #expect(MetricNumber.sampleValue(value) == expected)
    }

    /// OpenMetrics 1.0 "Canonical Numbers": the examples the spec lists, in its rendering.
    @Test(arguments: [
        (0.0, "0.0"), (0.001, "0.001"), (0.002, "0.002"), (0.01, "0.01"), (0.1, "0.1"), (0.9, "0.9"),
        (0.95, "0.95"), (0.99, "0.99"), (0.999, "0.999"), (1.0, "1.0"), (1.7, "1.7"), (10.0, "10.0"),
        (1e-10, "1e-10"), (1e-9, "1e-09"), (1e-5, "1e-05"), (0.0001, "0.0001"), (100_000, "100000.0"),
        (1e6, "1e+06"), (1e10, "1e+10"), (.infinity, "+Inf"), (0.00025, "0.00025"), (2.5, "2.5"),
        (1_234_567, "1.234567e+06"), (-2, "-2.0"),
    ] as [(Double, String)])
    func openMetricsCanonicalLabelValue(value: Double, expected: String) {
        #expect(MetricNumber.labelValue(value, openMetrics: true) == expected)
    }

    /// The text format writes `le` as client_golang does (`%g`, no `.0`).
    @Test(arguments: [
        (0.0, "0"), (0.005, "0.005"), (1.0, "1"), (10.0, "10"), (100_000, "100000"), (1e6, "1e+06"), (1e-5, "1e-05"),
    ] as [(Double, String)])
    func textLabelValue(value: Double, expected: String) {
        #expect(MetricNumber.labelValue(value) == expected)
    }
}
