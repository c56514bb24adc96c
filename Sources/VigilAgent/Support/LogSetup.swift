package import Logging

/// Logging set-up for the command line (SPEC §2 `--log-level`, `--log-format`).
package enum LogSetup {
    package static func level(_ name: String) -> Logger.Level? {
        switch name {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warning": .warning
        case "error": .error
        default: nil
        }
    }

    package static func format(_ name: String) -> StandardErrorLogHandler.Format? { .init(rawValue: name) }

    package static func bootstrap(level: String, format: String?) {
        StandardErrorLogHandler.bootstrap(level: self.level(level) ?? .info, format: format.flatMap(self.format))
    }

    package static func logger(_ label: String) -> Logger { Logger(label: label) }
}

/// A command-line usage error that is not a parsing error (exit code 2).
package struct UsageError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
