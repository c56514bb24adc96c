import CRdKafka
import Logging
import Synchronization

/// State the C callbacks of one `rd_kafka_t` reach through its opaque pointer.
///
/// Ownership: the owner of the handle retains the context once (`Unmanaged.passRetained`) when it
/// sets the conf's opaque, and releases it only after `rd_kafka_destroy` returned (or after
/// `rd_kafka_new` failed), so every callback sees a live object. Subclasses add per-handle state.
class ClientContext {
    let logger: Logger
    /// Errors reported through `error_cb` (transport, all brokers down, fatal, ...).
    let clientErrors = Atomic<Int>(0)
    /// Set when librdkafka reports every broker down; cleared by a successful request
    /// (`KafkaConsumer.probeBrokers`) or a delivered message.
    let brokersDown = Atomic<Bool>(false)

    init(logger: Logger) { self.logger = logger }

    /// Installs the log and error callbacks and the opaque on `conf`. Call exactly once per conf.
    func install(on conf: OpaquePointer) -> Unmanaged<ClientContext> {
        let unmanaged = Unmanaged.passRetained(self)
        rd_kafka_conf_set_opaque(conf, unmanaged.toOpaque())
        rd_kafka_conf_set_log_cb(conf, vigilLogCallback)
        rd_kafka_conf_set_error_cb(conf, vigilErrorCallback)
        return unmanaged
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        opaque.map { Unmanaged<ClientContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Maps a syslog level (librdkafka's `log_level`) to swift-log.
///
/// librdkafka logs transient trouble it recovers from (a failed broker connection) at LOG_ERR and
/// reports the same through `error_cb`; STYLE §7 keeps `error` for lost data or operator action, so
/// LOG_ERR lines become warnings. Fatal errors arrive through `error_cb` and are logged as errors.
func loggerLevel(syslogLevel: Int32) -> Logger.Level {
    switch syslogLevel {
    case ...2: .critical
    case 3: .warning
    case 4: .warning
    case 5: .notice
    case 6: .info
    default: .debug
    }
}

/// `log_cb`. With `log.queue=true` it runs on the thread polling the queue the log queue is forwarded
/// to; without it (the mock cluster host) on librdkafka's internal threads, so it only touches the
/// (Sendable) logger and never calls back into librdkafka except `rd_kafka_opaque`/`rd_kafka_name`,
/// which read immutable fields.
private func vigilLogCallback(
    _ rk: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?
) {
    guard let rk, let context = ClientContext.from(rd_kafka_opaque(rk)) else { return }
    let swiftLevel = loggerLevel(syslogLevel: level)
    guard context.logger.logLevel <= swiftLevel else { return }
    context.logger.log(
        level: swiftLevel,
        "librdkafka log.",
        metadata: [
            "kafka.client": "\(String(cString: rd_kafka_name(rk)))",
            "kafka.facility": "\(facility.map { String(cString: $0) } ?? "")",
            "kafka.log": "\(message.map { String(cString: $0) } ?? "")",
        ]
    )
}

/// `error_cb`: client-level errors (most are transient; librdkafka retries on its own).
private func vigilErrorCallback(
    _ rk: OpaquePointer?, _ err: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let context = ClientContext.from(opaque) else { return }
    context.clientErrors.add(1, ordering: .relaxed)
    let code = KafkaError.Code(rawValue: err)
    if err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue { context.brokersDown.store(true, ordering: .relaxed) }
    let fatal = code == .fatal
    context.logger.log(
        level: fatal ? .error : .warning,
        fatal ? "Kafka client hit a fatal error." : "Kafka client error.",
        metadata: [
            "kafka.client": "\(rk.map { String(cString: rd_kafka_name($0)) } ?? "")",
            "kafka.error": "\(code.name)",
            "kafka.reason": "\(reason.map { String(cString: $0) } ?? "")",
        ]
    )
}
