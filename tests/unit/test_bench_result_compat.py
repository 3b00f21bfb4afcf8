"""Result files written before schema /2 (mixed runs, #15) still load, list and render."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ddbtui.bench import report, results
from ddbtui.bench.mixed_report import lines

V1 = Path(__file__).parent.parent / "data" / "bench_result_v1.json"
SCHEMA = Path(__file__).parent.parent / "data" / "bench_result.schema.json"


def test_v1_result_loads_lists_and_renders(tmp_path, capsys):
    doc = results.load_result(V1)
    assert doc["schema"] == "ddbtui-bench/1" and results.SCHEMA == "ddbtui-bench/2"
    shutil.copy(V1, tmp_path / V1.name)
    listed = results.list_results(tmp_path)
    assert [r["id"] for r in listed] == [doc["id"]]
    report.render_plain(doc)
    assert "aiohttp" in capsys.readouterr().out
    assert lines(doc) == []
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    again = results.finish(json.loads(V1.read_text()), complete=True)  # re-summarised by today's code
    assert again["summary"][0].get("mode") is None and again["comparisons"]


def test_unknown_schema_is_refused(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"schema": "ddbtui-bench/9"}))
    with pytest.raises(ValueError, match="not a ddbtui benchmark result"):
        results.load_result(p)
