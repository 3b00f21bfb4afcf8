"""Import readers without an engine: formats, line numbers, typed CSV cells."""

import io
from decimal import Decimal

import pytest

from ddbtui.dynamo import transfer as X
from ddbtui.dynamo.errors import ValidationError


def test_format_detection():
    assert X.input_format("a.csv") == "csv"
    assert X.input_format("a.jsonl", first_line='{"pk": {"S": "a"}, "n": {"N": "1"}}') == "ddb-json"
    assert X.input_format("a.jsonl", first_line='{"Item": {"pk": {"S": "a"}}}') == "ddb-json"
    assert X.input_format("a.jsonl", first_line='{"pk": "a", "m": {"S": 1, "x": 2}}') == "jsonl"
    assert X.input_format("a.json", "csv") == "csv"
    with pytest.raises(ValidationError):
        X.input_format("a", "xml")


def test_csv_line_numbers_count_embedded_newlines():
    text = 'pk,note,n\na,"two\nlines",1\nb,ok,2\nc,bad,zz\n'
    recs = list(X.read_records(io.StringIO(text), "csv", types={"n": "N"}))
    assert [r.line for r in recs] == [2, 4, 5]
    assert recs[0].item == {"pk": "a", "note": "two\nlines", "n": Decimal(1)}
    assert isinstance(recs[2], X.BadRecord) and "'zz' is not a number" in recs[2].message
    later = list(X.read_records(io.StringIO(text), "csv", types={"n": "N"}, from_line=4))
    assert [r.line for r in later] == [4, 5]


def test_jsonl_records_and_bad_line():
    text = '{"a": 1.50, "b": [1, {"c": null}]}\n\n{"Item": 1}\n[1]\n'
    recs = list(X.read_records(io.StringIO(text), "jsonl"))
    assert recs[0] == X.Record(1, {"a": Decimal("1.50"), "b": [Decimal(1), {"c": None}]})
    assert recs[1] == X.Record(3, {"Item": Decimal(1)})
    assert recs[2] == X.BadRecord(4, "each line must be one JSON object (an item)")


def test_ddb_json_numbers_stay_exact():
    item = X.parse_json_record('{"n": {"N": "12345678901234567890123456789012345678"}, '
                               '"ns": {"NS": ["1", "2.50"]}, "b": {"B": "AAE="}}', "ddb-json")
    assert item == {"n": Decimal(12345678901234567890123456789012345678),
                    "ns": {Decimal(1), Decimal("2.5")}, "b": b"\x00\x01"}


def test_csv_types_and_statements():
    assert X.parse_types("a=N, b = ss") == {"a": "N", "b": "SS"}
    with pytest.raises(ValidationError):
        X.parse_types("a=Q")
    assert X.csv_value('["x","y"]', "SS", "c") == {"x", "y"}
    assert X.csv_value("TRUE", "BOOL", "c") is True
    assert X.split_statements("SELECT 'a;b' FROM t;\n UPDATE t SET x=1 ;") == [
        "SELECT 'a;b' FROM t", "UPDATE t SET x=1"]
    assert X.parse_parameters('["u", 1.5]') == ["u", Decimal("1.5")]
