"""Start-up cost of `ddbtui bench --cluster` (#17), printed with the load stated.

Measures, each in a fresh interpreter (median of --repeat):
- the import cost of `ddbtui.bench.cluster` (dask + distributed) over a bare interpreter;
- LocalCluster(2 worker processes, loopback) start until both workers are registered, and its close.

Usage: PYTHONPATH=. python benchmarks/cluster_cost.py [--repeat 3]
- cancel: a `local:2` sync run against DynamoDB Local (benchmarks/_common.engine) is stopped
  at its first progress with items written (what Ctrl+C / Esc set); printed: time from that
  stop to run_cluster_benchmark returning (workers told, shards ended, cluster closed),
  beside the 2 s target; and the time from the call to the first progress with writes.
Coordinator CPU per delta is not measured here yet.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

from _common import conn_for, engine

_IMPORT = "import time; t=time.perf_counter(); import ddbtui.bench.cluster; print(time.perf_counter()-t)"
_BARE = "import time; t=time.perf_counter(); import ddbtui.bench.runner; print(time.perf_counter()-t)"
_CLUSTER = """
import time
from ddbtui.bench.cluster import ClusterSpec, _connect
t = time.perf_counter()
client, cluster = _connect(ClusterSpec(local_workers=2))
up = time.perf_counter() - t
t = time.perf_counter()
client.close(); cluster.close()
print(up, time.perf_counter() - t)
"""


def _run(code: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)
    return [float(x) for x in out.stdout.split()]


def _cancel_once(url: str) -> tuple[float, float, bool]:
    import threading
    import time

    from ddbtui.bench.cluster import ClusterSpec, run_cluster_benchmark
    from ddbtui.bench.runner import Settings

    stop = threading.Event()
    marks: dict[str, float] = {}

    def emit(kind: str, payload: object) -> None:
        if (kind == "snap" and isinstance(payload, dict) and payload.get("kind") == "progress"
                and payload.get("ok", 0) > 0 and not stop.is_set()):
            marks["stop"] = time.perf_counter()
            stop.set()

    t0 = time.perf_counter()
    doc = run_cluster_benchmark(Settings(strategies=["sync"], items=200_000, concurrency=4),
                                conn_for(url), ClusterSpec(local_workers=2), emit=emit, stop=stop)
    end = time.perf_counter()
    return end - marks.get("stop", end), marks.get("stop", end) - t0, not doc["complete"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    n = ap.parse_args().repeat
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min), {os.cpu_count()} cores")
    bare = statistics.median(_run(_BARE)[0] for _ in range(n))
    imp = statistics.median(_run(_IMPORT)[0] for _ in range(n))
    runs = [_run(_CLUSTER) for _ in range(n)]
    print(f"import ddbtui.bench.runner (single machine): {bare * 1000:.0f} ms")
    print(f"import ddbtui.bench.cluster (dask+distributed): {imp * 1000:.0f} ms "
          f"(+{(imp - bare) * 1000:.0f} ms only with --cluster)")
    print(f"LocalCluster(2 processes) up until both workers registered: "
          f"{statistics.median(r[0] for r in runs):.2f} s; close: {statistics.median(r[1] for r in runs):.2f} s")
    with engine() as (url, _name):
        for _ in range(n):
            took, first, cancelled = _cancel_once(url)
            print(f"cancel local:2 at first progress: run returned {took:.2f} s after stop "
                  f"(target 2 s; includes cluster close){'' if cancelled else ' [run was already complete]'}; "
                  f"call to first progress with writes: {first:.2f} s")
    print(f"load after: {os.getloadavg()[0]:.2f} (1-min); median of {n}")


if __name__ == "__main__":
    main()
