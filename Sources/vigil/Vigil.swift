import ArgumentParser
import Foundation
import VigilAgent

@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Streaming model monitoring: Kafka in, drift and quality metrics out.",
        version: VigilVersion.current,
        subcommands: [Run.self, Demo.self, Replay.self, Baseline.self, CheckConfig.self, MockBroker.self, Produce.self]
    )

    /// SPEC §2: usage and configuration errors exit 2 (ArgumentParser would use 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("vigil: configuration error\n\(error.description)\n".utf8))
            Foundation.exit(2)
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("vigil: \(error.description)\n".utf8))
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            if String(describing: type(of: error)).contains("ParserError") || code.rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            if code == .failure, !(error is ExitCode) {
                FileHandle.standardError.write(Data("vigil: \(error)\n".utf8))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}

/// `--log-level` and `--log-format`, shared by every subcommand (SPEC §2).
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "trace | debug | info | notice | warning | error (default: info)")
    var logLevel: String?

    @Option(name: .long, help: "text | json (default: text on a terminal, json otherwise)")
    var logFormat: String?

    func validate() throws {
        if let logLevel, LogSetup.level(logLevel) == nil {
            throw ValidationError("--log-level: \"\(logLevel)\" is not one of trace, debug, info, notice, warning, error")
        }
        if let logFormat, LogSetup.format(logFormat) == nil {
            throw ValidationError("--log-format: \"\(logFormat)\" is not one of text, json")
        }
    }

    /// - Parameter defaultLevel: the level when `--log-level` is not given.
    func bootstrap(defaultLevel: String = "info") {
        LogSetup.bootstrap(level: logLevel ?? defaultLevel, format: logFormat)
    }
}
