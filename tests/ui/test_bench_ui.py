"""Benchmarks in the TUI: launch form, live view (progress, charts, counters, cancel),
results, history compare and export; the textual-free live model and exporter.

The UI tests run real benchmarks through the engine process against DynamoDB Local; the
screenshots (bench_live, bench_results, bench_history_compare) go to screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from textual.widgets import Input, SelectionList

from tests.ui.conftest import SECRET_MARKERS, notifications, save_svg, screen_text, wait_for

SIZE = (120, 40)


# ------------------------------------------------------------------ synthetic documents
def fake_run(strategy: str, ips: float, *, repeat: int = 1, items: int = 1000, p_ms: float = 2.0,
             lost: int = 0, throttled: int = 0) -> dict:
    from ddbtui.bench.stats import encode_histogram, new_histogram, record_us

    h = new_histogram()
    s = ss = 0.0
    for i in range(items):
        us = p_ms * 1000 * (0.5 + (i % 100) / 100)
        record_us(h, us)
        s += us
        ss += us * us
    wall = items / ips
    return {"strategy": strategy, "repeat": repeat, "complete": True, "table": "t", "table_created": True,
            "table_kept": False, "concurrency": 8, "items": items, "attempted": items, "requests": items,
            "ok": items - lost, "failed": 0, "retried": throttled, "retries": throttled, "throttled": throttled,
            "server_errors": 0, "conn_errors": 0, "wall_s": wall, "items_per_s": ips, "cpu_s": 0.1,
            "cpu_us_per_item": 350.0, "latency_ms": {}, "latency_sum_us": s, "latency_sumsq_us": ss,
            "histogram": encode_histogram(h), "throughput": {"interval_s": 0.25, "items_per_s": []},
            "verification": "scan-count", "verified": items - lost, "lost": lost, "missing": lost,
            "errors": {}, "first_error": None, "error": None, "notes": [], "proxy": None}


def fake_doc(runs: list[dict], *, created: str = "2026-11-02T10:00:00+00:00", complete: bool = True,
             concurrency: int = 8) -> dict:
    from ddbtui.bench import results

    strategies = list(dict.fromkeys(r["strategy"] for r in runs))
    doc = results.new_document({"strategies": strategies, "items": runs[0]["items"], "concurrency": concurrency,
                                "repeat": max(r["repeat"] for r in runs), "workload": "books", "item_bytes": 0,
                                "table": None, "keep_table": False, "force": False, "retry_mode": "standard",
                                "max_attempts": None, "seed": 42, "processes": 0},
                               {"host": "127.0.0.1:8000", "region": "us-east-1", "engine": "dynamodb-local",
                                "is_aws": False, "proxy": None})
    doc["created"] = created
    doc["runs"] = runs
    return results.finish(doc, complete=complete)


@pytest.fixture
def history_dir(tmp_path):
    from ddbtui.bench import results

    d = tmp_path / "results"
    docs = [
        fake_doc([fake_run("sync", 400, repeat=1), fake_run("sync", 420, repeat=2),
                  fake_run("aiohttp", 1500, repeat=1), fake_run("aiohttp", 1550, repeat=2)],
                 created="2026-11-01T09:00:00+00:00"),
        fake_doc([fake_run("sync", 380), fake_run("aiohttp", 1700, p_ms=1.5), fake_run("batch", 2500)],
                 created="2026-11-02T09:00:00+00:00", concurrency=32),
        fake_doc([fake_run("threads", 900)], created="2026-11-03T09:00:00+00:00", complete=False),
    ]
    paths = [str(results.save(doc, d)) for doc in docs]
    return d, docs, paths


# ================================================================ textual-free parts
def test_bench_modules_do_not_import_textual():
    code = ("import sys, ddbtui.bench.compare, ddbtui.bench.live, ddbtui.bench.proxy_process; "
            "assert 'textual' not in sys.modules, 'textual imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_export_rows_csv_markdown_json(history_dir, tmp_path):
    from ddbtui.bench import compare as bx

    _, docs, _ = history_dir
    rows = bx.compare_rows(docs[:2])
    assert [(r["run"], r["strategy"]) for r in rows] == [
        (docs[0]["id"], "sync"), (docs[0]["id"], "aiohttp"),
        (docs[1]["id"], "sync"), (docs[1]["id"], "aiohttp"), (docs[1]["id"], "batch")]
    sync0 = rows[0]
    assert sync0["items_per_s"] == pytest.approx(410.0)
    assert sync0["items_per_s_stdev"] == pytest.approx(14.142, rel=1e-3)  # sample σ of 400, 420
    assert sync0["runs"] == 2 and sync0["lost"] == 0 and sync0["concurrency"] == 8

    parsed = list(csv.DictReader(io.StringIO(bx.to_csv(docs[:2]))))
    assert list(parsed[0]) == list(bx.COLUMNS)
    assert len(parsed) == 5 and parsed[4]["strategy"] == "batch" and float(parsed[4]["items_per_s"]) == 2500

    md = bx.to_markdown(docs[:2])
    assert md.startswith("# ddbtui benchmark comparison")
    table_lines = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert len(table_lines) == 1 + 5  # header + one per strategy and run
    assert "aiohttp ran" in md and "times faster than sync" in md  # report.comparison_lines
    assert "1,700" in md

    j = json.loads(bx.to_json(docs[:2]))
    assert j["schema"] == bx.SCHEMA and len(j["runs"]) == 2 and len(j["rows"]) == 5
    assert all("histogram" not in s for r in j["runs"] for s in r["summary"])

    names, values = bx.chart_series(docs[:2], "items_per_s")
    assert names == ["sync", "aiohttp", "batch"]
    assert values[0][2] is None and values[1][2] == pytest.approx(2500)
    names, values = bx.chart_series(docs[:2], "p99")
    assert all(v > 0 for v in values[1])

    for ext in ("json", "csv", "md"):
        p = bx.export(docs, tmp_path / "out" / f"sel.{ext}")
        assert p.exists() and p.stat().st_size > 100
    with pytest.raises(ValueError, match="format"):
        bx.export(docs, tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="select"):
        bx.export([], tmp_path / "x.json")
    # incomplete runs say so
    assert "**incomplete**" in bx.to_markdown([docs[2]])
    for text in (bx.to_json(docs), bx.to_csv(docs), bx.to_markdown(docs)):
        assert not any(m in text for m in SECRET_MARKERS)


def test_live_model_folds_snapshots():
    from ddbtui.bench.live import LiveModel, bucket_series, fmt_eta
    from ddbtui.bench.runner import Snapshot
    from ddbtui.bench.stats import encode_histogram, new_histogram, record_us

    h = new_histogram()
    for v in (900, 1100, 5000):
        record_us(h, v)
    common = dict(strategies=2, repeats=2)
    m = LiveModel(["sync", "aiohttp"], items=100, repeats=2)
    m.feed([Snapshot("phase", 0.1, "sync", 0, repeat=1, phase="setup", **common),
            Snapshot("progress", 0.5, "sync", 0, repeat=1, phase="writing", done=40, total=100, ok=40,
                     items_per_s=80.0, interval_items_per_s=90.0, p50_ms=1.0, p99_ms=5.0,
                     hist_delta=encode_histogram(h), **common)])
    st = m.by["sync"]
    assert st.state == "running" and st.completed == 40 and st.total == 200
    assert st.eta_s == pytest.approx(160 / 80.0) and fmt_eta(st.eta_s) == "2s"
    assert sum(st.bins) == 3 and st.hist.get_total_count() == 3
    assert st.t == [0.5] and st.p99 == [5.0] and st.ips == [90.0]
    m.feed([Snapshot("run", 1.0, "sync", 0, repeat=1, phase="finished", **common)])
    m.add_runs([{"strategy": "sync", "items_per_s": 100.0, "lost": 0, "missing": 0, "ok": 100, "attempted": 100}])
    assert st.state == "running" and st.completed == 100  # one of two repeats
    m.feed([Snapshot("progress", 1.5, "sync", 0, repeat=2, phase="writing", done=10, total=100, ok=10,
                     items_per_s=50.0, p50_ms=1.0, p99_ms=2.0, **common)])
    assert st.completed == 110 and m.counters()["ok"] == 110
    m.feed([Snapshot("run", 2.0, "sync", 0, repeat=2, phase="finished", **common)])
    assert st.state == "finished" and st.completed == 200
    assert m.by["aiohttp"].state == "waiting"
    t, y = bucket_series([0, 0.1, 0.2, 1.0, 1.1], [1, 5, 2, 3, 4], 0.0, 0.5, max)
    assert t == [0.2, 1.1] and y == [5, 4]


def test_form_validation_rules():
    from ddbtui.config import Connection
    from ddbtui.ui.screens.bench import FormError, parse_form

    local = Connection(region="us-east-1").with_endpoint("http://127.0.0.1:8000", engine="dynamodb-local")
    aws = Connection(endpoint_url="https://dynamodb.us-east-1.amazonaws.com", region="us-east-1")
    ok = {"strategies": ["aiohttp", "sync"], "items": "1,000", "concurrency": "8", "repeat": "2",
          "item_bytes": "0", "table": "", "latency_ms": "", "throttle_rate": "", "workload": "wallets",
          "retry_mode": "adaptive"}
    s, fault = parse_form(ok, local)
    assert s.strategies == ["sync", "aiohttp"] and s.items == 1000 and s.repeat == 2 and fault is None
    assert s.workload == "wallets" and s.retry_mode == "adaptive"
    s, fault = parse_form({**ok, "latency_ms": "20", "throttle_rate": "0.1"}, local)
    assert fault.latency_ms == 20 and fault.throttle_rate == 0.1
    _, fault = parse_form({**ok, "jitter_ms": "5", "error_500_rate": "0.01", "drop_rate": "0.005"}, local)
    assert (fault.jitter_ms, fault.error_500_rate, fault.drop_rate) == (5, 0.01, 0.005)
    with pytest.raises(FormError) as e:  # the fault kinds share one draw: rates add up to <= 1
        parse_form({**ok, "throttle_rate": "0.6", "drop_rate": "0.6"}, local)
    assert e.value.field == "throttle_rate" and "at most 1" in e.value.message  # the last one given
    for bad, field, words in [({"strategies": []}, "strategies", "at least one"),
                              ({"items": "abc"}, "items", "whole number"),
                              ({"items": "0"}, "items", "between"),
                              ({"concurrency": ""}, "concurrency", "required"),
                              ({"item_bytes": "500000"}, "item_bytes", "between"),
                              ({"table": "x!"}, "table", ""),
                              ({"throttle_rate": "2"}, "throttle_rate", "between 0 and 1"),
                              ({"latency_ms": "-1"}, "latency_ms", "between")]:
        with pytest.raises(FormError) as e:
            parse_form({**ok, **bad}, local)
        assert e.value.field == field and words in e.value.message
    with pytest.raises(FormError, match="real AWS") as e:
        parse_form({**ok, "latency_ms": "5"}, aws)
    assert e.value.field == "latency_ms"


# ==================================================================== UI: the form
def set_form(screen, strategies: list[str], **values: str) -> None:
    sl = screen.query_one("#strategies", SelectionList)
    sl.deselect_all()
    for s in strategies:
        sl.select(s)
    for k, v in values.items():
        screen.query_one(f"#{k}", Input).value = v


async def open_bench(app, pilot):
    await pilot.press("ctrl+b")
    await pilot.pause()
    from ddbtui.ui.screens.bench import BenchScreen

    await wait_for(pilot, lambda: isinstance(app.screen, BenchScreen), what="bench form")
    return app.screen


async def test_form_inline_errors_and_read_only(make_app):
    from ddbtui.ui.screens.bench import BenchRunScreen

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        form = await open_bench(app, pilot)
        assert len(form.query_one("#strategies", SelectionList).selected) == 10  # all by default
        set_form(form, [], items="12x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least one strategy" in form.error_text("strategies")
        set_form(form, ["sync"], items="12x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "whole number" in form.error_text("items")
        assert app.focused is form.query_one("#items")
        await pilot.press("backspace")  # editing clears the stale message
        await pilot.pause()
        assert form.error_text("items") == ""
        assert not isinstance(app.screen, BenchRunScreen)

    app = make_app(read_only=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        form = await open_bench(app, pilot)
        set_form(form, ["sync"], items="10")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        await wait_for(pilot, lambda: any("Read-only" in n and "benchmark" in n for n in notifications(app)),
                       what="read-only notice")  # one pause was not always enough under load


# ================================================================ UI: runs, live view
def child_pids() -> set[int]:
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "resource_tracker" in cmd or "java" in cmd or "DynamoDBLocal" in cmd or "moto" in cmd:
            continue  # the session's engine and multiprocessing's own helper
        out.add(p.pid)
    return out


async def test_small_run_to_the_end(make_app):
    from ddbtui.ui.screens.bench import BenchRunScreen
    from ddbtui.ui.screens.bench_results import BenchResultsScreen
    from ddbtui.ui.widgets.bench_charts import HistogramChart, LatencyChart, ThroughputChart
    from ddbtui.ui.widgets.bench_progress import StrategyProgress

    before = child_pids()
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        form = await open_bench(app, pilot)
        set_form(form, ["sync", "aiohttp"], items="300", concurrency="4")
        form.query_one("#start").scroll_visible(animate=False)  # below the operations section: scroll, as a person would
        await pilot.pause()
        await pilot.click("#start")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchRunScreen), what="live view")
        run = app.screen
        await wait_for(pilot, lambda: run.handle is not None, timeout=20, what="engine started")
        # the UI answers keys while the engine runs: the footer's key map and a screen action
        assert run.handle.pid in {p.pid for p in psutil.Process().children()}
        await wait_for(pilot, lambda: isinstance(app.screen, BenchResultsScreen), timeout=60, what="results")
        await pilot.pause(0.2)
        res = app.screen
        assert run.state == "finished" and run.doc["complete"] is True
        rows = {r.strategy: r for r in run.query(StrategyProgress)}
        assert set(rows) == {"sync", "aiohttp"}
        assert all(r.percentage == 1.0 and r.completed == 300 for r in rows.values())
        assert "items/s" in rows["sync"].info and "lost 0" in rows["sync"].info
        lat = run.query_one(LatencyChart).data
        assert set(lat) == {"sync", "aiohttp"} and all(len(s["p99"]) >= 1 for s in lat.values())
        assert all(v > 0 for s in lat.values() for v in s["p99"])
        thr = run.query_one(ThroughputChart).data
        assert set(thr) == {"sync", "aiohttp"}
        hist = run.query_one(HistogramChart).data
        assert set(hist) == {"sync", "aiohttp"}
        assert all(s["count"] == 300 and abs(sum(s["pct"]) - 100) < 1e-6 for s in hist.values())
        assert run.model.counters()["ok"] == 600 and run.model.counters()["failed"] == 0
        # results table
        assert res.cell("sync", "lost") == "0" and res.cell("aiohttp", "lost") == "0"
        assert res.cell("sync", "verified") == "300"
        assert res.fastest in ("sync", "aiohttp")
        assert any("times faster than" in line for line in res.comparisons)
        text = screen_text(app)
        assert "★" in text and "times faster than" in text
        assert run.saved_path and Path(run.saved_path).exists()
        save_svg(app, "bench_results")
        await pilot.press("escape")  # back to the live view (final state), then the form
        await pilot.pause()
        assert app.screen is run
        assert "UI CPU" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form
    assert child_pids() <= before


async def test_cancel_stops_fast_keeps_partial_result(make_app):
    from ddbtui.ui.screens.bench import BenchRunScreen
    from ddbtui.ui.screens.bench_results import BenchResultsScreen
    from ddbtui.ui.widgets.bench_charts import LatencyChart

    before = child_pids()
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        form = await open_bench(app, pilot)
        set_form(form, ["threads", "aiohttp"], items="20000", concurrency="16")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchRunScreen), what="live view")
        run = app.screen
        await wait_for(pilot, lambda: len(run.query_one(LatencyChart).data.get("threads", {}).get("t", [])) >= 8,
                       timeout=40, what="a few seconds of live data")
        engine = psutil.Process(run.handle.pid)
        assert run.model.by["threads"].state == "running"
        # the UI answers keys during the run (the form's bindings are not needed: a no-op key)
        t0 = time.monotonic()
        await pilot.press("r")  # no results yet: nothing happens, but the key is handled
        assert time.monotonic() - t0 < 1.0
        await pilot.pause(0.3)
        text = save_svg(app, "bench_live")
        assert "UI CPU" in screen_text(app) and "engine CPU" in screen_text(app)
        assert "threads" in text
        t_cancel = time.monotonic()
        await pilot.press("escape")
        await wait_for(pilot, lambda: run.state in ("cancelled", "finished", "failed"), timeout=5, what="stopped")
        stopped = time.monotonic() - t_cancel
        assert run.state == "cancelled"
        assert stopped < 4.0, f"took {stopped:.2f}s to stop"  # spec ~1 s; margin for a loaded CI box
        # the result arrives first; the engine process then exits (queue flush, interpreter exit)
        gone_by = time.monotonic() + 3
        while engine.is_running() and engine.status() != psutil.STATUS_ZOMBIE and time.monotonic() < gone_by:
            await pilot.pause(0.05)
        assert not engine.is_running() or engine.status() == psutil.STATUS_ZOMBIE
        assert run.doc["complete"] is False
        thr = run.model.by["threads"]
        assert thr.state == "cancelled" and 0 < thr.completed < 20000
        assert run.model.by["aiohttp"].state == "waiting"
        await wait_for(pilot, lambda: isinstance(app.screen, BenchResultsScreen), timeout=5, what="results")
        assert "INCOMPLETE" in screen_text(app)
        saved = json.loads(Path(run.saved_path).read_text())
        assert saved["complete"] is False
        assert notifications(app) == [] or not any("failed" in n.lower() for n in notifications(app))
    deadline = time.monotonic() + 3
    while child_pids() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (child_pids() - before), "a child process was left behind"


async def test_quitting_mid_run_leaves_no_process(make_app):
    from ddbtui.ui.screens.bench import BenchRunScreen

    before = child_pids()
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        form = await open_bench(app, pilot)
        set_form(form, ["threads"], items="20000", concurrency="8", latency_ms="2")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchRunScreen), what="live view")
        run = app.screen
        await wait_for(pilot, lambda: run.handle is not None and run.model.by["threads"].completed > 0,
                       timeout=40, what="writing through the fault proxy")
        assert run.proxy is not None and "fault proxy" in screen_text(app)
        pids = [run.handle.pid, run.proxy.pid]
        await pilot.press("ctrl+q")
    time.sleep(0.2)
    assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not (child_pids() - before)


# ===================================================================== UI: history
async def test_history_compare_and_export(make_app, history_dir, tmp_path):
    from ddbtui.ui.screens.bench_history import BenchHistoryScreen
    from ddbtui.ui.widgets.bench_charts import CompareChart

    d, docs, paths = history_dir
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = BenchHistoryScreen(directory=str(d))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: len(screen.entries) == 3, what="history")
        # newest first: docs[2], docs[1], docs[0]
        await pilot.press("c")
        await pilot.pause()
        assert any("two or more" in n for n in notifications(app))
        await pilot.press("down", "space", "space")  # select docs[1], docs[0]
        await pilot.pause()
        assert screen.selected == [paths[1], paths[0]]
        await pilot.press("c")
        await pilot.pause()
        chart = screen.query_one(CompareChart).data
        assert chart["names"] == ["sync", "aiohttp", "batch"]
        assert chart["values"][0] == pytest.approx([380, 1700, 2500])
        assert chart["values"][1][:2] == pytest.approx([410, 1525]) and chart["values"][1][2] is None
        assert chart["metric"] == "items/s"
        save_svg(app, "bench_history_compare")
        await pilot.press("m")
        await pilot.pause()
        assert screen.query_one(CompareChart).data["metric"] == "p99 ms"

        app.clear_notifications()
        screen.query_one("#export-path", Input).value = str(tmp_path / "exp" / "mine")
        for fmt in ("json", "csv", "md"):
            await pilot.click(f"#export-{fmt}")
            await pilot.pause()
            assert (tmp_path / "exp" / f"mine.{fmt}").exists()
        rows = list(csv.DictReader(open(tmp_path / "exp" / "mine.csv")))
        assert {r["run"] for r in rows} == {docs[0]["id"], docs[1]["id"]}
        assert any("Exported 2 run(s)" in n for n in notifications(app))

        screen.query_one("#history").focus()
        await pilot.press("up", "up", "o")  # open the newest run's results
        await pilot.pause()
        from ddbtui.ui.screens.bench_results import BenchResultsScreen

        assert isinstance(app.screen, BenchResultsScreen) and app.screen.doc["id"] == docs[2]["id"]
        assert "INCOMPLETE" in screen_text(app)
