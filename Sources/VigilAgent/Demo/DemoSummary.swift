import Foundation
import VigilSync
import VigilExposition
import VigilStats
import VigilAlerting

/// The demo's live summary: one line every two seconds (redrawn in place on a terminal)
/// with throughput, rejections and the latest window's numbers, so that the injected drift
/// is visible as it happens.
final class DemoSummary: Sendable {
    private struct State {
        var first: WindowReport?
        var last: WindowReport?
        var windows = 0
        var lastPrinted = ContinuousClock.now
        var lastConsumed = 0.0
        var linesOnScreen = 0
    }

    private let state = Locked(State())
    private let modelName: String
    private let terminal: Bool
    private let started = ContinuousClock.now

    init(modelName: String, terminal: Bool) {
        self.modelName = modelName
        self.terminal = terminal
    }

    func record(_ report: WindowReport) {
        guard report.model == modelName, report.events > 0 else { return }
        state.withLock {
            // The baseline is the first full-sized window: the first windows of a run cover
            // only part of their span.
            if $0.first == nil || ($0.windows < 6 && Double(report.events) > Double($0.first!.events) * 1.1) { $0.first = report }
            $0.last = report
            $0.windows += 1
        }
    }

    func print(agent: Agent, producer: DemoProducer) {
        let consumed = agent.metrics.value(MetricCatalog.eventsTotal, labels: [modelName]) ?? 0
        let rejected = RejectionCounts.total(agent.metrics, model: modelName)
        let (first, last, rate) = state.withLock { s -> (WindowReport?, WindowReport?, Double) in
            let now = ContinuousClock.now
            let seconds = (now - s.lastPrinted).seconds
            let rate = seconds > 0 ? (consumed - s.lastConsumed) / seconds : 0
            s.lastPrinted = now
            s.lastConsumed = consumed
            return (s.first, s.last, rate)
        }
        let elapsed = (ContinuousClock.now - started).components.seconds
        var line = String(format: "[%3lds] %@ produced %d · consumed %.0f (%.0f/s) · rejected %.0f",
                          elapsed, producer.isDrifting ? "DRIFTING" : "normal  ", producer.count, consumed, rate, rejected)
        guard terminal else {
            // Plain periodic lines for logs and pipes.
            if let last {
                line += " · window " + RFC3339.format(millis: last.endMillis).dropFirst(11).dropLast(1) + " (\(last.events) ev)"
                line += Self.describe(last, baseline: first)
                if let anomaly = last.anomaly, anomaly.anomalies > 0 {
                    line += String(format: " · anomalies %d (%.2f%%)", anomaly.anomalies, (anomaly.ratio ?? 0) * 100)
                }
                line += " · " + Self.alertsText(agent.alerts.alerts(includeResolved: false), color: false)
            } else {
                line += " · waiting for the first window"
            }
            Swift.print(line)
            fflush(nil)
            return
        }
        // On a terminal: a small dashboard redrawn in place.
        var lines = [line]
        if let last {
            lines.append("window ending \(RFC3339.format(millis: last.endMillis)) · \(last.events) events · " + Self.verdict(last))
            if let anomaly = last.anomaly {
                var text = String(format: "anomalies %d (%.2f%%, threshold %.2f)", anomaly.anomalies, (anomaly.ratio ?? 0) * 100, anomaly.threshold ?? 0)
                if !anomaly.topFeatures.isEmpty {
                    text += " · explained by " + anomaly.topFeatures.prefix(3).map { String(format: "%@ (z %.1f)", $0.feature, $0.contribution) }.joined(separator: ", ")
                }
                if let change = last.changeDetection.first, change.detections > 0 { text += " · prediction shift detected ×\(change.detections)" }
                lines.append(text)
            }
            lines += Self.table(last, baseline: first)
            lines.append(Self.alertsText(agent.alerts.alerts(includeResolved: false), color: true))
        } else {
            lines.append("waiting for the first window…")
        }
        let up = state.withLock { s -> Int in
            let previous = s.linesOnScreen
            s.linesOnScreen = lines.count
            return previous
        }
        var text = up > 0 ? "\u{1B}[\(up)A" : ""
        for l in lines { text += "\u{1B}[2K" + l + "\n" }
        if up > lines.count { for _ in lines.count..<up { text += "\u{1B}[2K\n" } }
        Swift.print(text, terminator: "")
        fflush(nil)
    }

    /// "alerts: none", or the firing and pending alerts by name (and feature), e.g.
    /// "alerts: FIRING FeatureDrift(amount), DatasetDrift · pending AnomalyRateHigh".
    static func alertsText(_ alerts: [Alert], color: Bool) -> String {
        let firing = alerts.filter { $0.state == .firing }
        let pending = alerts.filter { $0.state == .pending }
        guard !firing.isEmpty || !pending.isEmpty else { return "alerts: none" }
        func name(_ a: Alert) -> String { (a.labels["alertname"] ?? "") + (a.labels["feature"].map { "(\($0))" } ?? "") }
        var text = "alerts: "
        if !firing.isEmpty { text += (color ? "\u{1B}[1;31mFIRING\u{1B}[0m " : "FIRING ") + firing.map(name).joined(separator: ", ") }
        if !pending.isEmpty { text += (firing.isEmpty ? "" : " · ") + "pending " + pending.map(name).joined(separator: ", ") }
        return text
    }

    static func verdict(_ window: WindowReport) -> String {
        guard let dataset = window.datasetDrift else { return "building the reference from warm-up events" }
        let share = dataset.share.map { String(format: "%.0f%%", $0 * 100) } ?? "–"
        return dataset.drifted ? "\u{1B}[1;31mDATASET DRIFT\u{1B}[0m (\(share) of features)" : "no dataset drift (\(share) of features drifted)"
    }

    /// One row per feature: drift method, score and verdict, mean or top category.
    static func table(_ window: WindowReport, baseline: WindowReport?) -> [String] {
        var rows = ["  feature              method          score     drift   value"]
        for feature in window.features + (window.prediction.map { [$0] } ?? []) {
            let method = feature.drift?.method ?? "–"
            let score = feature.drift?.score.map { String(format: "%.4f", $0) } ?? "–"
            let drifted = feature.drift.map { $0.drifted ? "\u{1B}[1;31mDRIFT\u{1B}[0m" : "ok   " } ?? "–    "
            var value = ""
            switch feature.values {
            case .numeric(let numeric):
                if let mean = numeric.statistics.mean { value = "mean \(short(mean))" }
                if let missing = numeric.statistics.missingRatio, missing >= 0.01 { value += String(format: ", %.0f%% missing", missing * 100) }
            case .categorical(let categorical):
                if let top = categorical.categoryCounts.max(by: { $0.count < $1.count }), categorical.count > 0 {
                    value = "top \(top.name) \(Int(Double(top.count) / Double(categorical.count) * 100))%"
                }
            }
            _ = baseline
            rows.append("  " + pad(feature.name, 20) + " " + pad(method, 15) + " " + pad(score, 9) + " " + drifted + "   " + value)
        }
        return rows
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// The latest window against the first one: means of numeric features, the top category,
    /// missing ratios that moved.
    static func describe(_ window: WindowReport, baseline: WindowReport?) -> String {
        var parts: [String] = []
        if let dataset = window.datasetDrift {
            let drifted = window.features.filter { $0.drift?.drifted == true }.map(\.name)
            parts.append(drifted.isEmpty ? "no drift (0/\(dataset.features))"
                         : "DRIFT \(drifted.count)/\(dataset.features): \(drifted.joined(separator: ","))\(dataset.drifted ? " — dataset drifted" : "")")
        } else {
            parts.append("building reference")
        }
        for feature in window.features {
            switch feature.values {
            case .numeric(let numeric):
                guard let mean = numeric.statistics.mean else { continue }
                var text = "\(feature.name) μ=\(short(mean))"
                if let drift = feature.drift, let score = drift.score { text += " \(drift.method)=\(short(score))" }
                if let base = baseline?.features.first(where: { $0.name == feature.name }),
                   case .numeric(let b) = base.values, let baseMean = b.statistics.mean, baseMean != 0 {
                    let change = (mean - baseMean) / abs(baseMean) * 100
                    if abs(change) >= 10 { text += String(format: " (%+.0f%%)", change) }
                }
                if let missing = numeric.statistics.missingRatio, missing >= 0.05 { text += String(format: " miss=%.0f%%", missing * 100) }
                parts.append(text)
            case .categorical(let categorical):
                guard let top = categorical.categoryCounts.max(by: { $0.count < $1.count }), categorical.count > 0 else { continue }
                parts.append("\(feature.name) top=\(top.name) \(Int(Double(top.count) / Double(categorical.count) * 100))%")
            }
        }
        return parts.isEmpty ? "" : " · " + parts.joined(separator: " · ")
    }

    static func short(_ value: Double) -> String {
        abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }

    func finalLine(agent: Agent, producer: DemoProducer) -> String {
        let consumed = agent.metrics.value(MetricCatalog.eventsTotal, labels: [modelName]) ?? 0
        let windows = state.withLock { $0.windows }
        return (terminal ? "\n" : "") + "vigil demo: stopped; produced \(producer.count), consumed \(Int(consumed)), \(windows) windows evaluated"
    }
}

enum RejectionCounts {
    static func total(_ metrics: MetricsRegistry, model: String) -> Double {
        var total = 0.0
        for reason in ["malformed", "too_large", "bad_timestamp", "unknown_model", "late"] {
            total += metrics.value(MetricCatalog.eventsRejectedTotal, labels: [model, reason]) ?? 0
            total += metrics.value(MetricCatalog.eventsRejectedTotal, labels: ["", reason]) ?? 0
        }
        return total
    }
}
