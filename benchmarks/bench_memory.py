"""Flat memory in run size: the bench engine's RSS and start delay at 10k, 1M and 10M items.

Items are generated on demand from (seed, index), so a run's memory must not depend on its
item count. For each count, one run of the `aiohttp` strategy through the real engine
(`runner.start_run`: its own process) writes for --seconds, then is cancelled (a 1M or
10M run would take hours on a local engine; what matters is what the engine holds while it
writes). Sampled from /proc every 0.1 s: the engine's RSS and peak RSS (VmHWM), and the
time from start_run to the first item written. The slope is (RSS at 10M - RSS at 10k) per
added item; the eager list this replaced is measured too (RSS growth per generated item,
in a child process) and extrapolated to each count.

    .venv/bin/python benchmarks/bench_memory.py                 # 10k, 1M, 10M, 8 s each
    .venv/bin/python benchmarks/bench_memory.py --seconds 5 --counts 10000,1000000

Targets: engine peak RSS < 200 MB at every count; slope ~0 B/item (flat).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import PY, ROOT, conn_for, emit_json, engine, machine_line

TARGET_MB = 200.0


def _proc_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def one(conn, items: int, seconds: float, concurrency: int) -> dict:
    from ddbtui.bench.runner import Settings, start_run

    t0 = time.perf_counter()
    h = start_run(Settings(strategies=["aiohttp"], items=items, concurrency=concurrency), conn)
    first_write = None
    writing_since = None
    rss_mb = hwm_mb = 0.0
    done = 0
    while not h.done:
        for snap in h.poll():
            done = max(done, snap.done)
            if snap.done > 0 and first_write is None:
                first_write = time.perf_counter() - t0
                writing_since = time.perf_counter()
        pid = h.pid
        if pid:
            rss = _proc_kb(pid, "VmRSS")
            hwm = _proc_kb(pid, "VmHWM")
            if rss:
                rss_mb = rss / 1024
            if hwm:
                hwm_mb = max(hwm_mb, hwm / 1024)
        if writing_since is not None and time.perf_counter() - writing_since > seconds:
            h.cancel()
            break
        if time.perf_counter() - t0 > seconds + 120:
            h.cancel()
            break
        time.sleep(0.1)
    h.join(timeout=60)
    return {"items": items, "first_write_s": first_write, "rss_mb": rss_mb, "peak_rss_mb": hwm_mb,
            "written": done}


EAGER = r"""
import resource, sys
sys.path.insert(0, %r)
from ddbtui.bench.workload import Workload
w = Workload("books", 42)
w.ddb_item(0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
items = []
for s in range(0, %d, 2000):
    items.extend(w.ddb_items(2000, s))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024 / len(items))
"""


def eager_bytes_per_item(n: int = 100_000) -> float:
    """RSS growth per item of the list the engine used to build up front (in a child)."""
    p = subprocess.run([PY, "-c", EAGER % (str(ROOT), n)], capture_output=True, text=True, timeout=300)
    return float(p.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="10000,1000000,10000000")
    ap.add_argument("--seconds", type=float, default=8.0, help="writing time per count before cancelling")
    ap.add_argument("-c", "--concurrency", type=int, default=32)
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    counts = [int(x) for x in a.counts.split(",")]
    print(f"bench engine memory vs run size: aiohttp strategy, {a.seconds:.0f} s of writing per count, then cancel")
    print(machine_line(), flush=True)
    rows = []
    with engine() as (url, eng_name):
        conn = conn_for(url, eng_name)
        for n in counts:
            r = one(conn, n, a.seconds, a.concurrency)
            rows.append(r)
            print(f"  {n:>12,} items: first write after {r['first_write_s'] or float('nan'):.2f} s, RSS "
                  f"{r['rss_mb']:.0f} MB, peak {r['peak_rss_mb']:.0f} MB ({r['written']:,} written)", flush=True)
    eager = eager_bytes_per_item()
    lo, hi = rows[0], rows[-1]
    slope = ((hi["peak_rss_mb"] - lo["peak_rss_mb"]) * 1024 * 1024 / (hi["items"] - lo["items"])
             if hi["items"] != lo["items"] else 0.0)
    peak = max(r["peak_rss_mb"] for r in rows)
    met = peak < TARGET_MB
    print(f"\n{'items':>12} {'first write':>12} {'peak RSS':>9} {'eager list would hold':>22}")
    for r in rows:
        print(f"{r['items']:>12,} {r['first_write_s'] or float('nan'):>11.2f}s {r['peak_rss_mb']:>7.0f}MB "
              f"{eager * r['items'] / 2**20:>19,.0f} MB")
    print(f"slope: {slope:+.4f} B of peak RSS per added item (the eager list: {eager:,.0f} B/item)")
    print(f"target: engine peak RSS < {TARGET_MB:.0f} MB at every count: {peak:.0f} MB ({'met' if met else 'MISSED'})")
    print("  " + machine_line())
    emit_json(a.json, {"rows": rows, "slope_b_per_item": slope, "eager_b_per_item": eager, "peak_mb": peak,
                       "target_mb": TARGET_MB, "met": met, "seconds": a.seconds, "machine": machine_line()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
