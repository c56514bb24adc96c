#!/usr/bin/env python3
"""Generates Tests/VigilAgentTests/Fixtures/replay/{events.jsonl,config.yaml,expected.json}.

The expected window numbers are computed here with numpy (independently of Vigil):
SPEC §5 windows (size 10m, slide 5m, lateness 0s, ends multiples of the slide),
SPEC §7 definitions: count of non-missing values, missing_ratio = missing / events,
mean, sample stddev (ddof=1), min, max, numpy.quantile (linear) at 0.5/0.9/0.99.

Run:  python3 scripts/gen_replay_fixture.py   (numpy 2.x; seeded, output is reproducible)
"""
import json, os
import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "VigilAgentTests", "Fixtures", "replay")
rng = np.random.default_rng(20261128)
SIZE, SLIDE = 600_000, 300_000
start = 1_790_000_000_000 - (1_790_000_000_000 % SLIDE)   # aligned to the slide

events = []   # (ts, line) of every line; accepted ones tracked separately
accepted = []
t = start + 1234
n = 0
while t < start + 40 * 60_000:                 # 40 minutes of traffic
    n += 1
    price = None if rng.random() < 0.07 else round(float(rng.lognormal(3.0, 0.7)), 2)
    qty = int(rng.integers(1, 6))
    country = str(rng.choice(["DE", "FR", "US", "JP"], p=[0.4, 0.3, 0.2, 0.1]))
    ev = {"model": "shop", "id": f"s-{n}", "ts": int(t),
          "features": {"price": price, "qty": qty, "country": country},
          "prediction": round(float(rng.random()), 4)}
    events.append(json.dumps(ev, separators=(",", ":")))
    accepted.append((t, price, qty))
    t += int(rng.integers(200, 1800))

# Shuffle within runs of 5 events that stay inside one slide-pane, so the stream is
# slightly out of order but never late (an event is late only once a window containing
# it all the way to its last window has closed).
lines = list(zip(accepted, events))
for i in range(0, len(lines) - 5, 5):
    block = lines[i:i + 5]
    if block[0][0][0] // SLIDE == block[-1][0][0] // SLIDE:
        perm = rng.permutation(5)
        lines[i:i + 5] = [block[j] for j in perm]
accepted = [a for a, _ in lines]
events = [e for _, e in lines]
# A late event at the end: ts in the first pane, long after its windows closed.
events.append(json.dumps({"model": "shop", "id": "late-1", "ts": start + 10,
                          "features": {"price": 1.0, "qty": 1, "country": "DE"}, "prediction": 0.5},
                         separators=(",", ":")))
# Two malformed lines and one for an unknown model.
events.insert(100, '{"model":"shop","features":[1,2]}')
events.insert(200, 'not json')
events.insert(300, '{"model":"other","ts":%d,"features":{}}' % (start + 5000))

ts = np.array([a[0] for a in accepted], dtype=np.int64)
price = np.array([np.nan if a[1] is None else a[1] for a in accepted])
qty = np.array([a[2] for a in accepted], dtype=float)

def stats(values, events):
    v = values[~np.isnan(values)]
    r = {"count": int(v.size), "missing_ratio": (events - v.size) / events}
    if v.size:
        r.update(mean=float(np.mean(v)), min=float(np.min(v)), max=float(np.max(v)),
                 quantiles={str(q): float(np.quantile(v, q)) for q in (0.5, 0.9, 0.99)})
        r["stddev"] = float(np.std(v, ddof=1)) if v.size > 1 else None
    return r

windows = []
first_end = (ts.min() // SLIDE + 1) * SLIDE
last_end = (ts.max() // SLIDE) * SLIDE + SIZE
for end in range(int(first_end), int(last_end) + 1, SLIDE):
    m = (ts >= end - SIZE) & (ts < end)
    e = int(m.sum())
    windows.append({"start_ms": end - SIZE, "end_ms": end, "events": e,
                    "price": stats(price[m], e), "qty": stats(qty[m], e)})

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "events.jsonl"), "w") as f:
    f.write("\n".join(events) + "\n")
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({"generator": "scripts/gen_replay_fixture.py", "numpy": np.__version__,
               "accepted": len(accepted), "rejected": {"malformed": 2, "unknown_model": 1, "late": 1},
               "windows": windows}, f, indent=1)
with open(os.path.join(out, "config.yaml"), "w") as f:
    f.write("""# Replay fixture (scripts/gen_replay_fixture.py)
models:
  - name: shop
    task: binary_classification
    features:
      - {name: price, type: numeric}
      - {name: qty, type: numeric}
      - {name: country, type: categorical}
    window: {size: 10m, slide: 5m, lateness: 0s}
""")
print(len(accepted), "accepted events,", len(windows), "windows")
