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


def test_capacity_model_fields_parse():
    from ddbtui.config import Connection
    from ddbtui.ui.screens.bench import FormError, parse_fault_fields

    local = Connection(region="us-east-1").with_endpoint("http://127.0.0.1:8000", engine="dynamodb-local")
    cfg = parse_fault_fields({"capacity_model": "aws", "time_scale": "300"}, local)
    assert cfg.capacity_model == "aws" and cfg.time_scale == 300 and "capacity model aws" in cfg.describe()
    assert parse_fault_fields({"capacity_model": ""}, local) is None
    for values, words in [({"time_scale": "10"}, "applies with a capacity model"),
                          ({"capacity_model": "aws", "time_scale": "x"}, "takes a number"),
                          ({"capacity_model": "aws", "time_scale": "0"}, "Time scale takes a number > 0")]:
        with pytest.raises(FormError) as e:
            parse_fault_fields(values, local)
        assert e.value.field == "time_scale" and words in e.value.message


async def test_form_capacity_model_throttles_a_provisioned_table(make_app, ui_client):
    """The form's capacity model reaches the proxy process whole: a 10 WCU table written from
    the TUI (4 workers: far above 10 writes/s on any machine) is throttled with TableWriteProvisionedThroughputExceeded, and the saved result's
    client-side throttle count equals the proxy's count by reason."""
    import uuid

    from ddbtui.ui.screens.bench import BenchRunScreen, BenchScreen
    from ddbtui.ui.screens.bench_results import BenchResultsScreen

    table = f"cap_{uuid.uuid4().hex[:10]}"
    ui_client.create_table(TableName=table, KeySchema=[{"AttributeName": "isbn", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "isbn", "AttributeType": "S"}],
                           ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchScreen), what="bench form")
        form = app.screen
        sl = form.query_one("#strategies", SelectionList)
        sl.deselect_all()
        sl.select("aiohttp")
        form.query_one("#items", Input).value = "60"
        form.query_one("#concurrency", Input).value = "4"
        form.query_one("#table", Input).value = table
        form.query_one("#retry_mode", Select).value = "legacy"
        form.query_one("#capacity_model", Select).value = "aws"
        form.query_one("#time_scale", Input).value = "300"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchRunScreen), what="live view")
        run = app.screen
        await wait_for(pilot, lambda: isinstance(app.screen, BenchResultsScreen) and run.saved_path,
                       timeout=120, what="the saved result")
        await pilot.pause(0.2)
        doc = json.loads(Path(run.saved_path).read_text())
        shown = app.screen.query_one("#res-summary").render()  # the results screen splits throttles by reason
        assert "throttled by reason: TableWriteProvisionedThroughputExceeded" in str(shown)
    (r,) = doc["runs"]
    cap = r["proxy"]["capacity"]
    assert cap["throttled"].get("TableWriteProvisionedThroughputExceeded", 0) > 0, cap
    assert r["throttled"] == cap["throttled_total"]
    # a throttled request never reaches the engine: what the client counted ok is what is stored
    assert r["ok"] + r["failed"] == 60 and r["verified"] == r["ok"] > 0
