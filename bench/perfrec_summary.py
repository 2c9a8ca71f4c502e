#!/usr/bin/env python3
"""perfrec_summary.py RUNS POSTPROCESS — markdown tables of lp-perfrec's
overhead per mode (medians, overhead vs base with a bootstrap 95% CI) and
of its post-processing against perf script.  Input from bench/perfrec.sh."""
import json
import random
import statistics
import sys

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pp = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
random.seed(1)  # the interval's resampling, not the data


def ci(base, other, n=2000):
    """bootstrap 95% interval of (median(other)/median(base) - 1) * 100"""
    est = []
    for _ in range(n):
        b = statistics.median(random.choices(base, k=len(base)))
        o = statistics.median(random.choices(other, k=len(other)))
        est.append((o / b - 1) * 100)
    est.sort()
    return est[int(0.025 * n)], est[int(0.975 * n)]


targets = {"counting": 2, "sampling": 10, "alloc": 5, "syscalls": None}
groups = {}
for r in runs:
    g = groups.setdefault((r["func"], r["impl"]), {})
    m = g.setdefault(r["mode"], {"init": [], "dur": []})
    m["init"] += r["init_ms"]
    m["dur"] += r["duration_ms"]

print("| function | mode | n | init_ms median | init overhead % (95% CI) | duration_ms median | duration overhead % (95% CI) | target |")
print("|---|---|---|---|---|---|---|---|")
for (f, i), g in sorted(groups.items()):
    base = g["base"]
    bi, bd = statistics.median(base["init"]), statistics.median(base["dur"])
    print(f"| {f}-{i} | base | {len(base['init'])} | {bi:.3f} | — | {bd:.3f} | — | |")
    for mode in ("counting", "sampling", "syscalls", "alloc"):
        m = g.get(mode)
        if not m or not m["init"]:
            continue
        mi, md = statistics.median(m["init"]), statistics.median(m["dur"])
        li, hi = ci(base["init"], m["init"])
        ld, hd = ci(base["dur"], m["dur"])
        t = targets[mode]
        print(f"| {f}-{i} | {mode} | {len(m['init'])} | {mi:.3f} | {(mi / bi - 1) * 100:+.1f} ({li:+.1f} … {hi:+.1f}) "
              f"| {md:.3f} | {(md / bd - 1) * 100:+.1f} ({ld:+.1f} … {hd:+.1f}) | {'< %d %%' % t if t else '—'} |")

print()
print("| post-processing | cold starts | samples | post-processing ms | wall ms |")
print("|---|---|---|---|---|")
for p in pp:
    print(f"| {p['tool']} | {p['cold_starts']} | {p['samples']} | {p['postprocess_ms']:.0f} | {p['wall_ms']} |")
