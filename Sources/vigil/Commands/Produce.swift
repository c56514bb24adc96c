import ArgumentParser
import VigilAgent

struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a JSON Lines file to a Kafka topic.")

    @OptionGroup var logging: LoggingOptions
    @Option(name: .long, help: "Bootstrap servers, host:port,...") var brokers: String
    @Option(name: .long, help: "Topic to produce to.") var topic: String
    @Option(name: .long, help: "JSON Lines file (`-` for stdin, gzip when the name ends in .gz).") var input: String
    @Option(name: .long, help: "Messages per second (default: as fast as possible).") var rate: Int?
    @Flag(name: .long, help: "Start over at the end of the input until interrupted.") var loop = false

    func validate() throws {
        if let rate, rate <= 0 { throw ValidationError("--rate: must be positive") }
    }

    func run() async throws {
        logging.bootstrap()
        try await ProduceCommand.run(brokers: brokers, topic: topic, input: input, rate: rate, loop: loop)
    }
}
