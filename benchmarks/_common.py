"""Shared helpers for the benchmark scripts (not a benchmark itself).

- `engine()`: a context manager yielding a started local engine (DynamoDB Local in
  memory; `DDBTUI_BENCH_ENDPOINT` reuses an engine already running there instead).
- `conn_for(url)`: a ddbtui Connection for a local endpoint.
- `proxy_process(target, **fault)`: the fault proxy in its own process (the client
  machine's GIL is then not shared with it), yields its URL.
- `run_strategy(...)`: one ddbtui strategy run through the real benchmark engine
  (`runner.start_run`: its own process, setup excluded from the measured window), returns
  the run record.
- `median`, `fmt_ratio`, `emit_json`: reporting.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PY = sys.executable
REGION = "us-east-1"


def conn_for(url: str, engine: str = "dynamodb-local"):
    from ddbtui.config import Connection

    return Connection(region=REGION).with_endpoint(url, engine=engine)


@contextlib.contextmanager
def engine(name: str = "dynamodb-local"):
    """Yield (endpoint_url, engine name)."""
    url = os.environ.get("DDBTUI_BENCH_ENDPOINT")
    if url:
        yield url, name
        return
    from ddbtui.local.engine import LocalEngine

    eng = LocalEngine(engine=name, in_memory=True)
    eng.start()
    try:
        yield eng.endpoint_url, eng.chosen
    finally:
        eng.stop()


@contextlib.contextmanager
def proxy_process(target: str, *, latency_ms: float = 0.0, jitter_ms: float = 0.0, seed: int = 1):
    """`python -m ddbtui.local.proxy` in its own process; yields its URL."""
    from ddbtui.local.engine import free_port

    port = free_port()
    args = [PY, "-m", "ddbtui.local.proxy", "--target", target, "--port", str(port),
            "--latency-ms", str(latency_ms), "--jitter-ms", str(jitter_ms), "--fault-seed", str(seed)]
    p = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while not _up(url):
            if p.poll() is not None:
                raise RuntimeError(f"proxy exited: {p.stderr.read().decode()[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("proxy did not start in 20 s")
            time.sleep(0.1)
        yield url
    finally:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _up(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/__ddbtui/stats", timeout=0.5) as r:
            return r.status == 200
    except Exception:
        return False


def run_strategy(conn, strategy: str, items: int, concurrency: int, *, admin_conn=None,
                 proxy_url: str | None = None, retry_mode: str = "standard", processes: int = 0,
                 timeout: float = 300) -> dict:
    """One run of one ddbtui strategy through `runner.start_run`; the run record."""
    from ddbtui.bench.runner import Settings, start_run

    s = Settings(strategies=[strategy], items=items, concurrency=concurrency, retry_mode=retry_mode,
                 processes=processes, proxy_url=proxy_url)
    h = start_run(s, conn, admin_conn=admin_conn)
    doc = h.join(timeout=timeout)
    if doc is None:
        h.kill()
        raise RuntimeError(f"{strategy}: no result in {timeout} s")
    if doc.get("error") or not doc["runs"]:
        raise RuntimeError(f"{strategy}: {doc.get('error')}")
    r = doc["runs"][0]
    if r.get("error") or r.get("failed") or r.get("lost"):
        raise RuntimeError(f"{strategy}: error={r.get('error')} failed={r.get('failed')} lost={r.get('lost')} "
                           f"first={r.get('first_error')}")
    return r


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs) -> str:
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return ""
    return f"{min(xs):,.0f}…{max(xs):,.0f}"


def emit_json(path: str | None, doc: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(doc, indent=2, default=str))


def machine_line() -> str:
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return f"machine: {os.cpu_count()} cores, load average {load:.2f} at start (timings are noisy: ratios matter)"


def strip_ansi(s: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def replace(conn, url):
    return dataclasses.replace(conn, endpoint_url=url)


def warm_engine(url: str, items: int = 4000, concurrency: int = 32) -> float:
    """Write `items` PutItems (raw client) into a scratch table and delete it: DynamoDB Local's
    JIT is cold after start and the first measured run would pay for it. Returns seconds."""
    import asyncio
    import uuid

    from ddbtui.bench.workload import Workload
    from ddbtui.dynamo.clients import new_client
    from ddbtui.dynamo.raw import RawDynamoClient
    from ddbtui.dynamo.tables import create_table, delete_table

    t0 = time.perf_counter()
    conn = conn_for(url)
    admin = new_client(conn)
    table = f"warm-{uuid.uuid4().hex[:8]}"
    create_table(admin, Workload("books").table_spec(table), wait=True)
    data = Workload("books", 7).ddb_items(items)

    async def go():
        async with RawDynamoClient.from_connection(conn, max_connections=concurrency) as c:
            sem = asyncio.Semaphore(concurrency)

            async def put(it):
                async with sem:
                    await c.put_item(table, it)

            await asyncio.gather(*(put(i) for i in data))
            for i in range(0, len(data), 25):
                await c.batch_write(table, data[i:i + 25])

    asyncio.run(go())
    delete_table(admin, table, wait=False)
    return time.perf_counter() - t0
