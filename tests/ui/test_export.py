"""ddbtui.dynamo.export: JSON Lines and CSV files from plain items (no textual, no engine)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

from ddbtui.dynamo import codec
from ddbtui.dynamo.errors import ValidationError
from ddbtui.dynamo.export import column_order, default_path, export_items, format_for, with_format

ITEMS = [
    {"user_id": "u1", "balance": Decimal("10.50"), "tags": {"a", "b"}, "blob": b"\x00\x01",
     "meta": {"n": Decimal("12345678901234567890123456789012345678")}, "ok": True},
    {"user_id": "u2", "balance": Decimal("0"), "nickname": "Zoë, \"the\" one\nline2", "none": None},
]


def test_jsonl_plain_is_exact_and_readable(tmp_path):
    res = export_items(ITEMS, tmp_path / "out.jsonl", key_names=["user_id"])
    assert res.count == 2 and res.format == "jsonl" and res.path == tmp_path / "out.jsonl"
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0], parse_float=Decimal, parse_int=Decimal)
    assert first["balance"] == Decimal("10.5")
    assert first["meta"]["n"] == Decimal("12345678901234567890123456789012345678")  # 38 digits kept
    assert first["tags"] == ["a", "b"] and first["blob"] == "AAE="
    assert json.loads(lines[1])["nickname"] == "Zoë, \"the\" one\nline2"


def test_jsonl_dynamodb_style_round_trips(tmp_path):
    p = tmp_path / "typed.jsonl"
    export_items(ITEMS, p, style="dynamodb")
    back = [codec.ddb_json_to_item(line) for line in p.read_text().splitlines()]
    assert back == ITEMS


def test_csv_keys_first_union_of_columns(tmp_path):
    p = tmp_path / "out.csv"
    res = export_items(ITEMS, p, key_names=["user_id"])
    assert res.format == "csv" and res.count == 2
    rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
    assert rows[0] == ["user_id", "balance", "tags", "blob", "meta", "ok", "nickname", "none"]
    assert rows[1][:6] == ["u1", "10.5", '["a", "b"]', "AAE=", '{"n": 12345678901234567890123456789012345678}',
                           "true"]
    assert rows[1][6:] == ["", ""]  # missing attributes are empty
    assert rows[2][6] == "Zoë, \"the\" one\nline2" and rows[2][7] == "null"


def test_refuses_overwrite_missing_folder_and_unknown_extension(tmp_path):
    p = tmp_path / "x.jsonl"
    export_items(ITEMS, p)
    with pytest.raises(ValidationError) as e:
        export_items(ITEMS, p)
    assert e.value.field == "path" and "already exists" in str(e.value)
    with pytest.raises(ValidationError, match="does not exist"):
        export_items(ITEMS, tmp_path / "nope" / "x.csv")
    with pytest.raises(ValidationError, match="jsonl or .csv"):
        export_items(ITEMS, tmp_path / "x.txt")
    with pytest.raises(ValidationError, match="enter a file path"):
        export_items(ITEMS, "  ")
    export_items(ITEMS, tmp_path / "x.txt", fmt="csv")  # an explicit format wins
    assert not list(tmp_path.glob("*.part"))  # no temp files left behind


def test_relative_paths_go_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = export_items(ITEMS[:1], "rel.csv")
    assert res.path == tmp_path / "rel.csv" and res.path.exists()


def test_helpers():
    assert format_for("a.ndjson") == "jsonl" and format_for("a.CSV") == "csv"
    assert with_format("/t/a-1.jsonl", "csv") == "/t/a-1.csv"
    assert with_format("/t/noext", "csv") == "/t/noext"
    p = default_path("wallets", "csv", directory="/tmp", now=0)
    assert p.parent.as_posix() == "/tmp" and p.name.startswith("wallets-") and p.suffix == ".csv"
    assert column_order([{"b": 1, "a": 2}, {"c": 3}], ["a"]) == ["a", "b", "c"]


def test_export_module_does_not_import_textual():
    import subprocess
    import sys

    code = "import ddbtui.dynamo.export, sys; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
