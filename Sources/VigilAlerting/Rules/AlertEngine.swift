import Foundation
package import VigilStats

/// Evaluates alert rules on each evaluated window, in event time, and keeps every alert
/// instance's state (rule × model × feature). Pure: the owner delivers what it returns, so
/// replaying the same events gives the same alerts as the live run did.
package struct AlertEngine: Sendable {
    private struct Instance: Sendable {
        var machine: AlertStateMachine
        var alert: Alert
    }

    package let rules: [AlertRule]
    /// Used in `generatorURL`: `{agentURL}/api/v1/windows/{model}` (empty: no URL).
    package let agentURL: String
    private var instances: [String: Instance] = [:]
    /// Alerts that fired and resolved, oldest first (at most `historyLimit`), for reports.
    package private(set) var resolved: [Alert] = []
    package static let historyLimit = 10_000

    package init(rules: [AlertRule], agentURL: String = "") {
        self.rules = rules
        self.agentURL = agentURL
    }

    /// Pending and firing alerts, sorted by alertname, model, feature.
    package var active: [Alert] {
        instances.values.filter { $0.alert.state != .resolved }.map(\.alert).sorted {
            ($0.labels["alertname"] ?? "", $0.labels["model"] ?? "", $0.labels["feature"] ?? "")
                < ($1.labels["alertname"] ?? "", $1.labels["model"] ?? "", $1.labels["feature"] ?? "")
        }
    }

    /// Evaluates every rule for the window's model at the window's end (event time).
    /// - Parameter rejected: rejections for the model since its previous window (for `rejected_ratio`).
    /// - Returns: alerts to notify: those that started firing (state `.firing`) and those that
    ///   resolved (`.resolved`, `endsAtMillis` set).
    package mutating func evaluate(_ window: WindowReport, rejected: Int? = nil) -> [Alert] {
        var notifications: [Alert] = []
        let now = window.endMillis
        for rule in rules where rule.model == nil || rule.model == window.model {
            if rule.isPerFeature {
                let key = String(rule.metric.dropFirst(8))
                for feature in window.features where rule.features?.contains(feature.name) ?? true {
                    let value = AlertMetrics.column(key, feature)
                    step(rule, model: window.model, feature: feature.name, value: value, at: now, into: &notifications)
                }
            } else {
                let value = AlertMetrics.value(rule.metric, in: window, rejected: rejected)
                step(rule, model: window.model, feature: nil, value: value, at: now, into: &notifications)
            }
        }
        return notifications
    }

    private mutating func step(_ rule: AlertRule, model: String, feature: String?, value: Double?, at now: Int64, into notifications: inout [Alert]) {
        var labels = rule.labels
        labels["alertname"] = rule.name
        labels["model"] = model
        if let feature { labels["feature"] = feature }
        labels["severity"] = rule.severity
        let key = Alert.fingerprint(labels)
        let holds = value.map { rule.comparison.holds($0, rule.threshold) } ?? false
        guard holds || instances[key] != nil else { return }   // nothing to track
        var instance = instances[key] ?? Instance(
            machine: AlertStateMachine(holdMillis: rule.holdMillis, keepFiringMillis: rule.keepFiringMillis),
            alert: Alert(labels: labels, annotations: [:], state: .pending, value: 0, startsAtMillis: now,
                         generatorURL: agentURL.isEmpty ? "" : "\(agentURL)/api/v1/windows/\(model)"))
        if let value { instance.alert.value = value }
        instance.alert.annotations = annotations(rule, model: model, feature: feature, value: value)
        switch instance.machine.evaluate(conditionHolds: holds, at: now) {
        case .none:
            switch instance.machine.state {
            case .inactive: instances[key] = nil; return
            case .pending(let since): instance.alert.state = .pending; instance.alert.startsAtMillis = since
            case .firing: instance.alert.state = .firing
            }
        case .fire(let startsAt):
            instance.alert.state = .firing
            instance.alert.startsAtMillis = startsAt
            instance.alert.endsAtMillis = nil
            notifications.append(instance.alert)
        case .resolve(let startsAt, let endsAt):
            instance.alert.state = .resolved
            instance.alert.startsAtMillis = startsAt
            instance.alert.endsAtMillis = endsAt
            notifications.append(instance.alert)
            if resolved.count >= Self.historyLimit { resolved.removeFirst() }
            resolved.append(instance.alert)
            instances[key] = nil
            return
        }
        instances[key] = instance
    }

    private func annotations(_ rule: AlertRule, model: String, feature: String?, value: Double?) -> [String: String] {
        let valueText = value.map(Self.format) ?? "n/a"
        var result: [String: String] = [:]
        let subject = feature.map { "\(model)/\($0)" } ?? model
        result["summary"] = "\(rule.name) on \(subject): \(rule.metric) = \(valueText) (\(rule.comparison.rawValue) \(Self.format(rule.threshold)))"
        result["description"] = "\(rule.metric) of \(subject) was \(valueText), \(rule.comparison.rawValue) \(Self.format(rule.threshold))"
            + (rule.holdMillis > 0 ? " for \(rule.holdMillis / 1000) s of event time" : "") + "."
        for (name, template) in rule.annotations {
            result[name] = expand(template, rule: rule, model: model, feature: feature, value: valueText)
        }
        result["value"] = valueText
        return result
    }

    /// `{{model}}`, `{{feature}}`, `{{value}}`, `{{threshold}}`, `{{alertname}}`, `{{severity}}`, `{{metric}}`.
    private func expand(_ template: String, rule: AlertRule, model: String, feature: String?, value: String) -> String {
        var text = template
        let substitutions: [(String, String)] = [
            ("model", model), ("feature", feature ?? ""), ("value", value), ("threshold", Self.format(rule.threshold)),
            ("alertname", rule.name), ("severity", rule.severity), ("metric", rule.metric),
        ]
        for (name, replacement) in substitutions {
            text = text.replacingOccurrences("{{\(name)}}", with: replacement)
            text = text.replacingOccurrences("{{ \(name) }}", with: replacement)
        }
        return text
    }

    /// Values in alert text: up to 6 significant digits, no exponent noise for ordinary numbers.
    package static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let magnitude = abs(value)
        if magnitude >= 1e-4 && magnitude < 1e6 {
            var digits = 6 - Int((magnitude).logarithm10Floor) - 1
            digits = Swift.max(0, Swift.min(digits, 12))
            var scaled = (value * power10(digits)).rounded() / power10(digits)
            if scaled == -0.0 { scaled = 0 }
            var text = "\(scaled)"
            if text.hasSuffix(".0") { text.removeLast(2) }
            return text
        }
        return "\(value)"
    }

    private static func power10(_ n: Int) -> Double {
        var p = 1.0
        for _ in 0..<n { p *= 10 }
        return p
    }
}

extension Double {
    fileprivate var logarithm10Floor: Int {
        var m = self, e = 0
        while m >= 10 { m /= 10; e += 1 }
        while m < 1 && m > 0 { m *= 10; e -= 1 }
        return e
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
