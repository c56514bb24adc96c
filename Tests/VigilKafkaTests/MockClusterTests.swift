import Testing
@testable import VigilKafka

@Suite(.tags(.component), .timeLimit(.minutes(1)))
struct MockClusterTests {
    @Test func listsOneBootstrapAddressPerBroker() throws {
        let cluster = try MockCluster(brokers: 3)
        defer { cluster.close() }
        let addresses = cluster.bootstrapServers.split(separator: ",")
        #expect(addresses.count == 3)
        #expect(addresses.allSatisfy { $0.hasPrefix("127.0.0.1:") })
        #expect(cluster.brokerCount == 3)
    }

    @Test func createsTopicsAndInjectsFaults() throws {
        let cluster = try MockCluster(brokers: 2)
        defer { cluster.close() }
        try cluster.createTopic("t", partitions: 4, replicationFactor: 2)
        try cluster.setBrokerDown(2, true)
        try cluster.setBrokerDown(2, false)
        try cluster.setBrokerRoundTripTime(-1, rttMillis: 0)
        try cluster.setPartitionLeader(topic: "t", partition: 0, brokerID: 2)
        try cluster.pushRequestErrors(apiKey: .fetch, errors: [.notLeaderForPartition, .noError])
    }

    @Test func rejectsADuplicateTopic() throws {
        let cluster = try MockCluster(brokers: 1)
        defer { cluster.close() }
        try cluster.createTopic("t", partitions: 1)
        #expect(throws: KafkaError.self) { try cluster.createTopic("t", partitions: 1) }
    }

    @Test func closeIsIdempotentAndLaterCallsThrow() throws {
        let cluster = try MockCluster()
        cluster.close()
        cluster.close()
        #expect { try cluster.createTopic("t", partitions: 1) } throws: { error in
            (error as? KafkaError)?.code == .destroyed
        }
    }
}
