import CRdKafka

/// Conversions between `[TopicPartition]` and `rd_kafka_topic_partition_list_t`.
///
/// Ownership: a list returned by `makePartitionList` belongs to the caller, who destroys it with
/// `rd_kafka_topic_partition_list_destroy` in a `defer` next to the call. Lists librdkafka hands to a
/// callback are borrowed and only read.
typealias PartitionListPointer = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

/// A new list holding `partitions`, each with `offset(partition)` (or librdkafka's default, INVALID).
func makePartitionList(
    _ partitions: some Collection<TopicPartition>,
    offset: (TopicPartition) -> Int64? = { _ in nil }
) -> PartitionListPointer {
    let list = rd_kafka_topic_partition_list_new(Int32(clamping: max(partitions.count, 1)))!
    for tp in partitions {
        let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
        if let value = offset(tp) { element.pointee.offset = value }
    }
    return list
}

/// Calls `body` for each element of a borrowed list; strings are copied out.
func forEachPartition(
    in list: PartitionListPointer?,
    _ body: (_ partition: TopicPartition, _ offset: Int64, _ err: rd_kafka_resp_err_t) -> Void
) {
    guard let list, let elements = list.pointee.elems else { return }
    for i in 0..<Int(list.pointee.cnt) {
        let element = elements[i]
        let tp = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        body(tp, element.offset, element.err)
    }
}

/// The partitions of a borrowed list, copied out.
func topicPartitions(in list: PartitionListPointer?) -> [TopicPartition] {
    var result: [TopicPartition] = []
    result.reserveCapacity(Int(list?.pointee.cnt ?? 0))
    forEachPartition(in: list) { tp, _, _ in result.append(tp) }
    return result
}
