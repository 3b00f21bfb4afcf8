"""Start-up cost of `ddbtui bench --cluster` (#17), printed with the load stated.

Measures, each in a fresh interpreter (median of --repeat):
- the import cost of `ddbtui.bench.cluster` (dask + distributed) over a bare interpreter;
- LocalCluster(2 worker processes, loopback) start until both workers are registered, and its close.

Usage: PYTHONPATH=. python benchmarks/cluster_cost.py [--repeat 3]
Time to first write on the workers, coordinator CPU per delta and the cancel time are not
measured here yet (see the README's "Not built yet").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

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
    print(f"load after: {os.getloadavg()[0]:.2f} (1-min); median of {n}")


if __name__ == "__main__":
    main()
