/// Everything wrong with a configuration file, each problem prefixed by its key path
/// (`models[0].window.size: "5x" is not a duration`). SPEC §2: exit code 2.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package var problems: [String]

    package init(_ problems: [String]) { self.problems = problems }
    package init(path: String, _ message: String) { problems = [path.isEmpty ? message : "\(path): \(message)"] }

    package var description: String { problems.joined(separator: "\n") }
}
