#!/usr/bin/env python3
"""Footprint measurements (issue 11): `make bench-footprint` runs them; see README "Performance".

All use the standard configuration: the standard event's 25 features (events.py), a 5-minute
window sliding every minute, a 100,000-value reference sample per feature (a profile built by
`vigil baseline`), alert rules; events stamped by processing time, sent by `vigil produce --rate`
to a `vigil mock-broker` with enough partitions that a burst stays within its retention.

  startup  start-to-ready: from exec to the "HTTP server listening." log line and to the first
           200 from /healthz (the consumer-group join is not waited for); median of 5.
  cpu      CPU at a steady 5,000 events/s: utime+stime of the vigil process (/proc/PID/stat) over
           a fixed interval after a warm-up, as a share of one core.
  soak     RSS (/proc/PID/status VmRSS) every 30 s at a steady 20,000 events/s for --minutes,
           then a 10x burst (200,000 events/s requested) for 60 s, then 60 s back at 20,000.
  size     size of the release binary (plain and stripped) and of a --static-swift-stdlib build
           when one exists (.build/static-build/release/vigil; `make release-static` builds it).
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import events  # noqa: E402
from bench_e2e import MockBroker, free_port, metric, scrape, prepare_reference  # noqa: E402

TOPIC = "soak-events"
# The mock keeps ~5 MiB per partition: 256 partitions hold ~10 s of the 200,000 events/s burst, so
# a consumer that falls behind during it is not reset to the end by the mock's retention.
PARTITIONS = 256
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[footprint] {message}", file=sys.stderr, flush=True)


def standard_config(work, profile, max_window_samples=None):
    name = f"standard-cap{max_window_samples}.yaml" if max_window_samples else "standard.yaml"
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(events.config_yaml(profile, window="{size: 5m, slide: 1m, lateness: 30s}", start_from="latest", topic=TOPIC,
                                   max_window_samples=max_window_samples))
    return path


LABELS = True


def event_file(work):
    path = os.path.join(work, "live-events.jsonl" if LABELS else "live-events-unlabelled.jsonl")
    if not os.path.exists(path):
        bodies = events.feature_bodies(20_000, seed=4)
        with open(path, "w") as f:
            for i, body in enumerate(bodies):
                f.write(events.event_without_ts(i, body, with_label=LABELS) + "\n")
    return path


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS   # utime, stime


def threads(pid):
    """Per thread name: CPU seconds (user + system) and context switches (voluntary + involuntary)."""
    result = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
            name = head.split("(", 1)[1]
            fields = tail.split()
            switches = 0
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
        except OSError:
            continue
        cpu_s, ctx = result.get(name, (0.0, 0))
        result[name] = (cpu_s + (int(fields[11]) + int(fields[12])) / CLOCK_TICKS, ctx + switches)
    return result


def thread_deltas(before, after, seconds):
    """CPU % of one core and context switches per second, per thread name, busiest first."""
    rows = {name: {"cpu_percent": 100 * (cpu_s - before.get(name, (0.0, 0))[0]) / seconds,
                   "switches_per_second": (ctx - before.get(name, (0.0, 0))[1]) / seconds}
            for name, (cpu_s, ctx) in after.items()}
    return dict(sorted(rows.items(), key=lambda item: -item[1]["cpu_percent"]))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Agent:
    def __init__(self, vigil, config, bootstrap, group, log_level="warning"):
        self.port = free_port()
        env = dict(os.environ, VIGIL_BENCH_BROKERS=bootstrap, VIGIL_BENCH_GROUP=group, VIGIL_BENCH_PORT=str(self.port))
        self.started = time.monotonic()
        self.process = subprocess.Popen([vigil, "run", "--config", config, "--log-level", log_level, "--log-format", "json"],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def messages(self):
        return metric(scrape(self.url + "/metrics"), "vigil_kafka_messages_total", TOPIC)

    def wait_consuming(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.messages() > 0:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the agent consumed nothing")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Producer:
    def __init__(self, vigil, bootstrap, path, rate):
        self.process = subprocess.Popen([vigil, "produce", "--brokers", bootstrap, "--topic", TOPIC, "--input", path,
                                         "--rate", str(rate), "--loop", "--log-level", "warning"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def startup(vigil, config, runs=5):
    broker = MockBroker(vigil, PARTITIONS, TOPIC)
    log_times, health_times = [], []
    try:
        for run in range(runs):
            agent = Agent(vigil, config, broker.bootstrap, f"startup-{run}", log_level="info")
            try:
                listening = None
                for line in agent.process.stderr:
                    if "HTTP server listening" in line:
                        listening = time.monotonic() - agent.started
                        break
                healthy = None
                while healthy is None and time.monotonic() - agent.started < 30:
                    try:
                        with urllib.request.urlopen(agent.url + "/healthz", timeout=2) as r:
                            if r.status == 200:
                                healthy = time.monotonic() - agent.started
                    except OSError:
                        time.sleep(0.005)
                log_times.append(listening)
                health_times.append(healthy)
            finally:
                agent.stop()
    finally:
        broker.stop()
    return {"runs": runs, "http_listening_seconds": log_times, "healthz_seconds": health_times,
            "median_http_listening_seconds": statistics.median(log_times),
            "median_healthz_seconds": statistics.median(health_times)}


def cpu(vigil, config, work, rate=5000, warmup=20, interval=60):
    broker = MockBroker(vigil, 8, TOPIC)
    agent = Agent(vigil, config, broker.bootstrap, "cpu")
    producer = None
    try:
        time.sleep(1)
        producer = Producer(vigil, broker.bootstrap, event_file(work), rate)
        agent.wait_consuming()
        time.sleep(warmup)
        c0, m0, t0, th0 = cpu_seconds(agent.process.pid), agent.messages(), time.monotonic(), threads(agent.process.pid)
        time.sleep(interval)
        c1, m1, t1, th1 = cpu_seconds(agent.process.pid), agent.messages(), time.monotonic(), threads(agent.process.pid)
        result = {"requested_rate": rate, "interval_seconds": t1 - t0, "events_per_second": (m1 - m0) / (t1 - t0),
                  "cpu_seconds": c1 - c0, "cpu_percent_of_one_core": 100 * (c1 - c0) / (t1 - t0),
                  "rss_mb": rss_mb(agent.process.pid), "threads": thread_deltas(th0, th1, t1 - t0)}
    finally:
        if producer:
            producer.stop()
        agent.stop()
        broker.stop()
    return result


def soak(vigil, config, work, minutes, rate=20_000, burst_factor=10, sample_every=30):
    broker = MockBroker(vigil, PARTITIONS, TOPIC)
    agent = Agent(vigil, config, broker.bootstrap, "soak")
    producer = None
    samples = []
    try:
        time.sleep(1)
        producer = Producer(vigil, broker.bootstrap, event_file(work), rate)
        agent.wait_consuming()
        start = time.monotonic()
        last_messages, last_time, last_cpu = agent.messages(), start, cpu_seconds(agent.process.pid)

        def sample(phase):
            nonlocal last_messages, last_time, last_cpu
            now, messages, cpu_now = time.monotonic(), agent.messages(), cpu_seconds(agent.process.pid)
            entry = {"t": round(now - start, 1), "phase": phase, "rss_mb": round(rss_mb(agent.process.pid), 1),
                     "events_per_second": round((messages - last_messages) / (now - last_time)),
                     "cpu_percent": round(100 * (cpu_now - last_cpu) / (now - last_time), 1)}
            last_messages, last_time, last_cpu = messages, now, cpu_now
            samples.append(entry)
            log(json.dumps(entry))

        sample("steady")
        while time.monotonic() - start < minutes * 60:
            time.sleep(sample_every)
            sample("steady")
        producer.stop()
        producer = Producer(vigil, broker.bootstrap, event_file(work), rate * burst_factor)
        burst_start = time.monotonic()
        while time.monotonic() - burst_start < 60:
            time.sleep(10)
            sample("burst")
        producer.stop()
        producer = Producer(vigil, broker.bootstrap, event_file(work), rate)
        after_start = time.monotonic()
        while time.monotonic() - after_start < 60:
            time.sleep(15)
            sample("after")
        with open(f"/proc/{agent.process.pid}/status") as f:
            peak = next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
    finally:
        if producer:
            producer.stop()
        agent.stop()
        broker.stop()
    steady = [s["rss_mb"] for s in samples if s["phase"] == "steady"]
    # The window (5 min) is full after 5 minutes: "flat" is judged on the samples after that.
    full = [s["rss_mb"] for s in samples if s["phase"] == "steady" and s["t"] >= 330] or steady
    return {"rate": rate, "minutes": minutes, "samples": samples, "peak_rss_mb": peak,
            "steady_max_rss_mb": max(steady), "full_window_min_rss_mb": min(full), "full_window_max_rss_mb": max(full),
            "burst_max_rss_mb": max(s["rss_mb"] for s in samples if s["phase"] == "burst")}


def size(vigil):
    result = {}
    for name, path in [("release", vigil), ("release_static_stdlib", os.path.join(ROOT, ".build", "static-build", "release", "vigil"))]:
        if not os.path.exists(path):
            continue
        stripped = os.path.join("/tmp", f"vigil-stripped-{os.getpid()}")
        subprocess.run(["strip", "-o", stripped, path], check=True)
        result[name] = {"path": path, "bytes": os.path.getsize(path), "stripped_bytes": os.path.getsize(stripped)}
        os.remove(stripped)
        libs = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        result[name]["swift_libraries_linked"] = sum(1 for line in libs.splitlines() if "/swift/" in line or "libswift" in line or "libFoundation" in line)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # No `choices=` here: argparse checks a list default against them as one value and rejects it
    # (Python 3.11), which made the argument-less `make bench-footprint` fail.
    parser.add_argument("what", nargs="*", default=["size", "startup", "cpu", "soak"], help="size, startup, cpu and/or soak (default: all)")
    parser.add_argument("--vigil", default=os.path.join(ROOT, ".build", "release", "vigil"))
    parser.add_argument("--work", default=os.path.join(ROOT, ".build", "bench-e2e"))
    parser.add_argument("--minutes", type=float, default=10.5, help="soak: minutes at the steady rate")
    parser.add_argument("--interval", type=float, default=60, help="cpu: seconds measured")
    parser.add_argument("--no-labels", action="store_true",
                        help="events without labels (no per-event ROC AUC pairs kept); results get the suffix -unlabelled")
    parser.add_argument("--max-window-samples", type=int, metavar="N",
                        help="the model's max_window_samples (default: the SPEC's 100,000); results get the suffix -capN")
    args = parser.parse_args()
    global LABELS
    LABELS = not args.no_labels
    suffix = ("-unlabelled" if args.no_labels else "") + (f"-cap{args.max_window_samples}" if args.max_window_samples else "")
    os.makedirs(args.work, exist_ok=True)
    _, profile, _ = prepare_reference(args.vigil, args.work)
    config = standard_config(args.work, profile, args.max_window_samples)
    results = {}
    unknown = [what for what in args.what if what not in ("size", "startup", "cpu", "soak")]
    if unknown:
        parser.error(f"unknown measurement {', '.join(unknown)} (choose from size, startup, cpu, soak)")
    for what in args.what:
        log(f"{what}…")
        if what == "size":
            results["size"] = size(args.vigil)
        elif what == "startup":
            results["startup"] = startup(args.vigil, config)
        elif what == "cpu":
            results["cpu"] = cpu(args.vigil, config, args.work, interval=args.interval)
        elif what == "soak":
            results["soak"] = soak(args.vigil, config, args.work, args.minutes)
        print(json.dumps({what: results[what]}, indent=2), flush=True)
        with open(os.path.join(args.work, f"footprint-{what}{suffix}.json"), "w") as f:
            json.dump(results[what], f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
