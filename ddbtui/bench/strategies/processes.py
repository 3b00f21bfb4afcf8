"""`processes`: P worker processes (spawn), each running the raw async client on its share.

The C concurrency is split across P processes (P = --processes, default one per CPU core,
never more than C). Every child sets up (imports, client, a warm connection), reports
"ready", and waits for "go": the measured window starts when all are ready. Children send
recorder deltas (counts, encoded histogram delta, throughput buckets) every 0.25 s and, at
the end, the CPU they spent inside the measured window; the parent merges them.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import queue as queue_mod
import threading
import time

from ddbtui.bench.proc import child_setup, reap_children
from ddbtui.bench.recorder import Recorder
from ddbtui.bench.strategies.base import (
    StrategyContext,
    cpu_seconds,
    raw_client,
    raw_put,
    raw_workers,
    run_async,
)
from ddbtui.config import Connection
from ddbtui.dynamo.errors import DdbError, explain

REPORT_EVERY = 0.25


def _split(n: int, parts: int) -> list[int]:
    base, extra = divmod(n, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def run_processes(ctx: StrategyContext) -> None:
    n = len(ctx.items)
    c = max(ctx.concurrency, 1)
    p = ctx.processes or os.cpu_count() or 1
    p = max(1, min(p, c, max(n, 1)))
    conc = _split(c, p)
    sizes = _split(n, p)
    shares, start = [], 0
    for s in sizes:
        shares.append(ctx.items[start:start + s])
        start += s
    ctx.used_concurrency = c
    ctx.notes.append(f"{p} processes × concurrency {'/'.join(map(str, sorted(set(conc))))}")

    mpc = mp.get_context("spawn")
    q = mpc.Queue()
    # Plain shared bytes, polled: a multiprocessing.Event whose waiter dies mid-wait makes
    # a later set() block forever (its Condition waits for the dead sleeper to wake).
    go, stop_ev = mpc.RawValue("b", 0), mpc.RawValue("b", 0)
    procs = [mpc.Process(target=_child, name=f"ddbtui-bench-worker-{i}",
                         args=(i, ctx.conn.to_dict(), ctx.table, shares[i], conc[i],
                               ctx.raw_attempts(), q, go, stop_ev), daemon=True)
             for i in range(p)]
    rec = ctx.recorder
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
                dead = [pr for pr in procs if not pr.is_alive()]
                if dead:
                    raise RuntimeError(f"worker process exited during setup (code {dead[0].exitcode})") from None
                continue
            if msg[0] == "ready":
                ready.add(msg[1])
            elif msg[0] == "error":
                raise WorkerSetupFailed(msg[2])
        ctx.begin()
        go.value = 1
        finished: set[int] = set()
        while len(finished) < p:
            if ctx.stop.is_set():
                stop_ev.value = 1
            try:
                msg = q.get(timeout=0.05)
            except queue_mod.Empty:
                if all(not pr.is_alive() for pr in procs):
                    # drain what is left, then stop waiting
                    try:
                        while True:
                            msg = q.get_nowait()
                            _handle(msg, rec, ctx, finished)
                    except queue_mod.Empty:
                        pass
                    break
                continue
            _handle(msg, rec, ctx, finished)
        lost = set(range(p)) - finished
        if lost and not ctx.stop.is_set():
            # a worker died without its final report: its unreported items failed
            missing = sum(len(shares[i]) for i in lost)
            ctx.notes.append(f"{len(lost)} worker process(es) died")
            rec.fail_items(max(0, min(missing, n - rec.done)), "WorkerDied")
    finally:
        stop_ev.value = 1
        deadline = time.monotonic() + 1.5
        for pr in procs:
            if pr.pid is not None:
                pr.join(max(0.0, deadline - time.monotonic()))
        for pr in procs:
            if pr.is_alive():
                pr.terminate()
                pr.join(0.5)
            if pr.is_alive():
                pr.kill()
                pr.join(0.5)
        q.close()
        q.join_thread()
        reap_children(timeout=0.5) if any(pr.is_alive() for pr in procs) else None


def _handle(msg, rec, ctx: StrategyContext, finished: set[int]) -> None:
    kind = msg[0]
    if kind == "delta":
        rec.absorb(msg[2])
    elif kind == "done":
        ctx.child_cpu += msg[2]
        finished.add(msg[1])
    elif kind == "error":
        ctx.notes.append(f"worker {msg[1]}: {msg[2]}")
        if len(msg) > 3 and msg[3]:
            rec.fail_items(msg[3], "WorkerError", msg[2])
        finished.add(msg[1])


class WorkerSetupFailed(DdbError):
    """A worker could not set up; the message is its sentence (see explain())."""


def _child(idx, conn_dict, table, items, concurrency, attempts, q, go, stop_ev) -> None:
    stop = threading.Event()
    child_setup(stop.set)

    def bridge():
        while not stop.is_set():
            if stop_ev.value:
                stop.set()
            time.sleep(0.05)

    threading.Thread(target=bridge, daemon=True).start()
    conn = Connection.from_dict(conn_dict)
    rec = Recorder(len(items), exporting=True)

    async def main():
        async with raw_client(conn, concurrency, attempts) as client:
            await client.describe_table(table)
            q.put(("ready", idx))
            while not go.value:
                if stop.is_set():
                    return 0.0
                await asyncio.sleep(0.001)
            cpu0 = cpu_seconds()
            rec.start()

            async def reporter():
                while True:
                    await asyncio.sleep(REPORT_EVERY)
                    q.put(("delta", idx, rec.export_delta()))

            rep = asyncio.create_task(reporter())
            try:
                await raw_workers(items, concurrency, stop, lambda it: raw_put(client, table, it, rec))
            finally:
                rep.cancel()
            return cpu_seconds() - cpu0

    try:
        cpu = run_async(main())
    except Exception as e:  # one sentence back to the parent
        q.put(("delta", idx, rec.export_delta()))
        left = 0 if stop.is_set() else len(items) - rec.done

        q.put(("error", idx, explain(e, target=conn.describe(), region=conn.region)[:300], left))
        return
    q.put(("delta", idx, rec.export_delta()))
    q.put(("done", idx, cpu))
