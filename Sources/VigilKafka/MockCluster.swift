import CRdKafka
package import Logging
import VigilSync

/// librdkafka's mock cluster (`rdkafka_mock.h`): real Kafka protocol servers on loopback, in-process.
///
/// Brokers have ids `1...brokers` and listen on ephemeral `127.0.0.1` ports (`bootstrapServers`).
/// Topics are created with `createTopic` (the mock broker does not implement CreateTopics; a client's
/// metadata request for an unknown topic auto-creates it with 4 partitions). The mock keeps only
/// about 5 MiB per partition and silently drops older data; its first consumer-group join takes ~3 s.
///
/// Thread-safe: `@unchecked Sendable` because the two C pointers are only used with `state` locked,
/// and `close()` clears them under the same lock, so no call can race with their destruction; the
/// mock API itself hands each request to the cluster's own thread and waits for the reply.
package final class MockCluster: @unchecked Sendable {
    /// A Kafka protocol API key, for `pushRequestErrors(apiKey:errors:)`.
    package struct ApiKey: Hashable, Sendable {
        /// The protocol's numeric API key.
        package var rawValue: Int16
        /// A key from its number, for APIs without a constant here.
        package init(rawValue: Int16) { self.rawValue = rawValue }

        /// Produce.
        package static let produce = ApiKey(rawValue: 0)
        /// Fetch.
        package static let fetch = ApiKey(rawValue: 1)
        /// ListOffsets (offsets by time, watermarks).
        package static let listOffsets = ApiKey(rawValue: 2)
        /// Metadata.
        package static let metadata = ApiKey(rawValue: 3)
        /// OffsetCommit.
        package static let offsetCommit = ApiKey(rawValue: 8)
        /// OffsetFetch (committed offsets).
        package static let offsetFetch = ApiKey(rawValue: 9)
        /// FindCoordinator.
        package static let findCoordinator = ApiKey(rawValue: 10)
        /// JoinGroup.
        package static let joinGroup = ApiKey(rawValue: 11)
        /// Heartbeat.
        package static let heartbeat = ApiKey(rawValue: 12)
        /// LeaveGroup.
        package static let leaveGroup = ApiKey(rawValue: 13)
        /// SyncGroup.
        package static let syncGroup = ApiKey(rawValue: 14)
        /// ApiVersions.
        package static let apiVersions = ApiKey(rawValue: 18)
        /// InitProducerId.
        package static let initProducerId = ApiKey(rawValue: 22)
    }

    private struct Handles {
        /// The producer handle that hosts the cluster (librdkafka needs one for bookkeeping).
        var host: OpaquePointer
        var cluster: OpaquePointer
    }

    private let state: Locked<Handles?>
    private let context: Unmanaged<ClientContext>

    /// Comma-separated `host:port` list of the brokers, for `bootstrap.servers`.
    package let bootstrapServers: String
    /// The number of brokers (ids `1...brokerCount`).
    package let brokerCount: Int

    /// Starts a mock cluster with `brokers` brokers.
    ///
    /// - Parameter logger: receives the mock's and its host handle's librdkafka logs (warning and
    ///   above unless `debug` says otherwise), called from librdkafka's internal threads.
    package init(brokers: Int = 1, logger: Logger = Logger(label: "vigil.kafka.mock")) throws(KafkaError) {
        precondition(brokers >= 1, "a mock cluster needs at least one broker")
        let conf = try ClientConfiguration.make([:], overrides: ["client.id": "vigil-mock-cluster", "log_level": "4"])
        let context = ClientContext(logger: logger).install(on: conf)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let host = TimerSlack.creatingThreads({ rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) }) else {
            rd_kafka_conf_destroy(conf)
            context.release()
            throw KafkaError(code: .invalidArgument, message: ClientConfiguration.string(errstr))
        }
        guard let cluster = TimerSlack.creatingThreads({ rd_kafka_mock_cluster_new(host, Int32(brokers)) }) else {
            rd_kafka_destroy(host)
            context.release()
            throw KafkaError(code: Code(rd_kafka_last_error()), message: "could not start the mock cluster")
        }
        self.context = context
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.state = Locked(Handles(host: host, cluster: cluster))
    }

    private typealias Code = KafkaError.Code

    deinit { close() }

    /// Creates `name` with `partitions` partitions led round-robin by the brokers.
    /// - Throws: `.destroyed` after `close()`; broker codes such as `.topicAlreadyExists` or
    ///   `.invalidReplicationFactor` (more replicas than brokers).
    package func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        try withCluster { cluster throws(KafkaError) in
            let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: "create topic \(name)") }
        }
    }

    /// Takes broker `id` down (disconnects its clients and refuses new connections; leadership does
    /// not move) or brings it back up. `id` -1 means every broker.
    package func setBrokerDown(_ id: Int32, _ down: Bool) throws(KafkaError) {
        try withCluster { cluster throws(KafkaError) in
            let err = down ? rd_kafka_mock_broker_set_down(cluster, id) : rd_kafka_mock_broker_set_up(cluster, id)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: "set broker \(id) down=\(down)") }
        }
    }

    /// Adds `rttMillis` of latency to every response of broker `id` (-1: every broker).
    package func setBrokerRoundTripTime(_ id: Int32, rttMillis: Int32) throws(KafkaError) {
        try withCluster { cluster throws(KafkaError) in
            let err = rd_kafka_mock_broker_set_rtt(cluster, id, rttMillis)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: "set broker \(id) rtt") }
        }
    }

    /// Moves the leadership of `topic`/`partition` to broker `brokerID` (-1: leaderless).
    package func setPartitionLeader(topic: String, partition: Int32, brokerID: Int32) throws(KafkaError) {
        try withCluster { cluster throws(KafkaError) in
            let err = rd_kafka_mock_partition_set_leader(cluster, topic, partition, brokerID)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: "set leader of \(topic)[\(partition)]") }
        }
    }

    /// Makes the next `errors.count` requests with `apiKey` (to any broker) fail with those errors,
    /// in order. `.noError` entries let a request through.
    package func pushRequestErrors(apiKey: ApiKey, errors: [KafkaError.Code]) throws(KafkaError) {
        try withCluster { cluster throws(KafkaError) in
            let codes = errors.map(\.cValue)
            codes.withUnsafeBufferPointer { buffer in
                rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, buffer.count, buffer.baseAddress)
            }
        }
    }

    /// Stops the brokers and frees the cluster. Idempotent; `deinit` calls it. Clients still connected
    /// see their connections fail.
    package func close() {
        state.withLock { handles in
            guard let current = handles else { return }
            handles = nil
            rd_kafka_mock_cluster_destroy(current.cluster)
            rd_kafka_destroy(current.host)
            context.release()
        }
    }

    private func withCluster(_ body: (OpaquePointer) throws(KafkaError) -> Void) throws(KafkaError) {
        try state.withLock { (handles: inout Handles?) throws(KafkaError) in
            guard let current = handles else {
                throw KafkaError(code: .destroyed, message: "the mock cluster is closed")
            }
            try body(current.cluster)
        }
    }
}
