"""`ddbtui serve [--port P]`: the same app in a browser, through textual-serve, on 127.0.0.1.

Each browser tab gets its own app process (textual-serve spawns `python -m ddbtui ...` per
connection). With no target given, serve starts the local engine once and points every tab
at it, so all tabs see the same tables (and a benchmark one tab starts shows in the others'
tables list). Only 127.0.0.1: reach it from elsewhere through an SSH tunnel, never by binding
a public address (the app can write to your tables).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from ddbtui.commands.common import EXIT_OK, EXIT_USAGE, CommandError, say
from ddbtui.config import resolve_target
from ddbtui.local.engine import LocalEngine, port_in_use

HOST = "127.0.0.1"


def add_arguments(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", add_target: Any) -> None:
    p = sub.add_parser("serve", help="serve the app to a browser on 127.0.0.1 (textual-serve)",
                       description="Serve the TUI to a web browser through textual-serve, on "
                                   "127.0.0.1 only. Each tab runs its own app on the same target.")
    add_target(p)
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    p.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                   help="every tab refuses writes")


def app_command(args: argparse.Namespace, endpoint: str | None) -> str:
    """The command textual-serve runs per tab: this interpreter, the same target options."""
    cmd = [sys.executable, "-m", "ddbtui"]
    if endpoint:
        cmd += ["--endpoint-url", endpoint]
    for opt in ("region", "profile"):
        v = getattr(args, opt, None)
        if v:
            cmd += [f"--{opt}", v]
    if getattr(args, "aws", False):
        cmd.append("--aws")
    if getattr(args, "read_only", False):
        cmd.append("--read-only")
    return shlex.join(cmd)


def cmd_serve(args: argparse.Namespace) -> int:
    from textual_serve.server import Server  # lazy: aiohttp/jinja2 stay out of the other commands

    if not 1 <= args.port <= 65535:
        raise CommandError(f"--port must be 1 to 65535, got {args.port}", EXIT_USAGE)
    if port_in_use(args.port, HOST):
        raise CommandError(f"port {args.port} on {HOST} is already in use: choose another with --port",
                           EXIT_USAGE)
    choice = resolve_target(endpoint_url=getattr(args, "endpoint_url", None),
                            region=getattr(args, "region", None),
                            profile=getattr(args, "profile", None), aws=bool(getattr(args, "aws", False)))
    engine = None
    endpoint = getattr(args, "endpoint_url", None)
    if choice.needs_local_engine:
        data_dir = getattr(args, "data_dir", None)
        engine = LocalEngine(engine=getattr(args, "engine", None) or "auto",
                             in_memory=bool(getattr(args, "in_memory", False)),
                             data_dir=Path(data_dir) if data_dir else None)
        engine.start()
        endpoint = engine.endpoint_url
        say(f"ddbtui serve: started {engine.describe()}")
    try:
        command = app_command(args, endpoint)
        server = Server(command, host=HOST, port=args.port, title="ddbtui")
        say(f"ddbtui serve: open http://{HOST}:{args.port} (Ctrl+C to stop)")
        server.serve()
    finally:
        if engine is not None:
            engine.stop()
    return EXIT_OK


COMMANDS = {"serve": cmd_serve}
