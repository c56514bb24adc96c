import Foundation
import VigilEvents
import VigilStats
import VigilAlerting

extension Configuration {
    /// Reads and validates a configuration file. Relative paths in it are relative to its folder.
    /// - Throws: `ConfigurationError` listing every problem with its key path.
    package static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(path: "", "cannot read configuration file \"\(path)\"")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(path: "", "configuration file \"\(path)\" is not UTF-8 text")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var configuration = try parse(yaml: text, baseDirectory: directory.isEmpty ? "." : directory, environment: environment)
        configuration.sourcePath = path
        return configuration
    }

    /// Parses and validates configuration text.
    package static func parse(yaml: String, baseDirectory: String = ".", environment: [String: String] = [:]) throws(ConfigurationError) -> Configuration {
        var problems: [String] = []
        guard let root = ConfigValue.parse(yaml: yaml, environment: environment, problems: &problems), problems.isEmpty else {
            throw ConfigurationError(problems)
        }
        let reader = ConfigReader(baseDirectory: baseDirectory)
        let configuration = ConfigurationParser(reader: reader).parse(root)
        guard reader.problems.isEmpty, let configuration else { throw ConfigurationError(reader.problems) }
        return configuration
    }
}

/// Turns a `ConfigValue` tree into a `Configuration`, one section per method.
private struct ConfigurationParser {
    let reader: ConfigReader

    func parse(_ root: ConfigValue) -> Configuration? {
        guard let top = reader.map(root, at: "", allowed: ["kafka", "http", "models", "labels", "alerts", "notify"]) else { return nil }
        var configuration = Configuration()
        if let kafka = reader.map(top["kafka"], at: "kafka", allowed: ["brokers", "group_id", "client_id", "start_from", "dead_letter_topic", "idle_timeout", "properties"]) {
            configuration.kafka = parseKafka(kafka)
        }
        if let http = reader.map(top["http"], at: "http", allowed: ["listen", "tls", "auth", "max_series"]) {
            configuration.http = parseHTTP(http)
        }
        if let models = reader.list(top["models"], at: "models") {
            configuration.models = models.enumerated().compactMap { parseModel($1, at: "models[\($0)]") }
            if models.isEmpty { reader.fail("models", "at least one model is required") }
        } else {
            reader.fail("models", "required: at least one model")
        }
        var seen: Set<String> = []
        for (index, model) in configuration.models.enumerated() where !seen.insert(model.name).inserted {
            reader.fail("models[\(index)].name", "duplicate model name \"\(model.name)\"")
        }
        validateSharedTopics(configuration.models)
        if let labels = reader.map(top["labels"], at: "labels", allowed: ["topic", "fields", "max_delay"]) {
            configuration.labels = parseLabels(labels)
            if let topic = configuration.labels?.topic, let index = configuration.models.firstIndex(where: { $0.topic == topic }) {
                reader.fail("labels.topic", "\"\(topic)\" is also models[\(index)].topic; labels need a topic of their own")
            }
        }
        if let alerts = reader.list(top["alerts"], at: "alerts") {
            configuration.alerts = alerts.enumerated().compactMap { parseAlert($1, at: "alerts[\($0)]", models: configuration.models) }
        }
        if let notify = reader.map(top["notify"], at: "notify", allowed: ["alertmanager", "pagerduty", "webhooks", "log"]) {
            configuration.notify = parseNotify(notify)
        }
        return configuration
    }

    func parseKafka(_ map: ConfigReader.Map) -> KafkaSettings {
        var kafka = KafkaSettings()
        kafka.brokers = reader.string(map, "brokers").flatMap { $0.isEmpty ? nil : $0 }
        kafka.groupId = reader.string(map, "group_id", default: kafka.groupId)
        kafka.clientId = reader.string(map, "client_id", default: kafka.clientId)
        kafka.startFrom = reader.choice(map, "start_from", default: kafka.startFrom)
        kafka.deadLetterTopic = reader.string(map, "dead_letter_topic").flatMap { $0.isEmpty ? nil : $0 }
        kafka.idleTimeout = reader.duration(map, "idle_timeout", default: kafka.idleTimeout)
        kafka.properties = reader.stringMap(map, "properties")
        if kafka.groupId.isEmpty { reader.fail(map.child("group_id"), "must not be empty") }
        return kafka
    }

    func parseHTTP(_ map: ConfigReader.Map) -> HTTPSettings {
        var http = HTTPSettings()
        if let listen = reader.string(map, "listen") {
            if let (host, port) = parseListen(listen) {
                http.host = host
                http.port = port
            } else {
                reader.fail(map.child("listen"), "\"\(listen)\" is not host:port (e.g. 0.0.0.0:9877)")
            }
        }
        if let tls = reader.map(map["tls"], at: map.child("tls"), allowed: ["cert_file", "key_file"]) {
            http.tlsCertificatePath = existingFile(reader.string(tls, "cert_file"), at: tls.child("cert_file"))
            http.tlsKeyPath = existingFile(reader.string(tls, "key_file"), at: tls.child("key_file"))
            if (http.tlsCertificatePath == nil) != (http.tlsKeyPath == nil) {
                reader.fail(tls.path, "cert_file and key_file must be set together")
            }
        }
        if let auth = reader.map(map["auth"], at: map.child("auth"), allowed: ["bearer_token_file", "basic_auth_users"]) {
            if let path = reader.string(auth, "bearer_token_file") {
                http.bearerToken = reader.readSecret(path, at: auth.child("bearer_token_file"))
                if http.bearerToken?.isEmpty == true { reader.fail(auth.child("bearer_token_file"), "the token file is empty") }
            }
            http.basicAuthUsers = reader.stringMap(auth, "basic_auth_users")
        }
        http.maxSeries = reader.int(map, "max_series", default: http.maxSeries, range: 1...100_000_000)
        return http
    }

    func existingFile(_ path: String?, at keyPath: String) -> String? {
        guard let path, !path.isEmpty else { return nil }
        let resolved = reader.resolvePath(path)
        guard FileManager.default.isReadableFile(atPath: resolved) else {
            reader.fail(keyPath, "cannot read file \"\(resolved)\"")
            return nil
        }
        return resolved
    }

    func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    static let modelKeys = [
        "name", "topic", "task", "positive_class", "decision_threshold", "fields", "features", "reference",
        "window", "max_window_samples", "max_event_bytes", "max_categories", "max_clock_skew", "drift", "anomaly",
        "change_detection",
    ]

    func parseModel(_ value: ConfigValue, at path: String) -> ModelSettings? {
        guard let map = reader.map(value, at: path, allowed: Self.modelKeys) else { return nil }
        guard let name = reader.requiredString(map, "name") else { return nil }
        var model = ModelSettings(name: name)
        model.topic = reader.string(map, "topic").flatMap { $0.isEmpty ? nil : $0 }
        model.task = reader.choice(map, "task", default: model.task)
        model.positiveClass = reader.string(map, "positive_class", default: model.positiveClass)
        model.decisionThreshold = reader.double(map, "decision_threshold", default: model.decisionThreshold)
        if let fields = reader.map(map["fields"], at: map.child("fields"), allowed: ["model", "id", "timestamp", "features", "prediction", "label"]) {
            func path(_ key: String, _ fallback: String) -> String {
                let text = reader.string(fields, key, default: fallback)
                if text.isEmpty || text.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                    reader.fail(fields.child(key), "\"\(text)\" is not a dotted field path")
                }
                return text
            }
            model.fields = FieldPaths(
                model: path("model", "model"), id: path("id", "id"), timestamp: path("timestamp", "ts"),
                features: path("features", "features"), prediction: path("prediction", "prediction"), label: path("label", "label"))
        }
        if let features = reader.list(map["features"], at: map.child("features")) {
            var names: Set<String> = []
            for (index, item) in features.enumerated() {
                let itemPath = "\(map.child("features"))[\(index)]"
                guard let feature = reader.map(item, at: itemPath, allowed: ["name", "type"]),
                      let featureName = reader.requiredString(feature, "name") else { continue }
                guard feature["type"] != nil else { reader.fail(feature.child("type"), "required (numeric | categorical)"); continue }
                let kind: FeatureSettings.Kind = reader.choice(feature, "type", default: .numeric)
                if !names.insert(featureName).inserted { reader.fail(feature.child("name"), "duplicate feature \"\(featureName)\"") }
                model.features.append(FeatureSettings(name: featureName, kind: kind))
            }
        }
        if let reference = reader.map(map["reference"], at: map.child("reference"), allowed: ["path", "sample", "warmup_events"]) {
            if let refPath = reader.string(reference, "path"), !refPath.isEmpty { model.reference.path = reader.resolvePath(refPath) }
            model.reference.sample = reader.int(reference, "sample", default: model.reference.sample, range: 1...100_000_000)
            if reference["warmup_events"] != nil {
                model.reference.warmupEvents = reader.int(reference, "warmup_events", default: 10_000, range: 1...100_000_000)
            }
            if model.reference.path != nil, model.reference.warmupEvents != nil {
                reader.fail(reference.path, "set either path or warmup_events, not both")
            }
        }
        if model.features.isEmpty && model.reference.path == nil {
            reader.fail(map.child("features"), "required when the model has no reference profile (reference.path)")
        }
        if let window = reader.map(map["window"], at: map.child("window"), allowed: ["size", "slide", "lateness", "events"]) {
            model.window = parseWindow(window)
        }
        model.maxWindowSamples = reader.int(map, "max_window_samples", default: model.maxWindowSamples, range: 2...100_000_000)
        model.maxEventBytes = reader.int(map, "max_event_bytes", default: model.maxEventBytes, range: 64...(256 << 20))
        model.maxCategories = reader.int(map, "max_categories", default: model.maxCategories, range: 1...1_000_000)
        model.maxClockSkew = reader.duration(map, "max_clock_skew", default: model.maxClockSkew)
        if let drift = reader.map(map["drift"], at: map.child("drift"), allowed: ["method", "per_feature", "psi_bins", "dataset_drift_share"]) {
            model.drift = parseDrift(drift, features: model.features)
        }
        if let anomaly = reader.map(map["anomaly"], at: map.child("anomaly"), allowed: ["method", "threshold_quantile"]) {
            model.anomaly.method = reader.choice(anomaly, "method", default: model.anomaly.method)
            model.anomaly.thresholdQuantile = reader.double(anomaly, "threshold_quantile", default: model.anomaly.thresholdQuantile, range: 0.5...1)
        }
        if let change = reader.map(map["change_detection"], at: map.child("change_detection"), allowed: ["prediction"]) {
            if let ph = reader.map(change["prediction"], at: change.child("prediction"), allowed: ["method", "delta", "threshold", "alpha", "min_instances", "mode"]) {
                let method = reader.string(ph, "method", default: "page_hinkley")
                if method == "none" {
                    model.predictionChangeDetection = nil
                } else {
                    if method != "page_hinkley" { reader.fail(ph.child("method"), "\"\(method)\" is not one of page_hinkley | none") }
                    var settings = PageHinkleySettings()
                    settings.delta = reader.double(ph, "delta", default: settings.delta, range: 0...1e300)
                    settings.threshold = reader.double(ph, "threshold", default: settings.threshold, range: 0...1e300)
                    settings.alpha = reader.double(ph, "alpha", default: settings.alpha, range: 0...1)
                    settings.minInstances = reader.int(ph, "min_instances", default: settings.minInstances, range: 1...1_000_000_000)
                    settings.mode = reader.choice(ph, "mode", default: settings.mode)
                    model.predictionChangeDetection = settings
                }
            }
        }
        return model
    }

    func parseWindow(_ map: ConfigReader.Map) -> WindowSettings {
        if map["events"] != nil {
            for key in ["size", "slide", "lateness"] where map[key] != nil {
                reader.fail(map.child(key), "not allowed with events (count windows are tumbling)")
            }
            return .count(reader.int(map, "events", default: 10_000, range: 1...100_000_000))
        }
        guard map["size"] != nil else {
            reader.fail(map.child("size"), "required (or events: N for count windows)")
            return .count(1)
        }
        let size = reader.duration(map, "size", default: .seconds(300))
        let slide = reader.duration(map, "slide", default: size)
        let lateness = reader.duration(map, "lateness", default: .zero)
        let sizeMillis = size.milliseconds, slideMillis = slide.milliseconds
        if sizeMillis <= 0 {
            reader.fail(map.child("size"), "must be positive")
        } else if slideMillis <= 0 {
            reader.fail(map.child("slide"), "must be positive")
        } else if slideMillis > sizeMillis {
            reader.fail(map.child("slide"), "\(ConfigDuration.format(slide)) is longer than size \(ConfigDuration.format(size))")
        } else if sizeMillis % slideMillis != 0 {
            reader.fail(map.child("slide"), "size \(ConfigDuration.format(size)) is not a multiple of slide \(ConfigDuration.format(slide))")
        } else if sizeMillis / slideMillis > 10_000 {
            reader.fail(map.child("slide"), "size/slide is \(sizeMillis / slideMillis); at most 10000 panes per window")
        }
        return .time(size: size, slide: slide, lateness: lateness)
    }

    func parseDrift(_ map: ConfigReader.Map, features: [FeatureSettings]) -> DriftSettings {
        var drift = DriftSettings()
        drift.method = reader.choice(map, "method", default: drift.method)
        drift.psiBins = reader.int(map, "psi_bins", default: drift.psiBins, range: 2...1000)
        drift.datasetDriftShare = reader.double(map, "dataset_drift_share", default: drift.datasetDriftShare, range: 0...1)
        if let perFeature = reader.freeMap(map["per_feature"], at: map.child("per_feature")) {
            for (name, value) in perFeature.pairs {
                guard let entry = reader.map(value, at: perFeature.child(name), allowed: ["method", "threshold"]) else { continue }
                if !features.isEmpty, !features.contains(where: { $0.name == name }), name != "prediction" {
                    reader.fail(perFeature.child(name), "no feature named \"\(name)\"")
                }
                var settings = DriftSettings.PerFeature()
                if entry["method"] != nil { settings.method = reader.choice(entry, "method", default: DriftMethod.auto) }
                if entry["threshold"] != nil { settings.threshold = reader.double(entry, "threshold", default: 0) }
                drift.perFeature[name] = settings
            }
        }
        return drift
    }

    func validateSharedTopics(_ models: [ModelSettings]) {
        var byTopic: [String: Int] = [:]
        for (index, model) in models.enumerated() {
            guard let topic = model.topic else { continue }
            if let first = byTopic[topic] {
                if models[first].fields != model.fields {
                    reader.fail("models[\(index)].fields", "models sharing topic \"\(topic)\" must use the same fields as models[\(first)]")
                }
            } else {
                byTopic[topic] = index
            }
        }
    }

    func parseLabels(_ map: ConfigReader.Map) -> LabelSettings? {
        guard let topic = reader.requiredString(map, "topic") else { return nil }
        var labels = LabelSettings(topic: topic)
        if let fields = reader.map(map["fields"], at: map.child("fields"), allowed: ["id", "label", "timestamp"]) {
            labels.idField = reader.string(fields, "id", default: labels.idField)
            labels.labelField = reader.string(fields, "label", default: labels.labelField)
            labels.timestampField = reader.string(fields, "timestamp", default: labels.timestampField)
        }
        labels.maxDelay = reader.duration(map, "max_delay", default: labels.maxDelay)
        return labels
    }

    func parseAlert(_ value: ConfigValue, at path: String, models: [ModelSettings]) -> AlertRuleSettings? {
        let keys = ["name", "model", "metric", "features", "op", "threshold", "for", "keep_firing_for", "severity", "labels", "annotations"]
        guard let map = reader.map(value, at: path, allowed: keys) else { return nil }
        guard let name = reader.requiredString(map, "name"), let metric = reader.requiredString(map, "metric") else { return nil }
        guard map["op"] != nil else { reader.fail(map.child("op"), "required (> >= < <= == !=)"); return nil }
        guard map["threshold"] != nil else { reader.fail(map.child("threshold"), "required"); return nil }
        var rule = AlertRuleSettings(
            name: name, metric: metric,
            op: reader.choice(map, "op", default: .greater),
            threshold: reader.double(map, "threshold", default: 0))
        if let model = reader.string(map, "model"), !model.isEmpty {
            if !models.contains(where: { $0.name == model }) { reader.fail(map.child("model"), "no model named \"\(model)\"") }
            rule.model = model
        }
        rule.features = reader.stringList(map, "features")
        rule.holdFor = reader.duration(map, "for", default: .zero)
        rule.keepFiringFor = reader.duration(map, "keep_firing_for", default: .zero)
        rule.severity = reader.choice(map, "severity", default: rule.severity)
        rule.labels = reader.stringMap(map, "labels")
        rule.annotations = reader.stringMap(map, "annotations")
        if !AlertMetrics.isKnown(metric) {
            reader.fail(map.child("metric"), "\"\(metric)\" is not a report metric (e.g. feature_drift_score, feature_drifted, dataset_drift_share, anomaly_ratio, events, performance_f1)")
        }
        if rule.features != nil, !metric.hasPrefix("feature_") {
            reader.fail(map.child("features"), "only applies to feature_* metrics")
        }
        return rule
    }

    func parseNotify(_ map: ConfigReader.Map) -> NotifySettings {
        var notify = NotifySettings()
        if let am = reader.map(map["alertmanager"], at: map.child("alertmanager"), allowed: ["urls", "resend_interval", "timeout"]) {
            let urls = reader.stringList(am, "urls") ?? []
            for (index, url) in urls.enumerated() where !isHTTPURL(url) {
                reader.fail("\(am.child("urls"))[\(index)]", "\"\(url)\" is not an http(s) URL")
            }
            if urls.isEmpty { reader.fail(am.child("urls"), "at least one URL is required") }
            notify.alertmanager = .init(
                urls: urls,
                resendInterval: reader.duration(am, "resend_interval", default: .seconds(60)),
                timeout: reader.duration(am, "timeout", default: .seconds(10)))
        }
        if let pd = reader.map(map["pagerduty"], at: map.child("pagerduty"), allowed: ["routing_key_file", "routing_key", "url"]) {
            var key = reader.string(pd, "routing_key")
            if let file = reader.string(pd, "routing_key_file"), !file.isEmpty { key = reader.readSecret(file, at: pd.child("routing_key_file")) }
            let url = reader.string(pd, "url", default: "https://events.pagerduty.com/v2/enqueue")
            if !isHTTPURL(url) { reader.fail(pd.child("url"), "\"\(url)\" is not an http(s) URL") }
            if let key, !key.isEmpty { notify.pagerDuty = .init(routingKey: key, url: url) }
        }
        if let hooks = reader.list(map["webhooks"], at: map.child("webhooks")) {
            for (index, item) in hooks.enumerated() {
                let path = "\(map.child("webhooks"))[\(index)]"
                guard let hook = reader.map(item, at: path, allowed: ["name", "url", "headers"]),
                      let name = reader.requiredString(hook, "name"), let url = reader.requiredString(hook, "url") else { continue }
                if !isHTTPURL(url) { reader.fail(hook.child("url"), "\"\(url)\" is not an http(s) URL") }
                notify.webhooks.append(.init(name: name, url: url, headers: reader.stringMap(hook, "headers")))
            }
        }
        notify.log = reader.bool(map, "log", default: true)
        return notify
    }

    func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "http" || scheme == "https"
    }
}

