#!/usr/bin/env python3
"""Turns JMH JSON results of the Runnel benchmarks into Markdown tables.

Usage: python3 runnel-bench/jmh-tables.py RESULT.json [MORE.json ...]

Throughput (RingThroughput): producer rate, delivered/s and missed/s per reader, loss %,
values lost per lag event, and gc.alloc.rate.norm if the run used -prof gc.
Latency (RingLatency): p50 / p90 / p99 / p99.9 / p99.99 / max in microseconds.
Allocation (BufferAlloc): ns/op and gc.alloc.rate.norm.
Only the standard library is used.
"""
import json
import sys


def short(name):
    cls, method = name.rsplit(".", 2)[-2:]
    return cls, method


def fmt_rate(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M/s"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k/s"
    return f"{v:.0f} /s"


def fmt_err(m):
    err = m.get("scoreError")
    if isinstance(err, (int, float)) and err == err:  # not NaN
        return f" ± {err / max(abs(m['score']), 1e-300) * 100:.0f}%"
    return ""


def secondary(e, key):
    m = e.get("secondaryMetrics", {}).get(key)
    return None if m is None else m["score"]


def impl_order(e):
    order = ["runnel", "runnel-spin", "disruptor-blocking", "disruptor-yielding", "abq"]
    impl = e["params"].get("impl", "")
    return (int(e["params"].get("capacity", 0)), int(e["params"].get("readers", 0)),
            order.index(impl) if impl in order else 99, impl)


def throughput(rows):
    print("### Throughput: 1 producer -> N readers (values/s)\n")
    print("| capacity | readers | impl | producer | delivered/reader | missed/reader | loss % "
          "| values lost per lag | alloc B/value |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for e in sorted(rows, key=impl_order):
        p = e["params"]
        pm = e["primaryMetric"]
        delivered = secondary(e, "deliveredPerReader")
        missed = secondary(e, "missedPerReader") or 0.0
        lags = secondary(e, "lagEventsPerReader") or 0.0
        total = (delivered or 0.0) + missed
        loss = f"{missed / total * 100:.1f}" if total > 0 else "-"
        per_lag = f"{missed / lags:.0f}" if lags > 0 else "-"
        alloc = secondary(e, "gc.alloc.rate.norm")
        alloc = "-" if alloc is None else f"{alloc:.3f}"
        print(f"| {p.get('capacity', '-')} | {p['readers']} | {p['impl']} | {fmt_rate(pm['score'])}{fmt_err(pm)} "
              f"| {fmt_rate(delivered)} | {fmt_rate(missed)} | {loss} | {per_lag} | {alloc} |")
    print()


def latency(rows):
    print("### Latency: publish one value -> received by all N readers (µs)\n")
    print("| readers | impl | samples | p50 | p90 | p99 | p99.9 | p99.99 | max |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for e in sorted(rows, key=impl_order):
        p = e["params"]
        pm = e["primaryMetric"]
        pct = pm["scorePercentiles"]
        scale = {"ns/op": 1e-3, "us/op": 1.0, "ms/op": 1e3}.get(pm["scoreUnit"], 1.0)
        hist = pm.get("rawDataHistogram") or []  # forks -> iterations -> [value, count]
        samples = sum(c for fork in hist for it in fork for _, c in it) or "-"
        cells = " | ".join(f"{pct[k] * scale:.2f}"
                           for k in ("50.0", "90.0", "99.0", "99.9", "99.99", "100.0"))
        print(f"| {p['readers']} | {p['impl']} | {samples} | {cells} |")
    print()


def alloc(rows):
    print("### Single-threaded produce + tryRecv\n")
    print("| benchmark | ns/op | alloc B/op |")
    print("|---|---:|---:|")
    for e in sorted(rows, key=lambda e: e["benchmark"]):
        pm = e["primaryMetric"]
        a = secondary(e, "gc.alloc.rate.norm")
        a = "- (run with -prof gc)" if a is None else f"{a:.4f}"
        print(f"| {short(e['benchmark'])[1]} | {pm['score']:.2f}{fmt_err(pm)} | {a} |")
    print()


def main(paths):
    if not paths:
        sys.exit(__doc__)
    entries = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            entries.extend(json.load(f))
    groups = {}
    for e in entries:
        groups.setdefault(short(e["benchmark"])[0], []).append(e)
    if "RingThroughput" in groups:
        throughput(groups.pop("RingThroughput"))
    if "RingLatency" in groups:
        latency(groups.pop("RingLatency"))
    if "BufferAlloc" in groups:
        alloc(groups.pop("BufferAlloc"))
    for name in groups:
        print(f"(no table for {name})", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
