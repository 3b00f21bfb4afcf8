"""`ddbtui bench --cluster`: one benchmark split across the workers of a Dask cluster (#17).

    doc = run_cluster_benchmark(settings, connection, parse_cluster("local:2"), emit=..., stop=...)

The coordinator (this process) does what the single-machine engine does around a run
(tables, verification, the result document: `runner._Engine` is reused for those and for
the snapshots), and only the measured window moves to the workers: for each strategy and
repeat the item range 0..items-1 is cut into one disjoint shard per worker
(`ItemSequence[a:b]`), and each worker runs the ordinary strategy code on its shard with
the resolved `Connection` (its `to_dict()`: endpoint, region, profile name; no key ever
travels: each worker resolves credentials itself, as the coordinator does).

Channel: a `distributed.Queue` per run. Every delta a worker sends (counters, sums,
throughput buckets and an encoded HdrHistogram delta from `Recorder.export_delta`) must
reach the coordinator exactly once, or the merged totals would not equal the shards' own:
a Queue is held by the scheduler until it is read, whereas Dask's pub/sub drops messages
published while no subscriber is connected (best effort by design). One message per
worker per 0.25 s is far below what the scheduler handles.

A shard is pinned to its worker (`workers=[addr]`, no other worker allowed): if that worker
disappears, the task is not silently re-run elsewhere (which would write the shard twice
and blur the result); the coordinator sees the worker gone, marks the shard incomplete
with a sentence, and still verifies what the others (and it, up to its last delta) got
acknowledged. This module is the only one that imports dask; the single-machine path
never imports it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence, cast
from urllib.parse import urlparse

import dask
from distributed import Client, Event, Future, LocalCluster, Queue

from ddbtui.bench import results, strategies
from ddbtui.bench.events import MessageKind, Phase, SnapKind
from ddbtui.bench.recorder import Recorder
from ddbtui.bench.runner import SNAPSHOT_EVERY, Settings, TableInUse, _count_keys, _Engine
from ddbtui.bench.stats import decode_histogram, encode_histogram
from ddbtui.bench.strategies.base import StrategyContext, cpu_seconds
from ddbtui.bench.workload import Workload
from ddbtui.config import Connection
from ddbtui.dynamo.clients import new_client
from ddbtui.dynamo.errors import explain
from ddbtui.dynamo.tables import count_items, delete_table

LOCAL_MAX_WORKERS = 64
CONNECT_TIMEOUT = 10.0  # seconds to reach a remote scheduler
WORKER_WAIT = 20.0  # seconds a LocalCluster's workers get to come up


class ClusterError(Exception):
    """The cluster could not be used; str() is one sentence."""


@dataclass(frozen=True)
class ClusterSpec:
    local_workers: int = 0  # > 0: start a LocalCluster of this many worker processes
    address: str | None = None  # tcp://host:port of a running scheduler

    def describe(self) -> str:
        if self.local_workers:
            return f"local:{self.local_workers} (LocalCluster on 127.0.0.1)"
        return str(self.address)


def parse_cluster(text: str) -> ClusterSpec:
    """`local:N` or `tcp://HOST:PORT`; ValueError with a sentence otherwise."""
    t = text.strip()
    if t.startswith("local:"):
        try:
            n = int(t[len("local:"):])
        except ValueError:
            n = 0
        if not 1 <= n <= LOCAL_MAX_WORKERS:
            raise ValueError(f"--cluster local:N needs N between 1 and {LOCAL_MAX_WORKERS} (got {t!r})")
        return ClusterSpec(local_workers=n)
    u = urlparse(t)
    if u.scheme == "tcp" and u.hostname and u.port:
        return ClusterSpec(address=t)
    raise ValueError(f"--cluster must be local:N or tcp://HOST:PORT (a Dask scheduler), not {t!r}")


def shard_ranges(items: int, shards: int) -> list[tuple[int, int]]:
    """Disjoint [start, stop) ranges covering 0..items-1, sizes differing by at most one."""
    base, extra = divmod(items, shards)
    out, a = [], 0
    for i in range(shards):
        b = a + base + (1 if i < extra else 0)
        out.append((a, b))
        a = b
    return out


# ================================================================ worker side
def _shard_task(settings_d: dict[str, Any], conn_d: dict[str, Any], table: str, strategy: str,
                shard: int, start: int, stop: int, channel: str) -> dict[str, Any]:
    """Runs on a worker: the strategy on items start..stop-1, deltas to the Queue `channel`."""
    s = Settings(**settings_d)
    conn = Connection.from_dict(conn_d)
    q = Queue(channel)
    cancel = Event(channel + "-stop")
    seq = Workload(s.workload, s.seed, s.item_bytes).sequence(s.items)[start:stop]
    if len(seq):
        seq.item(0)  # Faker pools now, not inside the measured window
    rec = Recorder(len(seq), exporting=True)
    stop_ev = threading.Event()
    ctx = StrategyContext(conn=conn, table=table, items=cast(Sequence[dict[Any, Any]], seq), concurrency=s.concurrency, recorder=rec,
                          stop=stop_ev, retry_mode=s.retry_mode, max_attempts=s.max_attempts,
                          processes=s.processes)
    error: list[str] = []

    def body() -> None:
        try:
            strategies.get(strategy)(ctx)
        except Exception as e:  # the sentence travels, the traceback stays in the worker's log
            error.append(explain(e, target=conn.describe(), region=conn.region))
            if not stop_ev.is_set():
                rec.fail_items(len(seq) - rec.done, type(e).__name__, error[-1])

    # Queue calls are made from this (the task's) thread; the strategy runs beside it
    th = threading.Thread(target=body, name=f"shard-{shard}", daemon=True)
    th.start()
    while th.is_alive():
        th.join(SNAPSHOT_EVERY)
        if not stop_ev.is_set() and cancel.is_set():
            stop_ev.set()
        q.put({"shard": shard, **rec.export_delta()})
    cpu_end = cpu_seconds()
    q.put({"shard": shard, **rec.export_delta()})  # the last delta before the task returns
    wall = (time.perf_counter() - ctx.t_begin) if ctx.t_begin else None
    return {"shard": shard, "start": start, "stop": stop, "host": socket.gethostname(), "pid": os.getpid(),
            "complete": not stop_ev.is_set() and not error, "error": error[0] if error else None,
            "counts": rec.counts(), "histogram": encode_histogram(rec.hist), "wall_s": wall,
            "cpu_s": ((cpu_end - ctx.cpu_begin) + ctx.child_cpu) if ctx.cpu_begin is not None else None,
            "concurrency": ctx.used_concurrency or s.concurrency, "notes": ctx.notes}


# ================================================================ coordinator
def _connect(spec: ClusterSpec) -> tuple[Client, LocalCluster | None]:
    if spec.local_workers:
        # not daemonic: the processes strategy starts processes of its own inside a worker
        with dask.config.set({"distributed.worker.daemon": False}):
            cluster = LocalCluster(n_workers=spec.local_workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=40)
        client = Client(cluster)
        client.wait_for_workers(spec.local_workers, timeout=WORKER_WAIT)
        return client, cluster
    try:
        return Client(spec.address, timeout=CONNECT_TIMEOUT), None
    except Exception as e:
        raise ClusterError(f"could not reach the Dask scheduler at {spec.address}: {e}") from e


def _workers(client: Client) -> dict[str, dict[str, Any]]:
    return dict(client.scheduler_info(n_workers=-1)["workers"])


def run_cluster_benchmark(settings: Settings, conn: Connection, spec: ClusterSpec, *,
                          emit: Callable[[str, object], None] | None = None,
                          stop: threading.Event | None = None,
                          on_client: Callable[[Client], None] | None = None) -> dict[str, Any]:
    """The whole benchmark on the cluster; returns the result document (results.py schema,
    plus "cluster" at the top and in each run). `on_client`: called once connected (tests)."""
    settings = settings.validate()
    if settings.load is not None:
        raise ClusterError("--cluster runs the write benchmark only; mixed/open-loop loads are not sharded yet")
    emit = emit or (lambda kind, payload: None)
    stop = stop or threading.Event()
    client, cluster = _connect(spec)
    try:
        if on_client is not None:
            on_client(client)
        return _Coordinator(settings, conn, spec, client, emit, stop).run()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _Coordinator(_Engine):
    def __init__(self, settings: Settings, conn: Connection, spec: ClusterSpec, client: Client,
                 emit: Callable[[str, object], None], stop: threading.Event) -> None:
        super().__init__(settings, conn, emit, stop)
        self.spec = spec
        self.client = client

    def run(self) -> dict[str, Any]:
        doc = results.new_document(self.s.to_dict(), results.target_info(self.conn))
        workers = _workers(self.client)
        doc["cluster"] = {"scheduler": self.spec.describe(),
                          "workers": [{"address": a, "host": w.get("host"), "nthreads": w.get("nthreads")}
                                      for a, w in sorted(workers.items())]}
        try:
            if not workers:
                raise ClusterError(f"the Dask cluster at {self.spec.describe()} has no workers")
            workload = Workload(self.s.workload, self.s.seed, self.s.item_bytes)
            admin = new_client(self.conn, retry_mode="standard", max_attempts=5)
            for si, name in enumerate(self.s.strategies):
                for rep in range(1, self.s.repeat + 1):
                    if self.stop.is_set():
                        break
                    table = self.s.table or f"ddbtui-bench-{doc['id']}-{name}-{rep}"
                    run = self.run_sharded(admin, workload, sorted(workers), name, si, rep, table, doc["id"])
                    doc["runs"].append(run)
                    self.emit(MessageKind.RUN, run)
        except Exception as e:
            msg = str(e) if isinstance(e, (TableInUse, ValueError, ClusterError)) else explain(
                e, target=self.conn.describe(), region=self.conn.region)
            results.finish(doc, complete=False, error=msg)
            self.snap(SnapKind.DONE, Phase.FINISHED, message=msg)
            return doc
        complete = not self.stop.is_set() and all(r["complete"] for r in doc["runs"])
        results.finish(doc, complete=complete)
        self.snap(SnapKind.DONE, Phase.FINISHED if complete else Phase.CANCELLED)
        return doc

    def run_sharded(self, admin: Any, workload: Workload, addresses: list[str], name: str, si: int,
                    rep: int, table: str, run_id: str) -> dict[str, Any]:
        ids: dict[str, Any] = dict(strategy=name, index=si, repeat=rep)
        self.snap(SnapKind.PHASE, Phase.SETUP, message=f"creating table {table}", **ids)
        created, fresh = self.prepare_table(admin, table, workload)
        ranges = shard_ranges(self.s.items, len(addresses))
        channel = f"ddbtui-{run_id}-{name}-{rep}"
        q = Queue(channel, client=self.client)
        cancel = Event(channel + "-stop", client=self.client)
        sd, cd = self.s.to_dict(), self.conn.to_dict()
        futures: dict[int, Future[dict[str, Any]]] = {
            i: self.client.submit(_shard_task, sd, cd, table, name, i, a, b, channel, key=f"{channel}-shard-{i}",
                                  workers=[addr], allow_other_workers=False, pure=False)
            for i, ((a, b), addr) in enumerate(zip(ranges, addresses))}
        merged = Recorder(self.s.items)
        shard_ok = [0] * len(ranges)
        outcomes: dict[int, dict[str, Any]] = {}
        lost_msgs: list[str] = []

        def drain() -> None:
            for d in q.get(batch=True):
                if merged.t0 is None:
                    merged.start()
                shard_ok[int(d["shard"])] += int(d.get("ok", 0))
                merged.absorb(d)

        last_ok, last_t = 0, time.perf_counter()
        self.snap(SnapKind.PHASE, Phase.WRITING, message=f"{len(ranges)} shards on {len(addresses)} workers", **ids)
        while len(outcomes) < len(futures):
            time.sleep(SNAPSHOT_EVERY)
            if self.stop.is_set() and not cancel.is_set():
                cancel.set()
            drain()
            alive = set(_workers(self.client))
            for i, f in futures.items():
                if i in outcomes:
                    continue
                if f.status == "finished":
                    outcomes[i] = f.result()
                elif f.status in ("error", "cancelled") or addresses[i] not in alive:
                    a, b = ranges[i]
                    why = ("was lost" if addresses[i] not in alive else f"failed: {f.exception() if f.status == 'error' else 'cancelled'}")
                    msg = (f"worker {addresses[i]} {why} mid-run: shard {i} (items {a}..{b - 1}) is incomplete; "
                           f"its items acknowledged before that are counted and verified")
                    lost_msgs.append(msg)
                    outcomes[i] = {"shard": i, "start": a, "stop": b, "host": urlparse(addresses[i]).hostname,
                                   "complete": False, "error": msg, "lost_worker": True}
                    f.cancel()
            now = time.perf_counter()
            ok_now = merged.counts()["ok"]
            rate = (ok_now - last_ok) / (now - last_t) if now > last_t else 0.0
            last_ok, last_t = ok_now, now
            if merged.t0 is not None:
                self.snap(SnapKind.PROGRESS, Phase.WRITING, rec=merged, last_interval=rate, **ids)
        drain()
        q.close()
        cancelled = self.stop.is_set()
        self.snap(SnapKind.PROGRESS, Phase.CANCELLED if cancelled else Phase.WRITING, rec=merged, **ids)

        c = merged.counts()
        verified = lost = missing = None
        verification = "skipped (cancelled)" if cancelled else "scan-count"
        if not cancelled:
            self.snap(SnapKind.PHASE, Phase.VERIFYING, message=f"counting items in {table}", **ids)
            try:
                if fresh:
                    verified = count_items(admin, table)
                else:
                    verification = "key-lookup"
                    verified = _count_keys(admin, table, workload.sequence(self.s.items).keys())
                lost = max(0, c["ok"] - verified)
                missing = max(0, self.s.items - verified)
            except Exception as e:
                verification = f"failed: {explain(e)}"
        if created and not self.s.keep_table:
            self.snap(SnapKind.PHASE, Phase.CLEANUP, message=f"deleting table {table}", **ids)
            try:
                delete_table(admin, table, wait=bool(self.s.table) and not cancelled)
                self.ours.discard(table)
            except Exception:
                pass
        shards = []
        for i in range(len(ranges)):
            o = dict(outcomes.get(i, {}))
            o["address"] = addresses[i]
            o["ok_received"] = shard_ok[i]  # what the coordinator merged from this shard
            hist = o.pop("histogram", None)
            o["requests_in_histogram"] = decode_histogram(hist).get_total_count() if hist else None
            shards.append(o)
        walls = [o["wall_s"] for o in shards if o.get("wall_s")]
        cpus = [o["cpu_s"] for o in shards if o.get("cpu_s") is not None]
        wall = max(walls) if walls else None
        cpu = sum(cpus) if cpus else None
        attempted = c["ok"] + c["failed"]
        errors = [o["error"] for o in shards if o.get("error")]
        error = "; ".join(errors) if errors else None
        self.snap(SnapKind.RUN, Phase.CANCELLED if cancelled else Phase.FINISHED, **ids, message=error or "")
        sums: Any = merged  # Recorder sets its counters and sums with setattr (untyped for mypy)
        return {
            "strategy": name, "repeat": rep,
            "complete": not cancelled and error is None and all(o.get("complete") for o in shards),
            "table": table, "table_created": created, "table_kept": created and self.s.keep_table,
            "concurrency": self.s.concurrency, "items": self.s.items, "attempted": attempted, **c,
            "wall_s": wall, "items_per_s": (c["ok"] / wall) if wall else None,
            "cpu_s": cpu, "cpu_us_per_item": (cpu / attempted * 1e6) if cpu is not None and attempted else None,
            "latency_ms": merged.summary(), "latency_sum_us": sums.sum_us, "latency_sumsq_us": sums.sumsq_us,
            "histogram": encode_histogram(merged.hist),
            "throughput": {"interval_s": merged.interval, "items_per_s": merged.throughput_series()},
            "verification": verification, "verified": verified, "lost": lost, "missing": missing,
            "errors": dict(merged.errors), "first_error": merged.first_error, "error": error,
            "notes": [f"sharded over {len(shards)} Dask workers; wall_s is the slowest shard's window, "
                      f"cpu_s the sum of the workers'"],
            "proxy": None,
            "cluster": {"shards": shards},
        }
