"""Each fault field of the TUI benchmark form reaches the fault proxy (issue #12).

Drive the real form with Pilot against DynamoDB Local: set ONE fault field, run a tiny
benchmark (one strategy, aiohttp: its client counts every failed attempt), and check that
the proxy injected that kind (> 0) and that the saved result's client-side counters report
exactly what the proxy injected. Before the fault table, "HTTP 500s" and "Drops" were
shown in the title and the saved result but never passed to the proxy process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Select, SelectionList

from ddbtui.local.proxy.faults import form_kinds
from tests.ui.conftest import wait_for

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.timeout(180)]

ITEMS = 60

# the proxy's injected counter -> the run record's client counter that sees it
CLIENT_COUNTER = {"throttle": "throttled", "throttling": "throttled", "error_500": "server_errors",
                  "drop": "conn_errors", "drop_after": "conn_errors"}
FORM_RATES = [k for k in form_kinds() if k.is_rate]


def test_the_form_has_the_fault_fields():
    assert {k.field for k in FORM_RATES} >= {"throttle_rate", "error_500_rate", "drop_rate"}


@pytest.mark.parametrize("kind", FORM_RATES, ids=lambda k: k.field)
async def test_form_fault_field_reaches_the_proxy(make_app, kind):
    from ddbtui.ui.screens.bench import BenchRunScreen, BenchScreen
    from ddbtui.ui.screens.bench_results import BenchResultsScreen

    field, injected_kind, client_counter = kind.field, kind.counter, CLIENT_COUNTER[kind.counter]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchScreen), what="bench form")
        form = app.screen
        sl = form.query_one("#strategies", SelectionList)
        sl.deselect_all()
        sl.select("aiohttp")
        form.query_one("#items", Input).value = str(ITEMS)
        form.query_one("#concurrency", Input).value = "4"
        form.query_one("#retry_mode", Select).value = "legacy"  # 10 attempts: no failed item
        form.query_one(f"#{field}", Input).value = "0.2"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchRunScreen), what="live view")
        run = app.screen
        await wait_for(pilot, lambda: isinstance(app.screen, BenchResultsScreen) and run.saved_path,
                       timeout=120, what="the saved result")
        await pilot.pause(0.2)
        doc = json.loads(Path(run.saved_path).read_text())
    (r,) = doc["runs"]
    px = r["proxy"]
    assert px is not None, "no proxy stats in the result"
    assert px["injected"][injected_kind] > 0, f"{field} never reached the proxy: {px}"
    assert px["injected_total"] == px["injected"][injected_kind], px
    assert r[client_counter] == px["injected"][injected_kind], (r[client_counter], px)
    assert r["failed"] == 0 and r["verified"] == ITEMS
