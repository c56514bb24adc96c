extension Duration {
    /// Whole milliseconds, clamped to `Int32` (librdkafka's timeout type); negative becomes 0.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? 0 : .max }
        return Int32(clamping: max(millis + attoseconds / 1_000_000_000_000_000, 0))
    }
}
