import CRdKafka

/// Building an `rd_kafka_conf_t` from string properties.
///
/// Ownership: the returned conf belongs to the caller until `rd_kafka_new` succeeds; on any failure
/// before that the caller destroys it (`rd_kafka_conf_destroy`).
enum ClientConfiguration {
    /// Keys whose values must never appear in an error message or log.
    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "jaas", "ssl.key", "token", "credentials", "private"].contains {
            lowered.contains($0)
        }
    }

    /// A new conf with `properties` applied in key order, then `overrides` (which win).
    static func make(
        _ properties: [String: String],
        overrides: KeyValuePairs<String, String> = [:]
    ) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        do {
            for key in properties.keys.sorted() { try set(conf, key, properties[key]!) }
            for (key, value) in overrides { try set(conf, key, value) }
        } catch {
            rd_kafka_conf_destroy(conf)
            throw error
        }
        return conf
    }

    static func set(_ conf: OpaquePointer, _ key: String, _ value: String) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
        guard result != RD_KAFKA_CONF_OK else { return }
        // librdkafka names the canonical property (`queue.buffering.max.ms` for `linger.ms`) and
        // may quote the value: always name the key as given, and never quote a secret.
        let detail = isSecret(key)
            ? "configuration property \"\(key)\": invalid or unknown"
            : "configuration property \"\(key)\": \(string(errstr))"
        throw KafkaError(code: .invalidArgument, message: detail)
    }

    /// Copies an `errstr` buffer into a `String`.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
