/// The two text formats `/metrics` speaks.
package enum ExpositionFormat: Sendable, Hashable, CaseIterable {
    /// Prometheus text format 0.0.4.
    case prometheus
    /// OpenMetrics 1.0.0 text format.
    case openMetrics

    /// The `Content-Type` of a response in this format.
    package var contentType: String {
        switch self {
        case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }
}
