# PYTHON_ARGCOMPLETE_OK  (argcomplete: shell completion, see `ddbtui completion`)
"""Command line: `ddbtui` (TUI), `ddbtui bench` (headless benchmark), `ddbtui local`
(run a local engine in the foreground), `ddbtui proxy` (fault/latency proxy).

Heavy modules (textual, boto3, aiohttp) are imported only by the command that needs them.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from ddbtui import __version__, commands
from ddbtui.bench.cli import add_arguments as add_bench
from ddbtui.bench.cli import run as run_bench
from ddbtui.cli_args import add_connection_arguments
from ddbtui.commands import config_cmd
from ddbtui.commands.common import CommandError
from ddbtui.config import resolve_target
from ddbtui.dynamo.errors import DdbError, explain
from ddbtui.local import engine as eng_mod
from ddbtui.local.engine import EngineError, LocalEngine
from ddbtui.local.proxy import FaultConfig, ProxyThread, add_proxy_arguments, fault_config_from_args, run_proxy_forever

EPILOG = """\
Target: with no --endpoint-url, --profile, --aws or AWS_ENDPOINT_URL(_DYNAMODB), ddbtui starts
a local engine on 127.0.0.1 (DynamoDB Local if Java 17+ is present, else moto) and stops it on
exit. A profile's endpoint_url / services section is honoured (botocore's rules). --aws uses the
standard AWS credential chain (AWS_PROFILE, SSO, env, instance roles).
Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile or AWS_PROFILE sign for any
endpoint (local ones too); with none of them a local endpoint gets a dummy key.
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ddbtui", description="A terminal app for Amazon DynamoDB.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"ddbtui {__version__}")
    add_connection_arguments(p)
    p.add_argument("--read-only", action="store_true", help="disable every write in the TUI")
    p.add_argument("--in-memory", action="store_true",
                   help="local engine keeps data in memory only (default: saved in the user data dir)")
    p.add_argument("--data-dir", help="directory for the local engine's data")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("bench", help="run write-concurrency benchmarks headless",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_connection_arguments(b, sub=True)

    add_bench(b)
    b.add_argument("--preset", metavar="NAME",
                   help="start from a [bench.presets.NAME] of the config file (flags still win)")

    loc = sub.add_parser("local", help="run a local DynamoDB engine in the foreground")
    loc.add_argument("action", nargs="?", choices=("run", "install", "status"), default="run",
                     help="run (default), install the DynamoDB Local jar, or show status")
    loc.add_argument("--engine", choices=("auto", "dynamodb-local", "moto"), default="auto")
    loc.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    m = loc.add_mutually_exclusive_group()
    m.add_argument("--in-memory", action="store_true", help="keep data in memory only")
    m.add_argument("--data-dir", help="directory for DynamoDB Local's data")
    _add_proxy_args(loc)

    commands.register(sub, _add_data_target)

    px = sub.add_parser("proxy", help="fault and latency proxy in front of an endpoint")
    px.add_argument("--target", required=True, help="endpoint to forward to, e.g. http://127.0.0.1:8000")
    px.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    _add_proxy_args(px)
    return p


def _add_data_target(p: argparse.ArgumentParser) -> None:
    """Target options of the headless data commands (SUPPRESS defaults: see above)."""
    add_connection_arguments(p, sub=True)
    g = p.add_argument_group("local engine (when no target is given)")
    g.add_argument("--in-memory", action="store_true", default=argparse.SUPPRESS,
                   help="start the local engine in memory (default: the TUI's saved data)")
    g.add_argument("--data-dir", default=argparse.SUPPRESS, help="directory for the local engine's data")


def _add_proxy_args(p) -> None:
    add_proxy_arguments(p)


def _fault_config(args):
    return fault_config_from_args(args)


def _subparser(p: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:  # a shell asks for completions (argcomplete protocol)
        import argcomplete  # lazy: only then (a TAB press), not every start-up


        argcomplete.autocomplete(parser)  # prints the candidates and exits

    try:
        config_cmd.apply_bench_preset(sys.argv[1:] if argv is None else list(argv),
                                      _subparser(parser, "bench"))
    except (CommandError, DdbError) as e:
        print(f"ddbtui: {e}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        if args.command == "local":
            return cmd_local(args)
        if args.command == "proxy":
            return cmd_proxy(args)

        if args.command in commands.NAMES:
            return commands.run(args)
        if args.command == "bench":
            return run_bench(args)
        return cmd_tui(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one clear sentence, never a traceback

        if isinstance(e, EngineError):
            print(f"ddbtui: {e}", file=sys.stderr)
        else:
            print(f"ddbtui: {explain(e)}", file=sys.stderr)
        if os.environ.get("DDBTUI_DEBUG"):
            raise
        return 1


def resolve(args):
    return resolve_target(endpoint_url=args.endpoint_url, region=args.region,
                          profile=args.profile, aws=args.aws)


def cmd_tui(args) -> int:
    choice = resolve(args)
    engine = None
    if choice.needs_local_engine:
        engine = LocalEngine(engine=args.engine, in_memory=args.in_memory,
                             data_dir=Path(args.data_dir) if args.data_dir else None)
        engine.launch()  # main thread: the child is tied to it (see LocalEngine.launch)
    try:
        from ddbtui.ui.app import DdbApp  # lazy: textual is only for the TUI (~300 ms at start-up)

        app = DdbApp(connection=choice.connection, engine=engine, read_only=args.read_only)
        app.run()
        return app.return_code or 0
    finally:
        if engine is not None:
            engine.stop()


def cmd_local(args) -> int:
    if args.action == "install":
        ok, why = eng_mod.dynamodb_local_available()
        jar = eng_mod.install_dynamodb_local()
        print(f"DynamoDB Local jar: {jar}")
        if not ok and "Java" in why:
            print(f"note: {why}")
        return 0
    if args.action == "status":
        ok, why = eng_mod.dynamodb_local_available()
        print(f"java: {eng_mod.java_path() or 'missing'}")
        print(f"DynamoDB Local jar: {eng_mod.jar_path() or 'not installed (ddbtui local install)'}")
        print(f"dynamodb-local usable: {'yes' if ok else 'no: ' + why}")
        return 0
    e = eng_mod.LocalEngine(engine=args.engine, port=args.port, in_memory=args.in_memory,
                            data_dir=Path(args.data_dir) if args.data_dir else None)
    e.start()
    if e.fallback_reason:
        print(f"note: using moto because {e.fallback_reason}", flush=True)
    print(e.describe(), flush=True)
    endpoint = e.endpoint_url
    proxy = None
    cfg = _fault_config(args)
    if cfg is not None:
        proxy = ProxyThread(e.endpoint_url, cfg)
        proxy.start()
        endpoint = proxy.url
        print(f"fault/latency proxy at {proxy.url} -> {e.endpoint_url}: {cfg.describe()}", flush=True)
    print(f"endpoint: {endpoint}", flush=True)
    print(f"try: aws dynamodb list-tables --endpoint-url {endpoint}   (Ctrl+C to stop)", flush=True)
    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        while not stop and e.running:
            time.sleep(0.2)
    finally:
        if proxy is not None:
            proxy.stop()
        e.stop()
    if not stop:
        print(f"the engine exited unexpectedly; log: {e.log_path}", file=sys.stderr)
        return 1
    return 0


def cmd_proxy(args) -> int:
    cfg = _fault_config(args) or FaultConfig()
    run_proxy_forever(args.target, cfg, args.port)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
