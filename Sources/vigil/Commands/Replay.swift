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
    @Flag(name: .long, help: "Send alert notifications to the configured notifiers (off by default in replay).") var notify = false
    @Option(name: .long, help: "Delayed labels, JSON Lines ({id, label, ts}; field names from `labels.fields`), joined by event id.") var labels: String?

    func run() async throws {
        logging.bootstrap()
        var options = VigilAgent.Replay.Options(configurationPath: config, inputPath: input, reportPath: report, metricsPath: metrics)
        options.notify = notify
        options.labelsPath = labels
        _ = try await VigilAgent.Replay.run(options, logger: LogSetup.logger("vigil.replay"))
    }
}
