/// One partition of one topic.
package struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// The topic name.
    package var topic: String
    /// The partition number, from 0.
    package var partition: Int32

    /// A topic partition.
    package init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// `topic[partition]`.
    package var description: String { "\(topic)[\(partition)]" }
}
