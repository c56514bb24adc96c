import ArgumentParser
import VigilAgent

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the pipeline over a JSON Lines file and write the replay report.")

    @OptionGroup var logging: LoggingOptions
    @Option(name: .long, help: "Configuration file (YAML).") var config: String
    @Option(name: .long, help: "Events, JSON Lines (`-` for stdin, gzip when the name ends in .gz).") var input: String
    @Option(name: .long, help: "Where to write the report (default: stdout).") var report: String?
    @Option(name: .long, help: "Where to write the final metrics exposition.") var metrics: String?

    func run() async throws {
        logging.bootstrap()
        _ = try VigilAgent.Replay.run(
            .init(configurationPath: config, inputPath: input, reportPath: report, metricsPath: metrics),
            logger: LogSetup.logger("vigil.replay"))
    }
}
