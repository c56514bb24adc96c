// (a) of the end-to-end benchmark: the practical ceiling. A librdkafka consumer-group consumer that
// polls batches exactly as Vigil's consumer does (rd_kafka_consume_batch_queue, up to 4096
// messages, 10 ms wait) and touches each payload (sums its length) without decoding it.
//
// Usage: raw_consume BOOTSTRAP TOPIC GROUP COUNT
// Prints one JSON line: {"messages": N, "bytes": B, "seconds": S, "events_per_second": R}, timed
// from the first message received to the COUNT-th (the group join is not counted).
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "raw_consume: %s: %s\n", key, errstr);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: raw_consume BOOTSTRAP TOPIC GROUP COUNT\n");
        return 2;
    }
    long long target = atoll(argv[4]);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    // The properties Vigil's consumer sets (KafkaConsumer.swift), so both fetch alike.
    set(conf, "bootstrap.servers", argv[1]);
    set(conf, "group.id", argv[3]);
    set(conf, "client.id", "vigil-bench-raw");
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "enable.auto.commit", "true");
    set(conf, "enable.auto.offset.store", "false");
    set(conf, "enable.partition.eof", "false");
    set(conf, "log.queue", "true");
    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "raw_consume: %s\n", errstr);
        return 1;
    }
    rd_kafka_set_log_queue(rk, NULL);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, argv[2], RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(rk, topics) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "raw_consume: subscribe failed\n");
        return 1;
    }
    rd_kafka_topic_partition_list_destroy(topics);

    enum { BATCH = 4096 };
    static rd_kafka_message_t *slots[BATCH];
    long long messages = 0, bytes = 0, errors = 0;
    double first = 0, last = 0, deadline = now_seconds() + 300;
    while (messages < target && now_seconds() < deadline) {
        ssize_t n = rd_kafka_consume_batch_queue(queue, 10, slots, BATCH);
        for (ssize_t i = 0; i < n; i++) {
            if (slots[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (messages == 0) first = now_seconds();
                messages++;
                bytes += (long long)slots[i]->len;
            } else {
                errors++;
            }
            rd_kafka_message_destroy(slots[i]);
        }
        if (n > 0 && messages > 0) last = now_seconds();
    }
    double seconds = last - first;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"messages\": %lld, \"bytes\": %lld, \"errors\": %lld, \"seconds\": %.6f, \"events_per_second\": %.1f, \"peak_rss_mb\": %.1f}\n",
           messages, bytes, errors, seconds, seconds > 0 ? (double)(messages - 1) / seconds : 0.0, usage.ru_maxrss / 1024.0);
    fflush(stdout);
    rd_kafka_consumer_close(rk);
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);
    return messages >= target ? 0 : 1;
}
