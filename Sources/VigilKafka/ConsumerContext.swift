import CRdKafka
import Logging

/// The consumer's callback state: rebalance events, the assignment hook and the delivered offsets.
///
/// Confined to the consumer thread: with `log.queue=true` and `rd_kafka_poll_set_consumer`, every
/// callback (rebalance, log, error) runs inside `rd_kafka_consume_batch_queue` or
/// `rd_kafka_consumer_close`, which only the consumer's owner calls.
final class ConsumerContext: ClientContext {
    /// Rebalance events not yet taken by `KafkaConsumer.takeRebalances()`.
    var pendingRebalances: [RebalanceEvent] = []
    /// Start offsets for newly assigned partitions (see `KafkaConsumer.startOffsetsOnAssign`).
    var startOffsetsOnAssign: ((_ assigned: [TopicPartition]) -> [TopicPartition: Int64])?
    /// The subscribed topics; `topicIndex` indexes this.
    var topics: [String] = []
    /// Next offset to store per `[topicIndex][partition]`, -1 where nothing was delivered since the
    /// last `storeDeliveredOffsets`.
    var nextOffsets: [[Int64]] = []
    /// Offset after the last delivered message per `[topicIndex][partition]` since the partition
    /// was assigned, -1 where none (not cleared by storing; see `KafkaConsumer.deliveredPositions`).
    var positions: [[Int64]] = []
    /// Called with partitions about to be revoked (see `KafkaConsumer.onRevoke`).
    var onRevoke: ((_ revoked: [TopicPartition], _ lost: Bool) -> Void)?

    func resetTopics(_ topics: [String]) {
        self.topics = topics
        nextOffsets = Array(repeating: [], count: topics.count)
        positions = Array(repeating: [], count: topics.count)
    }

    @inline(__always)
    func recordDelivered(topicIndex: Int, partition: Int32, offset: Int64) {
        let p = Int(partition)
        if p >= nextOffsets[topicIndex].count {
            nextOffsets[topicIndex].append(contentsOf: repeatElement(-1, count: p + 1 - nextOffsets[topicIndex].count))
            positions[topicIndex].append(contentsOf: repeatElement(-1, count: p + 1 - positions[topicIndex].count))
        }
        nextOffsets[topicIndex][p] = offset + 1
        positions[topicIndex][p] = offset + 1
    }

    /// Drops delivered-but-unstored offsets of partitions this consumer no longer owns.
    func forgetDelivered(_ partitions: [TopicPartition]) {
        for tp in partitions {
            guard let t = topics.firstIndex(of: tp.topic), Int(tp.partition) < nextOffsets[t].count else { continue }
            nextOffsets[t][Int(tp.partition)] = -1
            positions[t][Int(tp.partition)] = -1
        }
    }

    func handleRebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ partitions: PartitionListPointer?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let list = topicPartitions(in: partitions)
        let protocolName = cooperative ? "cooperative" : "eager"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if let hook = startOffsetsOnAssign, let partitions, !list.isEmpty {
                let offsets = hook(list)
                for i in 0..<Int(partitions.pointee.cnt) where !offsets.isEmpty {
                    if let offset = offsets[list[i]] { partitions.pointee.elems[i].offset = offset }
                }
            }
            let failure: KafkaError?
            if cooperative {
                failure = rd_kafka_incremental_assign(rk, partitions).map { KafkaError(consuming: $0) }
            } else {
                let assignErr = rd_kafka_assign(rk, partitions)
                failure = assignErr == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(assignErr)
            }
            if let failure {
                logger.error("Kafka partition assignment failed.", metadata: ["kafka.error": "\(failure.code.name)", "kafka.reason": "\(failure.message)"])
            }
            guard !list.isEmpty else { return }
            pendingRebalances.append(.assigned(list))
            logger.info("Kafka partitions assigned.", metadata: ["kafka.partitions": "\(Self.describe(list))", "kafka.rebalance_protocol": "\(protocolName)"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            if !list.isEmpty { onRevoke?(list, lost) }
            forgetDelivered(list)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) {
                    let failure = KafkaError(consuming: error)
                    logger.error("Kafka partition unassignment failed.", metadata: ["kafka.error": "\(failure.code.name)", "kafka.reason": "\(failure.message)"])
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
            guard !list.isEmpty else { return }
            pendingRebalances.append(.revoked(list))
            if lost {
                logger.warning("Kafka partitions lost.", metadata: ["kafka.partitions": "\(Self.describe(list))", "kafka.rebalance_protocol": "\(protocolName)"])
            } else {
                logger.info("Kafka partitions revoked.", metadata: ["kafka.partitions": "\(Self.describe(list))", "kafka.rebalance_protocol": "\(protocolName)"])
            }
        default:
            // librdkafka's advice: drop the assignment to resynchronise with the group.
            logger.error("Kafka rebalance failed.", metadata: ["kafka.error": "\(KafkaError.Code(err).name)"])
            forgetDelivered(list)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
            if !list.isEmpty { pendingRebalances.append(.revoked(list)) }
        }
    }

    static func describe(_ partitions: [TopicPartition]) -> String {
        partitions.map(\.description).joined(separator: ",")
    }
}

/// `rebalance_cb`: runs on the consumer thread (see `ConsumerContext`).
func vigilRebalanceCallback(
    _ rk: OpaquePointer?, _ err: rd_kafka_resp_err_t, _ partitions: PartitionListPointer?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let rk, let opaque else { return }
    let context = unsafeDowncast(Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue(), to: ConsumerContext.self)
    context.handleRebalance(rk, err, partitions)
}
