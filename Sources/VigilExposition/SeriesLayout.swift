/// The render order and pre-rendered label text of one family's series, valid for one shape
/// (set of series) of that family. Rebuilt only when a series is added or removed.
struct SeriesLayout: Sendable {
    let shape: UInt64
    /// Slots sorted by label values.
    let order: [Int]
    /// Concatenated label text per position of `order`: `a="x",b="y"` (escaped, no braces).
    let labelText: [UInt8]
    /// End offset in `labelText` per position of `order`.
    let labelEnds: [Int]

    init(family: MetricFamily, series: FamilySeries) {
        shape = series.shape
        let labelSets = series.labelSets
        order = labelSets.indices.sorted { labelSets[$0].lexicographicallyPrecedes(labelSets[$1]) }
        var text: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(order.count)
        for slot in order {
            for (i, (name, value)) in zip(family.labelNames, labelSets[slot]).enumerated() {
                if i > 0 { text.append(UInt8(ascii: ",")) }
                text.append(contentsOf: name.utf8)
                text.append(contentsOf: "=\"".utf8)
                ExpositionWriter.appendEscaped(value, quotes: true, to: &text)
                text.append(UInt8(ascii: "\""))
            }
            ends.append(text.count)
        }
        labelText = text
        labelEnds = ends
    }
}
