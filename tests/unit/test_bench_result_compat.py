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


def test_history_rows_of_v1_and_mixed_results():
    from ddbtui.bench import compare as bx
    from ddbtui.bench.mixed import build_spec
    from ddbtui.bench.opstats import OpStats

    v1 = results.load_result(V1)
    rows = bx.compare_rows([v1])
    assert rows and all(r["mode"] is None and r["wcu"] is None for r in rows)
    assert bx.describe_settings(v1).startswith("40 books c=32")

    spec = build_spec(mode="open", rate=10, duration=1.0, mix="put=1")
    stats = OpStats()
    stats.start(0.0)
    stats.record("put", intended=0.0, sent=0.001, done=0.01, ok=True, items=1, wcu=3.0)
    run = {**json.loads(V1.read_text())["runs"][0], "strategy": "aiohttp", "mode": "open", "load": spec.to_dict(),
           **stats.to_dict(), "pace": None, "cost": {"on_demand": {"run_usd": 0.25}}}
    doc = results.finish({**v1, "schema": results.SCHEMA, "settings": {**v1["settings"], "load": spec.to_dict()},
                          "runs": [run]}, complete=True)
    (row,) = bx.compare_rows([doc])
    assert row["mode"] == "open" and row["wcu"] == 3.0 and row["on_demand_usd"] == 0.25
    assert row["service_p99_ms"] == pytest.approx(9.0, rel=0.01)
    assert bx.describe_settings(doc).startswith("open loop 10/s for 1s")
    assert any("open loop 10/s" in line for line in report.header_lines(doc))
    assert bx.to_csv([doc]).splitlines()[0].endswith("mode,service_p99_ms,rcu,wcu,on_demand_usd")
