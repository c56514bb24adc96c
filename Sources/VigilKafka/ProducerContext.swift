import CRdKafka
import Logging
import Synchronization
import VigilSync

/// Delivery counters and failure logging, updated by `dr_msg_cb` on whichever thread polls.
final class ProducerContext: ClientContext {
    let delivered = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    /// When a delivery failure was last logged, for rate-limiting (one line per 10 s plus the first).
    let lastFailureLog = Locked<ContinuousClock.Instant?>(nil)

    func recordFailure(_ err: rd_kafka_resp_err_t, topic: String) {
        let total = failures.add(1, ordering: .relaxed).newValue
        let now = ContinuousClock.now
        let shouldLog = lastFailureLog.withLock { last in
            if let previous = last, previous.duration(to: now) < .seconds(10) { return false }
            last = now
            return true
        }
        guard shouldLog else { return }
        logger.warning(
            "Kafka message delivery failed.",
            metadata: [
                "kafka.topic": "\(topic)",
                "kafka.error": "\(KafkaError.Code(err).name)",
                "kafka.delivery_failures": "\(total)",
            ]
        )
    }
}

/// `dr_msg_cb`: counts one delivery report. Runs on the poll thread (or a `send`/`flush` caller).
func vigilDeliveryReportCallback(
    _ rk: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let opaque else { return }
    let context = unsafeDowncast(Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue(), to: ProducerContext.self)
    let err = message.pointee.err
    if err == RD_KAFKA_RESP_ERR_NO_ERROR {
        context.delivered.add(1, ordering: .relaxed)
    } else {
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        context.recordFailure(err, topic: topic)
    }
}
