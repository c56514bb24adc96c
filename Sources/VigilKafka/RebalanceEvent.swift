/// A change of the consumer's assignment, recorded by the rebalance callback.
package enum RebalanceEvent: Sendable, Equatable {
    /// Partitions added to this consumer (eager: the whole new assignment; cooperative: the increment).
    case assigned([TopicPartition])
    /// Partitions taken away (eager: the whole old assignment; cooperative: the decrement). Includes
    /// lost partitions (session timeout): their offsets may already belong to another member.
    case revoked([TopicPartition])
}
