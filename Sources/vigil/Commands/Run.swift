import ArgumentParser
import VigilAgent

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the agent against Kafka until SIGTERM/SIGINT.")

    @OptionGroup var logging: LoggingOptions
    @Option(name: .long, help: "Configuration file (YAML).") var config: String

    func run() async throws {
        logging.bootstrap()
        try await AgentCommand.run(configurationPath: config)
    }
}
