import Foundation
import VigilEvents
import VigilStats

/// `vigil check-config`: validates the file and the profiles it names, and renders the
/// effective configuration (defaults filled in) as YAML with secrets redacted.
package enum CheckConfigCommand {
    package static func run(configurationPath: String) throws -> String {
        var configuration = try Configuration.load(path: configurationPath)
        _ = try References.load(&configuration)
        let tls = Agent.tlsProblems(configuration)
        if !tls.isEmpty { throw ConfigurationError(tls) }
        return EffectiveConfiguration.render(configuration)
    }
}

/// Renders a `Configuration` as YAML (the effective configuration), with secrets redacted.
enum EffectiveConfiguration {
    static let redacted = "<redacted>"

    /// Keys whose values are secrets (SPEC §4; issue 7: password, secret, token, key).
    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return ["password", "secret", "token", "key"].contains { lower.contains($0) }
            && !lower.hasSuffix(".location") && lower != "key.serializer"
    }

    static func render(_ c: Configuration) -> String {
        var out = "# effective configuration (secrets redacted)\n"
        func line(_ indent: Int, _ text: String) { out += String(repeating: "  ", count: indent) + text + "\n" }
        func q(_ s: String) -> String {
            var escaped = "\""
            for ch in s.unicodeScalars {
                switch ch {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                default: escaped.unicodeScalars.append(ch)
                }
            }
            return escaped + "\""
        }
        func d(_ duration: Duration) -> String { ConfigDuration.format(duration) }
        func map(_ indent: Int, _ name: String, _ values: [String: String], secret: Bool = false) {
            if values.isEmpty { line(indent, "\(name): {}"); return }
            line(indent, "\(name):")
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                line(indent + 1, "\(q(key)): \(q(secret || isSecret(key) ? redacted : value))")
            }
        }

        line(0, "kafka:")
        line(1, "brokers: \(q(c.kafka.brokers ?? ""))")
        line(1, "group_id: \(q(c.kafka.groupId))")
        line(1, "client_id: \(q(c.kafka.clientId))")
        line(1, "start_from: \(c.kafka.startFrom.rawValue)")
        line(1, "dead_letter_topic: \(q(c.kafka.deadLetterTopic ?? ""))")
        line(1, "idle_timeout: \(d(c.kafka.idleTimeout))")
        map(1, "properties", c.kafka.properties)
        line(0, "http:")
        line(1, "listen: \(q("\(c.http.host):\(c.http.port)"))")
        line(1, "tls: {cert_file: \(q(c.http.tlsCertificatePath ?? "")), key_file: \(q(c.http.tlsKeyPath ?? ""))}")
        line(1, "auth:")
        line(2, "bearer_token: \(q(c.http.bearerToken == nil ? "" : redacted))")
        map(2, "basic_auth_users", c.http.basicAuthUsers, secret: true)
        line(1, "max_series: \(c.http.maxSeries)")
        line(0, "models:")
        for m in c.models {
            line(1, "- name: \(q(m.name))")
            line(2, "topic: \(q(m.topic ?? ""))")
            line(2, "task: \(m.task.rawValue)")
            line(2, "positive_class: \(q(m.positiveClass))")
            line(2, "decision_threshold: \(m.decisionThreshold)")
            let f = m.fields
            line(2, "fields: {model: \(q(f.model.joined(separator: "."))), id: \(q(f.id.joined(separator: "."))), timestamp: \(q(f.timestamp.joined(separator: "."))), features: \(q(f.features.joined(separator: "."))), prediction: \(q(f.prediction.joined(separator: "."))), label: \(q(f.label.joined(separator: ".")))}")
            line(2, "features:")
            for feature in m.features { line(3, "- {name: \(q(feature.name)), type: \(feature.kind.rawValue)}") }
            var reference = "reference: {"
            if let path = m.reference.path { reference += "path: \(q(path)), " }
            if let warmup = m.reference.warmupEvents { reference += "warmup_events: \(warmup), " }
            line(2, reference + "sample: \(m.reference.sample)}")
            switch m.window {
            case .time(let size, let slide, let lateness):
                line(2, "window: {size: \(d(size)), slide: \(d(slide)), lateness: \(d(lateness))}")
            case .count(let n):
                line(2, "window: {events: \(n)}")
            }
            line(2, "max_window_samples: \(m.maxWindowSamples)")
            line(2, "max_event_bytes: \(m.maxEventBytes)")
            line(2, "max_categories: \(m.maxCategories)")
            line(2, "max_clock_skew: \(d(m.maxClockSkew))")
            line(2, "drift:")
            line(3, "method: \(m.drift.method.rawValue)")
            if m.drift.perFeature.isEmpty {
                line(3, "per_feature: {}")
            } else {
                line(3, "per_feature:")
                for (name, entry) in m.drift.perFeature.sorted(by: { $0.key < $1.key }) {
                    var parts: [String] = []
                    if let method = entry.method { parts.append("method: \(method.rawValue)") }
                    if let threshold = entry.threshold { parts.append("threshold: \(threshold)") }
                    line(4, "\(q(name)): {\(parts.joined(separator: ", "))}")
                }
            }
            line(3, "psi_bins: \(m.drift.psiBins)")
            line(3, "dataset_drift_share: \(m.drift.datasetDriftShare)")
            line(2, "anomaly: {method: \(m.anomaly.method.rawValue), threshold_quantile: \(m.anomaly.thresholdQuantile)}")
            if let ph = m.predictionChangeDetection {
                line(2, "change_detection:")
                line(3, "prediction: {method: page_hinkley, delta: \(ph.delta), threshold: \(ph.threshold), alpha: \(ph.alpha), min_instances: \(ph.minInstances), mode: \(ph.mode.rawValue)}")
            } else {
                line(2, "change_detection: {prediction: {method: none}}")
            }
        }
        if let labels = c.labels {
            line(0, "labels:")
            line(1, "topic: \(q(labels.topic))")
            line(1, "fields: {id: \(q(labels.idField)), label: \(q(labels.labelField)), timestamp: \(q(labels.timestampField))}")
            line(1, "max_delay: \(d(labels.maxDelay))")
        }
        if let alerts = c.alerts {
            line(0, alerts.isEmpty ? "alerts: []" : "alerts:")
            for a in alerts {
                line(1, "- name: \(q(a.name))")
                if let model = a.model { line(2, "model: \(q(model))") }
                line(2, "metric: \(q(a.metric))")
                if let features = a.features { line(2, "features: [\(features.map(q).joined(separator: ", "))]") }
                line(2, "op: \(q(a.op.rawValue))")
                line(2, "threshold: \(a.threshold)")
                line(2, "for: \(d(a.holdFor))")
                line(2, "keep_firing_for: \(d(a.keepFiringFor))")
                line(2, "severity: \(a.severity.rawValue)")
                map(2, "labels", a.labels)
                map(2, "annotations", a.annotations)
            }
        } else {
            line(0, "# alerts: absent, the default rules of SPEC §9 apply")
        }
        line(0, "notify:")
        if let am = c.notify.alertmanager {
            line(1, "alertmanager: {urls: [\(am.urls.map(q).joined(separator: ", "))], resend_interval: \(d(am.resendInterval)), timeout: \(d(am.timeout))}")
        }
        if let pd = c.notify.pagerDuty {
            line(1, "pagerduty: {routing_key: \(q(pd.routingKey.isEmpty ? "" : redacted)), url: \(q(pd.url))}")
        }
        if !c.notify.webhooks.isEmpty {
            line(1, "webhooks:")
            for hook in c.notify.webhooks {
                line(2, "- name: \(q(hook.name))")
                line(3, "url: \(q(hook.url))")
                map(3, "headers", hook.headers.mapValues { _ in redacted })
            }
        }
        line(1, "log: \(c.notify.log)")
        return out
    }
}
