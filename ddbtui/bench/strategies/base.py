"""What every strategy gets (`StrategyContext`) and shared helpers for boto3 and raw calls.

A strategy is a function `run(ctx: StrategyContext) -> None` that writes `ctx.items` (DynamoDB
JSON: a list generated before the run when it fits in the runner's pre-build cap, else a
lazy `ItemSequence` generated on demand and never held; iterate it or share one
`iter(ctx.items)` between workers — both are thread-safe) to `ctx.table`. It does its setup (clients, sessions, pools,
worker processes), then calls `ctx.begin()` — the measured window (wall clock and client CPU)
starts there — and returns when every item is written or given up on, or soon after
`ctx.stop` is set (cancel). Each request goes to `ctx.recorder.record(...)`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ddbtui.bench.recorder import Recorder
from ddbtui.config import Connection
from ddbtui.dynamo.clients import raw_client as build
from ddbtui.dynamo.errors import error_code, is_throttle_code
from ddbtui.dynamo.raw import CallInfo

T = TypeVar("T")
RETRY_MODES = ("none", "standard", "adaptive", "legacy")
# Attempts in all for the raw client, matching botocore's defaults per mode
# (standard/adaptive: 3; legacy: DynamoDB's 10).
RAW_ATTEMPTS = {"none": 1, "standard": 3, "adaptive": 3, "legacy": 10}
# Requests under load (or behind a fault proxy's latency) may take long: a generous read
# timeout for the measured requests; connect timeouts stay short (dynamo.clients).
BENCH_READ_TIMEOUT = 30.0


def cpu_seconds() -> float:
    """user + sys CPU of this process, all its threads (CLOCK_PROCESS_CPUTIME_ID: ns
    resolution, where os.times() ticks in 10 ms steps)."""
    return time.process_time()


@dataclass
class StrategyContext:
    conn: Connection
    table: str
    items: Sequence[dict]  # a list, or a lazy ItemSequence (same API)
    concurrency: int
    recorder: Recorder
    stop: threading.Event = field(default_factory=threading.Event)
    retry_mode: str = "standard"
    max_attempts: int | None = None
    processes: int = 0  # 0: one per CPU core (processes strategy)
    # filled in by begin() / the strategy
    t_begin: float | None = None
    cpu_begin: float | None = None
    child_cpu: float = 0.0  # CPU reported by worker processes for their measured window
    used_concurrency: int | None = None
    notes: list[str] = field(default_factory=list)
    # mixed / open-loop runs (bench/mixed.py): the LoadSpec, the workload, OpStats, PaceStats
    load: Any = None
    workload: Any = None
    opstats: Any = None
    pace: Any = None

    def begin(self) -> None:
        """Setup is done: start the clock and the CPU meter.

        The engine process holds more than a plain script (Faker, both boto3 stacks): a full garbage collection during the window would walk all of it
        and bill the strategy for the harness. So collect once now and freeze what exists;
        the runner unfreezes after the window."""
        gc.collect()
        gc.freeze()
        self.cpu_begin = cpu_seconds()
        self.t_begin = time.perf_counter()
        self.recorder.start(self.t_begin)

    def botocore_kwargs(self, pool: int | None = None) -> dict[str, Any]:
        return {"max_pool_connections": max(pool or self.concurrency, 1),
                "retry_mode": self.retry_mode, "max_attempts": self.max_attempts,
                "read_timeout": BENCH_READ_TIMEOUT}

    def raw_attempts(self) -> int:
        return self.max_attempts or RAW_ATTEMPTS.get(self.retry_mode, 3)


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, or uvloop.run when DDBTUI_LOOP=uvloop (the optional `fast` extra): the
    raw client spends ~25 % less CPU per request on uvloop (benchmarks/raw_vs_peers.py)."""
    if os.environ.get("DDBTUI_LOOP", "asyncio") == "uvloop":
        try:
            import uvloop  # lazy: optional dependency, only when asked for
        except ImportError:
            raise RuntimeError("DDBTUI_LOOP=uvloop needs uvloop: pip install 'ddbtui[fast]'") from None
        return uvloop.run(main)
    return asyncio.run(main)


# ------------------------------------------------------------------------ boto3
def instrument(client, recorder: Recorder) -> None:
    """Count every attempt's throttle / 5xx / connection error, even those botocore retries.

    `needs-retry` fires after each attempt; extra handlers returning None do not change
    botocore's decision.
    """
    def on_attempt(response=None, caught_exception=None, **_):
        if caught_exception is not None:
            recorder.add(conn_errors=1)
            return None
        if response is None:
            return None
        http, parsed = response
        code = (parsed or {}).get("Error", {}).get("Code")
        if code and is_throttle_code(code):
            recorder.add(throttled=1)
        elif getattr(http, "status_code", 200) >= 500:
            recorder.add(server_errors=1)
        return None

    client.meta.events.register("needs-retry.dynamodb", on_attempt)


def error_parts(exc: BaseException) -> tuple[str, str, int]:
    """(code, message, retry attempts) of a botocore or raw-client exception."""
    code = error_code(exc) or type(exc).__name__
    resp = getattr(exc, "response", None)
    retries = 0
    if isinstance(resp, dict):
        retries = int(resp.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)
    msg = str(exc)
    return code, msg[:300], retries


def boto3_put(client, table: str, item: dict, rec: Recorder) -> bool:
    t = time.perf_counter()
    try:
        r = client.put_item(TableName=table, Item=item)
    except Exception as e:
        code, msg, retries = error_parts(e)
        rec.record(time.perf_counter() - t, ok=0, failed=1, retries=retries, error=code, message=msg)
        return False
    rec.record(time.perf_counter() - t, retries=int(r["ResponseMetadata"].get("RetryAttempts", 0) or 0))
    return True


# -------------------------------------------------------------------------- raw
def raw_client(conn: Connection, concurrency: int, attempts: int):
    return build(conn, max_connections=max(concurrency, 1), max_attempts=attempts,
                 request_timeout=BENCH_READ_TIMEOUT)


def record_raw_failure(rec: Recorder, seconds: float, info, exc: Exception, *, items: int) -> None:
    """Record a raw-client request that failed for good, with the retries it made first."""
    code = getattr(exc, "code", None) or type(exc).__name__
    rec.record(seconds, ok=0, failed=items, retries=info.retries, throttles=info.throttles,
               server_errors=info.server_errors, conn_errors=info.conn_errors, error=code,
               message=str(exc)[:300])


async def raw_put(client, table: str, item: dict, rec: Recorder) -> bool:
    info = CallInfo()
    t = time.perf_counter()
    try:
        await client.put_item(table, item, info=info)
    except Exception as e:
        record_raw_failure(rec, time.perf_counter() - t, info, e, items=1)
        return False
    rec.record(time.perf_counter() - t, retries=info.retries, throttles=info.throttles,
               server_errors=info.server_errors, conn_errors=info.conn_errors)
    return True


async def raw_workers(ctx_items: Iterable[dict], concurrency: int, stop: threading.Event, one) -> None:
    """`concurrency` coroutines pulling items from a shared iterator until done or stopped."""
    it = iter(ctx_items)

    async def worker():
        for item in it:
            if stop.is_set():
                return
            await one(item)

    await asyncio.gather(*(worker() for _ in range(max(concurrency, 1))))
