import Foundation
import Yams

/// A YAML document reduced to what the configuration needs: scalars (with `${VAR}`
/// interpolation already applied), mappings in file order and sequences.
indirect enum ConfigValue: Sendable {
    case scalar(String, isNull: Bool)
    case mapping([(key: String, value: ConfigValue)])
    case sequence([ConfigValue])

    var kindName: String {
        switch self {
        case .scalar(_, let isNull): isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// Parses YAML text, interpolating `${VAR}` and `${VAR:-default}` from `environment`
    /// in every string value. Problems are appended to `problems` with their key paths.
    static func parse(yaml: String, environment: [String: String], problems: inout [String]) -> ConfigValue? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            problems.append("invalid YAML: \(error)")
            return nil
        }
        guard let root else { return .mapping([]) }
        var budget = maximumValues
        let value = convert(root, path: "", environment: environment, problems: &problems, budget: &budget)
        if budget < 0 {
            problems.append("the document has more than \(maximumValues) values (YAML aliases expanding exponentially?)")
            return nil
        }
        return value
    }

    /// Values (scalars, mappings, sequences) a document may expand to. Yams resolves each alias
    /// to a copy of its anchor, so a few lines of nested aliases ("billion laughs") expand to
    /// billions of values; without a bound the walk below never ends. Real configurations have
    /// hundreds.
    static let maximumValues = 100_000

    private static func convert(_ node: Node, path: String, environment: [String: String], problems: inout [String], budget: inout Int) -> ConfigValue? {
        budget -= 1
        guard budget >= 0 else { return nil }
        switch node {
        case .scalar(let scalar):
            let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            guard let text = interpolate(scalar.string, path: path, environment: environment, problems: &problems) else { return nil }
            return .scalar(text, isNull: isNull)
        case .mapping(let mapping):
            var pairs: [(key: String, value: ConfigValue)] = []
            var seen: Set<String> = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    problems.append("\(path.isEmpty ? "" : "\(path): ")mapping keys must be strings")
                    continue
                }
                let key = keyScalar.string
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard seen.insert(key).inserted else {
                    problems.append("\(childPath): duplicate key")
                    continue
                }
                if let value = convert(valueNode, path: childPath, environment: environment, problems: &problems, budget: &budget) {
                    pairs.append((key, value))
                }
            }
            return .mapping(pairs)
        case .sequence(let sequence):
            var items: [ConfigValue] = []
            for (index, item) in sequence.enumerated() {
                if let value = convert(item, path: "\(path)[\(index)]", environment: environment, problems: &problems, budget: &budget) {
                    items.append(value)
                }
            }
            return .sequence(items)
        case .alias:
            problems.append("\(path.isEmpty ? "" : "\(path): ")YAML aliases are not supported")
            return nil
        }
    }

    /// Replaces `${VAR}` and `${VAR:-default}`; `$$` is a literal `$`.
    static func interpolate(_ text: String, path: String, environment: [String: String], problems: inout [String]) -> String? {
        guard text.contains("$") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest.index(after: dollar)
            if after < rest.endIndex, rest[after] == "$" {
                result += "$"
                rest = rest[rest.index(after: after)...]
                continue
            }
            guard after < rest.endIndex, rest[after] == "{" else {
                result += "$"
                rest = rest[after...]
                continue
            }
            guard let close = rest[after...].firstIndex(of: "}") else {
                problems.append("\(path): unterminated ${ in \"\(text)\"")
                return nil
            }
            let expression = rest[rest.index(after: after)..<close]
            let name: Substring
            var fallback: Substring?
            if let separator = expression.range(of: ":-") {
                name = expression[..<separator.lowerBound]
                fallback = expression[separator.upperBound...]
            } else {
                name = expression
            }
            let validName = !name.isEmpty && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            guard validName else {
                problems.append("\(path): \"${\(expression)}\" is not a valid variable reference")
                return nil
            }
            if let value = environment[String(name)], !(fallback != nil && value.isEmpty) {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                problems.append("\(path): environment variable \(name) is not set (use ${\(name):-default} for a default)")
                return nil
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }
}
