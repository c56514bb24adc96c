import VigilStats
import Foundation
package import Logging

/// Writes log records to standard error as text (`2026-11-28T10:00:00.123Z info vigil: Message. key=value`)
/// or as one JSON object per line (SPEC §2 `--log-format`).
package struct StandardErrorLogHandler: LogHandler {
    package enum Format: String, Sendable, CaseIterable { case text, json }

    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Format

    package init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        logLevel = level
        self.format = format
    }

    /// Installs this handler for the whole process. Call once, first thing in `main`.
    package static func bootstrap(level: Logger.Level, format: Format?) {
        let chosen = format ?? (isatty(STDERR_FILENO) != 0 ? .text : .json)
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, level: level, format: chosen) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let time = RFC3339.format(millis: Int64(Date().timeIntervalSince1970 * 1000))
        var line: String
        switch format {
        case .text:
            line = "\(time) \(event.level) \(label): \(event.message)"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        case .json:
            var w = JSONWriter()
            w.beginObject()
            w.field("time", time)
            w.field("level", "\(event.level)")
            w.field("logger", label)
            w.field("message", "\(event.message)")
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) { w.field(key, "\(value)") }
            w.endObject()
            line = w.string
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
