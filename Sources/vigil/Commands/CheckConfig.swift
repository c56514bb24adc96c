import ArgumentParser
import VigilAgent

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print it with secrets redacted; exit 0 or 2.")

    @OptionGroup var logging: LoggingOptions
    @Option(name: .long, help: "Configuration file (YAML).") var config: String

    func run() async throws {
        logging.bootstrap()
        print(try CheckConfigCommand.run(configurationPath: config), terminator: "")
    }
}
