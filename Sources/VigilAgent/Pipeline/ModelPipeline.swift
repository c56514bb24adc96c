import VigilEvents
import VigilStats
import VigilSync

/// One model's windows: applies decoded batches to window panes, tracks per-partition
/// watermarks (SPEC §5), rejects late events and evaluates windows as the watermark passes them.
///
/// Not Sendable: confined to the thread that consumes (the Kafka consumer thread or replay).
final class ModelPipeline {
    /// What applying one batch did.
    struct ApplyOutcome: Equatable {
        var accepted = 0
        var late = 0
    }

    let settings: ModelSettings
    let schema: ModelSchema
    private(set) var categoryNames: [CategoryNames]
    private(set) var classNames = CategoryNames()
    private let mode: Mode
    private let seed: UInt64

    private enum Mode {
        case time(sizeMillis: Int64, slideMillis: Int64, latenessMillis: Int64)
        case count(Int)
    }

    // Event-time windows.
    private var panes: [Int64: WindowPane] = [:]
    private var partitions: [Int32: PartitionClock] = [:]
    private var nextWindowEnd: Int64?
    private(set) var evaluatedThrough: Int64?
    /// The largest event time applied so far (an upper bound of the watermark plus lateness).
    private var highestTimestamp = Int64.min
    private var paneOfRow: [Int64] = []
    private static let lateRow = Int64.min

    // Count windows.
    private var countPane: WindowPane?

    // Replay on assignment (`kafka.start_from: window`, see `replayOffset(partition:)`).
    /// Per pane, the first (smallest) Kafka offset applied to it from each partition; kept for
    /// `historyPanes` panes after the pane itself is dropped. Empty unless `trackReplay` was called.
    private var paneFirstOffsets: [Int64: [(partition: Int32, offset: Int64)]] = [:]
    private var tracksReplay = false
    /// Evaluated windows a restart re-evaluates (alert `for` + `keep_firing_for`), in panes.
    private var historyPanes: Int64 = 0

    private struct PartitionClock {
        var maxTimestamp: Int64?
        var lastSeenMillis: Int64
    }

    /// The reference profile; nil until warm-up completes, or without a reference.
    private(set) var reference: ReferenceProfile?
    /// Reference PSI bins per numeric feature, then the numeric prediction (see `WindowPane`).
    private var paneBins: [ReferenceBins?] = []
    /// Per feature (configuration order), its reference column and drift options.
    private var featureReferences: [(column: ColumnProfile?, options: DriftOptions)] = []
    private var warmup: ReferenceCollector?
    /// Dropped panes kept for reuse (their buffers keep their capacity).
    private var recycled: [WindowPane] = []
    /// Event-time windows: the performance of closed panes (those whose first window was
    /// evaluated), kept while a window holds them or, with a labels stream, while a delayed label
    /// can still reach a window that holds them (SPEC §4 `labels.max_delay`).
    private var paned: PanedPerformance?
    /// Panes before this one were dropped from `paned`: windows that held them are not re-reported.
    private var panedFrom = Int64.min
    /// Panes held by the window being evaluated for the first time, with their open performance.
    private var closingPanes: [(pane: Int64, performance: PerformanceSummary)] = []
    /// Windows whose performance changed since the last `takePerformanceUpdates()`.
    private var updatedWindows: Set<Int64> = []
    /// How long labels may lag their predictions; nil without a labels stream.
    let labelDelayMillis: Int64?

    /// How labelled events are scored (SPEC §7 performance).
    private var performanceTask: PerformanceSummary.Task {
        switch settings.task {
        case .binaryClassification:
            let positive = Double(settings.positiveClass) ?? (settings.positiveClass.lowercased() == "true" ? 1 : 0)
            return .binary(threshold: settings.decisionThreshold, positive: positive)
        case .regression: return .regression
        case .multiclass: return .multiclass
        }
    }

    /// Incremented whenever the reference changes (warm-up completing).
    private(set) var referenceGeneration = 0
    /// The anomaly scorer, its columns mapped to this model's numeric features.
    private(set) var anomalyModel: MahalanobisModel?
    /// Scores of the batch being applied (row i → scores[i]) and the scorer's scratch buffer.
    private var scores: [Double] = []
    private var scoreScratch: [Double] = []
    /// Page-Hinkley on the prediction (SPEC §7), fed in event order over the whole stream.
    private var changeDetector: PageHinkley?
    /// Rows of the batch being applied that signalled a change.
    private var changeRows: [Int] = []
    /// Scores of accepted events since the last `takeScores()`, for the score histogram.
    private(set) var pendingScores: [Double] = []
    /// Change detections since the last `takeChanges()`.
    private var pendingChanges = 0
    /// Seconds each window evaluation took since the last `takeEvaluationSeconds()` (SPEC §9
    /// `vigil_processing_duration_seconds{stage="evaluate"}`).
    private var evaluationSeconds: [Double] = []
    var hasChangeDetection: Bool { changeDetector != nil }
    private var warmupEvents = 0

    init(settings: ModelSettings, index: Int, reference: ReferenceProfile? = nil, labelDelay: Duration? = nil) {
        labelDelayMillis = labelDelay?.milliseconds
        self.settings = settings
        schema = settings.schema
        if reference == nil, settings.reference.warmupEvents != nil { warmup = ReferenceCollector(settings: settings) }
        if let ph = settings.predictionChangeDetection, settings.task != .multiclass {
            changeDetector = PageHinkley(delta: ph.delta, threshold: ph.threshold, alpha: ph.alpha, minInstances: ph.minInstances,
                                         mode: PageHinkley.Mode(rawValue: ph.mode.rawValue) ?? .both)
        }
        categoryNames = Array(repeating: CategoryNames(), count: schema.categoricalFeatureNames.count)
        seed = 0x5EED_0000 &+ UInt64(index) &* 0x1_0000_0001
        switch settings.window {
        case .time(let size, let slide, let lateness):
            mode = .time(sizeMillis: size.milliseconds, slideMillis: slide.milliseconds, latenessMillis: lateness.milliseconds)
        case .count(let n):
            mode = .count(n)
        }
        if case .time(let size, let slide, _) = mode { paned = PanedPerformance(span: Int(size / slide), task: performanceTask) }
        if let reference { useReference(reference) } else { featureReferences = settings.features.map { _ in (nil, DriftOptions()) } }
    }

    /// Starts comparing windows with `reference` (at start, or when warm-up completes).
    func useReference(_ reference: ReferenceProfile) {
        self.reference = reference
        featureReferences = settings.features.map { feature in
            let perFeature = settings.drift.perFeature[feature.name]
            return (reference.feature(named: feature.name), DriftOptions(method: perFeature?.method ?? settings.drift.method, threshold: perFeature?.threshold))
        }
        func bins(_ column: ColumnProfile?) -> ReferenceBins? {
            guard let p = column?.numeric, let lo = p.min, let hi = p.max else { return nil }
            return ReferenceBins(edges: p.psiEdges, min: lo, max: hi)
        }
        paneBins = settings.features.filter { $0.kind == .numeric }.map { bins(reference.feature(named: $0.name)) }
        if schema.prediction == .numeric { paneBins.append(bins(reference.prediction)) }
        recycled.removeAll()   // their bins are the old reference's
        referenceGeneration += 1
        anomalyModel = nil
        if settings.anomaly.method == .mahalanobis, var model = reference.anomaly {
            // Map the profile's feature order to this model's numeric columns.
            let numericNames = schema.numericFeatureNames
            let columns = model.features.compactMap { numericNames.firstIndex(of: $0) }
            if columns.count == model.features.count {
                model.columns = columns
                anomalyModel = model
            }
        }
    }

    /// SPEC §4 `reference.warmup_events`: the first N events form the reference. Those events
    /// are windowed too; windows that close before the reference exists carry no drift.
    private func collectWarmup(_ batch: EventBatch) {
        guard var collector = warmup, let target = settings.reference.warmupEvents else { return }
        warmup = nil
        collector.add(batch)
        if collector.events >= target {
            useReference(collector.profile())
        } else {
            warmup = collector
        }
    }

    // MARK: Replay

    /// Starts recording, per pane and partition, the first Kafka offset applied, so that a restart
    /// can replay exactly the events of the windows still open, plus `historyMillis` of evaluated
    /// windows (alert rules' hold times re-run on them). Time windows only.
    func trackReplay(historyMillis: Int64) {
        guard case .time(_, let slide, _) = mode else { return }
        tracksReplay = true
        historyPanes = (max(historyMillis, 0) + slide - 1) / slide
    }

    /// Where a restarted agent starts reading `partition` to rebuild this model's state: the
    /// smallest offset of the partition in the panes it still needs; nil when it needs none.
    func replayOffset(partition: Int32) -> Int64? {
        var lowest: Int64?
        for entries in paneFirstOffsets.values {
            for entry in entries where entry.partition == partition { lowest = min(lowest ?? entry.offset, entry.offset) }
        }
        return lowest
    }

    /// The window end through which a restarted agent need not re-evaluate windows (the replay
    /// re-evaluates the history after it): nil before the first evaluation.
    var replayThrough: Int64? {
        guard case .time(_, let slide, _) = mode, let through = evaluatedThrough else { return nil }
        return through - historyPanes * slide
    }

    /// Takes a previous run's `replayThrough` before replaying, so windows it evaluated are not
    /// reported again from partial data. Only a pipeline without state of its own takes it.
    func restore(evaluatedThrough through: Int64) {
        guard case .time = mode, evaluatedThrough == nil, panes.isEmpty else { return }
        evaluatedThrough = through
    }

    @inline(__always)
    private func noteFirstOffsets(_ batch: EventBatch, rows: Range<Int>, pane: Int64) {
        var last = Int32.min
        for row in rows where batch.partitions[row] != last {
            last = batch.partitions[row]
            let offset = batch.offsets[row]
            if let index = paneFirstOffsets[pane]?.firstIndex(where: { $0.partition == last }) {
                if offset < paneFirstOffsets[pane]![index].offset { paneFirstOffsets[pane]![index].offset = offset }
            } else {
                paneFirstOffsets[pane, default: []].append((last, offset))
            }
        }
    }

    // MARK: Partitions

    /// Partitions now feeding this model (Kafka assignment). Until a partition has delivered an
    /// event, or has been idle for `idle_timeout`, it holds the watermark back.
    func assign(_ assigned: [Int32], nowMillis: Int64) {
        for partition in assigned where partitions[partition] == nil {
            partitions[partition] = PartitionClock(maxTimestamp: nil, lastSeenMillis: nowMillis)
        }
    }

    func revoke(_ revoked: [Int32]) {
        for partition in revoked { partitions[partition] = nil }
    }

    /// The model's watermark (SPEC §5): the minimum over non-idle partitions of their largest
    /// event time, minus lateness. With `nowMillis` nil (replay) no partition is ever idle.
    /// When every partition is idle, event time is taken to follow processing time, so that
    /// windows without events still close (and `NoEvents` can fire).
    func watermark(nowMillis: Int64?, idleTimeoutMillis: Int64) -> Int64? {
        guard case .time(_, _, let lateness) = mode else { return nil }
        var lowest: Int64?
        var anyActive = false
        for clock in partitions.values {
            if let now = nowMillis, now - clock.lastSeenMillis >= idleTimeoutMillis { continue }
            anyActive = true
            guard let ts = clock.maxTimestamp else { return nil }   // an active partition with no event yet
            lowest = min(lowest ?? ts, ts)
        }
        if !anyActive {
            guard let now = nowMillis else { return nil }
            let highest = partitions.values.compactMap(\.maxTimestamp).max()
            guard let highest else { return nil }
            return max(highest, now - idleTimeoutMillis) - lateness
        }
        return lowest.map { $0 - lateness }
    }

    // MARK: Applying batches

    /// Applies a batch: rows in windows already evaluated are rejected as `late`, the rest go into
    /// their panes. Returns the windows that closed while applying it.
    func apply(_ batch: EventBatch, nowMillis: Int64, idleTimeoutMillis: Int64 = 30_000) -> (ApplyOutcome, [WindowReport]) {
        for (f, names) in batch.newCategories.enumerated() where !names.isEmpty { categoryNames[f].append(names) }
        if !batch.newClasses.isEmpty { classNames.append(batch.newClasses) }
        if let collector = warmup, let target = settings.reference.warmupEvents {
            let needed = target - collector.events
            guard batch.count > needed else {
                defer { collectWarmup(batch) }
                return applyEvents(batch, nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis)
            }
            // The batch completes the warm-up: its first rows finish the reference (and are applied
            // before it exists), the rest are compared with it.
            let head = batch.rows(0..<needed), tail = batch.rows(needed..<batch.count)
            var (outcome, reports) = applyEvents(head, nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis)
            let headPanes = paneOfRow
            collectWarmup(head)
            let (more, moreReports) = applyEvents(tail, nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis)
            paneOfRow = headPanes + paneOfRow   // `accepted(row:)` answers for the whole batch (once, at warm-up's end)
            outcome.accepted += more.accepted
            outcome.late += more.late
            reports += moreReports
            return (outcome, reports)
        }
        return applyEvents(batch, nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis)
    }

    private func applyEvents(_ batch: EventBatch, nowMillis: Int64, idleTimeoutMillis: Int64) -> (ApplyOutcome, [WindowReport]) {
        changeRows.removeAll(keepingCapacity: true)
        if let model = anomalyModel, batch.count > 0 {
            if scores.count < batch.count { scores = Array(repeating: 0, count: Swift.max(batch.count, 2 * scores.count)) }
            scores.withUnsafeMutableBufferPointer { out in
                model.score(numeric: batch.numeric, rows: 0..<batch.count, scratch: &scoreScratch, into: out)
            }
        }
        switch mode {
        case .time(let size, let slide, let lateness):
            return applyTime(batch, sizeMillis: size, slideMillis: slide, latenessMillis: lateness,
                             nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis)
        case .count(let n):
            return applyCount(batch, windowEvents: n)
        }
    }

    /// Rows are taken in order, as a stream: whenever a row may move the watermark past the
    /// next window end, the rows before it are applied and the windows the watermark passed
    /// are evaluated, so later rows of the same batch are judged late exactly as if they had
    /// arrived one by one.
    private func applyTime(_ batch: EventBatch, sizeMillis: Int64, slideMillis: Int64, latenessMillis: Int64,
                           nowMillis: Int64, idleTimeoutMillis: Int64) -> (ApplyOutcome, [WindowReport]) {
        var outcome = ApplyOutcome()
        var reports: [WindowReport] = []
        let n = batch.count
        paneOfRow.removeAll(keepingCapacity: true)
        paneOfRow.reserveCapacity(n)
        var lastPartition = Int32.min
        var partitionMax = Int64.min
        var segmentStart = 0
        var blockedPartition: Int32?
        for i in 0..<n {
            let ts = batch.timestamps[i]
            let partition = batch.partitions[i]
            if partition != lastPartition {
                if lastPartition != Int32.min { notePartition(lastPartition, maxTimestamp: partitionMax, nowMillis: nowMillis) }
                lastPartition = partition
                partitionMax = Int64.min
            }
            partitionMax = max(partitionMax, ts)
            // Largest window end containing ts: the last multiple of slide ≤ ts + size.
            let lastEnd = floorDiv(ts &+ sizeMillis, slideMillis) &* slideMillis
            // Late (SPEC §5): every window holding ts has closed, i.e. ended at or before the
            // watermark. The exact watermark is only computed for rows old enough to be late.
            var isLate = evaluatedThrough.map { lastEnd <= $0 } ?? false
            if !isLate, lastEnd <= highestTimestamp &- latenessMillis {
                notePartition(lastPartition, maxTimestamp: partitionMax, nowMillis: nowMillis)
                if let watermark = watermark(nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis) { isLate = lastEnd <= watermark }
            }
            highestTimestamp = max(highestTimestamp, ts)
            if isLate {
                paneOfRow.append(Self.lateRow)
                outcome.late += 1
            } else {
                detectChange(batch, row: i)
                let pane = floorDiv(ts, slideMillis)
                paneOfRow.append(pane)
                // The first window that can close: the smallest end after this pane's start not yet evaluated.
                let candidate = max((pane + 1) * slideMillis, (evaluatedThrough ?? Int64.min) + slideMillis)
                if nextWindowEnd == nil || candidate < nextWindowEnd! { nextWindowEnd = candidate }
            }
            // A check that closes nothing means this row's partition is not the one holding the
            // watermark back; its further rows cannot move it, so skip them until another
            // partition delivers.
            if let next = nextWindowEnd, ts &- latenessMillis >= next, partition != blockedPartition {
                notePartition(lastPartition, maxTimestamp: partitionMax, nowMillis: nowMillis)
                outcome.accepted += applyRows(batch, segmentStart..<(i + 1))
                segmentStart = i + 1
                let closed = watermark(nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis).map { closeWindows(through: $0) } ?? []
                blockedPartition = closed.isEmpty ? partition : nil
                reports += closed
            }
        }
        if lastPartition != Int32.min { notePartition(lastPartition, maxTimestamp: partitionMax, nowMillis: nowMillis) }
        outcome.accepted += applyRows(batch, segmentStart..<n)
        return (outcome, reports)
    }

    /// Applies rows `rows` (with panes already in `paneOfRow`) in runs that share a pane.
    /// Returns the number of rows applied (not late).
    private func applyRows(_ batch: EventBatch, _ rows: Range<Int>) -> Int {
        var applied = 0
        var start = rows.lowerBound
        while start < rows.upperBound {
            let pane = paneOfRow[start]
            var end = start + 1
            while end < rows.upperBound && paneOfRow[end] == pane { end += 1 }
            if pane != Self.lateRow {
                if panes[pane] == nil { panes[pane] = makePane(index: pane) }
                panes[pane]!.add(batch, rows: start..<end)
                if panes[pane]!.performanceClosed { addClosedPerformance(batch, rows: start..<end, pane: pane) }
                if tracksReplay { noteFirstOffsets(batch, rows: start..<end, pane: pane) }
                addScores(batch, rows: start..<end, to: &panes[pane]!)
                applied += end - start
            }
            start = end
        }
        for (f, nonFinite) in batch.nonFiniteRows.enumerated() {
            for row in nonFinite where rows.contains(Int(row)) && paneOfRow[Int(row)] != Self.lateRow {
                panes[paneOfRow[Int(row)]]?.recordNonFinite(feature: f)
            }
        }
        return applied
    }

    /// Labelled rows that arrived for a pane already closed (late for its first windows, not for
    /// the later ones): counted in the pane's `PanedPerformance` entry.
    private func addClosedPerformance(_ batch: EventBatch, rows: Range<Int>, pane: Int64) {
        guard !batch.labelValues.isEmpty, !batch.predictionValues.isEmpty else {
            if !batch.labelCodes.isEmpty, !batch.predictionCodes.isEmpty {
                batch.predictionCodes.withUnsafeBufferPointer { p in
                    batch.labelCodes.withUnsafeBufferPointer { _ = paned?.addCodes(pane, predictionCodes: p, labelCodes: $0, rows: rows) }
                }
            }
            return
        }
        for row in rows { paned?.add(pane, prediction: batch.predictionValues[row], label: batch.labelValues[row]) }
    }

    /// A delayed label joined to a prediction of this model made at `timestamp` (SPEC §4 `labels`):
    /// counted once, in the pane of the prediction, which every window holding it reads; the
    /// windows already evaluated among them are re-reported through `takePerformanceUpdates()`.
    func attributeLabel(timestamp: Int64, score: Double, label: Double) {
        switch mode {
        case .time(let size, let slide, _):
            let pane = floorDiv(timestamp, slide)
            guard paned?.add(pane, prediction: score, label: label) == true else {
                // An open pane (no window holding it evaluated yet), or one past the horizon.
                panes[pane]?.performance.add(prediction: score, label: label)
                return
            }
            guard let through = evaluatedThrough else { return }
            var end = (pane + 1) * slide
            while end <= timestamp &+ size && end <= through {
                if end / slide - Int64(size / slide) >= panedFrom { updatedWindows.insert(end) }
                end += slide
            }
        case .count:
            countPane?.performance.add(prediction: score, label: label)
        }
    }

    /// Windows whose performance changed through delayed labels: (start, end, performance).
    func takePerformanceUpdates() -> [(start: Int64, end: Int64, performance: PerformanceReport)] {
        defer { updatedWindows.removeAll() }
        guard case .time(let size, let slide, _) = mode, let paned else { return [] }
        return updatedWindows.sorted().compactMap { end in
            let first = end / slide - size / slide
            guard first >= panedFrom else { return nil }
            return (start: end - size, end: end, performance: paned.report(panes: first..<(end / slide)))
        }
    }

    /// Whether row `row` of the batch last applied was accepted (not late).
    func accepted(row: Int) -> Bool {
        guard case .time = mode else { return true }
        return row < paneOfRow.count && paneOfRow[row] != Self.lateRow
    }

    /// With a labels stream: forgets the panes that no delayed label can reach any more. A label
    /// can only join a prediction still waiting in the join, so windows ending at or before the
    /// pane of the oldest waiting prediction (`oldestAwaited`; nil: none waits) stay as reported.
    func releasePerformance(oldestAwaited: Int64?) {
        guard case .time(let size, let slide, _) = mode else { return }
        // The first window that can still change ends after the oldest awaited prediction's pane:
        // the panes it holds and all later ones are kept (and those of windows still open).
        dropPerformance(before: oldestAwaited.map { floorDiv($0, slide) + 1 - size / slide } ?? .max)
    }

    /// Feeds an accepted event's prediction to Page-Hinkley, in stream order.
    @inline(__always)
    private func detectChange(_ batch: EventBatch, row: Int) {
        guard changeDetector != nil, row < batch.predictionValues.count else { return }
        if changeDetector!.update(batch.predictionValues[row]) {
            changeRows.append(row)
            pendingChanges += 1
        }
    }

    /// Anomaly counts and change detections of rows `rows` into `pane` (all rows accepted).
    private func addScores(_ batch: EventBatch, rows: Range<Int>, to pane: inout WindowPane) {
        if let model = anomalyModel, pane.anomaly != nil {
            scores.withUnsafeBufferPointer { s in
                pane.anomaly!.add(scores: s, scoresStart: 0, rows: rows, numeric: batch.numeric, model: model)
                pendingScores.append(contentsOf: s[rows])
            }
        }
        for row in changeRows where rows.contains(row) { pane.changeDetections += 1 }
    }

    func takeChanges() -> Int {
        defer { pendingChanges = 0 }
        return pendingChanges
    }

    /// Scores of accepted events since the last call (for the score histogram and anomaly counter).
    func takeScores() -> [Double] {
        defer { pendingScores.removeAll(keepingCapacity: true) }
        return pendingScores
    }

    private func notePartition(_ partition: Int32, maxTimestamp: Int64, nowMillis: Int64) {
        var clock = partitions[partition] ?? PartitionClock(maxTimestamp: nil, lastSeenMillis: nowMillis)
        clock.maxTimestamp = max(clock.maxTimestamp ?? maxTimestamp, maxTimestamp)
        clock.lastSeenMillis = nowMillis
        partitions[partition] = clock
    }

    private func applyCount(_ batch: EventBatch, windowEvents: Int) -> (ApplyOutcome, [WindowReport]) {
        var reports: [WindowReport] = []
        var row = 0
        let n = batch.count
        var nonFiniteCursor = Array(repeating: 0, count: batch.nonFiniteRows.count)
        while row < n {
            if countPane == nil { countPane = WindowPane(schema: schema, capacity: settings.maxWindowSamples, seed: seed, bins: paneBins, anomalyFeatures: anomalyModel?.dimension, performance: performanceTask) }
            let room = windowEvents - countPane!.events
            let end = min(n, row + room)
            for r in row..<end { detectChange(batch, row: r) }
            countPane!.add(batch, rows: row..<end)
            addScores(batch, rows: row..<end, to: &countPane!)
            for f in batch.nonFiniteRows.indices {
                let rows = batch.nonFiniteRows[f]
                while nonFiniteCursor[f] < rows.count && Int(rows[nonFiniteCursor[f]]) < end {
                    countPane!.recordNonFinite(feature: f)
                    nonFiniteCursor[f] += 1
                }
            }
            row = end
            if countPane!.events >= windowEvents {
                reports.append(report(panes: [countPane!], start: countPane!.minTimestamp, end: countPane!.maxTimestamp + 1))
                countPane = nil
            }
        }
        return (ApplyOutcome(accepted: n, late: 0), reports)
    }

    // MARK: Evaluating windows

    /// Evaluates every window whose end the watermark has reached.
    func advance(nowMillis: Int64?, idleTimeoutMillis: Int64) -> [WindowReport] {
        guard case .time = mode, let watermark = watermark(nowMillis: nowMillis, idleTimeoutMillis: idleTimeoutMillis) else { return [] }
        return closeWindows(through: watermark)
    }

    /// Closes and evaluates all windows still open (end of replay input).
    func closeAll() -> [WindowReport] {
        switch mode {
        case .time:
            guard let last = panes.keys.max() else { return [] }
            guard case .time(let size, let slide, _) = mode else { return [] }
            // The last window containing the last pane ends at (last + 1)·slide + size − slide.
            return closeWindows(through: (last + 1) * slide + size - slide)
        case .count:
            guard let pane = countPane, pane.events > 0 else { return [] }
            countPane = nil
            return [report(panes: [pane], start: pane.minTimestamp, end: pane.maxTimestamp + 1)]
        }
    }

    private func closeWindows(through watermark: Int64) -> [WindowReport] {
        guard case .time(let size, let slide, _) = mode else { return [] }
        var reports: [WindowReport] = []
        var emptyRun = 0
        let maxEmptyRun = max(Int(size / slide), 60)
        while let end = nextWindowEnd, end <= watermark {
            let firstPane = floorDiv(end - size, slide), endPane = floorDiv(end, slide)
            // The window's panes are final (the watermark passed their end): sort their samples
            // once, so this and later windows merge instead of sorting.
            // (Keys are collected first: mutating while iterating `panes.keys` would copy the storage.)
            // Their performance moves to `paned` (closed) the first time a window holds them.
            for key in panes.keys.filter({ $0 >= firstPane && $0 < endPane }).sorted() {
                panes[key]!.sortSamples()
                if paned != nil, !panes[key]!.performanceClosed { closingPanes.append((key, panes[key]!.takePerformance())) }
            }
            let members = (firstPane..<endPane).count <= panes.count
                ? (firstPane..<endPane).compactMap { panes[$0] }
                : panes.filter { $0.key >= firstPane && $0.key < endPane }.sorted { $0.key < $1.key }.map(\.value)
            if members.isEmpty {
                emptyRun += 1
                if emptyRun > maxEmptyRun {
                    // A long gap without events (or a jump in event time): skip to the next pane with data.
                    let nextPane = panes.keys.filter { $0 >= endPane }.min()
                    let target = nextPane.map { ($0 + 1) * slide } ?? floorDiv(watermark, slide) * slide
                    evaluatedThrough = max(evaluatedThrough ?? Int64.min, target - slide)
                    nextWindowEnd = max(end + slide, target)
                    dropPanes(before: floorDiv(nextWindowEnd! - size, slide))
                    if nextPane == nil { break }
                    continue
                }
            } else {
                emptyRun = 0
            }
            reports.append(report(panes: members, start: end - size, end: end, paneRange: firstPane..<endPane))
            evaluatedThrough = end
            nextWindowEnd = end + slide
            dropPanes(before: floorDiv(end + slide - size, slide))
            trimSamples(panesFrom: floorDiv(end + slide - size, slide), through: endPane)
            if panes.isEmpty && nextWindowEnd! > watermark { break }
        }
        if panes.isEmpty, let through = evaluatedThrough, let next = nextWindowEnd, next > through + slide {
            nextWindowEnd = through + slide
        }
        if let delay = labelDelayMillis {
            // Windows ending before the horizon are past `max_delay`: no longer re-reported.
            let horizon = watermark &- delay &- size
            dropPerformance(before: (0 &- floorDiv(0 &- horizon, slide)) &- size / slide)
        }
        return reports
    }

    /// Trims the samples of the panes `first...last` to what later windows can still take from
    /// them (memory: without it, each of a window's panes keeps up to `max_window_samples` values
    /// per numeric feature, six times that for a 5-minute window sliding by a minute).
    ///
    /// Called after the window ending at pane `last` was evaluated: every later window that
    /// contains pane p ends after pane `last`, so it contains every pane from p to `last` and sees
    /// at least S_p = Σ n_q (q = p...last) values of a feature. Its merge takes
    /// round(capacity · n_p / n_window) ≤ ⌈capacity · n_p / S_p⌉ of pane p's values
    /// (`NumericStatistics`), so p keeps that many (a uniform subsample of a uniform sample is
    /// one). Values arriving later continue the smaller reservoir. Under 5m/1m at a steady rate
    /// the panes keep about 1 + 1 + 1/2 + 1/3 + 1/4 (+ the open pane) of `max_window_samples`
    /// instead of 6 times it.
    private func trimSamples(panesFrom first: Int64, through last: Int64) {
        let keys = panes.keys.filter { $0 >= first && $0 <= last }.sorted(by: >)
        guard keys.count > 1 else { return }
        let capacity = settings.maxWindowSamples
        func bound(_ n: Int, _ later: Int) -> Int? {
            guard n > 0, later > capacity else { return nil }
            return max(1, Int((Double(capacity) * Double(n) / Double(later)).rounded(.up)))
        }
        var later = Array(repeating: 0, count: schema.numericFeatureNames.count + 1)
        for key in keys {
            for f in 0..<schema.numericFeatureNames.count {
                let n = panes[key]!.numeric[f].moments.count
                later[f] += n
                if let k = bound(n, later[f]), k < panes[key]!.numeric[f].sample.count {
                    panes[key]!.numeric[f].trim(toAtMost: k)
                }
            }
            if let n = panes[key]!.predictionValues?.moments.count {
                later[later.count - 1] += n
                if let k = bound(n, later[later.count - 1]), k < panes[key]!.predictionValues!.sample.count {
                    panes[key]!.predictionValues!.trim(toAtMost: k)
                }
            }
        }
    }

    /// Closed panes whose performance is kept, and their ROC AUC scores (memory; tests).
    var keptPerformance: (panes: Int, scores: Int) { (paned?.paneCount ?? 0, paned?.scoreCount ?? 0) }

    /// Sample values the live panes hold for numeric feature `feature` (memory; tests).
    func retainedSampleValues(feature: Int) -> Int {
        panes.values.reduce(0) { $0 + $1.numeric[feature].sample.count }
    }

    private func dropPanes(before paneIndex: Int64) {
        if labelDelayMillis == nil { dropPerformance(before: paneIndex) }
        if tracksReplay {
            for key in paneFirstOffsets.keys.filter({ $0 < paneIndex - historyPanes }) { paneFirstOffsets[key] = nil }
        }
        for key in panes.keys.filter({ $0 < paneIndex }) {
            if let pane = panes.removeValue(forKey: key), recycled.count < 4, pane.referenceGeneration == referenceGeneration {
                recycled.append(pane)
            }
        }
    }

    /// Drops the closed panes' performance before `index`, except what windows still open hold.
    private func dropPerformance(before index: Int64) {
        guard case .time(let size, let slide, _) = mode, paned != nil else { return }
        var keep = index
        if let open = panes.keys.min() { keep = min(keep, open) }
        if let through = evaluatedThrough { keep = min(keep, through / slide + 1 - size / slide) }
        guard keep > panedFrom else { return }
        paned!.drop(before: keep)
        panedFrom = keep
    }

    /// A new pane, reusing the buffers of a dropped one when there is one (no allocation per
    /// pane in the steady state).
    private func makePane(index pane: Int64) -> WindowPane {
        let paneSeed = seed ^ UInt64(bitPattern: pane) &* 0x9E37_79B9_7F4A_7C15
        if var reused = recycled.popLast() {
            reused.reset(seed: paneSeed)
            return reused
        }
        var pane = WindowPane(schema: schema, capacity: settings.maxWindowSamples, seed: paneSeed, bins: paneBins, anomalyFeatures: anomalyModel?.dimension, performance: performanceTask)
        pane.referenceGeneration = referenceGeneration
        return pane
    }

    /// One numeric column's statistics over a window's panes and, with a reference, its drift.
    private static func numericReport(name: String, panes: [NumericSummary], events: Int, capacity: Int, seed: UInt64,
                                      reference: ColumnProfile?, options: DriftOptions) -> FeatureReport {
        var numeric = NumericFeatureReport(statistics: NumericStatistics(panes: panes, events: events, capacity: capacity, seed: seed))
        let verdict = reference.flatMap { DriftEvaluator.numeric(&numeric, reference: $0, options: options) }
        numeric.statistics.sorted = []   // up to max_window_samples values: nothing reads them after drift
        return FeatureReport(name: name, values: .numeric(numeric), drift: verdict)
    }

    /// Builds the window report from its panes (SPEC §7), timing the evaluation.
    /// - Parameter paneRange: event-time windows: the window's pane indices.
    private func report(panes members: [WindowPane], start: Int64, end: Int64, paneRange: Range<Int64>? = nil) -> WindowReport {
        let started = ContinuousClock.now
        let report = evaluate(panes: members, start: start, end: end, paneRange: paneRange)
        evaluationSeconds.append((ContinuousClock.now - started).seconds)
        return report
    }

    /// The window evaluations since the last call, each in seconds.
    func takeEvaluationSeconds() -> [Double] {
        let taken = evaluationSeconds
        evaluationSeconds = []
        return taken
    }

    private func evaluate(panes members: [WindowPane], start: Int64, end: Int64, paneRange: Range<Int64>?) -> WindowReport {
        let events = members.reduce(0) { $0 + $1.events }
        let windowSeed = seed ^ UInt64(bitPattern: end)
        // The numeric features (and the ROC AUC's sort of the window's scores) are evaluated in
        // parallel: each depends on its own panes' summaries and reference column alone.
        // Only locals are captured (no `self`): the jobs run on other threads.
        let schemaFeatures = schema.features
        let numericFeatures = schemaFeatures.indices.filter { schemaFeatures[$0].kind == .numeric }
        let capacity = settings.maxWindowSamples, references = featureReferences, task = performanceTask
        let predictionOptions = DriftOptions(method: settings.drift.perFeature["prediction"]?.method ?? settings.drift.method,
                                             threshold: settings.drift.perFeature["prediction"]?.threshold)
        let predictionReference = reference?.prediction
        // Jobs: the performance first (closing the new panes sorts their labelled scores, the
        // longest job when the model has labels, and libdispatch hands out indices in order), the
        // numeric prediction, then the numeric features. Job 0 alone writes `closed` and
        // `closing`, moved out of `paned` and `closingPanes` meanwhile: held once, their score
        // arrays are sorted in place, not copied.
        var closed = paned, closing = closingPanes
        paned = nil
        closingPanes = []
        defer { paned = closed }
        let firstFeatureJob = schema.prediction == .numeric ? 2 : 1
        let evaluated = parallelMap(firstFeatureJob + numericFeatures.count) { job -> Evaluated in
            if job == 0 {
                if let paneRange, closed != nil {
                    for i in closing.indices { closed!.close(closing[i].pane, &closing[i].performance) }
                    return Evaluated(performance: closed!.report(panes: paneRange))
                }
                var performance = PerformanceSummary(task: task)
                for pane in members { performance.merge(pane.performance) }
                performance.sortScores()   // in place: no sorted copies of up to millions of scores
                return Evaluated(performance: performance.report())
            }
            if job < firstFeatureJob {
                return Evaluated(feature: Self.numericReport(
                    name: "prediction", panes: members.compactMap(\.predictionValues), events: events, capacity: capacity,
                    seed: windowSeed ^ 0xFF, reference: predictionReference, options: predictionOptions))
            }
            let f = job - firstFeatureJob, featureIndex = numericFeatures[f]
            let (column, options) = references[featureIndex]
            return Evaluated(feature: Self.numericReport(
                name: schemaFeatures[featureIndex].name, panes: members.map { $0.numeric[f] }, events: events, capacity: capacity,
                seed: windowSeed &+ UInt64(f), reference: column, options: options))
        }
        var numericIndex = 0, categoricalIndex = 0
        var features: [FeatureReport] = []
        for (featureIndex, feature) in schema.features.enumerated() {
            switch feature.kind {
            case .numeric:
                features.append(evaluated[firstFeatureJob + numericIndex].feature!)
                numericIndex += 1
            case .categorical:
                let f = categoricalIndex
                categoricalIndex += 1
                var merged = CategoricalSummary()
                for pane in members { merged.merge(pane.categorical[f]) }
                var categorical = categoricalReport(merged, names: categoryNames[f], events: events)
                let (column, options) = featureReferences[featureIndex]
                let verdict = column.flatMap { DriftEvaluator.categorical(&categorical, current: categorical.categoryCounts, reference: $0, options: options) }
                features.append(FeatureReport(name: feature.name, values: .categorical(categorical), drift: verdict))
            }
        }
        var window = WindowReport(model: settings.name, startMillis: start, endMillis: end, events: events, features: features)
        if reference != nil {
            window.datasetDrift = DatasetDrift.evaluate(features.map(\.drift), share: settings.drift.datasetDriftShare)
        }
        if let model = anomalyModel {
            var merged = AnomalySummary(features: model.dimension)
            for pane in members { if let a = pane.anomaly { merged.merge(a) } }
            window.anomaly = merged.report(model: model, events: events)
        }
        window.performance = evaluated[0].performance!
        if changeDetector != nil {
            let detections = members.reduce(0) { $0 + $1.changeDetections }
            window.changeDetection = [ChangeDetectionReport(target: "prediction", method: "page_hinkley", detected: detections > 0, detections: detections)]
        }
        if schema.prediction == .numeric {
            window.prediction = evaluated[1].feature
        } else {
            var merged = CategoricalSummary()
            for pane in members { if let classes = pane.predictionClasses { merged.merge(classes) } }
            var categorical = categoricalReport(merged, names: classNames, events: events)
            let verdict = reference?.prediction.flatMap { DriftEvaluator.categorical(&categorical, current: categorical.categoryCounts, reference: $0, options: predictionOptions) }
            window.prediction = FeatureReport(name: "prediction", values: .categorical(categorical), drift: verdict)
        }
        return window
    }

    /// One of `report`'s parallel jobs: a numeric feature's report, or the window's performance.
    private struct Evaluated {
        var feature: FeatureReport?
        var performance: PerformanceReport?
    }

    private func categoricalReport(_ summary: CategoricalSummary, names: CategoryNames, events: Int) -> CategoricalFeatureReport {
        var counts: [(name: String, count: Int)] = []
        for code in 1..<summary.counts.count where summary.counts[code] > 0 {
            counts.append((names.name(code) ?? "#\(code)", summary.counts[code]))
        }
        counts.sort { $0.name < $1.name }
        let present = summary.present
        return CategoricalFeatureReport(
            count: present,
            missingRatio: events > 0 ? Double(events - present) / Double(events) : nil,
            categoryCounts: counts)
    }
}

/// Floor division (rounds towards −∞), for event times before the epoch.
@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
