import CRdKafka
import Foundation
package import Logging
import Synchronization
import VigilSync

/// A Kafka producer: fire-and-forget sends, delivery reports counted.
///
/// Thread-safe: `@unchecked Sendable` because librdkafka producers are thread-safe and the only
/// mutable Swift state is atomic. `handle` stays valid for every call: each public call is counted in
/// `activeCalls` and checks `closed` first; `close()` sets `closed`, waits until `activeCalls` is 0,
/// stops the poll thread and only then destroys the handle.
///
/// A dedicated thread (`vigil-kafka-dr`) polls the handle, so delivery reports, errors and logs
/// (`log.queue=true`) are served there without anyone calling `flush`.
package final class KafkaProducer: @unchecked Sendable {
    private let handle: OpaquePointer
    private let context: ProducerContext
    private let unmanagedContext: Unmanaged<ClientContext>
    private let poller: ConsumerThread
    private let enqueueTimeout: Duration
    private let closed = Atomic<Bool>(false)
    private let activeCalls = Atomic<Int>(0)
    private let closeLock = Locked(false)

    /// Creates a producer.
    ///
    /// - Parameters:
    ///   - configuration: librdkafka properties passed as-is (`bootstrap.servers`, `client.id`,
    ///     `linger.ms`, security, ...). `log.queue` is forced to `true`.
    ///   - logger: receives librdkafka logs, client errors and (rate-limited) delivery failures.
    ///   - enqueueTimeout: how long `send` keeps retrying while librdkafka's queue is full.
    /// - Throws: `.invalidArgument` for an unknown property or a bad value (the message names the
    ///   property; secret values are never quoted), or librdkafka's error from `rd_kafka_new`.
    package init(
        configuration: [String: String],
        logger: Logger = Logger(label: "vigil.kafka.producer"),
        enqueueTimeout: Duration = .seconds(30)
    ) throws(KafkaError) {
        let conf = try ClientConfiguration.make(configuration, overrides: ["log.queue": "true"])
        let context = ProducerContext(logger: logger)
        let unmanaged = context.install(on: conf)
        rd_kafka_conf_set_dr_msg_cb(conf, vigilDeliveryReportCallback)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = TimerSlack.creatingThreads({ rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) }) else {
            rd_kafka_conf_destroy(conf)
            unmanaged.release()
            throw KafkaError(code: .invalidArgument, message: ClientConfiguration.string(errstr))
        }
        // Logs queued since rd_kafka_new go to the main queue, which the poll thread serves.
        rd_kafka_set_log_queue(handle, nil)
        self.handle = handle
        self.context = context
        self.unmanagedContext = unmanaged
        self.enqueueTimeout = enqueueTimeout
        let polled = UncheckedHandle(pointer: handle)
        self.poller = ConsumerThread(name: "vigil-kafka-dr") { shouldStop in
            while !shouldStop() { rd_kafka_poll(polled.pointer, 100) }
        }
        poller.start()
    }

    deinit { close() }

    /// Enqueues one message; librdkafka copies the key, value and headers before this returns.
    ///
    /// When librdkafka's queue is full, polls and retries until it fits, for at most `enqueueTimeout`.
    /// Delivery happens later; failures are counted in `deliveryFailures`.
    ///
    /// - Parameters:
    ///   - partition: `nil` lets the configured partitioner choose (by key hash; null keys go to
    ///     sticky partitions, see `sticky.partitioning.linger.ms`).
    ///   - key: `nil` for a null key.
    ///   - value: an empty buffer produces a null value.
    /// - Throws: `.timedOut` when the queue stayed full, `.destroyed` after `close()`,
    ///   `.unknownPartition` / `.unknownTopic` when the metadata already proves the destination wrong,
    ///   `.messageSizeTooLarge`, `.fatal`.
    package func send(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: UnsafeRawBufferPointer,
        headers: [(String, [UInt8])] = []
    ) throws(KafkaError) {
        activeCalls.add(1, ordering: .sequentiallyConsistent)
        defer { activeCalls.subtract(1, ordering: .sequentiallyConsistent) }
        guard !closed.load(ordering: .sequentiallyConsistent) else { throw Self.closedError }

        var cHeaders: OpaquePointer?
        if !headers.isEmpty {
            let list = rd_kafka_headers_new(headers.count)!
            for (name, headerValue) in headers {
                headerValue.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(list, name, -1, bytes.baseAddress, bytes.count)
                }
            }
            cHeaders = list
        }
        // librdkafka owns the headers once producev succeeded; until then they are ours.
        var ownsHeaders = cHeaders != nil
        defer { if ownsHeaders, let cHeaders { rd_kafka_headers_destroy(cHeaders) } }

        let targetPartition = partition ?? VIGIL_RD_KAFKA_PARTITION_UA
        var deadline: ContinuousClock.Instant?
        while true {
            let err: rd_kafka_resp_err_t
            if let key {
                err = key.withUnsafeBytes { keyBytes in
                    vigil_rd_kafka_produce_copy(
                        handle, topic, targetPartition, keyBytes.baseAddress, keyBytes.count,
                        value.baseAddress, value.count, cHeaders)
                }
            } else {
                err = vigil_rd_kafka_produce_copy(
                    handle, topic, targetPartition, nil, 0, value.baseAddress, value.count, cHeaders)
            }
            switch err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                ownsHeaders = false
                return
            case RD_KAFKA_RESP_ERR__QUEUE_FULL:
                let now = ContinuousClock.now
                let limit = deadline ?? now.advanced(by: enqueueTimeout)
                deadline = limit
                guard now < limit else {
                    throw KafkaError(err, context: "produce to \(topic): queue still full after \(enqueueTimeout)")
                }
                guard !closed.load(ordering: .sequentiallyConsistent) else { throw Self.closedError }
                // Serving delivery reports is what frees queue space.
                rd_kafka_poll(handle, 10)
            default:
                throw KafkaError(err, context: "produce to \(topic)")
            }
        }
    }

    /// `send` with the value in an array.
    package func send(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: [UInt8],
        headers: [(String, [UInt8])] = []
    ) throws(KafkaError) {
        let result: Result<Void, KafkaError> = value.withUnsafeBytes { bytes in
            Result { () throws(KafkaError) in
                try send(topic: topic, partition: partition, key: key, value: bytes, headers: headers)
            }
        }
        try result.get()
    }

    /// Waits until every enqueued message was delivered or failed.
    /// - Throws: `.timedOut` (with the number still queued) when `timeout` passed first;
    ///   `.destroyed` after `close()`.
    package func flush(timeout: Duration) throws(KafkaError) {
        activeCalls.add(1, ordering: .sequentiallyConsistent)
        defer { activeCalls.subtract(1, ordering: .sequentiallyConsistent) }
        guard !closed.load(ordering: .sequentiallyConsistent) else { throw Self.closedError }
        let err = rd_kafka_flush(handle, timeout.milliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, context: "flush: \(rd_kafka_outq_len(handle)) message(s) still queued")
        }
    }

    /// Messages (and requests) enqueued but not yet delivered or failed; 0 after `close()`.
    package var queuedMessages: Int {
        activeCalls.add(1, ordering: .sequentiallyConsistent)
        defer { activeCalls.subtract(1, ordering: .sequentiallyConsistent) }
        guard !closed.load(ordering: .sequentiallyConsistent) else { return 0 }
        return Int(rd_kafka_outq_len(handle))
    }

    /// Delivery reports with an error, since creation.
    package var deliveryFailures: Int { context.failures.load(ordering: .relaxed) }

    /// Delivery reports without an error, since creation.
    package var deliveredMessages: Int { context.delivered.load(ordering: .relaxed) }

    /// Flushes for at most `flushTimeout` (logging what is lost beyond it), stops the poll thread and
    /// destroys the handle. Idempotent; concurrent callers wait for the first. Later `send`/`flush`
    /// calls throw `.destroyed`. `deinit` calls it.
    package func close(flushTimeout: Duration = .seconds(10)) {
        closeLock.withLock { done in
            guard !done else { return }
            done = true
            closed.store(true, ordering: .sequentiallyConsistent)
            while activeCalls.load(ordering: .sequentiallyConsistent) > 0 { usleep(200) }
            let err = rd_kafka_flush(handle, flushTimeout.milliseconds)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                context.logger.error(
                    "Kafka producer closed with undelivered messages.",
                    metadata: ["kafka.queued": "\(rd_kafka_outq_len(handle))", "kafka.error": "\(KafkaError.Code(err).name)"]
                )
            }
            poller.requestStop()
            poller.waitUntilFinished()
            rd_kafka_destroy(handle)
            unmanagedContext.release()
        }
    }

    private static let closedError = KafkaError(code: .destroyed, message: "the producer is closed")
}
