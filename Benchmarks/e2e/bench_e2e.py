#!/usr/bin/env python3
"""End-to-end benchmark (issue 11): `make bench-e2e` runs it; see README "Performance".

One librdkafka mock cluster (`vigil mock-broker`) is filled with the standard event (events.py)
spread evenly over enough partitions that none exceeds the mock's ~5 MiB retention, then the same
messages are consumed, each by its own consumer group, by

  (a) raw_consume.c: librdkafka batch consumption with no decoding (the practical ceiling),
  (b) `vigil run` (the release binary) with a reference profile, 1-minute windows sliding every
      30 s and alert rules; its throughput is read from `vigil_kafka_messages_total` on /metrics,
      which counts messages only after their batch was decoded, applied and evaluated,
  (c) python_consumer.py: confluent-kafka + json + numpy running statistics,

and (a) runs again after (c) so load changes on a shared machine show. Then the pipeline alone
(decode + window update + evaluation, no broker) is timed by `vigil replay` of two files of
different sizes: the difference in wall time over the difference in events cancels start-up,
reference loading and report writing.

Each rate is timed from the first message a consumer received to the last (the consumer-group
join, ~3 s on the mock, is excluded). Events carry event times advancing at 20,000 events/s, so a
run of 2,000,000 events spans 100 s of event time and evaluates several windows.

`--guard` is the regression guard (`make bench-guard`): fewer events, no Python, no replay; it
fails when (b)/(a) falls below --min-ratio.
"""
import argparse
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import events  # noqa: E402

TOPIC = "bench-events"
EVENT_RATE = 20_000          # event-time rate of the generated stream (events per second of event time)
RETENTION_BYTES = 4 << 20    # stay under the mock's ~5 MiB per partition


def log(message):
    print(f"[bench-e2e] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_json(command, timeout):
    out = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare_reference(vigil, work):
    """The reference profile (100,000 events, another seed) built by `vigil baseline`, cached."""
    profile = os.path.join(work, "reference.json.gz")
    config = os.path.join(work, "bench.yaml")
    with open(config, "w") as f:
        f.write(events.config_yaml(profile))
    edges = os.path.join(work, "edges.json")
    if not os.path.exists(profile) or not os.path.exists(edges):
        data = os.path.join(work, "reference.jsonl")
        events.write_jsonl(data, 100_000, seed=1, start_millis=1_764_000_000_000, events_per_second=EVENT_RATE)
        log("building the reference profile (vigil baseline, 100,000 events)")
        subprocess.run([vigil, "baseline", "--config", config, "--model", events.MODEL, "--input", data,
                        "--out", profile, "--log-level", "warning"], check=True)
        import numpy as np
        columns = {name: [] for name in events.NUMERIC}
        with open(data) as f:
            for line in f:
                features = json.loads(line)["features"]
                for name in events.NUMERIC:
                    if features.get(name) is not None:
                        columns[name].append(features[name])
        spec = {"numeric": events.NUMERIC, "categorical": events.CATEGORICAL,
                "edges": {n: np.quantile(np.asarray(v), np.linspace(0.1, 0.9, 9)).tolist() for n, v in columns.items()}}
        with open(edges, "w") as f:
            json.dump(spec, f)
        os.remove(data)
    return config, profile, edges


class MockBroker:
    def __init__(self, vigil, partitions, topic=TOPIC):
        self.process = subprocess.Popen([vigil, "mock-broker", "--topic", f"{topic}:{partitions}", "--log-level", "warning"],
                                        stdout=subprocess.PIPE, text=True)
        self.bootstrap = None
        for line in self.process.stdout:
            if line.startswith("BOOTSTRAP="):
                self.bootstrap = line.strip().split("=", 1)[1]
            if line.strip() == "READY":
                break
        if not self.bootstrap:
            raise RuntimeError("mock broker did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def produce(bootstrap, count, partitions):
    """Sends `count` events round-robin over the partitions (so each stays under the retention)."""
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000,
                         "queue.buffering.max.messages": 2_000_000, "queue.buffering.max.kbytes": 2_000_000,
                         "sticky.partitioning.linger.ms": 0, "acks": 1})
    bodies = events.feature_bodies(50_000, seed=2)
    start_ts = 1_764_000_000_000
    started = time.monotonic()
    total_bytes = 0
    for i in range(count):
        value = events.event(i, start_ts + i * 1000 // EVENT_RATE, bodies[i % len(bodies)])
        total_bytes += len(value)
        while True:
            try:
                producer.produce(TOPIC, value=value, partition=i % partitions)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 10000 == 0:
            producer.poll(0)
    remaining = producer.flush(120)
    if remaining:
        raise RuntimeError(f"{remaining} messages not delivered")
    seconds = time.monotonic() - started
    return {"messages": count, "mean_bytes": total_bytes / count, "seconds": seconds, "events_per_second": count / seconds}


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def metric(text, name, must_contain=""):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and must_contain in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def run_vigil(vigil, config, bootstrap, group, count, timeout=300):
    """(b): `vigil run`; the rate of `vigil_kafka_messages_total` between the first scrape that
    sees a message and the first that sees them all."""
    port = free_port()
    env = dict(os.environ, VIGIL_BENCH_BROKERS=bootstrap, VIGIL_BENCH_GROUP=group, VIGIL_BENCH_PORT=str(port))
    # VIGIL_BENCH_WRAP prefixes the command, e.g. "perf record -g -o vigil.perf --" to profile (b).
    wrap = os.environ.get("VIGIL_BENCH_WRAP", "").split()
    process = subprocess.Popen(wrap + [vigil, "run", "--config", config, "--log-level", "warning", "--log-format", "text"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/metrics"
    first = None
    result = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"vigil run exited with {process.returncode}: {process.stderr.read()[-2000:]}")
            try:
                text = scrape(url)
            except OSError:
                time.sleep(0.05)
                continue
            now = time.monotonic()
            seen = metric(text, "vigil_kafka_messages_total", TOPIC)
            if seen > 0 and first is None:
                first = (now, seen)
            if seen >= count:
                accepted = metric(text, "vigil_events_total")
                rejected = metric(text, "vigil_events_rejected_total")
                window_end = metric(text, "vigil_window_end_timestamp_seconds")
                seconds = now - first[0]
                result = {"messages": int(seen), "accepted": int(accepted), "rejected": int(rejected),
                          "last_window_end": window_end, "seconds": seconds,
                          "events_per_second": (seen - first[1]) / seconds if seconds > 0 else 0.0}
                with open(f"/proc/{process.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            result["peak_rss_mb"] = int(line.split()[1]) / 1024
                break
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if result is None:
        raise RuntimeError("vigil run did not consume every message in time")
    return result


def replay_seconds(vigil, config, path, work, env=None):
    """Wall-clock and CPU (user + system) seconds of one `vigil replay`."""
    report = os.path.join(work, "replay-report.json")
    started = time.monotonic()
    process = subprocess.Popen([vigil, "replay", "--config", config, "--input", path, "--report", report, "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"vigil replay failed ({process.returncode})")
    return time.monotonic() - started, usage.ru_utime + usage.ru_stime


def malloc_calls(vigil, config, path, work, counter):
    out = os.path.join(work, "malloc-count.json")
    replay_seconds(vigil, config, path, work, env=dict(os.environ, LD_PRELOAD=counter, MALLOC_COUNT_OUT=out))  # noqa
    with open(out) as f:
        return json.load(f)["malloc_calls"]


def pipeline_only(vigil, config, work, large, counter, small=100_000):
    """Decode + window update + evaluation through `vigil replay`, start-up cancelled out."""
    paths = {}
    for count in (small, large):
        path = os.path.join(work, f"replay-{count}.jsonl")
        if not os.path.exists(path):
            log(f"writing {count} events for replay")
            events.write_jsonl(path, count, seed=3, start_millis=1_764_000_000_000, events_per_second=EVENT_RATE)
        paths[count] = path
    replay_seconds(vigil, config, paths[large], work)     # warm the page cache
    small_runs = [replay_seconds(vigil, config, paths[small], work) for _ in range(3)]
    large_runs = [replay_seconds(vigil, config, paths[large], work) for _ in range(2)]
    t_small, c_small = min(r[0] for r in small_runs), min(r[1] for r in small_runs)
    t_large, c_large = min(r[0] for r in large_runs), min(r[1] for r in large_runs)
    # Wall-clock rates suffer from the other users of the two cores; the CPU-time rate is what one
    # core of this machine does (replay is single-threaded apart from start-up).
    result = {"events": large, "seconds": t_large, "cpu_seconds": c_large,
              "events_per_second_including_startup": large / t_large,
              "events_per_second": (large - small) / (t_large - t_small),
              "events_per_cpu_second": (large - small) / (c_large - c_small),
              "small_events": small, "small_seconds": t_small, "small_cpu_seconds": c_small}
    if os.path.exists(counter):
        # Allocations per event: malloc calls of the two replays, start-up and report cancelled out.
        small_calls, large_calls = (malloc_calls(vigil, config, paths[n], work, counter) for n in (small, large))
        result.update(malloc_calls_small=small_calls, malloc_calls_large=large_calls,
                      allocations_per_event=(large_calls - small_calls) / (large - small))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vigil", default=os.path.join(ROOT, ".build", "release", "vigil"))
    parser.add_argument("--raw-consume", default=os.path.join(ROOT, ".build", "bench-e2e", "raw_consume"))
    parser.add_argument("--work", default=os.path.join(ROOT, ".build", "bench-e2e"))
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--python-events", type=int, default=500_000, help="(c) consumes this many of the events")
    parser.add_argument("--replay-events", type=int, default=1_000_000)
    parser.add_argument("--skip-python", action="store_true")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--guard", action="store_true", help="regression guard: 1M events, (a) and (b) only")
    parser.add_argument("--min-ratio", type=float, default=0.25, help="--guard fails below this (b)/(a)")
    parser.add_argument("--max-allocations", type=float, default=0.05, help="--guard fails above this many mallocs per event")
    args = parser.parse_args()
    if args.guard:
        args.events, args.skip_python, args.skip_replay = min(args.events, 1_000_000), True, True
    os.makedirs(args.work, exist_ok=True)

    config, profile, edges = prepare_reference(args.vigil, args.work)
    mean_bytes = 640
    partitions = max(8, math.ceil(args.events * mean_bytes * 1.2 / RETENTION_BYTES))
    results = {"events": args.events, "partitions": partitions, "cpus": os.cpu_count(),
               "loadavg_start": os.getloadavg()}
    broker = MockBroker(args.vigil, partitions)
    try:
        log(f"producing {args.events} events to {partitions} partitions on {broker.bootstrap}")
        results["produce"] = produce(broker.bootstrap, args.events, partitions)
        log(f"produced: {results['produce']['events_per_second']:.0f} events/s, {results['produce']['mean_bytes']:.0f} bytes/event")
        raw = [args.raw_consume, broker.bootstrap, TOPIC]
        log("(a) raw librdkafka batch consumption")
        results["raw"] = run_json(raw + ["bench-raw-1", str(args.events)], timeout=400)
        log(f"(a) {results['raw']['events_per_second']:.0f} events/s")
        log("(b) vigil run")
        results["vigil"] = run_vigil(args.vigil, config, broker.bootstrap, "bench-vigil-1", args.events)
        log(f"(b) {results['vigil']['events_per_second']:.0f} events/s")
        if not args.skip_python:
            python = os.environ.get("VIGIL_BENCH_PYTHON", sys.executable)
            count = min(args.events, args.python_events)
            log(f"(c) Python: confluent-kafka + json + numpy, {count} events")
            results["python"] = run_json([python, os.path.join(HERE, "python_consumer.py"), broker.bootstrap, TOPIC,
                                          "bench-python-1", str(count), edges], timeout=900)
            log(f"(c) {results['python']['events_per_second']:.0f} events/s")
        log("(a) again")
        results["raw_after"] = run_json(raw + ["bench-raw-2", str(args.events)], timeout=400)
        log(f"(a) {results['raw_after']['events_per_second']:.0f} events/s")
    finally:
        broker.stop()
    counter = os.path.join(os.path.dirname(args.raw_consume), "malloc_count.so")
    if args.guard and os.path.exists(counter):
        # Deterministic, so it needs no slack for noise: allocations per event of the whole pipeline.
        paths = {}
        for count in (50_000, 150_000):
            paths[count] = os.path.join(args.work, f"replay-{count}.jsonl")
            if not os.path.exists(paths[count]):
                events.write_jsonl(paths[count], count, seed=3, start_millis=1_764_000_000_000, events_per_second=EVENT_RATE)
        calls = {n: malloc_calls(args.vigil, config, p, args.work, counter) for n, p in paths.items()}
        results["allocations_per_event"] = (calls[150_000] - calls[50_000]) / 100_000
    if not args.skip_replay:
        log("pipeline only (vigil replay)")
        results["pipeline"] = pipeline_only(args.vigil, config, args.work, args.replay_events,
                                            os.path.join(os.path.dirname(args.raw_consume), "malloc_count.so"))
        log(f"pipeline {results['pipeline']['events_per_second']:.0f} events/s")
    results["loadavg_end"] = os.getloadavg()

    raw_rate = (results["raw"]["events_per_second"] + results["raw_after"]["events_per_second"]) / 2
    vigil_rate = results["vigil"]["events_per_second"]
    results["ratio_vigil_raw"] = vigil_rate / raw_rate
    rows = [("(a) raw librdkafka batch consume (mean of before/after)", f"{raw_rate:,.0f}", "ceiling"),
            ("(b) vigil run: decode + windows + drift + alerts", f"{vigil_rate:,.0f}", ""),
            ("(b)/(a)", f"{results['ratio_vigil_raw']:.2f}", ">= 0.7")]
    if "python" in results:
        results["ratio_vigil_python"] = vigil_rate / results["python"]["events_per_second"]
        rows.insert(2, ("(c) Python: confluent-kafka + json + numpy", f"{results['python']['events_per_second']:,.0f}", ""))
        rows.append(("(b)/(c)", f"{results['ratio_vigil_python']:.1f}", ">= 20"))
    if "pipeline" in results:
        rows.append(("pipeline only (vigil replay, start-up cancelled), wall clock", f"{results['pipeline']['events_per_second']:,.0f}", ">= 1,000,000"))
        rows.append(("pipeline only, per CPU second (user + system)", f"{results['pipeline']['events_per_cpu_second']:,.0f}", ">= 1,000,000"))
        if "allocations_per_event" in results["pipeline"]:
            rows.append(("pipeline allocations per event (malloc calls)", f"{results['pipeline']['allocations_per_event']:.4f}", "0"))
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nEnd-to-end, {args.events:,} events of {results['produce']['mean_bytes']:.0f} bytes, {partitions} partitions "
          f"(load average {results['loadavg_start'][0]:.1f} -> {results['loadavg_end'][0]:.1f}); events/s:")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>12}  {target}")
    print(f"  (a) before {results['raw']['events_per_second']:,.0f}, after {results['raw_after']['events_per_second']:,.0f}; "
          f"peak RSS: vigil {results['vigil'].get('peak_rss_mb', 0):.0f} MB, raw consumer {results['raw'].get('peak_rss_mb', 0):.0f} MB; results in {args.work}/results.json")
    if args.guard:
        ok = results["ratio_vigil_raw"] >= args.min_ratio
        print(f"bench-guard: (b)/(a) = {results['ratio_vigil_raw']:.2f}, threshold {args.min_ratio}: {'pass' if ok else 'FAIL'}")
        if "allocations_per_event" in results:
            allocations_ok = results["allocations_per_event"] <= args.max_allocations
            print(f"bench-guard: allocations per event = {results['allocations_per_event']:.4f}, "
                  f"threshold {args.max_allocations}: {'pass' if allocations_ok else 'FAIL'}")
            ok = ok and allocations_ok
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
