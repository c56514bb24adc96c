#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Non-variadic wrapper over rd_kafka_producev (Swift cannot call C varargs).
 * The payload and key are copied (RD_KAFKA_MSG_F_COPY; librdkafka always copies keys).
 * `headers` may be NULL; on success librdkafka owns it, on failure the caller still does.
 * `partition` is RD_KAFKA_PARTITION_UA (-1) for the configured partitioner. */
static inline rd_kafka_resp_err_t vigil_rd_kafka_produce_copy(
    rd_kafka_t *rk, const char *topic, int32_t partition,
    const void *key, size_t key_len, const void *value, size_t value_len,
    rd_kafka_headers_t *headers) {
    if (headers != NULL) {
        return rd_kafka_producev(rk,
                                 RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_KEY(key, key_len),
                                 RD_KAFKA_V_VALUE((void *)value, value_len),
                                 RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END);
}

/* Macros Swift does not import. */
static const int32_t VIGIL_RD_KAFKA_PARTITION_UA = RD_KAFKA_PARTITION_UA;
static const int64_t VIGIL_RD_KAFKA_OFFSET_BEGINNING = RD_KAFKA_OFFSET_BEGINNING;
static const int64_t VIGIL_RD_KAFKA_OFFSET_END = RD_KAFKA_OFFSET_END;
static const int64_t VIGIL_RD_KAFKA_OFFSET_STORED = RD_KAFKA_OFFSET_STORED;
static const int64_t VIGIL_RD_KAFKA_OFFSET_INVALID = RD_KAFKA_OFFSET_INVALID;

/* Names the calling OS thread (Linux keeps 15 bytes). corelibs Foundation applies Thread.name
 * racily on Linux, so ConsumerThread names itself through this. */
#if defined(__linux__)
#include <sys/prctl.h>
static inline void vigil_set_current_thread_name(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
#elif defined(__APPLE__)
#include <pthread.h>
static inline void vigil_set_current_thread_name(const char *name) {
    pthread_setname_np(name);
}
#else
static inline void vigil_set_current_thread_name(const char *name) { (void)name; }
#endif

/* The calling thread's timer slack in nanoseconds (Linux: threads inherit it from the thread that
 * creates them; see `TimerSlack` in VigilKafka). Elsewhere: 0, and setting does nothing. */
#if defined(__linux__)
static inline long vigil_timer_slack(void) {
    return (long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
}
static inline int vigil_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0);
}
#else
static inline long vigil_timer_slack(void) { return 0; }
static inline int vigil_set_timer_slack(unsigned long nanoseconds) { (void)nanoseconds; return -1; }
#endif
