import Logging
import VigilKafka

/// `kafka.start_from: window` (SPEC §4): on each partition assignment, seek back far enough to
/// rebuild the windows the models still need, replay those messages without counting them again,
/// and commit offsets manually with a `ReplayPoint` so the next owner can do the same.
///
/// Where replay starts, per newly assigned partition:
/// 1. The group committed it with a `ReplayPoint`: from the point's offset (or from where this
///    process already applied the partition, if later), up to the committed offset.
/// 2. Otherwise (a new group, or offsets committed by something else): from the offset of the
///    first message at or after `now − (window size + lateness + alert history)`, by message
///    timestamp (`offsetsForTimes`). Messages below the committed offset are replayed, the rest
///    counted. A broker that cannot answer (-1, or an error) leaves the committed offset, else
///    `auto.offset.reset` (earliest).
///
/// Confined to the consumer thread: the hooks run inside `KafkaConsumer.poll`.
final class ReplayCoordinator {
    private unowned let consumer: KafkaConsumer
    private let pipelines: Pipelines
    private let topics: [String]
    private let labelsTopic: String?
    /// Per topic, how far back a partition without a replay point is read (milliseconds).
    private let lookBackMillis: [String: Int64]
    private let logger: Logger
    private let now: () -> Int64
    /// Per `[topicIndex][partition]`: the committed offset that replay runs up to, -1 when not replaying.
    private var replayUntil: [[Int64]]
    private var activeReplays = 0
    /// Per partition, the position this process has applied up to (kept across revocations, so a
    /// partition coming back replays only what another member consumed meanwhile).
    private var applied: [TopicPartition: Int64] = [:]
    private var lastCommitted: [TopicPartition: (offset: Int64, metadata: String)] = [:]

    init(consumer: KafkaConsumer, pipelines: Pipelines, topics: [String], labelsTopic: String?,
         lookBackMillis: [String: Int64], logger: Logger, now: @escaping () -> Int64) {
        self.consumer = consumer
        self.pipelines = pipelines
        self.topics = topics
        self.labelsTopic = labelsTopic
        self.lookBackMillis = lookBackMillis
        self.logger = logger
        self.now = now
        replayUntil = Array(repeating: [], count: topics.count)
    }

    /// How far back to read a topic without replay points: the longest window span plus lateness
    /// plus the alert history of the models reading it.
    static func lookBack(_ configuration: Configuration, history: (ModelSettings) -> Int64) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for model in configuration.models {
            guard let topic = model.topic, case .time(let size, _, let lateness) = model.window else { continue }
            result[topic] = max(result[topic] ?? 0, size.milliseconds + lateness.milliseconds + history(model))
        }
        return result
    }

    /// The `startOffsetsOnAssign` hook: start offsets for newly assigned partitions.
    func startOffsets(_ assigned: [TopicPartition]) -> [TopicPartition: Int64] {
        for tp in assigned { setReplayUntil(tp, -1) }
        let candidates = assigned.filter { $0.topic != labelsTopic }
        guard !candidates.isEmpty else { return [:] }
        let committed: [TopicPartition: (offset: Int64, metadata: String)]
        do {
            committed = try consumer.committedWithMetadata(candidates)
        } catch {
            logger.warning("Could not read committed offsets: starting without replay.", metadata: ["error": "\(error)"])
            return [:]
        }
        var starts: [TopicPartition: Int64] = [:]
        var points: [String: [ReplayPoint]] = [:]
        var byTime: [TopicPartition] = []
        for tp in candidates {
            // This process applied the partition further than the group committed (its commit was
            // lost with the session, or never made it before an outage): those events are in the
            // windows and counted already, so resume after them.
            if let resume = applied[tp], resume >= committed[tp]?.offset ?? 0 {
                starts[tp] = resume
                continue
            }
            guard let current = committed[tp] else { byTime.append(tp); continue }
            guard let point = ReplayPoint(metadata: current.metadata) else { byTime.append(tp); continue }
            points[tp.topic, default: []].append(point)
            replay(tp, from: max(point.replayFrom, applied[tp] ?? 0), until: current.offset, into: &starts)
        }
        for (topic, list) in points { pipelines.restore(topic: topic, from: list) }
        for topic in Set(byTime.map(\.topic)) {
            let partitions = byTime.filter { $0.topic == topic }
            let since = now() - (lookBackMillis[topic] ?? 0)
            let found: [TopicPartition: Int64]
            do {
                found = try consumer.offsetsForTimes(partitions, timestampMillis: since)
            } catch {
                logger.warning("Could not look up offsets by time: starting from committed offsets.", metadata: ["kafka.topic": "\(topic)", "error": "\(error)"])
                continue
            }
            for tp in partitions {
                guard let offset = found[tp], offset >= 0 else { continue }
                if let current = committed[tp] {
                    replay(tp, from: max(offset, applied[tp] ?? 0), until: current.offset, into: &starts)
                } else {
                    starts[tp] = offset
                }
            }
        }
        return starts
    }

    private func replay(_ tp: TopicPartition, from: Int64, until: Int64, into starts: inout [TopicPartition: Int64]) {
        guard from < until else { return }
        starts[tp] = from
        setReplayUntil(tp, until)
        logger.info("Replaying to rebuild window state.", metadata: [
            "kafka.partition": "\(tp)", "kafka.replay_from": "\(from)", "kafka.replay_until": "\(until)",
        ])
    }

    private func setReplayUntil(_ tp: TopicPartition, _ offset: Int64) {
        guard let t = topics.firstIndex(of: tp.topic), tp.partition >= 0 else { return }
        let p = Int(tp.partition)
        if p >= replayUntil[t].count { replayUntil[t].append(contentsOf: repeatElement(-1, count: p + 1 - replayUntil[t].count)) }
        if replayUntil[t][p] >= 0 { activeReplays -= 1 }
        replayUntil[t][p] = offset
        if offset >= 0 { activeReplays += 1 }
    }

    /// Whether `message` is replayed (below the offset committed when its partition was assigned):
    /// it rebuilds state but is not counted. Cheap when nothing replays.
    @inline(__always)
    func isReplay(topicIndex t: Int, partition: Int32, offset: Int64) -> Bool {
        guard activeReplays > 0 else { return false }
        let p = Int(partition)
        guard p < replayUntil[t].count else { return false }
        let until = replayUntil[t][p]
        guard until >= 0 else { return false }
        if offset + 1 >= until {
            replayUntil[t][p] = -1
            activeReplays -= 1
            logger.info("Replay done.", metadata: ["kafka.partition": "\(topics[t])[\(partition)]"])
        }
        return offset < until
    }

    /// The `onRevoke` hook: remembers how far this process applied the partitions, and commits
    /// them unless they were lost.
    func revoking(_ partitions: [TopicPartition], lost: Bool) {
        if lost {
            for (tp, position) in consumer.deliveredPositions where partitions.contains(tp) { applied[tp] = position }
        } else {
            commit(async: false, only: partitions)
        }
    }

    /// Partitions revoked or lost: their replay stops.
    func forget(_ partitions: [TopicPartition]) {
        for tp in partitions { setReplayUntil(tp, -1) }
    }

    /// Commits the position of every partition delivered since its assignment (or only
    /// `partitions`), each with its `ReplayPoint`; unchanged ones are skipped. Call only when every
    /// delivered message was applied. Failures are logged; the next commit carries newer offsets.
    func commit(async: Bool, only partitions: [TopicPartition]? = nil) {
        var offsets: [TopicPartition: (offset: Int64, metadata: String)] = [:]
        for (tp, position) in consumer.deliveredPositions where partitions?.contains(tp) ?? true {
            applied[tp] = position
            let metadata = pipelines.replayPoint(topic: tp.topic, partition: tp.partition, position: position)?.metadata ?? ""
            if let last = lastCommitted[tp], last.offset == position, last.metadata == metadata { continue }
            offsets[tp] = (position, metadata)
        }
        guard !offsets.isEmpty else { return }
        do {
            try consumer.commit(offsets, async: async)
            for (tp, value) in offsets { lastCommitted[tp] = value }
        } catch {
            logger.warning("Offset commit failed; the next commit retries.", metadata: ["error": "\(error)"])
        }
    }
}
