import ArgumentParser
import VigilAgent

struct MockBroker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-broker",
        abstract: "Start a librdkafka mock Kafka cluster on loopback until SIGTERM.")

    @OptionGroup var logging: LoggingOptions
    @Option(name: .long, help: "Number of brokers.") var brokers: Int = 1
    @Option(name: .long, help: "A topic to create, NAME:PARTITIONS (repeatable).") var topic: [String] = []
    @Option(name: .long, help: "Also write the bootstrap servers to this file.") var bootstrapFile: String?

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers: must be 1...16") }
        for spec in topic where MockBrokerCommand.parseTopic(spec) == nil {
            throw ValidationError("--topic: \"\(spec)\" is not NAME:PARTITIONS")
        }
    }

    func run() async throws {
        logging.bootstrap()
        try await MockBrokerCommand.run(brokers: brokers, topics: topic.compactMap(MockBrokerCommand.parseTopic), bootstrapFile: bootstrapFile)
    }
}
