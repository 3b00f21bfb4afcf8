"""Result documents: summaries over repeats, hyperfine comparisons, files, rendering."""

import io
import json
import math

import pytest

from ddbtui.bench import report, results
from ddbtui.bench.stats import encode_histogram, new_histogram, record_us
from ddbtui.config import Connection


def fake_run(strategy, repeat, wall, n=100, lat_us=(1000, 2000, 3000)):
    h = new_histogram()
    for v in lat_us:
        record_us(h, v)
    return {"strategy": strategy, "repeat": repeat, "complete": True, "table": "t", "concurrency": 4,
            "items": n, "attempted": n, "requests": len(lat_us), "ok": n, "failed": 0, "retried": 0,
            "retries": 1, "throttled": 0, "server_errors": 0, "conn_errors": 0, "wall_s": wall,
            "items_per_s": n / wall, "cpu_s": 0.1, "cpu_us_per_item": 1000.0,
            "latency_ms": {}, "latency_sum_us": float(sum(lat_us)),
            "latency_sumsq_us": float(sum(v * v for v in lat_us)), "histogram": encode_histogram(h),
            "throughput": {"interval_s": 0.25, "items_per_s": [400.0]}, "verification": "scan-count",
            "verified": n, "lost": 0, "missing": 0, "errors": {}, "first_error": None, "error": None,
            "notes": [], "proxy": None}


def make_doc():
    conn = Connection(region="us-east-1").with_endpoint("http://127.0.0.1:8000", engine="dynamodb-local")
    doc = results.new_document({"strategies": ["a", "b"], "items": 100, "concurrency": 4, "repeat": 3,
                                "workload": "books", "item_bytes": 0, "table": None, "keep_table": False,
                                "force": False, "retry_mode": "standard", "max_attempts": None, "seed": 1,
                                "processes": 0}, results.target_info(conn))
    doc["runs"] = [fake_run("a", i + 1, w) for i, w in enumerate((1.0, 1.2, 1.4))]
    doc["runs"] += [fake_run("b", i + 1, w) for i, w in enumerate((4.0, 4.4, 4.8))]
    return results.finish(doc, complete=True)


def test_summary_and_comparison_known_values():
    doc = make_doc()
    a, b = doc["summary"]
    assert a["wall_mean_s"] == pytest.approx(1.2) and a["wall_stdev_s"] == pytest.approx(0.2)
    assert (a["wall_min_s"], a["wall_max_s"]) == (1.0, 1.4)
    assert b["wall_mean_s"] == pytest.approx(4.4) and b["wall_stdev_s"] == pytest.approx(0.4)
    assert a["latency_ms"]["count"] == 9 and a["latency_ms"]["mean"] == pytest.approx(2.0)
    assert a["retries"] == 3 and a["verified"] == 300 and a["lost"] == 0
    (c,) = doc["comparisons"]
    assert (c["faster"], c["slower"]) == ("a", "b")
    r = 4.4 / 1.2
    assert c["ratio"] == pytest.approx(r)
    assert c["ratio_stdev"] == pytest.approx(r * math.sqrt((0.4 / 4.4) ** 2 + (0.2 / 1.2) ** 2))
    lines = report.comparison_lines(doc)
    assert lines == [f"a ran {r:.2f} ± {c['ratio_stdev']:.2f} times faster than b"]
    assert not results.any_lost(doc)
    doc["runs"][0]["lost"] = 1
    assert results.any_lost(doc)


def test_save_list_load(tmp_path):
    doc = make_doc()
    p = results.save(doc, tmp_path)
    assert p.name.endswith(f"-{doc['id']}.json") and p.name[:8].isdigit()
    (item,) = results.list_results(tmp_path)
    assert item["id"] == doc["id"] and item["complete"] is True and item["items"] == 100
    assert results.load_result(p) == json.loads(json.dumps(doc))
    (tmp_path / "junk.json").write_text("{}")
    assert len(results.list_results(tmp_path)) == 1
    with pytest.raises(ValueError):
        results.load_result(tmp_path / "junk.json")


def test_target_info_has_no_credentials():
    conn = Connection(region="eu-west-1", profile="prod-admin")
    t = results.target_info(conn)
    assert set(t) == {"host", "region", "engine", "is_aws", "proxy"}
    assert "prod-admin" not in json.dumps(t)


def test_plain_and_rich_rendering():
    doc = make_doc()
    out = io.StringIO()
    report.render_plain(doc, out)
    text = out.getvalue()
    for needle in ("Time (mean ± σ):", "Range (min … max):", "3 runs", "a ran 3.67 ±", "p99.9", "CPU µs/item"):
        assert needle in text
    from rich.console import Console

    con = Console(file=io.StringIO(), width=200, force_terminal=False)
    report.render_rich(doc, con)
    assert "times faster than b" in con.file.getvalue()


def test_incomplete_is_flagged():
    doc = make_doc()
    doc["complete"] = False
    out = io.StringIO()
    report.render_plain(doc, out)
    assert "INCOMPLETE" in out.getvalue()
