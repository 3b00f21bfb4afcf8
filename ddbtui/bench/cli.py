"""`ddbtui bench`: headless write benchmarks with live progress and honest statistics.

`add_arguments(parser)` adds the bench options (the connection options --endpoint-url,
--region, --profile, --aws, --engine come from ddbtui.cli_args); `run(args) -> int` runs it.
Exit codes: 0 all good; 1 items lost or missing, or a run failed; 2 bad options or a
non-empty --table without --force; 130 interrupted (Ctrl+C; partial results are saved with
"complete": false); 143 (SIGTERM) / 129 (SIGHUP): stopped within ~2 s, the partial result
saved with "complete": false and "stopped_by". Every run goes through one
`ddbtui.bench.session.BenchSession`, as in the TUI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from rich.console import Console

from ddbtui.bench import report, results
from ddbtui.bench.events import Snapshot
from ddbtui.bench.keys import KEY_DISTRIBUTIONS
from ddbtui.bench.limits import LIMITS
from ddbtui.bench.live import LiveModel
from ddbtui.bench.mixed import MIXED_STRATEGIES, LoadSpec, build_spec
from ddbtui.bench.mixed_report import lines as mixed_lines
from ddbtui.bench.openloop import ARRIVALS, parse_duration, parse_rate
from ddbtui.bench.operations import OP_NAMES, YCSB
from ddbtui.bench.proc import Terminated, signals_as_exception
from ddbtui.bench.runner import Settings
from ddbtui.bench.session import BenchSession, SessionError
from ddbtui.bench.strategies import NAMES, STRATEGIES, parse_strategies
from ddbtui.cli_args import add_connection_arguments
from ddbtui.config import TargetError, resolve_target
from ddbtui.dynamo import validation
from ddbtui.dynamo.clients import new_client
from ddbtui.dynamo.errors import DdbError, explain
from ddbtui.dynamo.tables import table_is_empty, table_status
from ddbtui.dynamo.wallet import balances_refusal, holds_balances
from ddbtui.local.engine import EngineError, LocalEngine
from ddbtui.local.proxy import add_proxy_arguments, fault_config_from_args

if TYPE_CHECKING:  # pragma: no cover
    from ddbtui.bench.runner import Settings
    from ddbtui.bench.session import BenchSession
    from ddbtui.config import Connection

EXIT_OK, EXIT_LOST, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_arguments(p: argparse.ArgumentParser) -> None:
    listing = "\n".join(f"  {n:<19} {STRATEGIES[n][2]}" for n in NAMES)
    p.description = (p.description or "") + "Write N items with each strategy and compare.\n\nstrategies:\n" + listing
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    g = p.add_argument_group("benchmark")
    g.add_argument("--strategies", default="all", metavar="A,B,...|all",
                   help="strategies to run, comma-separated, or all (default)")
    g.add_argument("--items", type=LIMITS["items"].arg_type(), default=1000, metavar="N",
                   help="items each strategy run writes (default 1000)")
    g.add_argument("--concurrency", type=LIMITS["concurrency"].arg_type(), default=32, metavar="C",
                   help="requests in flight at once (default 32; sync, client-per-request and batch use 1)")
    g.add_argument("--repeat", type=LIMITS["repeat"].arg_type(), default=1, metavar="R",
                   help="runs per strategy, for mean ± σ (default 1)")
    g.add_argument("--workload", type=_workload, default="books", metavar="books|wallets|A..F",
                   help="books (isbn key, padded to --item-bytes), wallets (user_id, balance), or a "
                        "YCSB core workload A-F over books items (a mix with a load phase: see below)")
    g.add_argument("--item-bytes", type=LIMITS["item_bytes"].arg_type(), default=0, metavar="B",
                   help="pad each item to about B bytes (default: natural size)")
    g.add_argument("--table", metavar="NAME",
                   help="write into this table (created if missing; an existing non-empty table "
                        "needs --force) instead of a fresh table per run")
    g.add_argument("--keep-table", action="store_true", help="do not delete the tables afterwards")
    g.add_argument("--force", action="store_true", help="allow writing into an existing non-empty --table")
    g.add_argument("--retry-mode", choices=("none", "standard", "adaptive", "legacy"), default="standard",
                   help="botocore retry mode (none = 1 attempt); the raw client uses the same attempt "
                        "counts (default standard)")
    g.add_argument("--max-attempts", type=LIMITS["max_attempts"].arg_type(), default=None, metavar="N",
                   help="total attempts per request, overriding the retry mode's")
    g.add_argument("--processes", type=LIMITS["processes"].arg_type(), default=0, metavar="P",
                   help="worker processes for the processes strategy (default: one per core)")
    g.add_argument("--cluster", default=None, metavar="local:N|tcp://HOST:PORT",
                   help="run across the workers of a Dask cluster: local:N starts N worker processes "
                        "on 127.0.0.1; tcp://HOST:PORT is a running `dask scheduler` (needs ddbtui[cluster])")
    g.add_argument("--seed", type=int, default=42, help="seed for the generated items (default 42)")
    g.add_argument("--json", metavar="PATH",
                   help="also write the result document to PATH (- : to stdout, everything else to stderr)")
    g.add_argument("--no-save", action="store_true",
                   help="do not keep the result in ddbtui's results directory")
    g.add_argument("--plain", action="store_true", help="plain text output even on a terminal")
    add_load_arguments(p)

    add_proxy_arguments(p)


def _workload(s: str) -> str:
    if s in ("books", "wallets") or s.upper() in YCSB:
        return s if s in ("books", "wallets") else s.upper()
    raise argparse.ArgumentTypeError(f"--workload takes books, wallets or a YCSB workload A-F, got {s!r}")


def _arg(parse: Callable[[str, str], Any], opt: str) -> Callable[[str], Any]:
    def f(s: str) -> Any:
        try:
            return parse(s, opt)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return f


def add_load_arguments(p: argparse.ArgumentParser) -> None:
    """Open loop, operations and mixes, key distributions, consumed capacity and cost (#15)."""
    g = p.add_argument_group(
        "open loop, mixes, capacity",
        "Any of these runs operations instead of the plain write benchmark (strategies aiohttp, "
        "aioboto3, threads, sync, processes). Latency is the response time from each request's "
        "intended start (corrected for coordinated omission); service time is from its send.")
    g.add_argument("--mode", choices=("closed", "open"), default=None,
                   help="closed: --concurrency workers back to back; open: requests on a schedule "
                        "(default: open with --rate/--ramp, else closed)")
    g.add_argument("--rate", type=_arg(parse_rate, "--rate"), default=None, metavar="R",
                   help="open loop: R requests/s for --duration")
    g.add_argument("--ramp", default=None, metavar="R:T,...",
                   help="open loop: rate steps, e.g. 100:30s,1000:60s,2000:60s")
    g.add_argument("--duration", type=_arg(parse_duration, "--duration"), default=None, metavar="T",
                   help="run for T (30s, 2m) instead of --items operations")
    g.add_argument("--arrivals", choices=ARRIVALS, default="constant",
                   help="open loop: evenly spaced or Poisson arrivals (default constant)")
    g.add_argument("--max-in-flight", type=LIMITS["max_in_flight"].arg_type(), default=256, metavar="N",
                   help="open loop: requests in flight at most (default 256); beyond it sends wait and count late")
    g.add_argument("--mix", default=None, metavar="OP=W,...",
                   help=f"operations and weights, e.g. put=50,get=50; operations: {', '.join(OP_NAMES)}")
    g.add_argument("--keys", default=None, metavar="DIST",
                   help=f"key distribution: {', '.join(KEY_DISTRIBUTIONS)}, e.g. zipfian:0.99, hotspot:0.2:0.8")
    g.add_argument("--records", type=LIMITS["records"].arg_type(), default=None, metavar="N",
                   help="records the load phase writes first (default 1000 when the mix reads or changes records)")
    g.add_argument("--item-sizes", default=None, metavar="DIST",
                   help="item sizes in bytes: fixed:B, uniform:A-B, normal:MEAN,SD, zipfian:A-B")
    g.add_argument("--consumed-capacity", choices=("TOTAL", "INDEXES"), default="TOTAL",
                   help="ReturnConsumedCapacity on every request (default TOTAL)")
    g.add_argument("--prices", default=None, metavar="FILE",
                   help="price table replacing ddbtui's dated one (same JSON shape)")
    g.add_argument("--price-region", default=None, metavar="REGION",
                   help="region whose prices the cost estimate uses (default: the target's)")
    g.add_argument("--headroom", type=float, default=0.3, metavar="F",
                   help="provisioned estimate: peak second's need x (1 + F) (default 0.3)")


def load_from_args(args: argparse.Namespace) -> dict[str, Any] | None:
    """The LoadSpec (as a dict) when any #15 option is given, else None (plain write benchmark)."""
    preset = args.workload if args.workload in YCSB else None
    wanted = (args.mode, args.rate, args.ramp, args.duration, args.mix, args.keys, args.records,
              args.item_sizes, preset)
    if all(v is None for v in wanted):
        return None
    mode = args.mode or ("open" if args.rate is not None or args.ramp else "closed")
    return build_spec(mode=mode, mix=args.mix, preset=preset, keys=args.keys, records=args.records,
                      item_sizes=args.item_sizes, rate=args.rate, ramp=args.ramp, duration=args.duration,
                      arrivals=args.arrivals, max_in_flight=args.max_in_flight, ops=args.items,
                      capacity_mode=args.consumed_capacity, seed=args.seed, prices=args.prices,
                      price_region=args.price_region, headroom=args.headroom).to_dict()


def settings_from_args(args: argparse.Namespace) -> Settings:
    load = load_from_args(args)
    strategies = parse_strategies(args.strategies)
    if load is not None and args.strategies.strip() in ("", "all"):
        strategies = [s for s in strategies if s in MIXED_STRATEGIES]
    return Settings(strategies=strategies, items=args.items, load=load,
                    concurrency=args.concurrency, repeat=args.repeat,
                    workload="books" if load and args.workload not in ("books", "wallets") else args.workload,
                    item_bytes=args.item_bytes, table=args.table, keep_table=args.keep_table,
                    force=args.force, retry_mode=args.retry_mode, max_attempts=args.max_attempts,
                    seed=args.seed, processes=args.processes).validate()


def _err(msg: str) -> None:
    print(f"ddbtui bench: {msg}", file=sys.stderr, flush=True)


def check_table(conn: Connection, name: str, force: bool) -> str | None:
    """A sentence when --table NAME must not be written into, else None."""
    try:
        validation.table_name(name)
    except DdbError as e:
        return f"--table: {e.message}"
    admin = new_client(conn)
    if table_status(admin, name) is None or table_is_empty(admin, name):
        return None
    if force:
        return balances_refusal(name) if holds_balances(admin, name) else None
    return (f"table {name} already exists and is not empty; ddbtui bench did not create it. "
            f"Pass --force to write into it anyway, or choose another --table.")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "json", None) == "-":
        return _run_json_to_stdout(args)
    return _run(args)


def _run_json_to_stdout(args: argparse.Namespace) -> int:
    """`--json -`: the result document is the only thing on stdout (for jq); progress, the
    report and notes go to stderr."""
    out = sys.stdout
    args.json = None
    args.json_stdout = out
    with contextlib.redirect_stdout(sys.stderr):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
    except ValueError as e:
        _err(str(e))
        return EXIT_USAGE
    fault_cfg = None
    try:
        fault_cfg = fault_config_from_args(args)
    except ValueError as e:
        _err(str(e))
        return EXIT_USAGE
    try:
        choice = resolve_target(endpoint_url=getattr(args, "endpoint_url", None),
                                region=getattr(args, "region", None),
                                profile=getattr(args, "profile", None), aws=bool(getattr(args, "aws", False)))
    except TargetError as e:
        _err(e.message)
        return EXIT_USAGE
    conn = choice.connection
    if fault_cfg is not None and conn.is_aws:
        _err("the fault proxy needs a local endpoint: it cannot sit in front of real AWS (signatures).")
        return EXIT_USAGE
    engine = session = None
    tty = sys.stdout.isatty() and not args.plain
    console = None
    if tty:
        console = Console()
    def say(m: str) -> None:
        if console is not None:
            console.print(m, highlight=False, markup=False)
        else:
            print(m, flush=True)

    try:
        if choice.needs_local_engine:
            # started before our SIGTERM handler: the engine module's own handler (stop the
            # engine, exit 143) covers a signal during start-up; ours, installed after it,
            # then takes over so the run is cancelled and saved before the engine stops.

            engine = LocalEngine(engine=getattr(args, "engine", None) or "auto", in_memory=True)
            engine.start()
            conn = conn.with_endpoint(engine.endpoint_url, engine=engine.chosen)
            say(f"started {engine.describe()}")
            if engine.fallback_reason:
                say(f"(DynamoDB Local not used: {engine.fallback_reason})")
        with signals_as_exception():
            say(f"target: {conn.describe()}")
            if getattr(args, "cluster", None):
                if fault_cfg is not None:
                    _err("--cluster cannot be combined with the fault proxy yet.")
                    return EXIT_USAGE
                return _run_cluster(settings, conn, args, console, say)
            session = BenchSession(settings, conn, fault_cfg)
            try:
                session.probe()  # first contact: one sentence within seconds if unreachable
                if settings.table:  # before the engine starts writing anything
                    why = check_table(conn, settings.table, settings.force)
                    if why:
                        _err(why)
                        return EXIT_USAGE
                session.start(probe=False)
            except SessionError as e:
                _err(str(e))
                return EXIT_LOST
            if fault_cfg is not None:
                say(f"fault proxy {session.proxy_url} -> {conn.endpoint_url}: {fault_cfg.describe()}")
            return _run_and_report(session, args, console)
    except Terminated as t:
        _err(f"{t}: stopped")
        return t.exit_code
    finally:
        if session is not None:
            session.close()
        if engine is not None:
            engine.stop(timeout=0.3)  # in memory: nothing to save, so no long goodbye


def _run_cluster(settings: Settings, conn: Connection, args: argparse.Namespace, console: Any,
                 say: Callable[[str], None]) -> int:
    """`--cluster`: the coordinator runs in a thread; Ctrl+C / SIGTERM ask every worker to stop."""
    try:  # function-local: dask (~1 s of imports) only when --cluster is given
        from ddbtui.bench import cluster  # lazy: dask (~1 s of imports) only with --cluster
    except ImportError:
        _err("--cluster needs Dask: pip install 'ddbtui[cluster]'")
        return EXIT_USAGE
    try:
        spec = cluster.parse_cluster(args.cluster)
    except ValueError as e:
        _err(str(e))
        return EXIT_USAGE
    if settings.load is not None:
        _err("--cluster runs the write benchmark only (no --mode/--mix/--rate yet).")
        return EXIT_USAGE
    say(f"cluster: {spec.describe()}")

    snaps: queue.Queue[Snapshot] = queue.Queue()
    stop = threading.Event()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["doc"] = cluster.run_cluster_benchmark(
                settings, conn, spec, stop=stop,
                emit=lambda kind, p: snaps.put(Snapshot.from_dict(p)) if kind == "snap" else None)  # type: ignore[arg-type]
        except Exception as e:
            box["error"] = str(e) or type(e).__name__

    th = threading.Thread(target=work, name="cluster-coordinator", daemon=True)
    th.start()
    progress = (report.RichProgress(console, settings.strategies, settings.items, settings.repeat)
                if console else report.PlainProgress())
    model = LiveModel(settings.strategies, settings.items, settings.repeat)
    interrupted = False
    with progress:
        while th.is_alive():
            try:
                th.join(0.25)
            except (KeyboardInterrupt, Terminated):
                interrupted = True
                stop.set()
                print("interrupted: stopping every worker and saving what was measured", flush=True)
            got = []
            while not snaps.empty():
                got.append(snaps.get())
            model.feed(got)
            progress.update(model)
    if "error" in box:
        _err(f"cluster {spec.describe()}: {box['error']}")
        return EXIT_LOST
    doc = box["doc"]
    if interrupted:
        doc["complete"] = False
    model.add_runs(doc.get("runs", []))
    if doc.get("error") and not doc.get("runs"):
        _err(doc["error"])
    elif console:
        report.render_rich(doc, console)
    else:
        report.render_plain(doc)
    for w in doc.get("cluster", {}).get("workers", []):
        say(f"worker {w['address']} on {w['host']}")
    for r in doc.get("runs", []):
        if r.get("error"):
            say(f"{r['strategy']} #{r['repeat']}: {r['error']}")
    saved = None
    if not args.no_save:
        try:
            saved = results.save(doc)
        except OSError as e:
            _err(f"could not save the result: {e}")
    if args.json:
        results.write_json(doc, args.json)
    sink = getattr(args, "json_stdout", None)
    if sink is not None:
        sink.write(json.dumps(doc, indent=1, default=str) + "\n")
        sink.flush()
    where = [str(p) for p in (saved, args.json) if p]
    if where:
        print(f"\nresult saved{' (incomplete)' if not doc.get('complete') else ''}: {', '.join(where)}", flush=True)
    if interrupted:
        return EXIT_INTERRUPTED
    if results.any_lost(doc) or doc.get("error") or not doc.get("complete"):
        return EXIT_LOST
    return EXIT_OK


# after SIGTERM/SIGHUP: the engine gets this long to stop by itself before it is killed
TERMINATE_GRACE = 1.2


def _run_and_report(session: BenchSession, args: argparse.Namespace, console: Any) -> int:
    settings = session.settings
    total = settings.items
    if settings.load is not None:
        total = LoadSpec.from_dict(settings.load).expected_ops() or settings.items
    progress = (report.RichProgress(console, settings.strategies, total, settings.repeat)
                if console else report.PlainProgress())
    model = LiveModel(settings.strategies, total, settings.repeat)

    def pull() -> None:
        model.feed(session.poll())
        model.add_runs(session.runs)
        progress.update(model)

    interrupted = False
    terminated: Terminated | None = None
    with progress:
        while True:
            try:
                while not session.done:
                    pull()
                    time.sleep(0.1)
                pull()
                break
            except KeyboardInterrupt:
                if interrupted:  # second Ctrl+C: stop now
                    session.kill()
                else:
                    interrupted = True
                    session.cancel()
                    msg = "interrupted: stopping workers and saving what was measured"
                    (console.print(f"[yellow]{msg}[/]") if console else print(msg, flush=True))
            except Terminated as t:
                terminated = t
                session.cancel()
                break
    doc = session.finish(grace=TERMINATE_GRACE if terminated else None)
    if doc is None:  # pragma: no cover - finish() always builds a document
        _err("the benchmark engine gave no result")
        return EXIT_LOST
    if interrupted or terminated:
        doc["complete"] = False
        if terminated:
            doc["stopped_by"] = signal_name(terminated.signum)
    saved = None
    if not args.no_save:
        try:
            saved = session.save()
        except OSError as e:
            _err(f"could not save the result: {e}")
    if args.json:
        session.write_json(args.json)
    sink = getattr(args, "json_stdout", None)
    if sink is not None:
        sink.write(json.dumps(doc, indent=1, default=str) + "\n")
        sink.flush()
    if doc.get("error") and not doc.get("runs"):
        _err(doc["error"])  # a failed run: the sentence, not an empty table
    elif terminated is None:
        if console:
            report.render_rich(doc, console)
        else:
            report.render_plain(doc)

        for line in mixed_lines(doc):
            print(line, flush=True)
    elif doc.get("error"):
        _err(doc["error"])
    where = [str(p) for p in (saved, args.json) if p]
    if where:
        print(f"\nresult saved{' (incomplete)' if not doc.get('complete') else ''}: {', '.join(where)}",
              flush=True)
    if terminated is not None:
        return terminated.exit_code
    if interrupted:
        return EXIT_INTERRUPTED
    if doc.get("error") and "--force" in (doc.get("error") or ""):
        return EXIT_USAGE
    if results.any_lost(doc) or doc.get("error") or not doc.get("complete"):
        return EXIT_LOST
    return EXIT_OK


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def build_parser() -> argparse.ArgumentParser:
    """Standalone parser (python -m ddbtui.bench): connection flags + bench options."""
    p = argparse.ArgumentParser(prog="python -m ddbtui.bench")

    add_connection_arguments(p)
    add_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as e:  # one sentence, never a traceback

        _err(str(e) if isinstance(e, EngineError) else explain(e))
        return EXIT_LOST
