"""(c) of the end-to-end benchmark: "the Python way" of monitoring the same stream.

A confluent-kafka consumer that polls batches, parses each message with `json`, gathers each
batch into numpy columns and keeps running statistics per feature: count, missing, mean and
variance (Chan et al. merge of batch moments), min, max, PSI bin counts against the reference's
edges (np.searchsorted + np.bincount), and category counts for the categorical features. It is
what a careful Python sidecar would do, without the window, drift tests or alerting that Vigil
also does on top, so it flatters Python.

Usage: python_consumer.py BOOTSTRAP TOPIC GROUP COUNT EDGES_JSON
Prints one JSON line like raw_consume.c, timed from the first message to the COUNT-th.
"""
import json
import sys
import time

import numpy as np
from confluent_kafka import Consumer


def main():
    bootstrap, topic, group, target, edges_path = sys.argv[1:6]
    target = int(target)
    with open(edges_path) as f:
        spec = json.load(f)
    numeric = spec["numeric"]            # feature names
    categorical = spec["categorical"]
    edges = [np.asarray(spec["edges"][name], dtype=float) for name in numeric]
    d = len(numeric)
    count = np.zeros(d)
    mean = np.zeros(d)
    m2 = np.zeros(d)
    lo = np.full(d, np.inf)
    hi = np.full(d, -np.inf)
    missing = np.zeros(d)
    bins = [np.zeros(len(e) + 1, dtype=np.int64) for e in edges]
    categories = [dict() for _ in categorical]
    predictions = []

    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "client.id": "vigil-bench-python",
        "auto.offset.reset": "earliest", "enable.partition.eof": False,
    })
    consumer.subscribe([topic])
    messages = 0
    first = last = 0.0
    deadline = time.monotonic() + 600
    while messages < target and time.monotonic() < deadline:
        batch = consumer.consume(num_messages=4096, timeout=0.01)
        if not batch:
            continue
        rows = []
        for message in batch:
            if message.error():
                continue
            if messages == 0:
                first = time.monotonic()
            messages += 1
            event = json.loads(message.value())
            features = event.get("features") or {}
            rows.append([features.get(name) for name in numeric])
            for index, name in enumerate(categorical):
                value = features.get(name)
                if value is not None:
                    counts = categories[index]
                    counts[value] = counts.get(value, 0) + 1
            predictions.append(event.get("prediction"))
        if not rows:
            continue
        x = np.array(rows, dtype=float)     # None -> nan
        present = ~np.isnan(x)
        n = present.sum(axis=0)
        sums = np.where(present, x, 0.0).sum(axis=0)
        batch_mean = np.divide(sums, n, out=np.zeros(d), where=n > 0)
        batch_m2 = (np.where(present, x - batch_mean, 0.0) ** 2).sum(axis=0)
        total = count + n
        delta = batch_mean - mean
        safe = np.where(total > 0, total, 1)
        mean = mean + delta * n / safe
        m2 = m2 + batch_m2 + delta ** 2 * count * n / safe
        count = total
        missing += (~present).sum(axis=0)
        lo = np.fmin(lo, np.nanmin(np.where(present, x, np.inf), axis=0))
        hi = np.fmax(hi, np.nanmax(np.where(present, x, -np.inf), axis=0))
        for j in range(d):
            column = x[present[:, j], j]
            bins[j] += np.bincount(np.searchsorted(edges[j], column, side="right"), minlength=len(edges[j]) + 1)
        predictions.clear()
        last = time.monotonic()
    seconds = last - first
    variance = np.divide(m2, count - 1, out=np.zeros(d), where=count > 1)
    print(json.dumps({"messages": messages, "seconds": seconds,
                      "events_per_second": (messages - 1) / seconds if seconds > 0 else 0.0,
                      "check_mean_0": float(mean[0]), "check_sd_0": float(np.sqrt(variance[0]))}), flush=True)
    consumer.close()
    return 0 if messages >= target else 1


if __name__ == "__main__":
    sys.exit(main())
