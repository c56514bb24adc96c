import AsyncHTTPClient
import Foundation
package import Logging
import ServiceLifecycle
import VigilSync

/// Delivers alert transitions to every configured notifier (SPEC §4 `notify`, §10): one bounded
/// queue and one worker task per receiver (each Alertmanager URL, PagerDuty, each webhook), one
/// shared `HTTPClient`, retries with backoff, Alertmanager re-sends, and a budgeted drain at
/// shutdown.
///
/// `submit` is synchronous and never blocks on I/O: it filters transitions, logs them (the `log`
/// notifier) and enqueues. A slow or dead receiver only backs up its own queue.
///
/// What is sent:
/// - A firing alert is a transition when its fingerprint is not known as firing, or its
///   `startsAtMillis` changed; a re-submitted, still-firing alert only refreshes the copy that
///   Alertmanager re-sends. Resolved alerts are always sent (also ones this instance never saw
///   firing: after a restart the receivers may still have them open). Pending alerts are ignored.
/// - Alertmanager additionally gets every firing alert every `resend_interval`.
///
/// Put it before the pipelines in the `ServiceGroup` (STYLE §3) so it shuts down after them and
/// their last transitions still go out.
package final class AlertDelivery: Service, Sendable {
    let logger: Logger
    private let drainBudget: Duration
    let retryPolicy: RetryPolicy
    let onResult: @Sendable (_ notifier: String, _ result: NotificationResult, _ count: Int) -> Void
    private let queues: [DeliveryQueue]
    private let logNotifier: LogNotifier?
    private let resendInterval: Duration?
    private let state = Locked(State())

    private struct State {
        /// Firing alerts by fingerprint: the latest copy and when it was last queued.
        var firing: [String: Firing] = [:]
        var nextBatch: UInt64 = 0
        var resending = true
    }

    private struct Firing {
        var alert: Alert
        var lastQueued: ContinuousClock.Instant
    }

    package let notifierNames: [String]

    /// - Parameters:
    ///   - drainBudget: how long pending notifications get at graceful shutdown (SPEC §10: 10 s).
    ///   - retryPolicy: backoff and give-up limits (tests shrink them).
    ///   - onResult: counts per notifier name, in alerts (SPEC §9 `vigil_alert_notifications_total`);
    ///     called from any thread, never under a lock.
    package init(settings: NotifierSettings, logger: Logger, drainBudget: Duration = .seconds(10),
                 retryPolicy: RetryPolicy = .standard,
                 onResult: @escaping @Sendable (_ notifier: String, _ result: NotificationResult, _ count: Int) -> Void = { _, _, _ in }) {
        self.logger = logger
        self.drainBudget = drainBudget
        self.retryPolicy = retryPolicy
        self.onResult = onResult
        // SPEC §4 has a timeout for Alertmanager only; PagerDuty and webhooks get its default.
        let requestTimeout = Duration.seconds(10)
        var notifiers: [any Notifier] = []
        var names: [String] = []
        if let alertmanager = settings.alertmanager, !alertmanager.urls.isEmpty {
            precondition(alertmanager.resendInterval > .zero, "notify.alertmanager.resend_interval must be positive")
            notifiers += alertmanager.urls.map {
                AlertmanagerNotifier(baseURL: $0, resendInterval: alertmanager.resendInterval,
                                     timeout: alertmanager.timeout, agentURL: settings.agentURL)
            }
            names.append("alertmanager")
            resendInterval = alertmanager.resendInterval
        } else {
            resendInterval = nil
        }
        if let pagerDuty = settings.pagerDuty {
            let source = settings.agentURL.isEmpty ? ProcessInfo.processInfo.hostName : settings.agentURL
            notifiers.append(PagerDutyNotifier(settings: pagerDuty, source: source, timeout: requestTimeout))
            names.append("pagerduty")
        }
        for webhook in settings.webhooks {
            let notifier = WebhookNotifier(settings: webhook, externalURL: settings.agentURL, timeout: requestTimeout)
            precondition(!names.contains(notifier.name), "duplicate webhook name \(webhook.name)")
            notifiers.append(notifier)
            names.append(notifier.name)
        }
        if settings.log {
            logNotifier = LogNotifier(logger: logger)
            names.append("log")
        } else {
            logNotifier = nil
        }
        queues = notifiers.map { DeliveryQueue(notifier: $0, capacity: settings.queueCapacity) }
        notifierNames = names
    }

    /// Queues the transitions among `alerts` for every notifier. Synchronous and non-blocking.
    package func submit(_ alerts: [Alert]) {
        let now = ContinuousClock.now
        let candidates = alerts.compactMap { $0.state == .pending ? nil : ($0, $0.fingerprint) }  // hashing outside the lock
        guard !candidates.isEmpty else { return }
        let transitions = state.withLock { state -> [QueuedAlert] in
            var transitions: [QueuedAlert] = []
            for (alert, fingerprint) in candidates {
                if alert.state == .firing {
                    if let known = state.firing[fingerprint], known.alert.startsAtMillis == alert.startsAtMillis {
                        state.firing[fingerprint]?.alert = alert
                        continue
                    }
                    state.firing[fingerprint] = Firing(alert: alert, lastQueued: now)
                } else {
                    state.firing[fingerprint] = nil
                }
                transitions.append(QueuedAlert(alert: alert, fingerprint: fingerprint, batch: state.nextBatch))
            }
            state.nextBatch += 1
            return transitions
        }
        guard !transitions.isEmpty else { return }
        if let logNotifier {
            for queued in transitions { logNotifier.log(queued.alert, fingerprint: queued.fingerprint) }
            onResult(logNotifier.name, .sent, transitions.count)
        }
        for queue in queues { enqueue(queue.notifier.arrange(transitions), on: queue) }
    }

    private func enqueue(_ alerts: [QueuedAlert], on queue: DeliveryQueue, resending: Bool = false) {
        let dropped = queue.enqueue(alerts, skippingQueuedFiring: resending)
        guard dropped > 0 else { return }
        onResult(queue.notifier.name, .dropped, dropped)
        overflowLog.withLock { lastLogged in
            let now = ContinuousClock.now
            if let last = lastLogged[queue.notifier.endpoint], now - last < .seconds(60) { return }
            lastLogged[queue.notifier.endpoint] = now
            logger.error("Notification queue full; dropped the oldest alerts.", metadata: [
                "notifier": "\(queue.notifier.name)", "notifier.endpoint": "\(queue.notifier.endpoint)",
                "queue.capacity": "\(queue.capacity)", "alerts.dropped": "\(dropped)",
            ])
        }
    }

    /// Last overflow log per endpoint (at most one a minute each).
    private let overflowLog = Locked<[String: ContinuousClock.Instant]>([:])

    /// Runs the workers until graceful shutdown, then drains for at most `drainBudget`, cancels
    /// what is left (counted `failed` in flight, `dropped` queued) and shuts the HTTP client down.
    package func run() async throws {
        var configuration = HTTPClient.Configuration()
        // Our RetryPolicy decides about retries: fail a request at once when the connection cannot
        // be established instead of letting the pool retry until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        enum Completion { case worker, resender, deadline }
        await withTaskGroup(of: Completion.self) { group in
            for queue in queues {
                group.addTask { await self.work(queue, client: client); return .worker }
            }
            if let resendInterval, !queues.isEmpty {
                group.addTask { await self.resendFiring(every: resendInterval); return .resender }
            }
            do {
                try await gracefulShutdown()
            } catch {
                // Cancelled: the children are cancelled too and stop at once.
            }
            let deadline = ContinuousClock.now + drainBudget
            state.withLock { $0.resending = false }
            for queue in queues { queue.beginDrain() }
            group.addTask {
                do { try await Task.sleep(until: deadline) } catch {}  // cancelled: drained early
                return .deadline
            }
            var working = queues.count
            if working == 0 { group.cancelAll() }
            while let completion = await group.next() {
                switch completion {
                case .worker:
                    working -= 1
                    if working == 0 { group.cancelAll() }
                case .deadline where working > 0:
                    logger.warning("Notification drain budget exhausted; abandoning the rest.", metadata: [
                        "drain.budget": "\(drainBudget)",
                    ])
                    group.cancelAll()
                case .deadline, .resender:
                    break
                }
            }
        }
        do {
            try await client.shutdown()
        } catch {
            logger.warning("HTTP client shutdown failed.", metadata: ["error": "\(error)"])
        }
        logger.debug("Alert delivery stopped.")
    }

    /// Waits until everything submitted before the call has been sent, failed or dropped, or
    /// `timeout` passed (replay `--notify`). Needs `run()` running.
    package func flush(timeout: Duration) async {
        let targets = queues.map { ($0, $0.nextSequence) }
        let deadline = ContinuousClock.now + timeout
        while targets.contains(where: { queue, target in queue.settledBelow < target }) {
            guard ContinuousClock.now < deadline else {
                logger.warning("Notification flush timed out.", metadata: ["flush.timeout": "\(timeout)"])
                return
            }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                return  // cancelled
            }
        }
    }

    /// Re-queues every firing alert for Alertmanager once `resend_interval` has passed since it
    /// was last queued (SPEC §10), until the drain starts.
    private func resendFiring(every interval: Duration) async {
        let alertmanagerQueues = queues.filter { $0.notifier is AlertmanagerNotifier }
        while true {
            let now = ContinuousClock.now
            let (due, nextDue) = state.withLock { state -> ([QueuedAlert], ContinuousClock.Instant?) in
                guard state.resending else { return ([], nil) }
                var due: [QueuedAlert] = []
                var nextDue = now + interval
                for (fingerprint, firing) in state.firing {
                    if now - firing.lastQueued >= interval {
                        due.append(QueuedAlert(alert: firing.alert, fingerprint: fingerprint, batch: state.nextBatch))
                        state.firing[fingerprint]?.lastQueued = now
                    } else {
                        nextDue = min(nextDue, firing.lastQueued + interval)
                    }
                }
                state.nextBatch += 1
                return (due, nextDue)
            }
            guard let nextDue else { return }
            if !due.isEmpty {
                let ordered = due.sorted { $0.alert.startsAtMillis < $1.alert.startsAtMillis }
                for queue in alertmanagerQueues { enqueue(ordered, on: queue, resending: true) }
            }
            do {
                try await Task.sleep(until: nextDue)
            } catch {
                return
            }
        }
    }
}
