"""Mixed and open-loop runs: the drivers behind `--mix`, `--workload-preset`, `--rate`/`--ramp`.

`LoadSpec` is what such a run does (serialisable: it crosses into worker processes whole).
A strategy name picks the client and the concurrency model, as for plain write runs:

- `aiohttp` (ddbtui's raw client) and `aioboto3`: one event loop; open loop = a dispatcher
  coroutine starting one task per scheduled arrival, at most `max_in_flight` at once;
- `threads`, `sync`: boto3 in a pool of `max_in_flight` threads (sync: one) fed by a
  dispatcher thread;
- `processes`: P worker processes, each the raw client's async driver with 1/P of the
  rate (phase-shifted schedules) and of the in-flight cap.

A closed loop runs `concurrency` workers back to back for `ops` operations or `duration`.
Every operation's latency goes to the run's `Recorder` (response time: from the intended
start) and to `OpStats` (response and service time per operation, consumed capacity).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import queue as queue_mod
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Awaitable, Callable

from ddbtui.bench.cost import estimate, load_prices
from ddbtui.bench.keys import parse_keys, parse_sizes
from ddbtui.bench.openloop import (Diagnosis, Pacer, PaceStats, Schedule, diagnose, lateness_p99_ms, schedule_from,
                                   sleep_until)
from ddbtui.bench.operations import (
    OPERATIONS,
    YCSB,
    ItemSource,
    Op,
    Plan,
    consumed,
    load_batches,
    needs_records,
    parse_mix,
    snake,
    unprocessed,
)
from ddbtui.bench.opstats import OpStats
from ddbtui.bench.proc import child_setup, reap_children
from ddbtui.bench.recorder import Recorder
from ddbtui.bench.strategies.asyncio_ import aioboto3_client
from ddbtui.bench.strategies.base import cpu_seconds, instrument, raw_client
from ddbtui.bench.workload import Workload
from ddbtui.config import Connection
from ddbtui.dynamo.clients import new_client
from ddbtui.dynamo.errors import error_code
from ddbtui.dynamo.raw import CallInfo

MIXED_STRATEGIES = ("aiohttp", "aioboto3", "threads", "sync", "processes")
MAX_UNPROCESSED_ROUNDS = 10
DEFAULT_RECORDS = 1000
LOAD_CONCURRENCY = 8


@dataclass
class LoadSpec:
    mode: str = "closed"               # "closed" | "open"
    mix: str = "insert=100"
    keys: str = "uniform"
    records: int = 0                   # preloaded before the measured window
    item_sizes: str | None = None
    schedule: dict[str, Any] | None = None       # Schedule.to_dict() (open loop)
    max_in_flight: int = 256
    ops: int | None = None             # closed loop: operations in all
    duration: float | None = None      # closed loop: or for this long
    capacity_mode: str = "TOTAL"       # ReturnConsumedCapacity
    preset: str | None = None          # YCSB letter when the mix came from one
    seed: int = 42
    prices: str | None = None          # a price table file replacing ddbtui/data/prices.json
    price_region: str | None = None    # default: the target's region
    headroom: float = 0.3              # provisioned estimate: peak second x (1 + headroom)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LoadSpec":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})

    @property
    def open(self) -> bool:
        return self.mode == "open"

    def sched(self) -> Schedule:
        assert self.schedule is not None
        return Schedule.from_dict(self.schedule)

    def expected_ops(self) -> int:
        if self.open:
            return self.sched().expected()
        return self.ops or 0

    def inserts_only(self) -> bool:
        return set(parse_mix(self.mix)) == {"insert"}

    def describe(self) -> str:
        mix = f"YCSB {self.preset} ({self.mix})" if self.preset else self.mix
        if self.open:
            s = self.sched()
            rate = (f"{s.steps[0].rate:g}/s for {s.duration:g}s" if len(s.steps) == 1
                    else "ramp " + ",".join(f"{st.rate:g}:{st.seconds:g}s" for st in s.steps))
            head = f"open loop {rate} {s.arrivals}, ≤{self.max_in_flight} in flight"
        else:
            head = f"closed loop {self.ops:,} ops" if self.ops else f"closed loop {self.duration:g}s"
        return f"{head}; {mix}; keys {self.keys}" + (f"; {self.records:,} records loaded" if self.records else "")


def build_spec(*, mode: str = "closed", mix: str | None = None, preset: str | None = None,
               keys: str | None = None, records: int | None = None, item_sizes: str | None = None,
               rate: float | None = None, ramp: str | None = None, duration: float | None = None,
               arrivals: str = "constant", max_in_flight: int = 256, ops: int | None = None,
               capacity_mode: str = "TOTAL", seed: int = 42, prices: str | None = None,
               price_region: str | None = None, headroom: float = 0.3) -> LoadSpec:
    """Check the user's choices together and resolve them once (ValueError: a sentence)."""
    if mode not in ("closed", "open"):
        raise ValueError(f"--mode must be closed or open, got {mode!r}")
    if preset:
        p = YCSB.get(preset.upper())
        if p is None:
            raise ValueError(f"--workload: unknown YCSB workload {preset!r}: choose from {', '.join(YCSB)}")
        if mix:
            raise ValueError("give a YCSB --workload or --mix, not both (a YCSB workload is a mix)")
        mix, keys = p.mix, keys or p.keys
        preset = p.name
    mix = mix or "insert=100"
    parsed = parse_mix(mix)
    if records is None:
        records = DEFAULT_RECORDS if needs_records(parsed) else 0
    if records < 0:
        raise ValueError("--records cannot be negative")
    if needs_records(parsed) and records < 1:
        raise ValueError(f"the mix {mix} reads or changes existing records: --records must be at least 1")
    keys = keys or "uniform"
    parse_keys(keys, max(records, 1))
    if item_sizes:
        parse_sizes(item_sizes)
    if capacity_mode not in ("TOTAL", "INDEXES"):
        raise ValueError("--consumed-capacity must be TOTAL or INDEXES")
    if max_in_flight < 1:
        raise ValueError("--max-in-flight must be at least 1")
    if not 0 <= headroom <= 10:
        raise ValueError("--headroom must be between 0 and 10 (0.3 = 30%)")
    if prices:
        load_prices(prices)
    spec = LoadSpec(mode=mode, mix=mix, keys=keys, records=records, item_sizes=item_sizes,
                    max_in_flight=max_in_flight, capacity_mode=capacity_mode, preset=preset, seed=seed,
                    prices=prices, price_region=price_region, headroom=headroom)
    if mode == "open":
        spec.schedule = schedule_from(rate, ramp, duration, arrivals, seed).to_dict()
    else:
        if rate is not None or ramp:
            raise ValueError("--rate and --ramp need --mode open")
        if ops is None and duration is None:
            raise ValueError("a closed-loop mix needs --items (operations) or --duration")
        spec.ops, spec.duration = (None if duration is not None else ops), duration
    return spec


def check_strategies(names: list[str]) -> None:
    bad = [n for n in names if n not in MIXED_STRATEGIES]
    if bad:
        raise ValueError(f"{', '.join(bad)} cannot run mixes or open loops: use {', '.join(MIXED_STRATEGIES)} "
                         f"(bulk writes are the batch-write operation: --mix batch-write=100)")


def make_plan(spec: LoadSpec, workload: Any, table: str, worker: int = 0, workers: int = 1) -> Plan:
    sizes = parse_sizes(spec.item_sizes) if spec.item_sizes else None
    return Plan.build(table, workload, mix=spec.mix, keys=spec.keys, records=spec.records, sizes=sizes,
                      seed=spec.seed, worker=worker, workers=workers, capacity_mode=spec.capacity_mode)


# -------------------------------------------------------------------- executing
class OpFailed(Exception):
    def __init__(self, code: str, message: str, rcu: float, wcu: float):
        super().__init__(message)
        self.code, self.rcu, self.wcu = code, rcu, wcu


def _code(e: BaseException) -> str:
    return getattr(e, "code", None) or error_code(e) or type(e).__name__


async def execute_async(call: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]], op: Op) -> tuple[float, float]:
    """Run an operation's requests (resending batch leftovers); (RCU, WCU) it consumed."""
    rcu = wcu = 0.0
    reqs = list(op.requests)
    i = 0
    while i < len(reqs):
        req = reqs[i]
        body = req.body
        for rnd in range(MAX_UNPROCESSED_ROUNDS + 1):
            try:
                resp = await call(req.api, body)
            except Exception as e:
                raise OpFailed(_code(e), str(e)[:300], rcu, wcu) from e
            r, w = consumed(req.api, resp)
            rcu, wcu = rcu + r, wcu + w
            again = unprocessed(req.api, body, resp)
            if again is None:
                break
            body = again
            await asyncio.sleep(min(1.0, 0.025 * 2 ** rnd))
        else:
            raise OpFailed("Unprocessed", f"{req.api} left work unprocessed after {MAX_UNPROCESSED_ROUNDS} resends",
                           rcu, wcu)
        i += 1
        if i == len(reqs) and op.follow_up is not None and len(reqs) == len(op.requests):
            reqs.append(op.follow_up())
    return rcu, wcu


def execute_sync(call: Callable[[str, dict[str, Any]], dict[str, Any]], op: Op) -> tuple[float, float]:
    rcu = wcu = 0.0
    reqs = list(op.requests)
    i = 0
    while i < len(reqs):
        req = reqs[i]
        body = req.body
        for rnd in range(MAX_UNPROCESSED_ROUNDS + 1):
            try:
                resp = call(req.api, body)
            except Exception as e:
                raise OpFailed(_code(e), str(e)[:300], rcu, wcu) from e
            r, w = consumed(req.api, resp)
            rcu, wcu = rcu + r, wcu + w
            again = unprocessed(req.api, body, resp)
            if again is None:
                break
            body = again
            time.sleep(min(1.0, 0.025 * 2 ** rnd))
        else:
            raise OpFailed("Unprocessed", f"{req.api} left work unprocessed after {MAX_UNPROCESSED_ROUNDS} resends",
                           rcu, wcu)
        i += 1
        if i == len(reqs) and op.follow_up is not None and len(reqs) == len(op.requests):
            reqs.append(op.follow_up())
    return rcu, wcu


class Meter:
    """What a driver calls per operation: into the Recorder and OpStats together."""

    def __init__(self, rec: Recorder, stats: OpStats, clock: Callable[[], float] = time.perf_counter):
        self.rec, self.stats, self.clock = rec, stats, clock

    def done(self, op: Op, intended: float, sent: float, rcu: float, wcu: float,
             error: OpFailed | None = None) -> None:
        now = self.clock()
        if error is None:
            self.rec.record(now - intended, ok=op.items)
            self.stats.record(op.name, intended=intended, sent=sent, done=now, ok=True, items=op.items,
                              rcu=rcu, wcu=wcu)
        else:
            self.rec.record(now - intended, ok=0, failed=op.items, error=error.code, message=str(error))
            self.stats.record(op.name, intended=intended, sent=sent, done=now, ok=False, items=op.items,
                              rcu=error.rcu, wcu=error.wcu, error=error.code)


# ------------------------------------------------------------------ async driver
async def drive_async(call: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]], plan: Plan, spec: LoadSpec,
                      meter: Meter, stop: threading.Event, *, schedule: Schedule | None = None,
                      max_in_flight: int | None = None, concurrency: int = 1, ops: int | None = None,
                      rng: random.Random | None = None, begin: Callable[[], float] | None = None) -> PaceStats | None:
    """Open loop when `schedule` is given, else `concurrency` closed-loop workers."""
    rng = rng or random.Random(spec.seed)
    clock = meter.clock
    stats = meter.stats
    t0 = begin() if begin else clock()
    stats.start(t0)
    if schedule is None:
        end = t0 + spec.duration if spec.duration else None
        left = [ops if ops is not None else (spec.ops or 0)]

        async def worker() -> None:
            while not stop.is_set():
                if end is not None:
                    if clock() >= end:
                        return
                elif left[0] <= 0:
                    return
                else:
                    left[0] -= 1
                op = plan.next_op(rng)
                t = clock()
                stats.sent(t)
                try:
                    r, w = await execute_async(call, op)
                except OpFailed as e:
                    meter.done(op, t, t, 0, 0, e)
                else:
                    meter.done(op, t, t, r, w)

        await asyncio.gather(*(worker() for _ in range(max(concurrency, 1))))
        return None

    cap = max_in_flight or spec.max_in_flight
    pacer = Pacer(schedule, t0, cap)
    sem = asyncio.Semaphore(cap)
    tasks: set[asyncio.Task[None]] = set()

    async def one(op: Op, due: float) -> None:
        sent = clock()
        try:
            r, w = await execute_async(call, op)
        except OpFailed as e:
            meter.done(op, due, sent, 0, 0, e)
        else:
            meter.done(op, due, sent, r, w)
        finally:
            stats.in_flight -= 1
            sem.release()

    while not stop.is_set():
        due = pacer.next_due()
        if due is None:
            break
        await sleep_until(due, clock)  # not asyncio.sleep: its ms rounding made sends late
        at_cap = sem.locked()
        await sem.acquire()  # returns at once while a slot is free
        now = clock()
        if pacer.expired(now) or stop.is_set():
            sem.release()
            break
        op = plan.next_op(rng)
        stats.in_flight += 1
        pacer.sent(due, now, stats.in_flight, at_cap)
        stats.sent(now)
        t = asyncio.get_running_loop().create_task(one(op, due))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*list(tasks))
    return pacer.finish()


# ----------------------------------------------------------------- thread driver
def drive_threads(call: Callable[[str, dict[str, Any]], dict[str, Any]], plan: Plan, spec: LoadSpec, meter: Meter,
                  stop: threading.Event, *, slots: int, schedule: Schedule | None = None,
                  rng: random.Random | None = None, begin: Callable[[], float] | None = None) -> PaceStats | None:
    rng = rng or random.Random(spec.seed)
    rng_lock = threading.Lock()
    clock, stats = meter.clock, meter.stats

    def next_op() -> Op:
        with rng_lock:
            return plan.next_op(rng)

    def run(op: Op, due: float, sent: float) -> None:
        try:
            r, w = execute_sync(call, op)
        except OpFailed as e:
            meter.done(op, due, sent, 0, 0, e)
        else:
            meter.done(op, due, sent, r, w)

    with ThreadPoolExecutor(max(slots, 1), thread_name_prefix="bench-mixed") as pool:
        t0 = begin() if begin else clock()
        stats.start(t0)
        if schedule is None:
            end = t0 + spec.duration if spec.duration else None
            left = [spec.ops or 0]
            lock = threading.Lock()

            def worker() -> None:
                while not stop.is_set():
                    with lock:
                        if end is not None:
                            if clock() >= end:
                                return
                        elif left[0] <= 0:
                            return
                        else:
                            left[0] -= 1
                    op = next_op()
                    t = clock()
                    stats.sent(t)
                    run(op, t, t)

            for f in [pool.submit(worker) for _ in range(max(slots, 1))]:
                f.result()
            return None
        pacer = Pacer(schedule, t0, slots)
        free = threading.BoundedSemaphore(slots)
        counter_lock = threading.Lock()

        def task(op: Op, due: float, sent: float) -> None:
            try:
                run(op, due, sent)
            finally:
                with counter_lock:
                    stats.in_flight -= 1
                free.release()

        while not stop.is_set():
            due = pacer.next_due()
            if due is None:
                break
            wait = due - clock()
            if wait > 0:
                time.sleep(wait)
            got = free.acquire(blocking=False)
            at_cap = not got
            while not got and not stop.is_set():
                got = free.acquire(timeout=0.1)
            if not got:
                break
            now = clock()
            if pacer.expired(now):
                free.release()
                break
            op = next_op()
            with counter_lock:
                stats.in_flight += 1
                n = stats.in_flight
            pacer.sent(due, now, n, at_cap)
            stats.sent(now)
            pool.submit(task, op, due, now)
    return pacer.finish()


# ------------------------------------------------------------------- load phase
async def load_records_async(client: Any, table: str, source: ItemSource, records: int,
                             stop: threading.Event, concurrency: int = LOAD_CONCURRENCY) -> int:
    """Write records 0..records-1 (BatchWriteItem, resends included); how many were written."""
    batches = load_batches(source, records)
    it = iter(batches)
    written = [0]

    async def worker() -> None:
        for b in it:
            if stop.is_set():
                return
            await client.batch_write(table, b)
            written[0] += len(b)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return written[0]


def load_records(conn: Any, table: str, source: ItemSource, records: int, stop: threading.Event) -> int:
    async def main() -> int:
        async with raw_client(conn, LOAD_CONCURRENCY, 10) as client:
            return await load_records_async(client, table, source, records, stop)

    return asyncio.run(main())


# -------------------------------------------------------- the strategies' entries
def finish_pace(ctx: Any, spec: LoadSpec, pace: PaceStats | None, wall: float, cpu: float | None) -> None:
    """Store the pacing figures and the diagnosis on the context's OpStats."""
    stats: OpStats = ctx.opstats
    if pace is None or not spec.open:
        return
    sched = spec.sched()
    cancelled = ctx.stop.is_set()
    # a cancelled run is judged on the window it ran, not the whole schedule
    window = min(wall, sched.duration) if cancelled and wall > 0 else sched.duration
    due = sum(1 for t in sched.times() if t < window) if cancelled else pace.scheduled
    target = due / window if window else 0.0
    achieved = pace.sent / window if window else 0.0
    svc = stats.to_dict()["service_ms"]
    if cancelled:
        d = Diagnosis(False, "cancelled", f"cancelled after {window:.1f} s of {sched.duration:g} s: "
                                          f"{pace.sent:,} sent; the {pace.skipped:,} arrivals left were not sent")
    else:
        d = diagnose(target_rate=target, achieved_rate=achieved, stats=pace, max_in_flight=spec.max_in_flight,
                     service_p50_ms=svc.get("p50"), service_p50_first_ms=stats.first_service_p50_ms(),
                     client_cpu_share=(cpu / wall) if (cpu is not None and wall > 0) else None,
                     throttled=ctx.recorder.throttled, service_min_ms=svc.get("min"))
    stats.pace = {**pace.to_dict(), "target_per_s": target, "achieved_per_s": achieved,
                  "lateness_p99_ms": lateness_p99_ms(pace), "diagnosis": d.to_dict(),
                  "target_series": sched.target_series(stats.interval)}


def run_mixed(ctx: Any, name: str) -> None:
    """Entry point from the runner: run ctx.load (a LoadSpec) with strategy `name`."""
    spec: LoadSpec = ctx.load
    if name == "processes":
        return _run_processes(ctx, spec)
    plan = make_plan(spec, ctx.workload, ctx.table)
    meter = Meter(ctx.recorder, ctx.opstats)
    sched = spec.sched() if spec.open else None

    def begin() -> float:
        ctx.begin()
        return float(ctx.t_begin)

    pace: PaceStats | None
    if name in ("aiohttp", "aioboto3"):
        pace = asyncio.run(_async_main(ctx, name, plan, spec, meter, sched, begin))
        ctx.used_concurrency = spec.max_in_flight if sched else ctx.concurrency
    else:
        slots = 1 if name == "sync" else (spec.max_in_flight if sched else ctx.concurrency)
        client = new_client(ctx.conn, **ctx.botocore_kwargs(slots))
        instrument(client, ctx.recorder)
        client.describe_table(TableName=ctx.table)

        def call(api: str, body: dict[str, Any]) -> dict[str, Any]:
            resp: dict[str, Any] = getattr(client, snake(api))(**body)
            return resp

        pace = drive_threads(call, plan, spec, meter, ctx.stop, slots=slots, schedule=sched, begin=begin)
        ctx.used_concurrency = slots
    ctx.pace = pace


async def _async_main(ctx: Any, name: str, plan: Plan, spec: LoadSpec, meter: Meter,
                      sched: Schedule | None, begin: Callable[[], float]) -> PaceStats | None:
    pool = spec.max_in_flight if sched else ctx.concurrency
    if name == "aiohttp":
        async with raw_client(ctx.conn, pool, ctx.raw_attempts()) as client:
            await client.describe_table(ctx.table)
            rc = ctx.recorder

            async def call(api: str, body: dict[str, Any]) -> dict[str, Any]:
                info = CallInfo()
                try:
                    resp: dict[str, Any] = await client.request(api, body, info)
                    return resp
                finally:
                    if info.retries or info.throttles or info.server_errors or info.conn_errors:
                        rc.add(retries=info.retries, retried=1 if info.retries else 0, throttled=info.throttles,
                               server_errors=info.server_errors, conn_errors=info.conn_errors)

            return await drive_async(call, plan, spec, meter, ctx.stop, schedule=sched,
                                     concurrency=ctx.concurrency, begin=begin)

    async with aioboto3_client(ctx, pool) as client:
        instrument(client, ctx.recorder)
        await client.describe_table(TableName=ctx.table)

        async def acall(api: str, body: dict[str, Any]) -> dict[str, Any]:
            return await getattr(client, snake(api))(**body)  # type: ignore[no-any-return]

        return await drive_async(acall, plan, spec, meter, ctx.stop, schedule=sched,
                                 concurrency=ctx.concurrency, begin=begin)


# --------------------------------------------------------------- the runner's view
class MixedRun:
    """One mixed/open-loop strategy run, as the runner sees it: load phase, the strategy
    function, live figures for snapshots, and the run record's extra parts."""

    def __init__(self, load: dict[str, Any], workload: Any, admin_conn: Any, table: str):
        self.spec = LoadSpec.from_dict(load)
        self.workload, self.admin_conn, self.table = workload, admin_conn, table
        self.stats = OpStats()
        self.sched = self.spec.sched() if self.spec.open else None
        self.loaded = 0

    def load(self, stop: threading.Event) -> None:
        source = make_plan(self.spec, self.workload, self.table).source
        self.loaded = load_records(self.admin_conn, self.table, source, self.spec.records, stop)

    def strategy(self, ctx: Any, name: str) -> Callable[[Any], None]:
        ctx.load, ctx.workload, ctx.opstats = self.spec, self.workload, self.stats
        return lambda c: run_mixed(c, name)

    def live(self) -> dict[str, Any]:
        d = self.stats.take_snapshot()
        if self.sched is not None and self.stats.t0 is not None:
            # the target of the interval the achieved figure covers (the previous one)
            now = time.perf_counter() - self.stats.t0
            d["target_per_s"] = self.sched.rate_at(max(0.0, now - 1.5 * self.stats.interval))
        return d

    def record(self, ctx: Any, wall: float | None, cpu: float | None) -> dict[str, Any]:
        finish_pace(ctx, self.spec, ctx.pace, wall or 0.0, cpu)
        out: dict[str, Any] = {"mode": self.spec.mode, "load": {**self.spec.to_dict(), "describe": self.spec.describe()},
                               "records_loaded": self.loaded, **self.stats.to_dict(), "pace": self.stats.pace}
        try:
            prices = load_prices(self.spec.prices)
            region = self.spec.price_region or getattr(self.admin_conn, "region", None)
            out["cost"] = estimate(out["capacity"], wall or 0.0, prices=prices, region=region,
                                   headroom=self.spec.headroom)
        except ValueError as e:
            out["cost"] = {"error": str(e)}
        return out


# ---------------------------------------------------------------------- processes
REPORT_EVERY = 0.25


def _split(n: int, parts: int) -> list[int]:
    base, extra = divmod(n, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _run_processes(ctx: Any, spec: LoadSpec) -> None:
    p = max(1, ctx.processes or os.cpu_count() or 1)
    cap = spec.max_in_flight if spec.open else ctx.concurrency
    p = min(p, cap)
    caps = _split(cap, p)
    ops = _split(spec.ops or 0, p)
    ctx.used_concurrency = cap
    ctx.notes.append(f"{p} processes, each 1/{p} of the {'rate' if spec.open else 'operations'} "
                     f"(in flight {'/'.join(map(str, sorted(set(caps))))})")
    mpc = mp.get_context("spawn")
    q = mpc.Queue()
    go, stop_ev = mpc.RawValue("b", 0), mpc.RawValue("b", 0)
    wl = {"name": ctx.workload.name, "seed": ctx.workload.seed, "item_bytes": ctx.workload.item_bytes}
    procs = [mpc.Process(target=_child, name=f"ddbtui-bench-mixed-{i}",
                         args=(i, p, ctx.conn.to_dict(), ctx.table, spec.to_dict(), wl, caps[i], ops[i],
                               ctx.raw_attempts(), q, go, stop_ev), daemon=True) for i in range(p)]
    rec, stats = ctx.recorder, ctx.opstats
    in_flight_of: dict[int, int] = {}
    paces: list[dict[str, Any]] = []
    try:
        for pr in procs:
            pr.start()
        ready: set[int] = set()
        while len(ready) < p:
            if ctx.stop.is_set():
                return
            try:
                msg = q.get(timeout=0.1)
            except queue_mod.Empty:
                if any(not pr.is_alive() for pr in procs):
                    raise RuntimeError("a worker process exited during setup") from None
                continue
            if msg[0] == "ready":
                ready.add(msg[1])
            elif msg[0] == "error":
                raise RuntimeError(f"worker {msg[1]} failed during setup: {msg[2]}")
        ctx.begin()
        stats.start(ctx.t_begin)
        go.value = 1
        finished: set[int] = set()
        while len(finished) < p:
            if ctx.stop.is_set():
                stop_ev.value = 1
            try:
                msg = q.get(timeout=0.05)
            except queue_mod.Empty:
                if all(not pr.is_alive() for pr in procs):
                    break
                continue
            kind = msg[0]
            if kind == "delta":
                rec.absorb(msg[2])
                stats.absorb(msg[3], in_flight_of, msg[1])
            elif kind == "done":
                ctx.child_cpu += msg[2]
                if msg[3]:
                    paces.append(msg[3])
                finished.add(msg[1])
            elif kind == "error":
                ctx.notes.append(f"worker {msg[1]}: {msg[2]}")
                finished.add(msg[1])
        if paces:
            total = PaceStats()
            for d in paces:
                for k in ("scheduled", "sent", "late", "late_at_cap", "skipped"):
                    setattr(total, k, getattr(total, k) + int(d.get(k, 0)))
                total.max_in_flight_seen += int(d.get("max_in_flight_seen", 0))
                total.lateness_us.extend(d.get("lateness_us") or [])
            ctx.pace = total
        stats.in_flight = 0
    finally:
        stop_ev.value = 1
        deadline = time.monotonic() + 1.5
        for pr in procs:
            if pr.pid is not None:
                pr.join(max(0.0, deadline - time.monotonic()))
        for pr in procs:
            if pr.is_alive():
                pr.kill()
                pr.join(0.5)
        q.close()
        q.join_thread()
        if any(pr.is_alive() for pr in procs):
            reap_children(timeout=0.5)


def _child(idx: int, workers: int, conn_dict: dict[str, Any], table: str, spec_d: dict[str, Any], wl: dict[str, Any], cap: int,
           ops: int, attempts: int, q: Any, go: Any, stop_ev: Any) -> None:
    stop = threading.Event()
    child_setup(stop.set)

    def bridge() -> None:
        while not stop.is_set():
            if stop_ev.value:
                stop.set()
            time.sleep(0.05)

    threading.Thread(target=bridge, daemon=True).start()
    conn = Connection.from_dict(conn_dict)
    spec = LoadSpec.from_dict(spec_d)
    rec = Recorder(0, exporting=True)
    stats = OpStats()
    plan = make_plan(spec, Workload(wl["name"], wl["seed"], wl["item_bytes"]), table, idx, workers)
    sched = spec.sched().share(idx, workers) if spec.open else None
    meter = Meter(rec, stats)

    async def main() -> tuple[float, PaceStats | None]:
        async with raw_client(conn, cap, attempts) as client:
            await client.describe_table(table)
            q.put(("ready", idx))
            while not go.value:
                if stop.is_set():
                    return 0.0, None
                await asyncio.sleep(0.001)
            cpu0 = cpu_seconds()

            async def call(api: str, body: dict[str, Any]) -> dict[str, Any]:
                resp: dict[str, Any] = await client.request(api, body)
                return resp

            async def reporter() -> None:
                while True:
                    await asyncio.sleep(REPORT_EVERY)
                    q.put(("delta", idx, rec.export_delta(), stats.export()))

            def begin() -> float:
                t = time.perf_counter()
                rec.start(t)
                return t

            rep = asyncio.create_task(reporter())
            try:
                pace = await drive_async(call, plan, spec, meter, stop, schedule=sched, max_in_flight=cap,
                                         concurrency=cap, ops=ops, rng=random.Random(spec.seed * 31 + idx),
                                         begin=begin)
            finally:
                rep.cancel()
            return cpu_seconds() - cpu0, pace

    try:
        cpu, pace = asyncio.run(main())
    except Exception as e:
        q.put(("delta", idx, rec.export_delta(), stats.export()))
        q.put(("error", idx, f"{type(e).__name__}: {e}"[:300]))
        return
    q.put(("delta", idx, rec.export_delta(), stats.export()))
    pd = None
    if pace is not None:
        pd = {**pace.to_dict(), "lateness_us": pace.lateness_us[:20_000]}
    q.put(("done", idx, cpu, pd))


__all__ = ["LoadSpec", "build_spec", "check_strategies", "run_mixed", "drive_async", "drive_threads",
           "execute_async", "execute_sync", "load_records", "finish_pace", "OPERATIONS", "MIXED_STRATEGIES"]
