"""Export items (plain Python values, see dynamo.codec) to JSON Lines or CSV.

No textual here: the TUI calls this from a thread worker and `ddbtui` scripts can use it too.

- JSON Lines, "plain" style (default): one readable JSON object per line; numbers are exact
  literals, sets are sorted lists, binary is base64 text.
- JSON Lines, "dynamodb" style: one DynamoDB JSON object per line (types kept, lossless).
- CSV: a header row with the key attributes first, then every other attribute in order of
  first appearance; strings as-is, numbers as exact text, binary as base64, anything else
  (maps, lists, sets, booleans, null) as compact plain JSON; a missing attribute is empty.

Files are written to a temporary sibling and renamed, so a failed export leaves no half file.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from ddbtui.dynamo import codec
from ddbtui.dynamo.errors import ValidationError
from ddbtui.paths import atomic_text_writer

FORMATS = ("jsonl", "csv")
_EXT = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int
    format: str
    bytes: int


def format_for(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The export format: `fmt` if given, else from the file extension."""
    if fmt:
        f = fmt.lower().replace("json lines", "jsonl").replace("ndjson", "jsonl")
        if f not in FORMATS:
            raise ValidationError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}", field="format")
        return f
    ext = Path(path).suffix.lower()
    if ext not in _EXT:
        raise ValidationError(f"cannot tell the format from {Path(path).name!r}: end the name with "
                              f".jsonl or .csv", field="path")
    return _EXT[ext]


def default_path(table: str, fmt: str = "jsonl", directory: str | os.PathLike | None = None,
                 now: float | None = None) -> Path:
    """`<dir>/<table>-YYYYmmdd-HHMMSS.<ext>` in the current directory by default."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in table) or "items"
    return Path(directory or os.getcwd()) / f"{safe}-{stamp}.{fmt}"


def with_format(path: str, fmt: str) -> str:
    """`path` with its extension switched to the format's (for a format selector)."""
    p = Path(path)
    if p.suffix.lower() in _EXT:
        return str(p.with_suffix("." + fmt))
    return path


def column_order(items: Iterable[Mapping], key_names: Sequence[str] = ()) -> list[str]:
    cols = list(key_names)
    seen = set(cols)
    for it in items:
        for k in it:
            if k not in seen:
                seen.add(k)
                cols.append(k)
    return cols


def csv_cell(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return _compact_json(value)
    if isinstance(value, Decimal):
        return codec.number_text(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    return _compact_json(value)  # maps, lists, sets: compact exact JSON


def _compact_json(value) -> str:
    text = codec.item_to_plain_json({"v": value}, indent=None)
    return text[len('{"v": '):-1]


class ExportCancelled(Exception):
    """`should_stop()` said stop: nothing was written (the partial file is removed)."""


PROGRESS_EVERY = 500  # items between on_progress / should_stop calls


def _watched(items: Iterable[Mapping], on_progress: Callable[[int], None] | None,
             should_stop: Callable[[], bool] | None) -> Iterator[Mapping]:
    n = 0
    for it in items:
        yield it
        n += 1
        if n % PROGRESS_EVERY == 0:
            if on_progress is not None:
                on_progress(PROGRESS_EVERY)
            if should_stop is not None and should_stop():
                raise ExportCancelled(f"stopped after {n:,} items")
    if on_progress is not None and n % PROGRESS_EVERY:
        on_progress(n % PROGRESS_EVERY)


def render(items: Sequence[Mapping], fmt: str, *, key_names: Sequence[str] = (),
           style: str = "plain", on_progress: Callable[[int], None] | None = None,
           should_stop: Callable[[], bool] | None = None) -> Iterable[str]:
    """The export text, in chunks (`on_progress(n)` every few hundred items written)."""
    if fmt == "jsonl":
        to_text = codec.item_to_ddb_json if style == "dynamodb" else codec.item_to_plain_json
        for it in _watched(items, on_progress, should_stop):
            yield to_text(it, indent=None) + "\n"
        return
    if fmt != "csv":
        raise ValidationError(f"unknown format {fmt!r}", field="format")
    cols = column_order(items, key_names)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for n, it in enumerate(_watched(items, on_progress, should_stop), 1):
        w.writerow(["" if c not in it else csv_cell(it[c]) for c in cols])
        if n % 1000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export_items(items: Sequence[Mapping], path: str | os.PathLike, *, fmt: str | None = None,
                 key_names: Sequence[str] = (), style: str = "plain",
                 overwrite: bool = False, on_progress: Callable[[int], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> ExportResult:
    """Write `items` to `path` (format from `fmt` or the extension). Returns path and count."""
    raw = str(path).strip()
    if not raw:
        raise ValidationError("enter a file path", field="path")
    p = Path(os.path.expanduser(raw))
    if not p.is_absolute():
        p = Path(os.getcwd()) / p
    f = format_for(p, fmt)
    if p.is_dir():
        raise ValidationError(f"{p} is a directory: add a file name", field="path")
    if not p.parent.is_dir():
        raise ValidationError(f"folder {p.parent} does not exist", field="path")
    if p.exists() and not overwrite:
        raise ValidationError(f"{p.name} already exists: choose another name", field="path")
    size = 0
    with atomic_text_writer(p, newline="") as out:
        for chunk in render(items, f, key_names=key_names, style=style, on_progress=on_progress,
                            should_stop=should_stop):
            out.write(chunk)
            size += len(chunk.encode("utf-8"))
    return ExportResult(path=p, count=len(items), format=f, bytes=size)
