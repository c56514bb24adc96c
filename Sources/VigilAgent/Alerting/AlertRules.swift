import VigilAlerting

/// The configuration's alert rules, or SPEC §9's defaults when `alerts:` is absent.
enum AlertRules {
    static func from(_ configuration: Configuration) -> [AlertRule] {
        guard let rules = configuration.alerts else {
            return configuration.models.flatMap { AlertRule.defaults(model: $0.name, thresholdQuantile: $0.anomaly.thresholdQuantile) }
        }
        return rules.map { r in
            AlertRule(name: r.name, model: r.model, metric: r.metric, features: r.features,
                      comparison: AlertRule.Comparison(rawValue: r.op.rawValue) ?? .greater, threshold: r.threshold,
                      holdMillis: r.holdFor.milliseconds, keepFiringMillis: r.keepFiringFor.milliseconds,
                      severity: r.severity.rawValue, labels: r.labels, annotations: r.annotations)
        }
    }

    static func notifierSettings(_ configuration: Configuration, agentURL: String) -> NotifierSettings {
        let n = configuration.notify
        return NotifierSettings(
            alertmanager: n.alertmanager.map { .init(urls: $0.urls, resendInterval: $0.resendInterval, timeout: $0.timeout) },
            pagerDuty: n.pagerDuty.map { .init(routingKey: $0.routingKey, url: $0.url) },
            webhooks: n.webhooks.map { .init(name: $0.name, url: $0.url, headers: $0.headers) },
            log: n.log, agentURL: agentURL)
    }
}
