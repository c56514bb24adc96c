import VigilSync

/// The process's metric series, updated by pipelines per batch and rendered by `/metrics`.
///
/// State lives in a `Locked` (a `Mutex` TSan understands); a scrape holds it only to copy the store (O(1), copy-on-write) and
/// renders the copy outside it, so scraping never blocks ingestion for long (DESIGN.md). Renders are
/// cached until the store changes, and per family the sorted order and pre-rendered label text are
/// cached until a series is added or removed.
///
/// Every family must be declared up front (`MetricCatalog.all` by default); using an undeclared
/// family, or the wrong number of label values, is a programmer error and traps.
package final class MetricsRegistry: Sendable {
    /// Maximum number of exposed samples (a histogram series counts buckets + `+Inf` + sum + count).
    /// An update that would create a series beyond it is dropped and counted in
    /// `vigil_series_dropped_total`.
    package let maxSeries: Int
    package let families: [MetricFamily]
    private let store: Locked<MetricsStore>
    private let cache = Locked(RenderCache())
    private let processMetrics: ProcessMetricsReader?

    /// - Parameters:
    ///   - families: the families to expose, in exposition order; `vigil_series_dropped_total` is
    ///     appended when missing (it is always exposed).
    ///   - maxSeries: SPEC §4 `http.max_series`.
    ///   - processMetrics: also render the standard `process_*` metrics, read from /proc per scrape.
    package init(families: [MetricFamily] = MetricCatalog.all, maxSeries: Int = 50_000, processMetrics: Bool = true) {
        var families = families
        if !families.contains(where: { $0.name == MetricCatalog.seriesDroppedTotal.name }) {
            families.append(MetricCatalog.seriesDroppedTotal)
        }
        self.families = families
        self.maxSeries = maxSeries
        store = Locked(MetricsStore(families: families, maxSeries: maxSeries))
        self.processMetrics = processMetrics ? ProcessMetricsReader() : nil
    }

    // MARK: Updates

    /// Applies several changes under one lock acquisition (use this per batch or per evaluation).
    package func update<Result>(_ body: (inout MetricsStore) throws -> Result) rethrows -> Result {
        try store.withLock { store in try body(&store) }
    }

    package func increment(_ family: MetricFamily, labels: [String], by amount: Double = 1) {
        update { $0.increment(family, labels: labels, by: amount) }
    }

    package func set(_ family: MetricFamily, labels: [String], _ value: Double) {
        update { $0.set(family, labels: labels, value) }
    }

    package func observe(_ family: MetricFamily, labels: [String], _ value: Double) {
        update { $0.observe(family, labels: labels, value) }
    }

    /// Counts the values into buckets outside the lock, then merges once.
    package func observe(_ family: MetricFamily, labels: [String], values: some Sequence<Double>) {
        var counts = HistogramCounts(family)
        counts.add(contentsOf: values)
        observe(family, labels: labels, counts)
    }

    package func observe(_ family: MetricFamily, labels: [String], _ counts: HistogramCounts) {
        update { $0.observe(family, labels: labels, counts) }
    }

    package func initialize(_ family: MetricFamily, labels: [String]) {
        update { $0.initialize(family, labels: labels) }
    }

    package func remove(_ family: MetricFamily, labelPrefix: [String]) {
        update { $0.remove(family, labelPrefix: labelPrefix) }
    }

    package func remove(label name: String, value: String) {
        update { $0.remove(label: name, value: value) }
    }

    // MARK: Queries

    package func value(_ family: MetricFamily, labels: [String]) -> Double? {
        store.withLock { $0.value(family, labels: labels) }
    }

    package func histogram(_ family: MetricFamily, labels: [String]) -> HistogramCounts? {
        store.withLock { $0.histogram(family, labels: labels) }
    }

    /// Samples currently exposed by the registry (without the process metrics).
    package var sampleCount: Int {
        store.withLock { $0.sampleCount }
    }

    /// A copy of the current series (O(1)); read it without holding anything.
    package func snapshot() -> MetricsStore {
        store.withLock { $0 }
    }

    // MARK: Rendering

    /// The exposition in `format`: the registry's families in declaration order (HELP and TYPE even
    /// without series), series sorted by label values, then the process metrics; OpenMetrics ends
    /// with `# EOF`.
    package func render(_ format: ExpositionFormat) -> [UInt8] {
        var writer = ExpositionWriter(format: format, bytes: renderRegistry(format))
        if let processMetrics {
            writer.writeProcessMetrics(processMetrics.read())
        }
        if format == .openMetrics {
            writer.bytes.append(contentsOf: "# EOF\n".utf8)
        }
        return writer.bytes
    }

    private func renderRegistry(_ format: ExpositionFormat) -> [UInt8] {
        let snapshot = snapshot()
        let (cached, layouts) = cache.withLock { cache in
            (cache.rendered[format].flatMap { $0.generation == snapshot.generation ? $0.bytes : nil }, cache.layouts)
        }
        if let cached { return cached }

        var writer = ExpositionWriter(format: format, bytes: [])
        writer.bytes.reserveCapacity(cache.withLock { $0.lastSize[format] } ?? 4096)
        var newLayouts: [Int: SeriesLayout] = [:]
        for (f, family) in snapshot.families.enumerated() {
            let series = snapshot.series[f]
            let layout: SeriesLayout
            if let cachedLayout = layouts[f], cachedLayout.shape == series.shape {
                layout = cachedLayout
            } else {
                layout = SeriesLayout(family: family, series: series)
                newLayouts[f] = layout
            }
            writer.writeFamily(family, series: series, layout: layout)
        }
        let bytes = writer.bytes
        cache.withLock { cache in
            for (f, layout) in newLayouts { cache.layouts[f] = layout }
            if cache.rendered[format].map({ $0.generation < snapshot.generation }) ?? true {
                cache.rendered[format] = (snapshot.generation, bytes)
            }
            cache.lastSize[format] = bytes.count + 1024
        }
        return bytes
    }
}

/// What `render` keeps between scrapes.
private struct RenderCache: Sendable {
    var rendered: [ExpositionFormat: (generation: UInt64, bytes: [UInt8])] = [:]
    var layouts: [Int: SeriesLayout] = [:]
    var lastSize: [ExpositionFormat: Int] = [:]
}
