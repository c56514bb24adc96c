/// librdkafka's logical offsets, for `KafkaConsumer.seek` and `KafkaConsumer.startOffsetsOnAssign`.
package enum KafkaOffset {
    /// The oldest message still in the partition.
    package static let beginning: Int64 = -2
    /// The end of the partition: only messages produced from now on.
    package static let end: Int64 = -1
    /// The group's committed offset (falling back to `auto.offset.reset`).
    package static let stored: Int64 = -1000
    /// No offset.
    package static let invalid: Int64 = -1001
}

/// Offsets `KafkaConsumer.poll` delivered, taken to be stored once their messages are applied
/// (`KafkaConsumer.takeDeliveredOffsets()` and `store(_:)`).
package struct DeliveredOffsets: Sendable {
    /// (subscribed topic index, partition, next offset to consume).
    var entries: [(topic: Int, partition: Int32, offset: Int64)] = []
    package var isEmpty: Bool { entries.isEmpty }
}
