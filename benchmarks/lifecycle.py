"""How fast children go when their parent dies (target: < 2 s), and how fast `ddbtui bench`
stops on SIGTERM (target: < 2 s, exit 143, partial result saved).

    PYTHONPATH=. .venv/bin/python benchmarks/lifecycle.py

Starts DynamoDB Local (in memory), then for each signal runs
`tests/integration/lifecycle_driver.py` (a local moto engine, a BenchSession with its fault
proxy, the bench engine and a worker process), kills the driver and times until every
descendant recorded before is gone. Prints one line per case and the machine's load.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from ddbtui.local.engine import LocalEngine

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _gone_after(pids: set[int], limit: float = 30.0) -> float:
    t = time.monotonic()
    while any(_alive(p) for p in pids) and time.monotonic() - t < limit:
        time.sleep(0.01)
    return time.monotonic() - t


def driver_case(endpoint: str, sig: int) -> str:
    p = subprocess.Popen([sys.executable, "-m", "tests.integration.lifecycle_driver", endpoint,
                          "--with-engine", "--workers"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    line = ""
    while not line.startswith("READY "):
        line = p.stdout.readline()
        if not line and p.poll() is not None:
            return f"{signal.Signals(sig).name}: driver failed"
    info = json.loads(line[6:])
    kids = {k.pid for k in psutil.Process(info["pid"]).children(recursive=True)}
    os.kill(info["pid"], sig)
    took = _gone_after({info["pid"]} | kids)
    left = [k for k in kids if _alive(k)]
    p.wait(10)
    return (f"parent killed by {signal.Signals(sig).name:<8} {len(kids)} children gone in {took:5.2f} s"
            + (f"  LEFT: {left}" if left else ""))


def bench_sigterm(endpoint: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "r.json"
        p = subprocess.Popen([sys.executable, "-m", "ddbtui", "bench", "--endpoint-url", endpoint,
                              "--strategies", "processes", "--processes", "1", "--items", "200000",
                              "--concurrency", "2", "--latency-ms", "2", "--plain", "--json", str(out),
                              "--no-save"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        line = ""
        while "items/s" not in line:
            line = p.stdout.readline()
            if not line and p.poll() is not None:
                return "ddbtui bench failed to start"
        kids = {k.pid for k in psutil.Process(p.pid).children(recursive=True)}
        t = time.monotonic()
        os.kill(p.pid, signal.SIGTERM)
        rc = p.wait(30)
        exited = time.monotonic() - t
        gone = _gone_after(kids) + exited
        doc = json.loads(out.read_text())
        return (f"ddbtui bench SIGTERM: exit {rc} in {exited:.2f} s, children gone in {gone:.2f} s, "
                f"result complete={doc['complete']} stopped_by={doc.get('stopped_by')}")


def main() -> None:
    with LocalEngine(engine="dynamodb-local", in_memory=True) as eng:
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            print(driver_case(eng.endpoint_url, sig), flush=True)
        print(bench_sigterm(eng.endpoint_url), flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
