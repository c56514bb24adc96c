/// The series of a `MetricsRegistry`: what its lock guards, and what `MetricsRegistry.update(_:)`
/// hands to a caller that changes many series at once (one lock per batch, STYLE §8).
///
/// A value type: the registry snapshots it in O(1) (copy-on-write arrays) and renders the copy
/// outside the lock.
package struct MetricsStore: Sendable {
    let families: [MetricFamily]
    let familyIndex: [String: Int]
    let maxSeries: Int
    let droppedFamily: Int
    var series: [FamilySeries]
    /// Samples the registry would expose (a histogram series counts its buckets, `+Inf`, sum and count).
    private(set) var sampleCount = 0
    /// Bumped by every change; the render cache keys on it.
    private(set) var generation: UInt64 = 0
    private var shapeCounter: UInt64 = 0

    init(families: [MetricFamily], maxSeries: Int) {
        var index: [String: Int] = [:]
        for (i, family) in families.enumerated() {
            precondition(index.updateValue(i, forKey: family.name) == nil, "metric \(family.name) declared twice")
        }
        self.families = families
        familyIndex = index
        self.maxSeries = maxSeries
        guard let dropped = index[MetricCatalog.seriesDroppedTotal.name] else {
            preconditionFailure("the registry needs \(MetricCatalog.seriesDroppedTotal.name)")
        }
        droppedFamily = dropped
        series = families.map { FamilySeries(isHistogram: $0.type == .histogram) }
        // Always present, and outside the cap: it is what reports the cap.
        _ = series[dropped].insert(labels: [], histogramBounds: nil, shape: 0)
        sampleCount = 1
    }

    // MARK: Updates

    /// Adds `amount` to a counter or gauge series, creating it at 0 first. NaN and (for counters)
    /// negative amounts are ignored.
    package mutating func increment(_ family: MetricFamily, labels: [String], by amount: Double = 1) {
        let f = index(of: family, labels: labels)
        precondition(family.type != .histogram, "increment on histogram \(family.name)")
        guard !amount.isNaN, family.type != .counter || amount >= 0 else {
            assertionFailure("invalid increment \(amount) of \(family.name)")
            return
        }
        guard let slot = slot(family: f, labels: labels) else { return }
        series[f].values[slot] += amount
        generation &+= 1
    }

    /// Sets a counter or gauge series (creating it).
    package mutating func set(_ family: MetricFamily, labels: [String], _ value: Double) {
        let f = index(of: family, labels: labels)
        precondition(family.type != .histogram, "set on histogram \(family.name)")
        guard let slot = slot(family: f, labels: labels) else { return }
        series[f].values[slot] = value
        generation &+= 1
    }

    /// Adds one observation to a histogram series (creating it). NaN is ignored.
    package mutating func observe(_ family: MetricFamily, labels: [String], _ value: Double) {
        var counts = HistogramCounts(family)
        counts.add(value)
        observe(family, labels: labels, counts)
    }

    /// Merges a batch's observations into a histogram series (creating it).
    package mutating func observe(_ family: MetricFamily, labels: [String], _ counts: HistogramCounts) {
        let f = index(of: family, labels: labels)
        precondition(family.type == .histogram, "observe on \(family.type) \(family.name)")
        guard let slot = slot(family: f, labels: labels) else { return }
        series[f].histograms[slot].merge(counts)
        generation &+= 1
    }

    /// Creates the series at zero if it does not exist (STYLE §8: known label combinations are exposed
    /// from the start); an existing series keeps its value.
    package mutating func initialize(_ family: MetricFamily, labels: [String]) {
        let f = index(of: family, labels: labels)
        _ = slot(family: f, labels: labels)
    }

    /// Removes the family's series whose first label values equal `labelPrefix` (all of them for `[]`).
    package mutating func remove(_ family: MetricFamily, labelPrefix: [String]) {
        let f = index(of: family, labels: nil)
        precondition(labelPrefix.count <= family.labelNames.count, "too many label values for \(family.name)")
        guard f != droppedFamily else { return }
        if labelPrefix.count == family.labelNames.count {
            // One exact series: O(1), so a caller may remove per window what it has no value for.
            guard let slot = series[f].slots[labelPrefix] else { return }
            series[f].remove(slot: slot)
            seriesRemoved(family: f, count: 1)
        } else {
            removeSeries(family: f) { $0.starts(with: labelPrefix) }
        }
    }

    /// Removes, in every family that has the label `name`, the series where it equals `value`
    /// (e.g. everything of one model: `remove(label: "model", value: "fraud")`).
    package mutating func remove(label name: String, value: String) {
        for (f, family) in families.enumerated() {
            guard let position = family.labelNames.firstIndex(of: name) else { continue }
            removeSeries(family: f) { $0[position] == value }
        }
    }

    // MARK: Queries

    /// The value of a counter or gauge series; `nil` when it does not exist.
    package func value(_ family: MetricFamily, labels: [String]) -> Double? {
        let f = index(of: family, labels: labels)
        guard family.type != .histogram, let slot = series[f].slots[labels] else { return nil }
        return series[f].values[slot]
    }

    /// The observations of a histogram series; `nil` when it does not exist.
    package func histogram(_ family: MetricFamily, labels: [String]) -> HistogramCounts? {
        let f = index(of: family, labels: labels)
        guard family.type == .histogram, let slot = series[f].slots[labels] else { return nil }
        return series[f].histograms[slot]
    }

    /// The label values of the family's series, unordered.
    package func labelSets(_ family: MetricFamily) -> [[String]] {
        series[index(of: family, labels: nil)].labelSets
    }

    // MARK: Internals

    private func index(of family: MetricFamily, labels: [String]?) -> Int {
        guard let f = familyIndex[family.name] else {
            preconditionFailure("metric \(family.name) is not registered")
        }
        assert(families[f] == family, "metric \(family.name) registered with another declaration")
        if let labels {
            precondition(
                labels.count == family.labelNames.count,
                "metric \(family.name) takes labels \(family.labelNames), got \(labels.count) values")
        }
        return f
    }

    /// The slot of the series, created if absent and the cap allows; `nil` (and counted) when dropped.
    private mutating func slot(family f: Int, labels: [String]) -> Int? {
        if let slot = series[f].slots[labels] { return slot }
        let family = families[f]
        let samples = Self.samples(of: family)
        guard sampleCount + samples <= maxSeries else {
            series[droppedFamily].values[0] += 1
            generation &+= 1
            return nil
        }
        sampleCount += samples
        shapeCounter &+= 1
        generation &+= 1
        return series[f].insert(labels: labels, histogramBounds: family.buckets, shape: shapeCounter)
    }

    private mutating func removeSeries(family f: Int, where matches: ([String]) -> Bool) {
        guard f != droppedFamily else { return }
        let removed = series[f].removeAll(where: matches)
        seriesRemoved(family: f, count: removed)
    }

    private mutating func seriesRemoved(family f: Int, count: Int) {
        guard count > 0 else { return }
        sampleCount -= count * Self.samples(of: families[f])
        shapeCounter &+= 1
        series[f].shape = shapeCounter
        generation &+= 1
    }

    private static func samples(of family: MetricFamily) -> Int {
        family.type == .histogram ? (family.buckets?.count ?? 0) + 3 : 1
    }
}

/// The series of one family: label values to a dense slot; values (or histograms) by slot.
struct FamilySeries: Sendable {
    let isHistogram: Bool
    var slots: [[String]: Int] = [:]
    var labelSets: [[String]] = []
    var values: [Double] = []
    var histograms: [HistogramCounts] = []
    /// Changes whenever a series is added or removed: the render layout (sorted order, pre-rendered
    /// label text) is cached per shape.
    var shape: UInt64 = 0

    init(isHistogram: Bool) {
        self.isHistogram = isHistogram
    }

    mutating func insert(labels: [String], histogramBounds: [Double]?, shape: UInt64) -> Int {
        let slot = labelSets.count
        slots[labels] = slot
        labelSets.append(labels)
        if let histogramBounds {
            histograms.append(HistogramCounts(upperBounds: histogramBounds))
        } else {
            values.append(0)
        }
        self.shape = shape
        return slot
    }

    /// Removes one series; the last slot moves into its place (render order comes from sorting).
    mutating func remove(slot: Int) {
        let last = labelSets.count - 1
        slots[labelSets[slot]] = nil
        if slot != last {
            let moved = labelSets[last]
            labelSets[slot] = moved
            slots[moved] = slot
            if isHistogram { histograms[slot] = histograms[last] } else { values[slot] = values[last] }
        }
        labelSets.removeLast()
        if isHistogram { histograms.removeLast() } else { values.removeLast() }
    }

    /// Removes matching series and compacts the slots; returns how many were removed.
    mutating func removeAll(where matches: ([String]) -> Bool) -> Int {
        guard labelSets.contains(where: matches) else { return 0 }
        var kept = FamilySeries(isHistogram: isHistogram)
        for (slot, labels) in labelSets.enumerated() where !matches(labels) {
            kept.slots[labels] = kept.labelSets.count
            kept.labelSets.append(labels)
            if isHistogram { kept.histograms.append(histograms[slot]) } else { kept.values.append(values[slot]) }
        }
        let removed = labelSets.count - kept.labelSets.count
        if removed > 0 {
            kept.shape = shape
            self = kept
        }
        return removed
    }
}
