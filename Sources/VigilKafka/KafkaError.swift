import CRdKafka

/// An error from librdkafka or from the wrapper around it.
///
/// `code` is librdkafka's `rd_kafka_resp_err_t` value (negative: client-side, positive: Kafka protocol
/// error codes); put the code, never the message, into metric labels and log fields.
package struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// A librdkafka error code. A struct with static constants (not an enum) so it can name any code
    /// librdkafka returns, including ones added by later versions.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The numeric `rd_kafka_resp_err_t` value.
        package var rawValue: Int32

        /// A code from its numeric value (any value librdkafka may return).
        package init(rawValue: Int32) { self.rawValue = rawValue }

        init(_ err: rd_kafka_resp_err_t) { self.rawValue = Int32(err.rawValue) }

        var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: .init(rawValue)) }

        /// librdkafka's symbolic name without the `RD_KAFKA_RESP_ERR_` prefix (`_TIMED_OUT`,
        /// `UNKNOWN_TOPIC_OR_PART`). Stable and bounded: fit for metric labels and log fields.
        package var name: String { String(cString: rd_kafka_err2name(cValue)) }

        /// The symbolic name, as `name`.
        package var description: String { name }

        /// No error.
        package static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        /// An invalid argument or configuration value (local).
        package static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        /// An operation timed out (local), e.g. `flush` or a queue-full retry budget.
        package static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// The producer queue is full (`queue.buffering.max.messages` / `.kbytes`).
        package static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        /// The handle was closed or is being destroyed.
        package static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// The operation is not valid in the current state (e.g. storing an offset for an unassigned partition).
        package static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        /// The topic is not known to the client (local).
        package static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        /// The partition is not known to the client (local).
        package static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        /// The broker does not know the topic or partition.
        package static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// A message could not be delivered within `message.timeout.ms`.
        package static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        /// The message is larger than `message.max.bytes` (or the broker's limit).
        package static let messageSizeTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        /// There was no offset to commit (not an error for `commitSync`).
        package static let noOffset = Code(RD_KAFKA_RESP_ERR__NO_OFFSET)
        /// Reached the end of a partition (only with `enable.partition.eof=true`; never surfaced).
        package static let partitionEOF = Code(RD_KAFKA_RESP_ERR__PARTITION_EOF)
        /// A broker connection failed.
        package static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        /// All brokers are down.
        package static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        /// The client hit a fatal error (see `KafkaConsumer.fatalError`); it must be recreated.
        package static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// Broker: not leader for partition.
        package static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        /// Broker: request timed out.
        package static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        /// Broker: coordinator not available.
        package static let coordinatorNotAvailable = Code(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        /// Broker: not coordinator.
        package static let notCoordinator = Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        /// Broker: group rebalance in progress.
        package static let rebalanceInProgress = Code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
        /// Broker: topic already exists.
        package static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        /// Broker: invalid replication factor.
        package static let invalidReplicationFactor = Code(RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR)
        /// Broker: not enough in-sync replicas.
        package static let notEnoughReplicas = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
    }

    /// What went wrong, as a librdkafka code.
    package var code: Code
    /// librdkafka's explanation (`rd_kafka_err2str`, an `errstr` or an `rd_kafka_error_t` string),
    /// possibly with context. May name brokers and topics; never contains secrets.
    package var message: String

    /// An error with an explicit code and message.
    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// An error with librdkafka's text for the code, prefixed with `context` when given.
    init(_ err: rd_kafka_resp_err_t, context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(err))
        self.init(code: Code(err), message: context.map { "\($0): \(text)" } ?? text)
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer, context: String? = nil) {
        defer { rd_kafka_error_destroy(error) }
        let text = String(cString: rd_kafka_error_string(error))
        self.init(code: Code(rd_kafka_error_code(error)), message: context.map { "\($0): \(text)" } ?? text)
    }

    /// `KafkaError(NAME): message`.
    package var description: String { "KafkaError(\(code.name)): \(message)" }
}
