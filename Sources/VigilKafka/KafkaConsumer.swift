import CRdKafka
import Foundation
package import Logging
import Synchronization

/// A consumer-group consumer that polls in batches.
///
/// Not `Sendable`: create it, use it and close it on one thread (a `ConsumerThread`). Every librdkafka
/// callback (rebalance, log, error) runs inside `poll` or `close` on that thread, so the callbacks and
/// the Swift state need no locks.
///
/// Offsets: librdkafka commits *stored* offsets every `auto.commit.interval.ms` (default 5000), on
/// revocation and on `close`. Nothing is stored automatically (`enable.auto.offset.store=false`):
/// call `storeDeliveredOffsets()` once a polled batch was applied, so a crash replays at most the
/// batches in flight (at-least-once).
package final class KafkaConsumer {
    private let handle: OpaquePointer
    private let queue: OpaquePointer
    private let context: ConsumerContext
    private let unmanagedContext: Unmanaged<ClientContext>
    private let autoCommit: Bool
    private var slots: UnsafeMutableBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    /// The deliverable messages of the batch being polled (kept for its capacity).
    private var messages: [KafkaMessage] = []
    /// Message `rkt` → topic index. Each `rkt` here is also pinned (an app reference from
    /// `rd_kafka_topic_new`) so its address cannot be reused by another topic while cached.
    private var topicIndexCache: [(topic: OpaquePointer, index: Int)] = []
    private var pinnedTopics: [OpaquePointer] = []
    private var closed = false
    private var lastErrorLog: ContinuousClock.Instant?
    private let ownerThread = pthread_self()

    /// Consumer errors seen by `poll` (not surfaced as messages), by code.
    package private(set) var consumeErrors: [KafkaError.Code: Int] = [:]

    /// Creates the consumer. It joins its group at the first `poll` after `subscribe`.
    ///
    /// - Parameters:
    ///   - configuration: librdkafka properties: `bootstrap.servers`, `group.id` (required),
    ///     `client.id`, plus user properties passed as-is. Forced: `enable.auto.offset.store=false`,
    ///     `log.queue=true`. Defaults the caller may override: `enable.auto.commit=true`,
    ///     `enable.partition.eof=false`.
    ///   - logger: receives librdkafka's logs and errors, forwarded to the consumer thread.
    /// - Throws: `.invalidArgument` for a missing `group.id`, an unknown property or a bad value.
    package init(configuration: [String: String], logger: Logger) throws(KafkaError) {
        guard let group = configuration["group.id"], !group.isEmpty else {
            throw KafkaError(code: .invalidArgument, message: "group.id is required for a consumer")
        }
        var properties = configuration
        for (key, value) in [("enable.auto.commit", "true"), ("enable.partition.eof", "false")] where properties[key] == nil {
            properties[key] = value
        }
        let conf = try ClientConfiguration.make(
            properties, overrides: ["enable.auto.offset.store": "false", "log.queue": "true"])
        let context = ConsumerContext(logger: logger)
        let unmanaged = context.install(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf, vigilRebalanceCallback)
        var errstr = [CChar](repeating: 0, count: 512)
        // See `TimerSlack`: librdkafka's threads, created here, spin less with a coarser slack.
        guard let handle = TimerSlack.creatingThreads({ rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) }) else {
            rd_kafka_conf_destroy(conf)
            unmanaged.release()
            throw KafkaError(code: .invalidArgument, message: ClientConfiguration.string(errstr))
        }
        // Logs → main queue → consumer queue: served by our batch polls, on this thread.
        rd_kafka_set_log_queue(handle, nil)
        rd_kafka_poll_set_consumer(handle)
        self.handle = handle
        self.queue = rd_kafka_queue_get_consumer(handle)!
        self.context = context
        self.unmanagedContext = unmanaged
        self.autoCommit = properties["enable.auto.commit"] != "false"
        self.slots = .allocate(capacity: 1024)
    }

    deinit {
        if !closed {
            assertionFailure("KafkaConsumer released without close()")
            close()
        }
    }

    /// Subscribes to `topics` (replacing any earlier subscription). `KafkaMessage.topicIndex` indexes
    /// this list. The group join happens during the following polls (about 3 s on the mock cluster).
    package func subscribe(_ topics: [String]) throws(KafkaError) {
        checkUsable()
        let list = makePartitionList(topics.map { TopicPartition(topic: $0, partition: VIGIL_RD_KAFKA_PARTITION_UA) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "subscribe") }
        context.resetTopics(topics)
        topicIndexCache.removeAll()
    }

    /// Start offsets for newly assigned partitions, asked from the rebalance callback (inside `poll`)
    /// before the partitions are assigned: return an offset (or `KafkaOffset.beginning`/`.end`) per
    /// partition to override the committed one; partitions left out start from their committed offset
    /// (else `auto.offset.reset`). The closure may call `offsetsForTimes` on this consumer; capture the
    /// consumer `unowned` (it is cleared on `close`).
    package var startOffsetsOnAssign: ((_ assigned: [TopicPartition]) -> [TopicPartition: Int64])? {
        get { context.startOffsetsOnAssign }
        set { context.startOffsetsOnAssign = newValue }
    }

    /// Polls one batch from the consumer queue and calls `body` for each message, in order.
    ///
    /// Waits until `maxMessages` messages arrived or `timeoutMillis` passed (librdkafka fills the
    /// batch before returning, so the timeout bounds latency: keep it small, ~10 ms). Rebalance, log
    /// and error callbacks run during the call; rebalance events accumulate for `takeRebalances()`.
    /// Consumer errors (and partition EOF) are counted in `consumeErrors` and logged, not passed.
    /// The messages are destroyed when this returns.
    ///
    /// `prepare`, when given, sees every message of the batch before `body` sees the first (to parse
    /// them all at once, on several threads: `EventDecoder.prepare`).
    ///
    /// - Returns: the number of messages passed to `body`.
    /// - Throws: `.fatal` (with librdkafka's reason) when the consumer hit a fatal error; librdkafka's
    ///   error when the batch call itself failed.
    package func poll(maxMessages: Int, timeoutMillis: Int32, prepare: (([KafkaMessage]) -> Void)? = nil,
                      _ body: (KafkaMessage) -> Void) throws(KafkaError) -> Int {
        checkUsable()
        precondition(maxMessages > 0, "maxMessages must be positive")
        if slots.count < maxMessages {
            slots.deallocate()
            slots = .allocate(capacity: maxMessages)
        }
        let received = rd_kafka_consume_batch_queue(queue, timeoutMillis, slots.baseAddress, maxMessages)
        guard received >= 0 else { throw KafkaError(rd_kafka_last_error(), context: "consume batch") }
        guard received > 0 else { return 0 }
        defer { for i in 0..<received { rd_kafka_message_destroy(slots[i]) } }
        var sawFatal = false
        messages.removeAll(keepingCapacity: true)
        for i in 0..<received {
            let raw = slots[i]!
            let err = raw.pointee.err
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                if err == RD_KAFKA_RESP_ERR__FATAL { sawFatal = true }
                recordConsumeError(raw)
                continue
            }
            guard let topicIndex = topicIndex(of: raw.pointee.rkt) else { continue }
            messages.append(KafkaMessage(raw: raw, topicIndex: topicIndex))
        }
        prepare?(messages)
        for message in messages {
            body(message)
            context.recordDelivered(topicIndex: message.topicIndex, partition: message.partition, offset: message.offset)
        }
        let delivered = messages.count
        if sawFatal, let fatal = fatalError { throw fatal }
        if delivered > 0 { context.brokersDown.store(false, ordering: .relaxed) }
        return delivered
    }

    /// Rebalance events recorded since the last call, oldest first.
    package func takeRebalances() -> [RebalanceEvent] {
        defer { context.pendingRebalances.removeAll() }
        return context.pendingRebalances
    }

    /// Stores, for the next commit, the offset after the last message `poll` delivered per partition.
    /// Call once the polled batch was applied. Partitions revoked meanwhile are skipped (their new
    /// owner replays from the last commit).
    /// - Throws: librdkafka's error when the store failed for a partition this consumer still owns.
    package func storeDeliveredOffsets() throws(KafkaError) {
        try store(takeDeliveredOffsets())
    }

    /// The offset after the last message `poll` delivered per partition since the previous take:
    /// what `store(_:)` stores once those messages are applied, for a caller that applies them on
    /// another thread and stores later.
    package func takeDeliveredOffsets() -> DeliveredOffsets {
        checkUsable()
        var taken = DeliveredOffsets()
        for t in context.nextOffsets.indices {
            for p in context.nextOffsets[t].indices where context.nextOffsets[t][p] >= 0 {
                taken.entries.append((t, Int32(p), context.nextOffsets[t][p]))
                context.nextOffsets[t][p] = -1
            }
        }
        return taken
    }

    /// Stores `offsets` (from `takeDeliveredOffsets`) for the next commit. Partitions revoked
    /// since are skipped (their new owner replays from the last commit).
    /// - Throws: librdkafka's error when the store failed for a partition this consumer still owns.
    package func store(_ offsets: DeliveredOffsets) throws(KafkaError) {
        checkUsable()
        guard !offsets.entries.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.entries.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (t, p, offset) in offsets.entries {
            rd_kafka_topic_partition_list_add(list, context.topics[t], p)!.pointee.offset = offset
        }
        let err = rd_kafka_offsets_store(handle, list)
        var failure: KafkaError?
        forEachPartition(in: list) { tp, _, partitionErr in
            switch partitionErr {
            case RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR__STATE, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
                break  // stored, or no longer ours
            default:
                if failure == nil { failure = KafkaError(partitionErr, context: "store offset of \(tp)") }
            }
        }
        if let failure { throw failure }
        switch err {
        case RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR__STATE, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            return
        default:
            throw KafkaError(err, context: "store offsets")
        }
    }

    /// Commits the stored offsets now and waits for the broker. Nothing stored is not an error.
    package func commitSync() throws(KafkaError) {
        checkUsable()
        let err = rd_kafka_commit(handle, nil, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError(err, context: "commit")
        }
    }

    /// Commits `offsets` (the next offset to consume per partition) with a metadata string each,
    /// which the group keeps with the offset (`committedWithMetadata` reads it back). For manual
    /// commits (`enable.auto.commit=false`): librdkafka 2.0's offset store cannot carry metadata.
    /// - Parameter async: return at once (the result is logged by librdkafka) instead of waiting.
    package func commit(_ offsets: [TopicPartition: (offset: Int64, metadata: String)], async: Bool) throws(KafkaError) {
        checkUsable()
        guard !offsets.isEmpty else { return }
        let list = makePartitionList(Array(offsets.keys), offset: { offsets[$0]?.offset })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for i in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[i]
            let tp = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            guard let metadata = offsets[tp]?.metadata, !metadata.isEmpty else { continue }
            // The list owns its metadata and frees it with `free` on destroy.
            let bytes = Array(metadata.utf8)
            let buffer = malloc(bytes.count)!
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            list.pointee.elems[i].metadata = buffer
            list.pointee.elems[i].metadata_size = bytes.count
        }
        let err = rd_kafka_commit(handle, list, async ? 1 : 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError(err, context: "commit")
        }
        var failure: KafkaError?
        if !async {
            forEachPartition(in: list) { tp, _, partitionErr in
                if partitionErr != RD_KAFKA_RESP_ERR_NO_ERROR, failure == nil { failure = KafkaError(partitionErr, context: "commit \(tp)") }
            }
        }
        if let failure { throw failure }
    }

    /// The group's committed offsets for `partitions` with the metadata committed with them
    /// (blocking broker call); partitions without a committed offset are left out.
    package func committedWithMetadata(
        _ partitions: [TopicPartition], timeout: Duration = .seconds(10)
    ) throws(KafkaError) -> [TopicPartition: (offset: Int64, metadata: String)] {
        checkUsable()
        let list = makePartitionList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, Int32(timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "fetch committed offsets") }
        var result: [TopicPartition: (offset: Int64, metadata: String)] = [:]
        for i in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[i]
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
            var metadata = ""
            if let raw = element.metadata, element.metadata_size > 0 {
                metadata = String(decoding: UnsafeRawBufferPointer(start: raw, count: element.metadata_size), as: UTF8.self)
            }
            result[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = (element.offset, metadata)
        }
        return result
    }

    /// Per assigned partition, the offset after the last message `poll` delivered since the
    /// partition was assigned (what a manual commit should commit once those messages are applied).
    package var deliveredPositions: [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for t in context.positions.indices {
            for p in context.positions[t].indices where context.positions[t][p] >= 0 {
                result[TopicPartition(topic: context.topics[t], partition: Int32(p))] = context.positions[t][p]
            }
        }
        return result
    }

    /// Called from the rebalance callback (inside `poll` or `close`) with partitions about to be
    /// revoked, before they are unassigned (`deliveredPositions` still holds them): the last moment
    /// to commit them (`commit(_:async:)` with `async: false`) — unless `lost` (the session timed
    /// out: they may already belong to another member, and a commit would fail or move its offsets
    /// back). Capture the consumer `unowned`; cleared on `close`.
    package var onRevoke: ((_ revoked: [TopicPartition], _ lost: Bool) -> Void)? {
        get { context.onRevoke }
        set { context.onRevoke = newValue }
    }

    /// Whether librdkafka reported every broker down (`_ALL_BROKERS_DOWN`) and no request has
    /// succeeded since (see `probeBrokers`).
    package var brokersDown: Bool { context.brokersDown.load(ordering: .relaxed) }

    /// While `brokersDown`, asks the cluster for metadata (blocking up to `timeout`); an answer
    /// clears `brokersDown`. Returns whether the brokers answered.
    @discardableResult
    package func probeBrokers(timeout: Duration = .milliseconds(500)) -> Bool {
        checkUsable()
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, nil, &metadata, Int32(timeout.milliseconds))
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return false }
        context.brokersDown.store(false, ordering: .relaxed)
        return true
    }

    /// The group's committed offsets for `partitions` (blocking broker call); partitions without a
    /// committed offset are left out.
    package func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) throws(KafkaError) -> [TopicPartition: Int64] {
        checkUsable()
        let list = makePartitionList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, Int32(timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "fetch committed offsets") }
        var result: [TopicPartition: Int64] = [:]
        forEachPartition(in: list) { tp, offset, partitionErr in
            if partitionErr == RD_KAFKA_RESP_ERR_NO_ERROR, offset >= 0 { result[tp] = offset }
        }
        return result
    }

    /// The partitions currently assigned to this consumer, sorted.
    package var assignment: [TopicPartition] {
        checkUsable()
        var list: PartitionListPointer?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return topicPartitions(in: list).sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// Consumer lag per assigned partition: the high watermark librdkafka last saw (cached from fetch
    /// responses, no broker call) minus the consumer's position (the offset after the last message
    /// delivered). Partitions where either is unknown (nothing fetched or delivered yet since the
    /// assignment) are left out.
    package func lag() -> [TopicPartition: Int64] {
        checkUsable()
        var list: PartitionListPointer?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_position(handle, list)
        var result: [TopicPartition: Int64] = [:]
        forEachPartition(in: list) { tp, position, _ in
            var low: Int64 = -1
            var high: Int64 = -1
            guard rd_kafka_get_watermark_offsets(handle, tp.topic, tp.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                  high >= 0 else { return }
            if position >= 0 {
                result[tp] = max(high - position, 0)
            } else if low >= 0, low == high {
                result[tp] = 0  // empty partition
            }
        }
        return result
    }

    /// The earliest offset per partition whose message timestamp is at or after `timestampMillis`
    /// (blocking broker call, `ListOffsets`). `KafkaOffset.end` (-1) where no such message exists yet.
    /// Partitions the broker reported an error for are left out.
    package func offsetsForTimes(
        _ partitions: [TopicPartition], timestampMillis: Int64, timeout: Duration = .seconds(10)
    ) throws(KafkaError) -> [TopicPartition: Int64] {
        checkUsable()
        let list = makePartitionList(partitions, offset: { _ in timestampMillis })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_for_times(handle, list, Int32(timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "offsets for times") }
        var result: [TopicPartition: Int64] = [:]
        forEachPartition(in: list) { tp, offset, partitionErr in
            if partitionErr == RD_KAFKA_RESP_ERR_NO_ERROR { result[tp] = offset }
        }
        return result
    }

    /// Wakes the fetchers of the assigned partitions' leaders after the application drained a full
    /// local queue. librdkafka 2.0 (Debian bookworm's) stops fetching a partition while the consumer
    /// queue holds `queued.min.messages` or `queued.max.messages.kbytes`, and its broker thread then
    /// sleeps until something wakes it, up to a second (librdkafka 2.2 added
    /// `fetch.queue.backoff.ms` for this). A consumer slower than the brokers thus drains the queue
    /// in a fraction of that second and then waits: `vigil run` catching up on a backlog of
    /// standard events swung between 165k and 430k events/s, bimodally (issue 11). A ListOffsets
    /// request, one per leader, wakes each broker thread, which finds the queue below the limits and
    /// fetches again. Waits at most `timeout` for the answers; errors are ignored (a request that
    /// was sent already did its job).
    package func wakeFetchers(timeout: Duration = .milliseconds(100)) {
        checkUsable()
        var list: PartitionListPointer?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard list.pointee.cnt > 0 else { return }
        // Any timestamp will do: the answer is not used. The newest messages' is the cheapest lookup.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for i in 0..<Int(list.pointee.cnt) { list.pointee.elems[i].offset = now }
        _ = rd_kafka_offsets_for_times(handle, list, Int32(timeout.milliseconds))
    }

    /// Moves the fetch position of assigned partitions (absolute offsets or `KafkaOffset` values).
    /// Messages already fetched from the old position are discarded. Waits up to `timeout` for the
    /// seek to take effect (0: fire and forget).
    /// - Throws: the first per-partition error (`.state` for a partition not assigned/fetching).
    package func seek(_ offsets: [TopicPartition: Int64], timeout: Duration = .seconds(5)) throws(KafkaError) {
        checkUsable()
        guard !offsets.isEmpty else { return }
        let list = makePartitionList(Array(offsets.keys), offset: { offsets[$0] })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, Int32(timeout.milliseconds)) {
            throw KafkaError(consuming: error, context: "seek")
        }
        var failure: KafkaError?
        forEachPartition(in: list) { tp, _, partitionErr in
            if partitionErr != RD_KAFKA_RESP_ERR_NO_ERROR, failure == nil {
                failure = KafkaError(partitionErr, context: "seek \(tp)")
            }
        }
        if let failure { throw failure }
    }

    /// `seek` for one partition.
    package func seek(_ partition: TopicPartition, to offset: Int64, timeout: Duration = .seconds(5)) throws(KafkaError) {
        try seek([partition: offset], timeout: timeout)
    }

    /// Stops fetching `partitions` (back-pressure) while polling continues (rebalances and
    /// `max.poll.interval.ms` still need polls). Failures are logged.
    package func pause(_ partitions: [TopicPartition]) {
        pauseOrResume(partitions, pause: true)
    }

    /// Resumes fetching paused `partitions` from where delivery stopped.
    package func resume(_ partitions: [TopicPartition]) {
        pauseOrResume(partitions, pause: false)
    }

    /// The fatal error the consumer hit (`rd_kafka_fatal_error`), if any: the consumer is unusable and
    /// must be closed and recreated.
    package var fatalError: KafkaError? {
        checkUsable()
        // Cheap when there is none (called once per batch): no buffer unless there is an error.
        guard rd_kafka_fatal_error(handle, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        var errstr = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        return KafkaError(code: KafkaError.Code(err), message: ClientConfiguration.string(errstr))
    }

    /// Whether `close()` was called.
    package var isClosed: Bool { closed }

    /// Commits the stored offsets, leaves the group (revocation runs the rebalance callback here) and
    /// destroys the handle. Idempotent. Blocks for the final commit and LeaveGroup.
    package func close() {
        guard !closed else { return }
        closed = true
        if !autoCommit {
            let err = rd_kafka_commit(handle, nil, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                context.logger.warning("Kafka final commit failed.", metadata: ["kafka.error": "\(KafkaError.Code(err).name)"])
            }
        }
        // The hooks may use this consumer, which is closed from here on (a final revocation runs
        // inside consumer_close).
        context.onRevoke = nil
        context.startOffsetsOnAssign = nil
        // With enable.auto.commit, consumer_close commits the stored offsets itself.
        let err = rd_kafka_consumer_close(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.logger.warning("Kafka consumer close failed.", metadata: ["kafka.error": "\(KafkaError.Code(err).name)"])
        }
        context.startOffsetsOnAssign = nil
        context.onRevoke = nil
        topicIndexCache.removeAll()
        for topic in pinnedTopics { rd_kafka_topic_destroy(topic) }
        pinnedTopics.removeAll()
        rd_kafka_queue_destroy(queue)
        rd_kafka_destroy(handle)
        unmanagedContext.release()
        slots.deallocate()
        slots = .init(start: nil, count: 0)
    }

    // MARK: - Private

    private func checkUsable() {
        precondition(!closed, "KafkaConsumer used after close()")
        assert(pthread_equal(ownerThread, pthread_self()) != 0, "KafkaConsumer used from a second thread")
    }

    /// The subscription index of a message's topic handle; resolved by name once per handle.
    /// `nil` (message skipped) for a topic not in the subscription list, e.g. a regex subscription.
    @inline(__always)
    private func topicIndex(of rkt: OpaquePointer?) -> Int? {
        guard let rkt else { return nil }
        for entry in topicIndexCache where entry.topic == rkt { return entry.index >= 0 ? entry.index : nil }
        return resolveTopicIndex(rkt)
    }

    private func resolveTopicIndex(_ rkt: OpaquePointer) -> Int? {
        let name = String(cString: rd_kafka_topic_name(rkt))
        let index = context.topics.firstIndex(of: name) ?? -1
        if index < 0 {
            context.logger.warning("Kafka messages from a topic not in the subscription list are skipped.", metadata: ["kafka.topic": "\(name)"])
        }
        // Pin the topic object (an app reference; librdkafka returns the same object) so the cached
        // address stays this topic's for the consumer's lifetime.
        if let pinned = rd_kafka_topic_new(handle, name, nil) {
            pinnedTopics.append(pinned)
            if pinned != rkt { topicIndexCache.append((pinned, index)) }
        }
        topicIndexCache.append((rkt, index))
        return index >= 0 ? index : nil
    }

    private func recordConsumeError(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) {
        let message = raw.pointee
        guard message.err != RD_KAFKA_RESP_ERR__PARTITION_EOF else { return }
        let code = KafkaError.Code(message.err)
        consumeErrors[code, default: 0] += 1
        let now = ContinuousClock.now
        if let last = lastErrorLog, last.duration(to: now) < .seconds(10) { return }
        lastErrorLog = now
        let text = String(cString: rd_kafka_message_errstr(raw))
        context.logger.warning(
            "Kafka consumer error.",
            metadata: [
                "kafka.error": "\(code.name)",
                "kafka.reason": "\(text)",
                "kafka.topic": "\(message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "")",
                "kafka.partition": "\(message.partition)",
                "kafka.consume_errors": "\(consumeErrors[code, default: 0])",
            ]
        )
    }

    private func pauseOrResume(_ partitions: [TopicPartition], pause: Bool) {
        checkUsable()
        guard !partitions.isEmpty else { return }
        let list = makePartitionList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = pause ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
        var failed: [String] = []
        forEachPartition(in: list) { tp, _, partitionErr in
            if partitionErr != RD_KAFKA_RESP_ERR_NO_ERROR { failed.append(tp.description) }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR || !failed.isEmpty {
            context.logger.warning(
                pause ? "Kafka pause failed." : "Kafka resume failed.",
                metadata: ["kafka.error": "\(KafkaError.Code(err).name)", "kafka.partitions": "\(failed.joined(separator: ","))"]
            )
        }
    }
}
