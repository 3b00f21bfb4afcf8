"""`ddbtui tables|describe|scan|query|export|import|partiql`: headless data commands over the
same data layer as the TUI (ddbtui.dynamo) and the same target resolution (ddbtui.config)."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from ddbtui import userconfig
from ddbtui.commands.common import (
    EXIT_CODES_HELP,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_USAGE,
    OUTPUTS,
    CommandError,
    Ticker,
    client,
    describe,
    dump_json,
    real_path,
    say,
    target,
    write_items,
)
from ddbtui.dynamo import codec, transfer, wallet
from ddbtui.dynamo import export as exp
from ddbtui.dynamo.errors import ValidationError
from ddbtui.dynamo.tables import index_keys, list_tables
from ddbtui.paths import atomic_text_writer


# ---------------------------------------------------------------------- arguments
def _output_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output")
    g.add_argument("--output", "-o", choices=OUTPUTS, default="jsonl",
                   help="jsonl (one item per line, default), json (one array), csv, or table")
    g.add_argument("--ddb-json", action="store_true",
                   help="typed DynamoDB JSON ({\"S\": ...}) instead of plain JSON (lossless: sets, binary)")
    g.add_argument("--limit", type=_positive, metavar="N", help="stop after N items")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def _positive(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {s!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _expr_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("expressions")
    g.add_argument("--index", metavar="I", help="a global or local secondary index")
    g.add_argument("--filter", metavar="EXPR", help="FilterExpression, e.g. 'balance > :min'")
    g.add_argument("--names", metavar="JSON", help='ExpressionAttributeNames, e.g. \'{"#s": "status"}\'')
    g.add_argument("--values", metavar="JSON",
                   help='ExpressionAttributeValues as plain JSON, e.g. \'{":min": 10}\'')


def add_arguments(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", add_target: Any) -> None:
    def new(name: str, help_: str, desc: str = "") -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=(desc or help_) + ".",
                           epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
        add_target(p)
        return p

    p = new("tables", "list table names", "List every table name (one per line, or --json)")
    p.add_argument("--json", action="store_true", help="a JSON array instead of one name per line")

    p = new("describe", "describe a table as JSON",
            "DescribeTable + DescribeTimeToLive + ListTagsOfResource as one JSON document")
    p.add_argument("table")

    p = new("scan", "print every item of a table", "Scan a table (all pages) to stdout")
    p.add_argument("table")
    p.add_argument("--consistent", action="store_true", help="strongly consistent reads")
    _expr_args(p)
    _output_args(p)

    p = new("query", "print the items of one partition",
            "Query a table or index by partition key (and sort-key condition) to stdout")
    p.add_argument("table", nargs="?", help="the table (or from --saved)")
    p.add_argument("--pk", metavar="VALUE",
                   help="partition key value (typed from the table: S, N or base64 B); required")
    p.add_argument("--saved", metavar="NAME",
                   help="a [[queries]] entry of the config file (options given here win)")
    sk = p.add_mutually_exclusive_group()
    sk.add_argument("--sk", metavar="VALUE", help="sort key equals VALUE")
    sk.add_argument("--sk-between", nargs=2, metavar=("A", "B"), help="sort key BETWEEN A AND B")
    sk.add_argument("--sk-begins", metavar="PREFIX", help="begins_with(sort key, PREFIX)")
    sk.add_argument("--sk-op", nargs=2, metavar=("OP", "VALUE"), help="sort key OP VALUE (< <= > >=)")
    p.add_argument("--reverse", action="store_true", help="descending sort-key order")
    _expr_args(p)
    _output_args(p)

    p = new("export", "write a table to a file (JSON Lines or CSV)",
            "Scan a table into FILE (format from the extension: .jsonl .json .csv, or --format); "
            "written to a temporary file and renamed, so a failed export leaves no half file")
    p.add_argument("table")
    p.add_argument("file", help="output file, or - for stdout")
    p.add_argument("--format", choices=("jsonl", "csv"), help="default: from the file extension")
    p.add_argument("--ddb-json", action="store_true",
                   help="JSON Lines in typed DynamoDB JSON: lossless (sets, binary), what import reads back exactly")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")

    p = new("import", "write items from a file into a table",
            "Put every record of FILE into an existing table with BatchWriteItem (25 at a time, "
            "UnprocessedItems resent), in file order. A malformed record stops the import: "
            "everything before its line is written, nothing from it on, and the message names "
            "the --from-line to resume from")
    p.add_argument("table")
    p.add_argument("file", help="JSON Lines (plain or DynamoDB JSON) or CSV with a header row")
    p.add_argument("--format", choices=transfer.INPUT_FORMATS, default="auto",
                   help="default auto: .csv is CSV; a first line of typed values is DynamoDB JSON")
    p.add_argument("--types", metavar="COL=T,...",
                   help="CSV column types besides the keys' (S N B BOOL NULL SS NS BS L M); default S")
    p.add_argument("--from-line", type=_positive, default=1, metavar="N",
                   help="start at the record on line N (resume after a stop)")
    p.add_argument("--check", action="store_true", help="read and validate the whole file, write nothing")
    p.add_argument("--skip-wallet-rules", action="store_true",
                   help="on a wallet table (partition key user_id, S), write records even when a balance "
                        "is negative, not a number or missing, or a user id is blank or has spaces or "
                        "invisible characters around it (by default the whole file is checked first and "
                        "nothing is written if one record breaks these rules)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")

    p = new("partiql", "run a PartiQL statement",
            "Run PartiQL with ExecuteStatement (all pages); several statements separated by ; "
            "go through BatchExecuteStatement")
    p.add_argument("statement", help='e.g. "SELECT * FROM wallets WHERE user_id = ?" (- reads stdin)')
    p.add_argument("--parameters", metavar="JSON", help="values for ? placeholders, a plain JSON list")
    p.add_argument("--skip-wallet-rules", action="store_true",
                   help="send an INSERT / UPDATE on a wallet table whose balance ddbtui cannot check "
                        "(an expression such as balance - 5); a negative, text or missing balance, "
                        "written as a literal or given in --parameters, is refused either way")
    _output_args(p)


# ------------------------------------------------------------------------ helpers
def _json_arg(text: str | dict[str, Any] | None, what: str) -> dict[str, Any]:
    if not text:
        return {}
    if isinstance(text, dict):  # from the config file
        return text
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as e:
        raise CommandError(f"{what} is not valid JSON (column {e.colno}): {e.msg}", EXIT_USAGE) from None
    if not isinstance(data, dict):
        raise CommandError(f"{what} must be a JSON object", EXIT_USAGE)
    return data


def _expr_kw(args: argparse.Namespace) -> dict[str, Any]:
    names = _json_arg(args.names, "--names")
    values = _json_arg(args.values, "--values")
    if values and not args.filter:
        raise CommandError("--values needs --filter (or a key condition) that uses them", EXIT_USAGE)
    return {"index": args.index, "filter_expression": args.filter,
            "names": {str(k): str(v) for k, v in names.items()} or None,
            "values": {k: transfer._plain_value(v, k) for k, v in values.items()} or None}


def _typed(value: str, typ: str, what: str) -> Any:
    try:
        return transfer.csv_value(value, typ, what)
    except ValidationError as e:
        raise CommandError(f"{what}: {e.message}", EXIT_USAGE) from None


def _stdout_items(args: argparse.Namespace, items: Any, key_names: list[str], what: str) -> int:
    tick = Ticker(what, quiet=args.quiet)
    n = write_items(items, args.output, sys.stdout, ddb_json=args.ddb_json, key_names=key_names,
                    on_item=tick)
    tick.done(f"{what}: {_items(n)}")
    return EXIT_OK


def _items(n: int) -> str:
    return f"{n:,} item" + ("" if n == 1 else "s")


# ----------------------------------------------------------------------- commands
def cmd_tables(args: argparse.Namespace) -> int:
    with target(args) as conn:
        names = list_tables(client(conn))
    if args.json:
        sys.stdout.write(json.dumps(names) + "\n")
    else:
        sys.stdout.write("".join(n + "\n" for n in names))
    sys.stdout.flush()
    return EXIT_OK


def cmd_describe(args: argparse.Namespace) -> int:
    with target(args) as conn:
        info = describe(client(conn), args.table)
    doc = {"Table": info.raw["Table"], "TimeToLiveDescription": info.raw["TimeToLiveDescription"],
           "Tags": info.raw["Tags"]}
    if info.tags_note:
        say(f"note: {info.tags_note}")
    dump_json(doc, sys.stdout)
    return EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    kw = _expr_kw(args)
    if args.ddb_json and args.output not in ("jsonl", "json"):
        raise CommandError("--ddb-json applies to --output jsonl or json", EXIT_USAGE)
    with target(args) as conn:
        cl = client(conn)
        info = describe(cl, args.table)
        items = transfer.scan_all(cl, args.table, limit=args.limit, consistent=args.consistent, **kw)
        return _stdout_items(args, items, info.key_names, f"scan {args.table}")


def cmd_query(args: argparse.Namespace) -> int:
    if args.saved:
        _apply_saved_query(args)
    if not args.table or args.pk is None:
        raise CommandError("query needs a table and --pk (or --saved NAME)", EXIT_USAGE)
    kw = _expr_kw(args)
    if args.ddb_json and args.output not in ("jsonl", "json"):
        raise CommandError("--ddb-json applies to --output jsonl or json", EXIT_USAGE)
    with target(args) as conn:
        cl = client(conn)
        info = describe(cl, args.table)
        try:
            pk, sk = index_keys(info, args.index)
        except ValidationError as e:
            raise CommandError(e.message, EXIT_USAGE) from None
        op, raw = None, []
        if args.sk is not None:
            op, raw = "=", [args.sk]
        elif args.sk_between:
            op, raw = "BETWEEN", list(args.sk_between)
        elif args.sk_begins is not None:
            op, raw = "begins_with", [args.sk_begins]
        elif args.sk_op:
            op, raw = args.sk_op[0], [args.sk_op[1]]
            if op not in ("=", "<", "<=", ">", ">="):
                raise CommandError(f"--sk-op takes = < <= > or >=, got {op!r}", EXIT_USAGE)
        if op and sk is None:
            raise CommandError(f"{args.index or args.table} has no sort key to compare", EXIT_USAGE)
        sk_values = tuple(_typed(x, sk.type, f"sort key {sk.name}") for x in raw) if sk else ()
        items = transfer.query_all(
            cl, args.table, limit=args.limit, pk_name=pk.name,
            pk_value=_typed(args.pk, pk.type, f"partition key {pk.name}"),
            sk_name=sk.name if sk else None, sk_op=op, sk_values=sk_values,
            forward=not args.reverse, **kw)
        return _stdout_items(args, items, info.key_names, f"query {args.table}")


_SAVED_QUERY_KEYS = ("table", "pk", "sk", "sk_between", "sk_begins", "sk_op", "index", "filter",
                     "names", "values", "reverse", "limit")


def _apply_saved_query(args: argparse.Namespace) -> None:
    q = userconfig.load().query(args.saved)
    if q is None:
        raise CommandError(f"no saved query {args.saved!r} in {userconfig.config_path()}", EXIT_USAGE)
    unknown = sorted(set(q) - set(_SAVED_QUERY_KEYS) - {"name"})
    if unknown:
        raise CommandError(f"saved query {args.saved!r}: unknown key {unknown[0]!r} "
                           f"(known: {', '.join(_SAVED_QUERY_KEYS)})", EXIT_USAGE)
    for k in _SAVED_QUERY_KEYS:
        if k in q and getattr(args, k) in (None, False):
            v = q[k]
            if k in ("sk_between", "sk_op"):
                v = [str(x) for x in v]
            elif k in ("pk", "sk", "sk_begins"):
                v = str(v)
            setattr(args, k, v)


def cmd_export(args: argparse.Namespace) -> int:
    to_stdout = args.file == "-"
    if to_stdout:
        fmt = args.format or "jsonl"
    else:
        try:
            fmt = exp.format_for(args.file, args.format)
        except ValidationError as e:
            raise CommandError(e.message, EXIT_USAGE) from None
    if args.ddb_json and fmt != "jsonl":
        raise CommandError("--ddb-json applies to JSON Lines exports", EXIT_USAGE)
    path = None if to_stdout else real_path(args.file)
    if path is not None:
        if path.is_dir():
            raise CommandError(f"{path} is a directory: add a file name", EXIT_USAGE)
        if not path.parent.is_dir():
            raise CommandError(f"folder {path.parent} does not exist", EXIT_USAGE)
        if path.exists() and not args.force:
            raise CommandError(f"{path} already exists: pass --force to overwrite it", EXIT_USAGE)
    with target(args) as conn:
        cl = client(conn)
        info = describe(cl, args.table)
        tick = Ticker(f"export {args.table}", quiet=args.quiet)
        items = transfer.scan_all(cl, args.table)
        if to_stdout:
            n = write_items(items, fmt, sys.stdout, ddb_json=args.ddb_json, key_names=info.key_names,
                            on_item=tick)
            tick.done(f"export {args.table}: {_items(n)} to stdout")
            return EXIT_OK
        assert path is not None
        with atomic_text_writer(path, newline="") as out:
            n = write_items(items, fmt, out, ddb_json=args.ddb_json, key_names=info.key_names,
                            on_item=tick)
    style = "DynamoDB JSON Lines" if args.ddb_json else ("CSV" if fmt == "csv" else "JSON Lines")
    tick.done(f"export {args.table}: {_items(n)} to {path} ({style})")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    path = real_path(args.file)
    if not path.is_file():
        raise CommandError(f"{path} is not a file", EXIT_USAGE)
    try:
        types = transfer.parse_types(args.types)
        fmt = transfer.input_format(path, args.format, transfer.peek_first_line(path))
    except ValidationError as e:
        raise CommandError(e.message, EXIT_USAGE) from None
    except UnicodeDecodeError:
        raise CommandError(f"{path.name} is not UTF-8 text", EXIT_USAGE) from None
    if args.check:
        return _check_file(args, path, fmt, types)
    with target(args) as conn:
        cl = client(conn)
        info = describe(cl, args.table)
        key_types = {k.name: k.type for k in (info.partition_key, info.sort_key) if k}
        if wallet.is_wallet_key(info.partition_key.name, info.partition_key.type):
            types = {wallet.BALANCE: "N", **types}  # a CSV balance column is a number unless told
            if not args.skip_wallet_rules:
                _check_wallet_file(args, path, fmt, {**key_types, **types})
        tick = Ticker(f"import {args.table}", quiet=args.quiet)
        with open(path, encoding="utf-8", newline="") as f:
            records = transfer.read_records(f, fmt, types={**key_types, **types}, from_line=args.from_line)
            try:
                res = transfer.import_items(
                    cl, args.table, records, key_names=info.key_names, key_types=key_types,
                    on_progress=lambda p: tick(p.written, f", through line {p.line:,}"))
            except transfer.ImportStopped as e:
                raise CommandError(
                    f"{e.message}; {_items(e.written)} before it written, nothing from line {e.line} "
                    f"on: fix it and resume with --from-line {e.line}", EXIT_STOPPED) from None
            except UnicodeDecodeError as e:
                raise CommandError(f"{path.name} is not UTF-8 text ({e.reason})", EXIT_USAGE) from None
    extra = f", {res.resent:,} resent after UnprocessedItems" if res.resent else ""
    tick.done(f"import {args.table}: {_items(res.written)} from {path.name} ({fmt}{extra})")
    return EXIT_OK


def _check_file(args: argparse.Namespace, path: Any, fmt: str, types: dict[str, str]) -> int:
    n = 0
    with open(path, encoding="utf-8", newline="") as f:
        for rec in transfer.read_records(f, fmt, types=types, from_line=args.from_line):
            if isinstance(rec, transfer.BadRecord):
                raise CommandError(f"line {rec.line}: {rec.message} ({n:,} records before it are valid)",
                                   EXIT_STOPPED)
            try:
                codec.check_item_size(codec.serialize_item(rec.item))
            except ValidationError as e:
                raise CommandError(f"line {rec.line}: {e.message}", EXIT_STOPPED) from None
            n += 1
    say(f"import --check: {n:,} valid records in {path.name} ({fmt}); nothing was written")
    return EXIT_OK


def _check_wallet_file(args: argparse.Namespace, path: Any, fmt: str, types: dict[str, str]) -> None:
    """Read the whole file before writing anything to a wallet table: the first record that
    breaks the wallet rules (or is malformed) refuses the import with its line number."""
    n = 0
    with open(path, encoding="utf-8", newline="") as f:
        try:
            for rec in transfer.read_records(f, fmt, types=types, from_line=args.from_line):
                if isinstance(rec, transfer.BadRecord):
                    message = rec.message
                else:
                    try:
                        wallet.check_wallet_record(rec.item)
                        codec.check_item_size(codec.serialize_item(rec.item))
                        n += 1
                        continue
                    except ValidationError as e:
                        message = e.message
                raise CommandError(
                    f"{args.table} is a wallet table and line {rec.line} (record {n + 1:,}) breaks its rules: "
                    f"{message}. Nothing was written: fix the file (or pass --skip-wallet-rules to write "
                    f"it as it is)", EXIT_USAGE)
        except UnicodeDecodeError as e:
            raise CommandError(f"{path.name} is not UTF-8 text ({e.reason}); nothing was written",
                               EXIT_USAGE) from None


def _check_wallet_statements(cl: Any, statements: list[str], skip: bool, params: list[Any]) -> None:
    """Refuse (exit 2, nothing sent) a write on a wallet table that breaks the wallet rules, or
    one ddbtui cannot check unless --skip-wallet-rules."""
    wallets: dict[str, bool] = {}
    for i, st in enumerate(statements, 1):
        name = wallet.write_target(st)
        if name is None:
            continue
        if name not in wallets:
            try:
                wallets[name] = wallet.is_wallet_table(cl, name)
            except Exception:
                wallets[name] = False  # DynamoDB will say what is wrong with the table
        if not wallets[name]:
            continue
        check = wallet.check_wallet_statement(st, params if len(statements) == 1 else None)
        where = f"statement {i}" if len(statements) > 1 else "the statement"
        if check.verdict == "refuse":
            raise CommandError(f"{where} writes to the wallet table {name}: {check.reason}. Nothing was "
                               f"sent", EXIT_USAGE)
        if check.verdict == "warn" and not skip:
            raise CommandError(f"{where} writes to the wallet table {name}: {check.reason}. Nothing was "
                               f"sent: pass --skip-wallet-rules to send it anyway", EXIT_USAGE)


def cmd_partiql(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.statement == "-" else args.statement
    statements = transfer.split_statements(text)
    if not statements:
        raise CommandError("the statement is empty", EXIT_USAGE)
    try:
        params = transfer.parse_parameters(args.parameters)
    except ValidationError as e:
        raise CommandError(e.message, EXIT_USAGE) from None
    if args.ddb_json and args.output not in ("jsonl", "json"):
        raise CommandError("--ddb-json applies to --output jsonl or json", EXIT_USAGE)
    with target(args) as conn:
        cl = client(conn)
        _check_wallet_statements(cl, statements, args.skip_wallet_rules, params)
        if len(statements) == 1:
            items = transfer.execute_all(cl, statements[0], parameters=params, limit=args.limit)
            return _stdout_items(args, items, [], "partiql")
        if params:
            raise CommandError("--parameters works with one statement", EXIT_USAGE)
        results = transfer.batch_execute(cl, statements)
    failed = [r for r in results if r.error]
    write_items((r.item for r in results if r.item), args.output, sys.stdout, ddb_json=args.ddb_json)
    for i, r in enumerate(results, 1):
        if r.error:
            say(f"statement {i} failed: {r.error}")
    say(f"partiql: {len(results) - len(failed)} of {len(results)} statements succeeded")
    return EXIT_OK if not failed else 1


COMMANDS = {"tables": cmd_tables, "describe": cmd_describe, "scan": cmd_scan, "query": cmd_query,
            "export": cmd_export, "import": cmd_import, "partiql": cmd_partiql}
