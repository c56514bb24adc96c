import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension AlertDelivery {
    /// What one attempt came to.
    enum AttemptOutcome: Equatable {
        case delivered
        /// 5xx, 429, connection error, timeout; `retryAfter` from the response when present.
        case retryable(reason: String, retryAfter: Duration?)
        /// 4xx other than 429, other non-2xx, a bad URL or payload: retrying cannot help.
        case rejected(reason: String)
        case cancelled
    }

    /// One queue's worker: takes requests in order and delivers each (with retries) before the
    /// next, so a dead receiver backs up its own queue only. Ends when the drain has emptied the
    /// queue, or when cancelled (what is still queued is then counted `dropped`).
    func work(_ queue: DeliveryQueue, client: HTTPClient) async {
        let notifier = queue.notifier
        let logger = workerLogger(notifier)
        var health = Health()
        var generator = SystemRandomNumberGenerator()
        var wakeUps = queue.wakeUps.makeAsyncIterator()
        while !Task.isCancelled {
            if let alerts = queue.takeRequest() {
                await deliver(alerts, notifier: notifier, client: client, logger: logger, health: &health, generator: &generator)
                queue.finishRequest()
                continue
            }
            if queue.isDraining { break }
            guard await wakeUps.next() != nil else { break }  // nil: cancelled or closed
        }
        let left = queue.close()
        if left > 0 {
            onResult(notifier.name, .dropped, left)
            logger.error("Notifications not delivered before shutdown.", metadata: ["alerts.dropped": "\(left)"])
        }
    }

    /// Receiver health as this worker sees it, so a dead receiver logs one warning, not one per
    /// retry, and its recovery one info line.
    struct Health {
        var failing = false
    }

    private func deliver(_ alerts: [QueuedAlert], notifier: any Notifier, client: HTTPClient, logger: Logger,
                         health: inout Health, generator: inout SystemRandomNumberGenerator) async {
        let policy = retryPolicy
        let firstAttempt = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            let outcome: AttemptOutcome
            do {
                let request = try notifier.request(for: alerts, nowMillis: Self.nowMillis())
                outcome = await send(request, timeout: notifier.timeout, client: client)
            } catch {
                outcome = .rejected(reason: "\(error)")
            }
            switch outcome {
            case .delivered:
                if health.failing {
                    health.failing = false
                    logger.info("Notification delivery recovered.")
                }
                onResult(notifier.name, .sent, alerts.count)
                return
            case .rejected(let reason):
                logger.error("Receiver rejected notification; not retrying.", metadata: [
                    "error": "\(reason)", "alerts": "\(alerts.count)",
                ])
                onResult(notifier.name, .failed, alerts.count)
                return
            case .cancelled:
                onResult(notifier.name, .failed, alerts.count)
                return
            case .retryable(let reason, let retryAfter):
                let age = ContinuousClock.now - firstAttempt
                guard attempt < policy.maxAttempts, age < policy.maxAge else {
                    logger.error("Notification delivery gave up.", metadata: [
                        "error": "\(reason)", "alerts": "\(alerts.count)", "attempts": "\(attempt)",
                    ])
                    onResult(notifier.name, .failed, alerts.count)
                    return
                }
                if !health.failing {
                    health.failing = true
                    logger.warning("Notification delivery failed; retrying.", metadata: ["error": "\(reason)"])
                } else {
                    logger.debug("Notification delivery failed; retrying.", metadata: ["error": "\(reason)", "attempt": "\(attempt)"])
                }
                let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, using: &generator)
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    onResult(notifier.name, .failed, alerts.count)
                    return
                }
            }
        }
    }

    /// One POST. Classifies the outcome per SPEC §10; never throws.
    func send(_ request: NotificationRequest, timeout: Duration, client: HTTPClient) async -> AttemptOutcome {
        var http = HTTPClientRequest(url: request.url)
        http.method = .POST
        for header in request.headers { http.headers.add(name: header.name, value: header.value) }
        http.body = .bytes(request.body)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(http, timeout: .nanoseconds(timeout.wholeMilliseconds * 1_000_000))
        } catch {
            if Task.isCancelled { return .cancelled }
            if let error = error as? HTTPClientError, Self.permanentClientErrors.contains(error.shortDescription) {
                return .rejected(reason: "\(error)")
            }
            return .retryable(reason: "\(error)", retryAfter: nil)
        }
        // Read the (small) body so the connection can be reused; the status has decided already.
        do {
            for try await _ in response.body {}
        } catch {
            // The verdict stands; a broken body only costs the connection.
        }
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            return .delivered
        case 429, 500..<600:
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            return .retryable(reason: "HTTP \(status)", retryAfter: retryAfter.map { .seconds(max($0, 0)) })
        default:
            return .rejected(reason: "HTTP \(status)")
        }
    }

    /// Client errors that no retry can fix (configuration errors).
    static let permanentClientErrors: Set<String> = [
        HTTPClientError.invalidURL, .emptyHost, .emptyScheme, .unsupportedScheme(""), .missingSocketPath,
    ].reduce(into: []) { $0.insert($1.shortDescription) }

    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    private func workerLogger(_ notifier: any Notifier) -> Logger {
        var logger = logger
        logger[metadataKey: "notifier"] = "\(notifier.name)"
        logger[metadataKey: "notifier.endpoint"] = "\(notifier.endpoint)"
        return logger
    }
}
