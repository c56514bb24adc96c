/// Where alerts go (SPEC §4 `notify:`). Built by the agent from the configuration; secrets (the
/// PagerDuty routing key, webhook header values) are already resolved from their `_file`s here and
/// never logged.
package struct NotifierSettings: Sendable {
    /// Alertmanager v2 API (SPEC §10): every URL receives every alert (HA pairs).
    package struct Alertmanager: Sendable {
        /// Base URLs (`http://host:9093`, with or without a trailing `/`); `/api/v2/alerts` is appended.
        package var urls: [String]
        /// Firing alerts are re-sent this often, with `endsAt` = now + 4 × this.
        package var resendInterval: Duration
        /// Per-request timeout (connect, send and response).
        package var timeout: Duration

        package init(urls: [String], resendInterval: Duration = .seconds(60), timeout: Duration = .seconds(10)) {
            self.urls = urls
            self.resendInterval = resendInterval
            self.timeout = timeout
        }
    }

    /// PagerDuty Events API v2.
    package struct PagerDuty: Sendable {
        /// The integration key. A secret: never logged.
        package var routingKey: String
        package var url: String

        package init(routingKey: String, url: String = "https://events.pagerduty.com/v2/enqueue") {
            self.routingKey = routingKey
            self.url = url
        }
    }

    /// A receiver of the Alertmanager webhook body.
    package struct Webhook: Sendable {
        /// The `receiver` field of the body and the notifier name `webhook:<name>`.
        package var name: String
        package var url: String
        /// Extra request headers (e.g. `Authorization`). Values are secrets: never logged.
        package var headers: [String: String]

        package init(name: String, url: String, headers: [String: String] = [:]) {
            self.name = name
            self.url = url
            self.headers = headers
        }
    }

    package var alertmanager: Alertmanager?
    package var pagerDuty: PagerDuty?
    package var webhooks: [Webhook]
    /// Write alert transitions to the log (the `log` notifier).
    package var log: Bool
    /// Per notifier (per Alertmanager URL), counted in alerts (SPEC §10); overflow drops the oldest.
    package var queueCapacity: Int = 10_000
    /// The agent's external base URL (`http://vigil:9877`): the webhook `externalURL`, the PagerDuty
    /// `source` and the base of a derived `generatorURL`. May be empty.
    package var agentURL: String = ""

    package init(alertmanager: Alertmanager? = nil, pagerDuty: PagerDuty? = nil, webhooks: [Webhook] = [],
                 log: Bool = true, queueCapacity: Int = 10_000, agentURL: String = "") {
        self.alertmanager = alertmanager
        self.pagerDuty = pagerDuty
        self.webhooks = webhooks
        self.log = log
        self.queueCapacity = queueCapacity
        self.agentURL = agentURL
    }
}
