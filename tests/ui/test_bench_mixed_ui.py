"""The bench form's operations/open-loop section, the live view's mixed charts and the
results' per-operation table, capacity and cost (#15), against DynamoDB Local."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select, SelectionList, Static

from tests.ui.conftest import save_svg, screen_text, wait_for

BASE = {"strategies": ["aiohttp"], "items": "100", "concurrency": "4", "repeat": "1", "item_bytes": "0",
        "table": "", "workload": "books", "retry_mode": "standard", "mode": "closed"}


def test_form_load_section_rules():
    from ddbtui.config import Connection
    from ddbtui.ui.screens.bench import FormError, parse_form

    local = Connection(region="us-east-1").with_endpoint("http://127.0.0.1:8000", engine="dynamodb-local")
    s, _ = parse_form(BASE, local)
    assert s.load is None                                     # empty section: the plain write benchmark
    s, _ = parse_form({**BASE, "mode": "open", "rate": "500", "duration": "20s", "mix": "put=50,get=50",
                       "keys": "zipfian:0.9", "records": "200", "max_in_flight": "64"}, local)
    assert s.load["mode"] == "open" and s.load["schedule"]["steps"] == [[500.0, 20.0]]
    assert s.load["keys"] == "zipfian:0.9" and s.load["records"] == 200 and s.load["max_in_flight"] == 64
    s, _ = parse_form({**BASE, "mix": "b"}, local)
    assert s.load["preset"] == "B" and s.load["ops"] == 100 and s.load["mode"] == "closed"
    for bad, field, words in [({"mode": "open"}, "rate", "rate"),
                              ({"mode": "open", "rate": "x", "duration": "5s"}, "rate", "not a rate"),
                              ({"mode": "open", "rate": "10", "duration": "5 days"}, "duration", "duration"),
                              ({"mode": "open", "ramp": "10"}, "ramp", "RATE:DURATION"),
                              ({"mix": "sing=1"}, "mix", "unknown operation"),
                              ({"mix": "get=1", "keys": "zipf"}, "keys", "zipfian"),
                              ({"mix": "get=1", "records": "0"}, "records", "at least 1"),
                              ({"mix": "get=1", "strategies": ["batch"]}, "strategies", "batch-write"),
                              ({"rate": "10", "duration": "1s"}, "rate", "open")]:
        with pytest.raises(FormError) as e:
            parse_form({**BASE, **bad}, local)
        assert e.value.field == field and words in e.value.message, (bad, e.value.field, e.value.message)


async def test_open_loop_mix_from_the_form_to_the_results(make_app):
    from ddbtui.ui.screens.bench import BenchRunScreen, BenchScreen
    from ddbtui.ui.screens.bench_results import BenchResultsScreen
    from ddbtui.ui.widgets.bench_charts import CapacityChart, RateChart, ResponseServiceChart

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchScreen), what="bench form")
        form = app.screen
        sl = form.query_one("#strategies", SelectionList)
        sl.deselect_all()
        sl.select("aiohttp")
        form.query_one("#mode", Select).value = "open"
        for k, v in {"rate": "40", "duration": "3s", "mix": "put=50,get=50", "keys": "zipfian",
                     "records": "50"}.items():
            form.query_one(f"#{k}", Input).value = v
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchRunScreen), what="live view")
        run = app.screen
        assert "open loop 40/s" in str(run.query_one("#run-title", Static).content)
        await wait_for(pilot, lambda: run.query_one(RateChart).data, timeout=40, what="rate chart data")
        await wait_for(pilot, lambda: "WCU/s" in str(run.query_one("#counters", Static).content), timeout=20,
                       what="capacity in the counters")
        assert run.query_one(RateChart).size.height >= 10  # >= 8 plot rows inside the border
        save_svg(app, "bench_live_open_loop")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchResultsScreen), timeout=60, what="results")
        await pilot.pause(0.2)
        res = app.screen
        assert run.doc["complete"] and run.doc["runs"][0]["mode"] == "open"
        rate = run.query_one(RateChart).data["aiohttp"]
        assert rate["target"][1] and all(v == 40 for v in rate["target"][1])
        lat = run.query_one(ResponseServiceChart).data["aiohttp"]
        assert lat["rp99"][1] and lat["sp99"][1]
        # 80 columns: the capacity chart gives way (charts keep their height), its figures
        # go to the counters line; the model has the series either way
        assert not run.query_one(CapacityChart).display
        assert max(v for v in run.model.by["aiohttp"].mixed["wcu"] if v == v) > 0
        ops = res.query_one("#res-ops", DataTable)
        assert ops.row_count == 2
        names = {str(ops.get_row_at(i)[1]) for i in range(2)}
        assert names == {"put", "get"}
        text = str(res.query_one("#res-mixed", Static).content)
        assert "response time" in text and "consumed:" in text and "on-demand" in text
        assert "rate: target 40" in text
        save_svg(app, "bench_results_open_loop")
        assert "Operations" in screen_text(app) or ops.row_count == 2
