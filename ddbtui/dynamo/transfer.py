"""Import items from files, stream items out, run PartiQL: the data layer of the headless
commands (`ddbtui import/export/scan/query/partiql`) and the TUI's PartiQL console.

Never imports textual. Values are plain Python values (see codec).

Import files, one item per record:
- JSON Lines, plain: `{"user_id": "u1", "balance": 10.5}` (numbers exact; lists, maps, bool,
  null; sets and binary cannot be told apart from lists and text in plain JSON).
- JSON Lines, DynamoDB JSON: `{"user_id": {"S": "u1"}, "balance": {"N": "10.5"}}`, also
  wrapped as `{"Item": {...}}` (the S3 export format). Lossless.
- CSV with a header row, as `ddbtui export` writes it: empty cell = attribute absent; key
  attributes take their type from the table; other columns are strings unless `types` says
  otherwise (N, B, BOOL, NULL, SS, NS, BS, L, M; sets, lists and maps as JSON).

`import_items` writes with BatchWriteItem (25 at a time, UnprocessedItems resent with backoff)
strictly in file order: every record before `ImportResult.next_line` is written. A malformed
record stops the import before anything at or after it is sent (`ImportStopped.line`).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from ddbtui.dynamo import codec, items
from ddbtui.dynamo import validation as v
from ddbtui.dynamo.errors import DdbError, ValidationError, explain

INPUT_FORMATS = ("auto", "jsonl", "ddb-json", "csv")
TYPES = ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")
_TYPE_TAGS = frozenset(TYPES)


# ------------------------------------------------------------------ reading records
@dataclass(frozen=True)
class Record:
    line: int  # 1-based line where the record starts in the file
    item: dict[str, Any]


@dataclass(frozen=True)
class BadRecord:
    line: int
    message: str  # what is wrong, without the line number


class ImportStopped(DdbError):
    """The import stopped at `line`; every record before it was written (`written`)."""

    def __init__(self, message: str, *, line: int, written: int) -> None:
        super().__init__(message)
        self.line = line
        self.written = written


def input_format(path: str | Path, fmt: str = "auto", first_line: str | None = None) -> str:
    """The import format: `fmt` unless auto, else from the extension and the first record."""
    if fmt not in INPUT_FORMATS:
        raise ValidationError(f"input format must be one of {', '.join(INPUT_FORMATS)}, got {fmt!r}",
                              field="format")
    if fmt != "auto":
        return fmt
    if str(path).lower().endswith(".csv"):
        return "csv"
    if first_line is not None and first_line.strip():
        try:
            data = json.loads(first_line)
        except json.JSONDecodeError:
            return "jsonl"  # the reader reports the bad line with its number
        if isinstance(data, dict) and (_looks_typed(data) or _is_s3_wrapper(data)):
            return "ddb-json"
    return "jsonl"


def _is_s3_wrapper(data: Mapping[str, Any]) -> bool:
    return list(data) == ["Item"] and isinstance(data["Item"], dict) and _looks_typed(data["Item"])


def _looks_typed(data: Mapping[str, Any]) -> bool:
    return bool(data) and all(isinstance(x, dict) and len(x) == 1 and next(iter(x)) in _TYPE_TAGS
                              for x in data.values())


def _plain_value(x: Any, name: str) -> Any:
    if isinstance(x, float):  # not produced by _loads (parse_float=Decimal); kept for safety
        return codec.to_number(x, field=name)
    if isinstance(x, Decimal):
        return codec.to_number(x, field=name)
    if isinstance(x, list):
        return [_plain_value(y, name) for y in x]
    if isinstance(x, dict):
        return {str(k): _plain_value(y, name) for k, y in x.items()}
    return x


def parse_json_record(text: str, fmt: str) -> dict[str, Any]:
    """One JSON Lines record -> plain item; ValidationError with a clear sentence."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as e:
        raise ValidationError(f"invalid JSON at column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise ValidationError("each line must be one JSON object (an item)")
    if fmt == "ddb-json":
        if _is_s3_wrapper(data):
            data = data["Item"]
        item = {}
        for k, av in data.items():
            if isinstance(av, dict) and len(av) == 1 and next(iter(av)) == "N":
                av = {"N": str(av["N"])}
            item[str(k)] = codec.deserialize(_strings_in(av))
        return item
    return {str(k): _plain_value(x, str(k)) for k, x in data.items()}


def _strings_in(av: Any) -> Any:
    """Decimals that json parsed inside typed values back to text (N holds a string)."""
    if isinstance(av, dict):
        return {k: _strings_in(x) for k, x in av.items()}
    if isinstance(av, list):
        return [_strings_in(x) for x in av]
    if isinstance(av, Decimal):
        return str(av)
    return av


def csv_value(text: str, typ: str, name: str) -> Any:
    """One CSV cell as `typ` (S N B BOOL NULL SS NS BS L M)."""
    if typ == "S":
        return text
    if typ == "N":
        return codec.to_number(text, field=name)
    if typ == "B":
        return codec.deserialize({"B": text})
    if typ == "BOOL":
        low = text.strip().lower()
        if low not in ("true", "false"):
            raise ValidationError(f"column {name!r}: {text!r} is not true or false")
        return low == "true"
    if typ == "NULL":
        return None
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as e:
        raise ValidationError(f"column {name!r} ({typ}) is not valid JSON: {e.msg}") from None
    if typ in ("SS", "NS", "BS"):
        if not isinstance(data, list) or not data:
            raise ValidationError(f"column {name!r} ({typ}) must be a non-empty JSON list")
        inner = typ[0]
        return {csv_value(str(x), inner, name) for x in data}
    if typ == "L" and not isinstance(data, list):
        raise ValidationError(f"column {name!r} (L) must be a JSON list")
    if typ == "M" and not isinstance(data, dict):
        raise ValidationError(f"column {name!r} (M) must be a JSON object")
    return _plain_value(data, name)


def parse_types(spec: str | None) -> dict[str, str]:
    """`name=N,tags=SS` -> {"name": "N", "tags": "SS"}."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, typ = part.rpartition("=")
        typ = typ.strip().upper()
        if not sep or not name.strip() or typ not in _TYPE_TAGS:
            raise ValidationError(f"--types takes NAME=TYPE pairs with TYPE one of {' '.join(TYPES)}, "
                                  f"got {part!r}", field="types")
        out[name.strip()] = typ
    return out


def read_records(stream: TextIO, fmt: str, *, types: Mapping[str, str] | None = None,
                 from_line: int = 1) -> Iterator[Record | BadRecord]:
    """Records in file order, starting at the record that begins on or after `from_line`.

    A malformed record is yielded as a BadRecord (and reading stops there), so the records
    before it can still be written."""
    if fmt == "csv":
        yield from _read_csv(stream, types or {}, from_line)
        return
    for n, text in enumerate(stream, 1):
        if n < from_line or not text.strip():
            continue
        try:
            yield Record(n, parse_json_record(text, fmt))
        except ValidationError as e:
            yield BadRecord(n, e.message)
            return


def _read_csv(stream: TextIO, types: Mapping[str, str], from_line: int) -> Iterator[Record | BadRecord]:
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as e:
        yield BadRecord(1, f"the CSV header is malformed: {e}")
        return
    if not header or any(not h.strip() for h in header):
        yield BadRecord(1, "the CSV header has an empty column name")
        return
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        yield BadRecord(1, f"the CSV header names {', '.join(map(repr, dup))} twice")
        return
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield BadRecord(start, f"malformed CSV: {e}")
            return
        line, start = start, reader.line_num + 1
        if line < from_line or not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            yield BadRecord(line, f"{len(row)} cells, but the header has {len(header)} columns")
            return
        try:
            item = {h: csv_value(c, types.get(h, "S"), h) for h, c in zip(header, row) if c != ""}
        except ValidationError as e:
            yield BadRecord(line, e.message)
            return
        yield Record(line, item)


# ------------------------------------------------------------------------- writing
@dataclass
class ImportProgress:
    written: int = 0
    resent: int = 0
    line: int = 0  # last line whose record is written
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass(frozen=True)
class ImportResult:
    written: int
    resent: int
    next_line: int  # resume point: every record that starts before it is written
    seconds: float


def _key_of(item: Mapping[str, Any], key_names: Sequence[str], line: int) -> tuple[Any, ...]:
    try:
        return tuple(codec.item_to_ddb_json({k: item[k]}, indent=None) for k in key_names)
    except KeyError as e:
        raise ValidationError(f"line {line}: the item has no key attribute {e.args[0]!r}") from None


def import_items(client: Any, table: str, records: Iterator[Record | BadRecord], *,
                 key_names: Sequence[str], key_types: Mapping[str, str] | None = None,
                 on_progress: Callable[[ImportProgress], None] | None = None,
                 batch_write: Callable[[Any, str, list[dict[str, Any]]], Any] | None = None) -> ImportResult:
    """Write `records` in order with BatchWriteItem. Raises ImportStopped on a malformed
    record or a failed write, naming the line to resume from."""
    send = batch_write or items.batch_write
    prog = ImportProgress()
    pending: list[tuple[int, dict[str, Any]]] = []
    keys: set[tuple[Any, ...]] = set()
    last_line = 0

    def flush() -> None:
        nonlocal pending, keys
        if not pending:
            return
        first = pending[0][0]
        try:
            r = send(client, table, [req for _, req in pending])
        except Exception as e:
            raise ImportStopped(f"writing the records from line {first} failed: {explain(e)}",
                                line=first, written=prog.written) from e
        prog.written += len(pending)
        prog.resent += getattr(r, "resent_items", 0)
        prog.line = pending[-1][0]
        pending, keys = [], set()
        if on_progress:
            on_progress(prog)

    for rec in records:
        if isinstance(rec, BadRecord):
            flush()
            raise ImportStopped(f"line {rec.line}: {rec.message}", line=rec.line, written=prog.written)
        try:
            _check_keys(rec, key_names, key_types or {})
            typed = codec.serialize_item(rec.item)
            codec.check_item_size(typed)
        except ValidationError as e:
            flush()
            raise ImportStopped(f"line {rec.line}: {e.message}", line=rec.line,
                                written=prog.written) from None
        k = _key_of(rec.item, key_names, rec.line)
        if k in keys:  # BatchWriteItem refuses one key twice in a request: keep file order
            flush()
        keys.add(k)
        pending.append((rec.line, {"PutRequest": {"Item": typed}}))
        last_line = rec.line
        if len(pending) == v.MAX_BATCH:
            flush()
    flush()
    return ImportResult(written=prog.written, resent=prog.resent, next_line=last_line + 1,
                        seconds=prog.elapsed)


_TYPE_OF = {"S": str, "N": Decimal, "B": bytes}


def _check_keys(rec: Record, key_names: Sequence[str], key_types: Mapping[str, str]) -> None:
    for k in key_names:
        if k not in rec.item:
            raise ValidationError(f"the item has no key attribute {k!r}")
        want = key_types.get(k)
        if want and not isinstance(rec.item[k], _TYPE_OF[want]):
            got = codec.type_tag(rec.item[k])
            raise ValidationError(f"key attribute {k!r} is {got}, the table declares {want}")


def peek_first_line(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        for text in f:
            if text.strip():
                return text
    return ""


# ---------------------------------------------------------------------- reading out
def _all_pages(page_fn: Callable[..., Any], client: Any, table: str, limit: int | None,
               page_size: int, kw: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item over all pages of `page_fn` (items.scan_page / query_page), up to `limit`."""
    start = None
    n = 0
    while True:
        size = page_size if limit is None else max(1, min(page_size, limit - n))
        page = page_fn(client, table, limit=size, start_key=start, **kw)
        for it in page.items:
            yield it
            n += 1
            if limit is not None and n >= limit:
                return
        if not page.last_key:
            return
        start = page.last_key


def scan_all(client: Any, table: str, *, limit: int | None = None, page_size: int = 1000,
             **kw: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Scan (all pages), up to `limit` items."""
    return _all_pages(items.scan_page, client, table, limit, page_size, kw)


def query_all(client: Any, table: str, *, limit: int | None = None, page_size: int = 1000,
              **kw: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query (all pages), up to `limit` items."""
    return _all_pages(items.query_page, client, table, limit, page_size, kw)


# --------------------------------------------------------------------------- PartiQL
@dataclass
class StatementPage:
    items: list[dict[str, Any]]
    next_token: str | None


def parse_parameters(text: str | None) -> list[Any]:
    """`--parameters '["u1", 5]'` (plain JSON list) -> plain values."""
    if not text or not text.strip():
        return []
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as e:
        raise ValidationError(f"parameters are not valid JSON (column {e.colno}): {e.msg}",
                              field="parameters") from None
    if not isinstance(data, list):
        raise ValidationError("parameters must be a JSON list, e.g. [\"u1\", 5]", field="parameters")
    return [_plain_value(x, "parameters") for x in data]


def execute_statement(client: Any, statement: str, *, parameters: Sequence[Any] = (),
                      next_token: str | None = None, limit: int | None = None,
                      consistent: bool = False) -> StatementPage:
    """One ExecuteStatement page (plain items)."""
    if not statement or not statement.strip():
        raise ValidationError("enter a PartiQL statement", field="statement")
    kw: dict[str, Any] = {"Statement": statement.strip()}
    if parameters:
        kw["Parameters"] = [codec.serialize(p, field="parameters") for p in parameters]
    if next_token:
        kw["NextToken"] = next_token
    if limit:
        kw["Limit"] = limit
    if consistent:
        kw["ConsistentRead"] = True
    r = client.execute_statement(**kw)
    return StatementPage(items=[codec.deserialize_item(i) for i in r.get("Items", [])],
                         next_token=r.get("NextToken"))


def execute_all(client: Any, statement: str, *, parameters: Sequence[Any] = (),
                limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Every item of a statement, following NextToken, up to `limit` items."""
    token: str | None = None
    n = 0
    while True:
        page = execute_statement(client, statement, parameters=parameters, next_token=token)
        for it in page.items:
            yield it
            n += 1
            if limit is not None and n >= limit:
                return
        token = page.next_token
        if not token:
            return


@dataclass(frozen=True)
class BatchStatementResult:
    statement: str
    item: dict[str, Any] | None
    error: str | None  # "Code: message" for a statement that failed


def split_statements(text: str) -> list[str]:
    """Statements separated by `;` at line ends or by blank lines (quotes respected)."""
    out: list[str] = []
    cur = io.StringIO()
    quote: str | None = None
    for ch in text:
        if quote:
            cur.write(ch)
            if ch == quote:
                quote = None
            continue
        if ch in ("'", '"'):
            quote = ch
            cur.write(ch)
        elif ch == ";":
            out.append(cur.getvalue())
            cur = io.StringIO()
        else:
            cur.write(ch)
    out.append(cur.getvalue())
    return [s.strip() for s in out if s.strip()]


def batch_execute(client: Any, statements: Sequence[str]) -> list[BatchStatementResult]:
    """BatchExecuteStatement in chunks of 25; one result per statement, in order."""
    results: list[BatchStatementResult] = []
    for i in range(0, len(statements), v.MAX_BATCH):
        chunk = list(statements[i:i + v.MAX_BATCH])
        r = client.batch_execute_statement(Statements=[{"Statement": s} for s in chunk])
        for s, resp in zip(chunk, r.get("Responses", [])):
            err = resp.get("Error")
            item = resp.get("Item")
            results.append(BatchStatementResult(
                statement=s, item=codec.deserialize_item(item) if item else None,
                error=f"{err.get('Code', 'Error')}: {err.get('Message', '')}".rstrip(": ") if err else None))
    return results
