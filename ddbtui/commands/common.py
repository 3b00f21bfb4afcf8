"""What every headless data command shares: exit codes, the target, errors, item output.

stdout carries data only; progress, notes and errors go to stderr (errors: one sentence).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from rich import box
from rich.console import Console
from rich.table import Table

from ddbtui.config import Connection, resolve_target
from ddbtui.dynamo import codec, validation
from ddbtui.dynamo.clients import client_for
from ddbtui.dynamo.errors import ValidationError, error_code
from ddbtui.dynamo.export import column_order, render
from ddbtui.dynamo.tables import describe_table
from ddbtui.local.engine import LocalEngine

# Exit codes of the data commands (documented in README and `ddbtui --help`).
EXIT_OK = 0
EXIT_FAILED = 1        # DynamoDB, the network or the local engine failed
EXIT_USAGE = 2         # bad options or input rejected before anything was sent
EXIT_STOPPED = 3       # import stopped partway: resume with --from-line N
EXIT_NOT_FOUND = 4     # the table does not exist
EXIT_INTERRUPTED = 130
EXIT_PIPE = 141        # stdout was closed early (e.g. `| head`)

EXIT_CODES_HELP = """\
exit codes: 0 ok · 1 DynamoDB, network or engine failure · 2 bad options or input (nothing
sent) · 3 import stopped partway (the message names the --from-line to resume from) ·
4 table not found · 130 interrupted · 141 stdout closed early (| head)"""

OUTPUTS = ("jsonl", "json", "csv", "table")


class CommandError(Exception):
    """One sentence for stderr and the exit code to return."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def say(msg: str) -> None:
    """A progress or note line on stderr (never stdout)."""
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------- the target
@contextlib.contextmanager
def target(args: argparse.Namespace) -> Iterator[Connection]:
    """The one resolved target (config.resolve_target). With no target given, the local
    engine the TUI uses is started (same persistent data dir, or --in-memory) and stopped."""
    choice = resolve_target(endpoint_url=getattr(args, "endpoint_url", None),
                            region=getattr(args, "region", None),
                            profile=getattr(args, "profile", None),
                            aws=bool(getattr(args, "aws", False)))
    conn = choice.connection
    if not choice.needs_local_engine:
        yield conn
        return

    data_dir = getattr(args, "data_dir", None)
    engine = LocalEngine(engine=getattr(args, "engine", None) or "auto",
                         in_memory=bool(getattr(args, "in_memory", False)),
                         data_dir=Path(data_dir) if data_dir else None)
    engine.start()
    try:
        say(f"ddbtui: no target given: started {engine.describe()}")
        yield conn.with_endpoint(engine.endpoint_url, engine=engine.chosen)
    finally:
        engine.stop()


def client(conn: Connection) -> Any:
    return client_for(conn)


def describe(cl: Any, table: str) -> Any:
    """TableInfo, or CommandError(EXIT_NOT_FOUND) with one sentence."""
    try:
        validation.table_name(table)
    except ValidationError as e:
        raise CommandError(e.message, EXIT_USAGE) from None
    try:
        return describe_table(cl, table)
    except Exception as e:
        if error_code(e) == "ResourceNotFoundException":
            raise CommandError(f"table {table} does not exist on this target", EXIT_NOT_FOUND) from None
        raise


# --------------------------------------------------------------------------- output
def write_items(items: Iterable[Mapping[str, Any]], fmt: str, out: TextIO, *, ddb_json: bool = False,
                key_names: Sequence[str] = (), on_item: Callable[[int], None] | None = None) -> int:
    """Items to `out` in `fmt`; jsonl and json stream (constant memory). Returns the count."""
    if fmt not in OUTPUTS:
        raise CommandError(f"--output must be one of {', '.join(OUTPUTS)}", EXIT_USAGE)
    if ddb_json and fmt not in ("jsonl", "json"):
        raise CommandError("--ddb-json applies to --output jsonl or json", EXIT_USAGE)
    to_text = codec.item_to_ddb_json if ddb_json else codec.item_to_plain_json
    n = 0
    if fmt in ("jsonl", "json"):
        if fmt == "json":
            out.write("[")
        for it in items:
            text = to_text(it, indent=None)
            if fmt == "json":
                text = ("\n" if n == 0 else ",\n") + text
            else:
                text += "\n"
            out.write(text)
            n += 1
            if on_item:
                on_item(n)
        if fmt == "json":
            out.write("\n]\n" if n else "]\n")
        out.flush()
        return n
    rows = []
    for it in items:
        rows.append(it)
        n += 1
        if on_item:
            on_item(n)
    if fmt == "csv":
        for chunk in render(rows, "csv", key_names=key_names):
            out.write(chunk)
    else:
        _table(rows, key_names, out)
    out.flush()
    return n


def _table(rows: list[Mapping[str, Any]], key_names: Sequence[str], out: TextIO) -> None:
    cols = column_order(rows, key_names)
    t = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*("" if c not in r else codec.display(r[c], max_len=80).replace("\n", "\\n") for c in cols))
    width = None if out.isatty() else 240
    Console(file=out, width=width, highlight=False, soft_wrap=False).print(t)


def dump_json(obj: Any, out: TextIO) -> None:
    """Readable JSON of a non-item document (dates as ISO text, Decimals exact)."""
    out.write(json.dumps(_jsonable(obj), indent=2, default=str, ensure_ascii=False) + "\n")
    out.flush()


def _jsonable(o: Any) -> Any:
    if isinstance(o, Mapping):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return o


class Ticker:
    """Progress lines on stderr at most once a second (and a last one at the end)."""

    def __init__(self, what: str, every: float = 1.0, quiet: bool = False) -> None:
        self.what = what
        self.every = every
        self.quiet = quiet
        self.t0 = time.monotonic()
        self._last = self.t0

    def __call__(self, n: int, extra: str = "") -> None:
        now = time.monotonic()
        if self.quiet or now - self._last < self.every:
            return
        self._last = now
        say(f"{self.what}: {n:,} items{extra} ({now - self.t0:.1f}s)")

    def done(self, msg: str) -> None:
        if not self.quiet:
            say(f"{msg} in {time.monotonic() - self.t0:.1f}s")


def open_output(path: str) -> TextIO:
    return sys.stdout if path == "-" else open(path, "w", encoding="utf-8", newline="")


def real_path(raw: str) -> Path:
    p = Path(os.path.expanduser(raw.strip()))
    return p if p.is_absolute() else Path(os.getcwd()) / p
