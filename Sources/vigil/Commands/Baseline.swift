import ArgumentParser
import VigilAgent

struct Baseline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a model's reference profile from known-good events (JSON Lines or CSV).")

    @OptionGroup var logging: LoggingOptions
    @Option(name: .long, help: "Configuration file (YAML).") var config: String
    @Option(name: .long, help: "The model to profile.") var model: String
    @Option(name: .long, help: "Events: JSON Lines or CSV (header row named like the features, optional `prediction`), .gz accepted.") var input: String
    @Option(name: .long, help: "Profile to write: FILE.json, or FILE.json.gz to compress it.") var out: String

    func run() async throws {
        logging.bootstrap()
        _ = try VigilAgent.Baseline.run(.init(configurationPath: config, model: model, inputPath: input, outputPath: out),
                                        logger: LogSetup.logger("vigil.baseline"))
    }
}
