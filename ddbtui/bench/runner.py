"""The benchmark engine, in its own process, streaming compact snapshots.

API (used by `ddbtui bench`'s console renderer and by the TUI alike)::

    from ddbtui.bench.runner import Settings, start_run

    handle = start_run(Settings(strategies=["sync", "aiohttp"], items=2000, concurrency=32),
                       connection)             # a ddbtui.config.Connection
    while not handle.done:
        for snap in handle.poll():            # non-blocking; [] when nothing new
            ...                               # e.g. from set_interval(0.25)
    doc = handle.join()                       # the result document (results.py schema)
    handle.cancel()                           # any time: stops within ~1 s; result has
                                              # "complete": false

`start_run` spawns one process (multiprocessing "spawn" context); items are generated on
demand from (seed, index) (`Workload.sequence`: nothing held, flat memory in run size); for
each strategy and repeat: creates a fresh table (waits ACTIVE), runs the strategy,
verifies with Scan Select=COUNT (or streamed key lookups), deletes the table (unless keep_table). The parent only
reads a Queue: no per-request messages. The engine ignores SIGINT (Ctrl+C is the parent's
to handle: it calls cancel()) and exits by itself if its parent dies.

`RunHandle` (public API; nothing else of it is for callers)
- `poll() -> list[Snapshot]`: every snapshot received since the previous poll.
- `latest: Snapshot | None`: the most recent one.
- `runs: list[RunRecord]`: finished run records (one per strategy and repeat) so far.
- `cancel()`: ask the engine to stop (workers stop taking items; in-flight requests finish).
- `join(timeout=None, grace=None) -> ResultDocument | None`: wait for the result; after a
  cancel the engine gets `grace` (CANCEL_GRACE + 0.5) seconds, then it and its children
  are killed and the result is built from the runs received ("complete": false).
- `kill()`: stop the engine and its workers now; `reap(timeout)`: wait for the finished
  engine process to exit (killed if it does not).
- `done: bool` (drains the queue), `finished: bool` (no I/O: the result is in),
  `alive: bool` (the engine process runs), `result`, `error`, `cancelled`, `pid`.

The messages, snapshots and records are typed in `ddbtui.bench.events` (`MessageKind`,
`SnapKind`, `Phase`, `Snapshot`, `RunRecord`, `ResultDocument`): read its docstring.

`run_benchmark(settings, conn, emit=..., stop=...)` is the same engine in-process (tests).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import queue as queue_mod
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from multiprocessing import resource_tracker
from typing import TYPE_CHECKING, Callable, Iterable

from ddbtui.bench import results, strategies
from ddbtui.bench.events import MessageKind, Phase, RunRecord, SnapKind, Snapshot
from ddbtui.bench.limits import LIMITS
from ddbtui.bench.mixed import LoadSpec, MixedRun, check_strategies
from ddbtui.bench.proc import child_setup, reap_children
from ddbtui.bench.recorder import Recorder
from ddbtui.bench.stats import encode_histogram
from ddbtui.bench.strategies import STRATEGIES
from ddbtui.bench.strategies.base import RETRY_MODES, StrategyContext, cpu_seconds
from ddbtui.bench.workload import ItemSequence, Workload
from ddbtui.config import Connection
from ddbtui.dynamo.clients import new_client
from ddbtui.dynamo.errors import explain, explain_code, is_target_problem
from ddbtui.dynamo.tables import count_items, create_table, delete_table, table_is_empty, table_status
from ddbtui.dynamo.wallet import balances_refusal, holds_balances
from ddbtui.local.proxy import fetch_stats, reset_stats

if TYPE_CHECKING:
    from ddbtui.bench.workload import ItemSequence, Workload

__all__ = ["CANCEL_GRACE", "RunHandle", "Settings", "Snapshot", "run_benchmark", "start_run"]

SNAPSHOT_EVERY = 0.25
# Runs whose items fit in this much memory get them generated before the measured window
# (~1.1 KB per books item in a list, plus the padding); larger runs generate them on demand.
PREBUILD_MAX_BYTES = 64 << 20
PREBUILD_ITEM_BYTES = 1100
CANCEL_GRACE = 1.0  # seconds the engine gets to stop by itself after cancel()


@dataclass
class Settings:
    strategies: list[str] = field(default_factory=lambda: ["sync"])
    items: int = 1000
    concurrency: int = 32
    repeat: int = 1
    workload: str = "books"
    item_bytes: int = 0
    table: str | None = None
    keep_table: bool = False
    force: bool = False
    retry_mode: str = "standard"
    max_attempts: int | None = None
    seed: int = 42
    processes: int = 0
    # set by the CLI when a fault proxy runs in front of the target
    proxy_url: str | None = None
    proxy_config: dict | None = None
    # a mixed or open-loop run (#15): mixed.LoadSpec.to_dict(); None = the plain write benchmark
    load: dict | None = None

    def validate(self) -> "Settings":
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown or not self.strategies:
            raise ValueError(f"unknown strategy {', '.join(unknown) or '(none)'}")
        for name in ("items", "concurrency", "repeat", "item_bytes", "processes", "max_attempts"):
            value = getattr(self, name)
            if value is not None:  # max_attempts None: the retry mode's own count
                LIMITS[name].check(value)  # LimitError (a ValueError) names the field
        if self.retry_mode not in RETRY_MODES:
            raise ValueError(f"--retry-mode must be one of {', '.join(RETRY_MODES)}")
        Workload(self.workload, self.seed, self.item_bytes)  # raises ValueError with a sentence
        if self.load is not None:
            check_strategies(self.strategies)
            LoadSpec.from_dict(self.load)
        return self

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("proxy_url")
        d.pop("proxy_config")
        return d


class TableInUse(Exception):
    """--table names an existing non-empty table this benchmark did not create."""


# ============================================================== the engine itself
class _Engine:
    def __init__(self, settings: Settings, conn: Connection, emit: Callable[[str, object], None],
                 stop: threading.Event, admin_conn: Connection | None = None):
        self.s = settings
        self.conn = conn  # what the strategies talk to (maybe a fault proxy)
        self.admin_conn = admin_conn or conn  # table admin and verification: the target itself
        self.emit = emit
        self.stop = stop
        self.t0 = time.perf_counter()
        self.ours: set[str] = set()  # tables this engine created

    # -------------------------------------------------------------- snapshots
    def snap(self, kind: SnapKind, phase: Phase, *, strategy: str = "", index: int = 0, repeat: int = 0,
             rec=None, message: str = "", last_interval: float = 0.0, mixed=None) -> None:
        kw: dict = {}
        if rec is not None:
            c = rec.counts()
            elapsed = (time.perf_counter() - rec.t0) if rec.t0 else 0.0
            lat = rec.summary()
            kw = dict(done=c["ok"] + c["failed"], total=rec.total, ok=c["ok"], failed=c["failed"],
                      retried=c["retried"], retries=c["retries"], throttled=c["throttled"],
                      elapsed=elapsed, items_per_s=(c["ok"] / elapsed) if elapsed > 0 else 0.0,
                      interval_items_per_s=last_interval,
                      p50_ms=lat["p50"], p90_ms=lat["p90"], p99_ms=lat["p99"], p99_9_ms=lat["p99_9"],
                      max_ms=lat["max"], mean_ms=lat["mean"], hist_delta=rec.take_snapshot_delta())
        if mixed is not None:
            kw.update(mixed.live())
        s = Snapshot(kind=kind, t=time.perf_counter() - self.t0, strategy=strategy, index=index,
                     strategies=len(self.s.strategies), repeat=repeat, repeats=self.s.repeat,
                     phase=phase, message=message, **kw)
        self.emit(MessageKind.SNAP, s.to_dict())

    # ----------------------------------------------------------------- tables
    def prepare_table(self, admin, name: str, workload) -> tuple[bool, bool]:
        """(created by us, fresh = holds only our items). Raises TableInUse."""
        status = table_status(admin, name)
        if status is not None and name in self.ours:
            delete_table(admin, name, wait=True)
            status = None
        if status is None:
            create_table(admin, workload.table_spec(name), wait=True)
            self.ours.add(name)
            return True, True
        if table_is_empty(admin, name):
            return False, True
        if not self.s.force:
            raise TableInUse(f"table {name} already exists and is not empty; ddbtui bench did not create it. "
                             f"Pass --force to write into it anyway, or choose another --table.")
        if holds_balances(admin, name):  # money: never overwritten by a benchmark
            raise TableInUse(balances_refusal(name))
        return False, False

    # -------------------------------------------------------------------- run
    def run(self) -> dict:
        proxy = None
        if self.s.proxy_url:
            proxy = {"url_host": self.conn.host, "config": self.s.proxy_config}
        doc = results.new_document(self.s.to_dict(), results.target_info(self.admin_conn, proxy))
        run_id = doc["id"]
        try:
            workload = Workload(self.s.workload, self.s.seed, self.s.item_bytes)
            # Items come from (seed, index). Up to PREBUILD_MAX_BYTES they are generated before
            # the runs (so no strategy's CPU figure includes item generation, as in the plain
            # reference scripts); above, they are generated on demand inside the window and
            # nothing is held: memory stays flat and a 10M-item run starts at once.
            seq = workload.sequence(0 if self.s.load else self.s.items)
            items: ItemSequence | list[dict] = seq
            if len(seq):
                seq.item(0)  # builds the Faker pools now, not inside a measured window
            if 0 < len(seq) * (PREBUILD_ITEM_BYTES + self.s.item_bytes) <= PREBUILD_MAX_BYTES:
                self.snap(SnapKind.PHASE, Phase.ITEMS, message=f"generating {len(seq):,} {self.s.workload} items")
                items = list(seq.iter_range())

            admin = new_client(self.admin_conn, retry_mode="standard", max_attempts=5)
            for si, name in enumerate(self.s.strategies):
                for rep in range(1, self.s.repeat + 1):
                    if self.stop.is_set():
                        break
                    table = self.s.table or f"ddbtui-bench-{run_id}-{name}-{rep}"
                    run = self.run_one(admin, workload, items, name, si, rep, table)
                    doc["runs"].append(run)
                    self.emit(MessageKind.RUN, run)
        except Exception as e:
            msg = str(e) if isinstance(e, (TableInUse, ValueError)) else explain(
                e, target=self.admin_conn.describe(), region=self.admin_conn.region)
            results.finish(doc, complete=False, error=msg)
            self.snap(SnapKind.DONE, Phase.FINISHED, message=msg)
            return doc
        complete = not self.stop.is_set() and all(r["complete"] for r in doc["runs"])
        results.finish(doc, complete=complete)
        self.snap(SnapKind.DONE, Phase.FINISHED if complete else Phase.CANCELLED)
        return doc

    def run_one(self, admin, workload, items, name, si, rep, table) -> dict:
        ids = dict(strategy=name, index=si, repeat=rep)
        self.snap(SnapKind.PHASE, Phase.SETUP, message=f"creating table {table}", **ids)
        created, fresh = self.prepare_table(admin, table, workload)
        mixed = None
        if self.s.load is not None:
            mixed = MixedRun(self.s.load, workload, self.admin_conn, table)
            if mixed.spec.records:
                self.snap(SnapKind.PHASE, Phase.LOADING, message=f"loading {mixed.spec.records:,} records into {table}", **ids)
                mixed.load(self.stop)
        if self.s.proxy_url:
            _proxy_reset(self.s.proxy_url)
        rec = Recorder(mixed.spec.expected_ops() if mixed else len(items))
        ctx = StrategyContext(conn=self.conn, table=table, items=items, concurrency=self.s.concurrency,
                              recorder=rec, stop=self.stop, retry_mode=self.s.retry_mode,
                              max_attempts=self.s.max_attempts, processes=self.s.processes)

        if isinstance(items, ItemSequence) and len(items):
            ctx.notes.append(f"items generated on demand inside the measured window (above the "
                             f"{PREBUILD_MAX_BYTES >> 20} MB pre-build cap): ~{_generation_us(workload):.0f} µs "
                             f"of CPU per item is item generation, not the client")
        fn = mixed.strategy(ctx, name) if mixed else strategies.get(name)
        done_ev = threading.Event()

        def reporter():
            last_ok, last_t = 0, time.perf_counter()
            while not done_ev.wait(SNAPSHOT_EVERY):
                if rec.t0 is None:
                    continue
                now = time.perf_counter()
                ok = rec.ok
                rate = (ok - last_ok) / (now - last_t) if now > last_t else 0.0
                last_ok, last_t = ok, now
                self.snap(SnapKind.PROGRESS, Phase.WRITING, rec=rec, last_interval=rate, mixed=mixed, **ids)

        rep_thread = threading.Thread(target=reporter, name="bench-reporter", daemon=True)
        rep_thread.start()
        error = None
        try:
            fn(ctx)
        except Exception as e:
            error = explain(e, target=self.conn.describe(), region=self.conn.region)
            if not self.stop.is_set():
                rec.fail_items(len(items) - rec.done, type(e).__name__, error)
        t_end = time.perf_counter()
        cpu_end = cpu_seconds()
        if error is None and rec.ok == 0 and rec.errors:
            # nothing got through and the target refused us (key, operation): one sentence
            code = rec.errors.most_common(1)[0][0]
            if is_target_problem(code):
                error = explain_code(code, target=self.conn.describe(), region=self.conn.region)

        gc.unfreeze()  # frozen in ctx.begin() for the measured window
        done_ev.set()
        rep_thread.join()
        cancelled = self.stop.is_set()
        self.snap(SnapKind.PROGRESS, Phase.CANCELLED if cancelled else Phase.WRITING, rec=rec, mixed=mixed, **ids)
        proxy_stats = _proxy_stats(self.s.proxy_url) if self.s.proxy_url else None

        wall = (t_end - ctx.t_begin) if ctx.t_begin else None
        cpu = ((cpu_end - ctx.cpu_begin) + ctx.child_cpu) if ctx.cpu_begin is not None else None
        c = rec.counts()
        attempted = c["ok"] + c["failed"]
        verified = lost = missing = None
        verification = "skipped (cancelled)" if cancelled else "scan-count"
        if mixed is not None and not cancelled and not mixed.spec.inserts_only():
            verification = "not applicable (the mix reads, updates or deletes existing records)"
        elif mixed is not None and not cancelled:
            self.snap(SnapKind.PHASE, Phase.VERIFYING, message=f"counting items in {table}", **ids)
            try:
                verified = count_items(admin, table)
                lost = max(0, mixed.spec.records + c["ok"] - verified)
            except Exception as e:
                verification = f"failed: {explain(e)}"
        elif not cancelled:
            self.snap(SnapKind.PHASE, Phase.VERIFYING, message=f"counting items in {table}", **ids)
            try:
                if fresh:
                    verified = count_items(admin, table)
                else:
                    verification = "key-lookup"
                    verified = _count_keys(admin, table, items.keys() if isinstance(items, ItemSequence)
                                           else (workload.key_of(it) for it in items))
                lost = max(0, c["ok"] - verified)
                missing = max(0, len(items) - verified)
            except Exception as e:
                verification = f"failed: {explain(e)}"
        if created and not self.s.keep_table:
            self.snap(SnapKind.PHASE, Phase.CLEANUP, message=f"deleting table {table}", **ids)
            try:
                delete_table(admin, table, wait=bool(self.s.table) and not cancelled)
                self.ours.discard(table)
            except Exception:
                pass
        lat = rec.summary()

        run = {
            "strategy": name, "repeat": rep, "complete": not cancelled and error is None,
            "table": table, "table_created": created, "table_kept": created and self.s.keep_table,
            "concurrency": ctx.used_concurrency or self.s.concurrency,
            "items": len(items), "attempted": attempted, **c,
            "wall_s": wall, "items_per_s": (c["ok"] / wall) if wall else None,
            "cpu_s": cpu, "cpu_us_per_item": (cpu / attempted * 1e6) if cpu is not None and attempted else None,
            "latency_ms": lat, "latency_sum_us": rec.sum_us, "latency_sumsq_us": rec.sumsq_us,
            "histogram": encode_histogram(rec.hist),
            "throughput": {"interval_s": rec.interval, "items_per_s": rec.throughput_series()},
            "verification": verification, "verified": verified, "lost": lost, "missing": missing,
            "errors": dict(rec.errors), "first_error": rec.first_error, "error": error,
            "notes": ctx.notes, "proxy": proxy_stats,
        }
        if mixed is not None:
            run.update(mixed.record(ctx, wall, cpu))
        self.snap(SnapKind.RUN, Phase.CANCELLED if cancelled else Phase.FINISHED, rec=None, **ids,
                  message=error or "")
        return run


def _generation_us(workload: Workload, n: int = 300) -> float:
    """CPU µs to generate one item (measured on n items far from the run's own)."""
    c0 = time.process_time()
    for i in range(10**9 - n, 10**9):
        workload.ddb_item(i)
    return (time.process_time() - c0) / n * 1e6


def _count_keys(client, table: str, keys: Iterable[dict]) -> int:
    """How many of these keys exist (BatchGetItem, 100 at a time, keys only; streamed)."""
    found = 0
    it = iter(keys)
    while True:
        chunk = list(itertools.islice(it, 100))
        if not chunk:
            break
        key_name = next(iter(chunk[0]))
        pending = {table: {"Keys": chunk, "ProjectionExpression": "#k",
                           "ExpressionAttributeNames": {"#k": key_name}}}
        tries = 0
        while pending:
            r = client.batch_get_item(RequestItems=pending)
            found += len(r.get("Responses", {}).get(table, []))
            pending = r.get("UnprocessedKeys") or {}
            tries += 1
            if pending:
                time.sleep(min(1.0, 0.05 * 2 ** tries))
    return found


def _proxy_reset(url: str) -> None:
    try:
        reset_stats(url)
    except Exception:
        pass


def _proxy_stats(url: str) -> dict | None:
    try:
        st = fetch_stats(url)
    except Exception:
        return None
    out = {k: st.get(k) for k in ("requests", "forwarded", "by_op", "injected", "injected_total",
                                       "unprocessed_items")}
    if st.get("capacity"):  # --capacity-model aws: throttles by ThrottlingReasons reason, tables
        out["capacity"] = st["capacity"]
    return out


def run_benchmark(settings: Settings, conn: Connection, *, emit: Callable[[str, object], None] | None = None,
                  stop: threading.Event | None = None, admin_conn: Connection | None = None) -> dict:
    """Run in this process; returns the result document."""
    return _Engine(settings, conn, emit or (lambda kind, payload: None), stop or threading.Event(),
                   admin_conn).run()


# ================================================================ engine process
def _engine_main(settings_d: dict, conn_d: dict, admin_d: dict | None, q, cancel_ev,
                 log_path: str | None = None) -> None:
    if log_path:  # keep the engine (and its workers) off a TUI's terminal
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)

    stop = threading.Event()
    child_setup(stop.set)

    def bridge():
        while not stop.is_set():
            if cancel_ev.value:
                stop.set()
            time.sleep(0.05)

    threading.Thread(target=bridge, name="cancel-bridge", daemon=True).start()
    try:
        doc = run_benchmark(Settings(**settings_d), Connection.from_dict(conn_d),
                            emit=lambda kind, payload: q.put((kind, payload)), stop=stop,
                            admin_conn=Connection.from_dict(admin_d) if admin_d else None)
        q.put((MessageKind.RESULT, doc))
    except BaseException as e:  # noqa: BLE001 - report, never a silent death
        q.put((MessageKind.ERROR, f"{type(e).__name__}: {e}", traceback.format_exc()))
    finally:
        stop.set()
        q.close()
        q.join_thread()


class RunHandle:
    def __init__(self, process, q, cancel_ev, settings: Settings, conn: Connection):
        self._p = process
        self._q = q
        self._cancel = cancel_ev
        self.settings = settings
        self.connection = conn
        self._pending: list[Snapshot] = []
        self.latest: Snapshot | None = None
        self.runs: list[RunRecord] = []
        self.result: dict | None = None
        self.error: str | None = None
        self.cancelled = False
        self._cancel_at: float | None = None
        self._finished = False

    @property
    def pid(self) -> int | None:
        return self._p.pid

    @property
    def finished(self) -> bool:
        """The result (or the engine's end) has been received; no I/O."""
        return self._finished

    @property
    def alive(self) -> bool:
        """The engine process is running."""
        return self._p.is_alive()

    def reap(self, timeout: float = 0.5) -> None:
        """Wait up to `timeout` for the engine process to exit, then kill what is left."""
        self._p.join(timeout)
        if self._p.is_alive():
            self.kill()

    @property
    def done(self) -> bool:
        if not self._finished:
            self._drain()
            if not self._finished and not self._p.is_alive():
                self._drain()
                self._finalize()
        return self._finished

    def _drain(self, timeout: float | None = None) -> None:
        first = True
        while True:
            try:
                if first and timeout:
                    msg = self._q.get(timeout=timeout)
                else:
                    msg = self._q.get_nowait()
            except (queue_mod.Empty, EOFError, OSError):
                return
            first = False
            kind = msg[0]
            if kind == MessageKind.SNAP:
                s = Snapshot.from_dict(msg[1])
                self._pending.append(s)
                self.latest = s
            elif kind == MessageKind.RUN:
                self.runs.append(msg[1])
            elif kind == MessageKind.RESULT:
                self.result = msg[1]
                self._finalize()
            elif kind == MessageKind.ERROR:
                self.error = msg[1]
                self._finalize()

    def poll(self) -> list[Snapshot]:
        """Snapshots received since the last poll (non-blocking)."""
        self._drain()
        out, self._pending = self._pending, []
        return out

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self._cancel_at = time.monotonic()
            self._cancel.value = 1

    def _finalize(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self.result is None:
            # the engine died or was killed: build what we know

            doc = results.new_document(self.settings.to_dict(), results.target_info(self.connection))
            doc["runs"] = list(self.runs)
            results.finish(doc, complete=False, error=self.error or (
                Phase.CANCELLED if self.cancelled else "the benchmark engine process ended unexpectedly"))
            self.result = doc
        elif self.cancelled and self.result.get("complete"):
            self.result["complete"] = False

    def join(self, timeout: float | None = None, *, grace: float | None = None,
             exit_wait: float = 1.0) -> dict | None:
        """Wait for the result (None if `timeout` passed first). After a cancel the engine
        gets `grace` seconds (default CANCEL_GRACE + 0.5) before it is killed; once the
        result is in, its process gets `exit_wait` seconds to exit before it is killed."""
        grace = CANCEL_GRACE + 0.5 if grace is None else grace
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._finished:
            self._drain(timeout=0.05)
            if self._finished:
                break
            if not self._p.is_alive():
                self._drain()
                self._finalize()
                break
            if self._cancel_at is not None and time.monotonic() - self._cancel_at > grace:
                self.kill()
                self._drain()
                self._finalize()
                break
            if deadline is not None and time.monotonic() > deadline:
                return None
        self._p.join(exit_wait)
        if self._p.is_alive():
            self.kill()
        return self.result

    def kill(self) -> None:
        """Stop the engine process and everything below it now."""
        if self._p.pid is not None:
            reap_children(self._p.pid, timeout=0.5)
        if self._p.is_alive():
            self._p.terminate()
            self._p.join(0.5)
        if self._p.is_alive():
            self._p.kill()
            self._p.join(0.5)


def _ensure_resource_tracker() -> None:
    """multiprocessing starts its resource tracker lazily, passing sys.stderr's fd; under a
    TUI (Textual swaps sys.stderr for an object whose fileno() is -1) that fails with "bad
    value(s) in fds_to_keep". Start it with /dev/null as stderr in that case."""
    try:
        if sys.stderr is not None and sys.stderr.fileno() >= 0:
            return
    except Exception:
        pass
    saved = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved


def start_run(settings: Settings, conn: Connection, *, admin_conn: Connection | None = None,
              log_path: str | None = None) -> RunHandle:
    """Start the engine process; returns at once. `admin_conn`: the target itself when `conn`
    goes through a fault proxy (tables are created and verified directly). `log_path`: send
    the engine's stdout/stderr there (a TUI must not let a child write on its terminal)."""
    settings.validate()
    _ensure_resource_tracker()
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    # a polled shared byte, not an Event: Event.set() blocks forever if a waiter died mid-wait
    cancel_ev = ctx.RawValue("b", 0)
    p = ctx.Process(target=_engine_main, name="ddbtui-bench-engine",
                    args=(asdict(settings), conn.to_dict(), admin_conn.to_dict() if admin_conn else None,
                          q, cancel_ev, log_path), daemon=False)
    p.start()
    return RunHandle(p, q, cancel_ev, settings, admin_conn or conn)
