import Foundation

/// Reads typed values out of `ConfigValue` trees, collecting every problem with its key path
/// instead of stopping at the first (STYLE §6: collect all, print all, exit 2).
final class ConfigReader {
    private(set) var problems: [String] = []
    /// Folder of the configuration file: relative paths are relative to it (SPEC §4).
    let baseDirectory: String

    init(baseDirectory: String) { self.baseDirectory = baseDirectory }

    func fail(_ path: String, _ message: String) {
        problems.append(path.isEmpty ? message : "\(path): \(message)")
    }

    func append(_ more: [String]) { problems += more }

    /// A mapping's pairs, after checking that only `allowed` keys occur.
    struct Map {
        let path: String
        let pairs: [(key: String, value: ConfigValue)]

        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        /// The value of `key`; nil when absent or YAML null.
        subscript(key: String) -> ConfigValue? {
            guard let value = pairs.first(where: { $0.key == key })?.value else { return nil }
            if case .scalar(_, isNull: true) = value { return nil }
            return value
        }

        var keys: [String] { pairs.map(\.key) }
    }

    func map(_ value: ConfigValue?, at path: String, allowed: [String]) -> Map? {
        guard let value else { return nil }
        guard case .mapping(let pairs) = value else {
            fail(path, "expected a mapping, found \(value.kindName)")
            return nil
        }
        let allowedSet = Set(allowed)
        for (key, _) in pairs where !allowedSet.contains(key) {
            let path = path.isEmpty ? key : "\(path).\(key)"
            fail(path, "unknown key (allowed here: \(allowed.joined(separator: ", ")))")
        }
        return Map(path: path, pairs: pairs.filter { allowedSet.contains($0.key) })
    }

    /// A mapping of free-form keys (properties, labels, headers).
    func freeMap(_ value: ConfigValue?, at path: String) -> Map? {
        guard let value else { return nil }
        guard case .mapping(let pairs) = value else {
            fail(path, "expected a mapping, found \(value.kindName)")
            return nil
        }
        return Map(path: path, pairs: pairs)
    }

    func list(_ value: ConfigValue?, at path: String) -> [ConfigValue]? {
        guard let value else { return nil }
        guard case .sequence(let items) = value else {
            fail(path, "expected a list, found \(value.kindName)")
            return nil
        }
        return items
    }

    func string(_ map: Map, _ key: String) -> String? {
        guard let value = map[key] else { return nil }
        guard case .scalar(let text, _) = value else {
            fail(map.child(key), "expected a string, found \(value.kindName)")
            return nil
        }
        return text
    }

    func string(_ map: Map, _ key: String, default fallback: String) -> String {
        string(map, key) ?? fallback
    }

    func requiredString(_ map: Map, _ key: String) -> String? {
        guard map[key] != nil else {
            fail(map.child(key), "required")
            return nil
        }
        guard let text = string(map, key) else { return nil }
        guard !text.isEmpty else {
            fail(map.child(key), "must not be empty")
            return nil
        }
        return text
    }

    func double(_ map: Map, _ key: String, default fallback: Double, range: ClosedRange<Double>? = nil) -> Double {
        guard let text = string(map, key) else { return fallback }
        guard let value = Double(text.trimmingWhitespace()), value.isFinite else {
            fail(map.child(key), "\"\(text)\" is not a number")
            return fallback
        }
        if let range, !range.contains(value) {
            fail(map.child(key), "\(text) is out of range [\(range.lowerBound), \(range.upperBound)]")
            return fallback
        }
        return value
    }

    func int(_ map: Map, _ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let text = string(map, key) else { return fallback }
        guard let value = Int(text.trimmingWhitespace()) else {
            fail(map.child(key), "\"\(text)\" is not an integer")
            return fallback
        }
        guard range.contains(value) else {
            fail(map.child(key), "\(value) is out of range [\(range.lowerBound), \(range.upperBound)]")
            return fallback
        }
        return value
    }

    func bool(_ map: Map, _ key: String, default fallback: Bool) -> Bool {
        guard let text = string(map, key) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            fail(map.child(key), "\"\(text)\" is not a boolean")
            return fallback
        }
    }

    func duration(_ map: Map, _ key: String, default fallback: Duration) -> Duration {
        guard let text = string(map, key) else { return fallback }
        guard let value = ConfigDuration.parse(text) else {
            fail(map.child(key), "\"\(text)\" is not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)")
            return fallback
        }
        return value
    }

    func choice<T: RawRepresentable>(_ map: Map, _ key: String, default fallback: T) -> T where T.RawValue == String, T: CaseIterable {
        guard let text = string(map, key) else { return fallback }
        guard let value = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue).joined(separator: " | ")
            fail(map.child(key), "\"\(text)\" is not one of \(names)")
            return fallback
        }
        return value
    }

    func stringList(_ map: Map, _ key: String) -> [String]? {
        guard let items = list(map[key], at: map.child(key)) else { return nil }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .scalar(let text, false) = item else {
                fail("\(map.child(key))[\(index)]", "expected a string, found \(item.kindName)")
                continue
            }
            strings.append(text)
        }
        return strings
    }

    /// A free-form string → string mapping where a key ending in `_file` names a file whose
    /// contents become the value of the key without the suffix (SPEC §4 secrets).
    func stringMap(_ map: Map, _ key: String) -> [String: String] {
        guard let entries = freeMap(map[key], at: map.child(key)) else { return [:] }
        var result: [String: String] = [:]
        for (name, value) in entries.pairs {
            let path = entries.child(name)
            guard case .scalar(let text, _) = value else {
                fail(path, "expected a string, found \(value.kindName)")
                continue
            }
            if name.hasSuffix("_file"), name.count > 5 {
                if let secret = readSecret(text, at: path) { result[String(name.dropLast(5))] = secret }
            } else {
                result[name] = text
            }
        }
        return result
    }

    /// Resolves a path relative to the configuration file's folder.
    func resolvePath(_ path: String) -> String {
        if path.hasPrefix("/") || path == "-" { return path }
        return (baseDirectory as NSString).appendingPathComponent(path)
    }

    /// Reads a secret file (trailing newline removed); an empty path means "not set".
    func readSecret(_ path: String, at keyPath: String) -> String? {
        guard !path.isEmpty else { return nil }
        let resolved = resolvePath(path)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            fail(keyPath, "cannot read file \"\(resolved)\"")
            return nil
        }
        guard var text = String(data: data, encoding: .utf8) else {
            fail(keyPath, "file \"\(resolved)\" is not UTF-8 text")
            return nil
        }
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
