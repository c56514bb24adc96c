import ArgumentParser
import Foundation
import VigilAgent

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent on an embedded Kafka with a synthetic model whose inputs drift.")

    @OptionGroup var logging: LoggingOptions
    @Option(name: .long, help: "HTTP port for /metrics.") var port: Int = 9877
    @Option(name: .long, help: "Events per second the synthetic model produces.") var rate: Int = 2000
    @Option(name: .long, help: "When drift and anomalies are injected.") var driftAfter: String = "60s"
    @Option(name: .long, help: "Stop after this long (default: until Ctrl-C).") var duration: String?
    @Option(name: .long, help: "Demo configuration (default: config/demo.yaml, or the built-in one).") var config: String?

    func run() async throws {
        // On a terminal the live dashboard is the output: log only warnings unless asked.
        logging.bootstrap(defaultLevel: isatty(STDERR_FILENO) != 0 ? "warning" : "info")
        try await DemoCommand.run(.init(port: port, rate: rate, driftAfter: driftAfter, duration: duration, configurationPath: config))
    }
}
