import VigilEvents

extension EventBatch {
    /// A copy of rows `rows` (used once, where a warm-up ends inside a batch). Category and
    /// class names announced by the batch go with the first part only.
    func rows(_ rows: Range<Int>) -> EventBatch {
        var part = EventBatch(model: model, numericCount: numeric.count, categoricalCount: categorical.count, featureCount: typeErrorRows.count)
        part.timestamps = ContiguousArray(timestamps[rows])
        part.partitions = ContiguousArray(partitions[rows])
        part.offsets = ContiguousArray(offsets[rows])
        part.idHashes = ContiguousArray(idHashes[rows])
        part.numeric = numeric.map { ContiguousArray($0[rows]) }
        part.categorical = categorical.map { ContiguousArray($0[rows]) }
        func rebased(_ list: ContiguousArray<Int32>) -> ContiguousArray<Int32> {
            ContiguousArray(list.filter { rows.contains(Int($0)) }.map { $0 - Int32(rows.lowerBound) })
        }
        part.nonFiniteRows = nonFiniteRows.map(rebased)
        part.typeErrorRows = typeErrorRows.map(rebased)
        if !predictionValues.isEmpty { part.predictionValues = ContiguousArray(predictionValues[rows]) }
        if !predictionCodes.isEmpty { part.predictionCodes = ContiguousArray(predictionCodes[rows]) }
        if !labelValues.isEmpty { part.labelValues = ContiguousArray(labelValues[rows]) }
        if !labelCodes.isEmpty { part.labelCodes = ContiguousArray(labelCodes[rows]) }
        if rows.lowerBound == 0 {
            part.newCategories = newCategories
            part.newClasses = newClasses
        }
        return part
    }
}
