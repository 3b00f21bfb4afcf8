"""The capacity model made visible in the TUI (#16).

- The describe screen's "Modelled capacity" section: mode, partitions and why, the hot-key
  limit per partition key value, burst, decreases, on-demand initial throughput and quota,
  each figure from ddbtui.local.proxy.capacity (the documented numbers).
- The live view of a run through the proxy with `--capacity-model aws`: throttles split by
  reason and the table's bucket level, from the proxy's own counters; what the panel shows
  is at most what the saved result records (it polls once a second) and never invented.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from textual.widgets import Input, Select, SelectionList

from ddbtui.local.proxy.capacity import bucket_levels, explain_capacity, reason_group, throttles_by_group
from tests.ui.conftest import wait_for


def _create(client, name: str, *, rcu: int = 0, wcu: int = 0, key: str = "pk") -> None:
    kw = ({"ProvisionedThroughput": {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}} if wcu
          else {"BillingMode": "PAY_PER_REQUEST"})
    client.create_table(TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], **kw)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def test_reason_groups_and_bucket_levels():
    assert reason_group("TableWriteKeyRangeThroughputExceeded") == "hot key (partition limit)"
    assert reason_group("TableWriteProvisionedThroughputExceeded") == "table capacity (burst spent)"
    assert reason_group("IndexWriteProvisionedThroughputExceeded") == "GSI capacity (burst spent)"
    assert reason_group("TableReadAccountLimitExceeded") == "account quota"
    assert throttles_by_group({"TableWriteProvisionedThroughputExceeded": 3, "TableReadProvisionedThroughputExceeded": 2,
                               "TableWriteKeyRangeThroughputExceeded": 1}) == {
        "table capacity (burst spent)": 5, "hot key (partition limit)": 1}
    snap = {"tables": {"t": {"mode": "PROVISIONED", "wcu": 10, "rcu": 5, "burst_s": 300, "write_tokens": 750,
                             "read_tokens": -3, "indexes": {}},
                       "od": {"mode": "PAY_PER_REQUEST"}}}
    assert bucket_levels(snap) == {"t write": 25.0, "t read": 0.0}


def test_explain_capacity_provisioned_numbers():
    rows = dict(explain_capacity({"Table": {"TableName": "t", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2500},
                                            "TableSizeBytes": 0}}))
    # bp-partition-key-design.html: 3,000 RCU / 1,000 WCU per partition -> ceil(5/3000 + 2500/1000) = 3
    assert rows["Partitions"].startswith("3 = max(ceil(5/3,000 + 2,500/1,000)")
    assert "1,000 WCU per second per partition key value" in rows["Hot key limit"]
    assert "300 s" in rows["Burst"] and "750,000 WCU" in rows["Burst"]  # burst-adaptive-capacity.html
    assert "27 a day" in rows["Decreases"]  # ServiceQuotas.html


async def test_describe_shows_modelled_capacity(make_app, ui_client):
    prov, od = f"ui_{uuid.uuid4().hex[:8]}", f"ui_{uuid.uuid4().hex[:8]}"
    _create(ui_client, prov, rcu=5, wcu=2500)
    _create(ui_client, od)
    from ddbtui.ui.screens.describe import DescribeScreen

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await app.push_screen(DescribeScreen(prov))
        await wait_for(pilot, lambda: app.screen.info is not None, what="describe")
        body = app.screen.readable_text(width=158)
        assert "Modelled capacity" in body
        assert "3 = max(ceil(5/3,000 + 2,500/1,000)" in body
        assert "1,000 WCU per second per partition key value" in body
        await pilot.press("escape")
        await app.push_screen(DescribeScreen(od))
        await wait_for(pilot, lambda: app.screen.info is not None, what="describe")
        body = app.screen.readable_text(width=158)
        assert "4,000 writes/s · 12,000 reads/s" in body
        assert "per-table account quota, 40,000 read / 40,000 write request units/s" in body


@pytest.mark.dynamodb_local
@pytest.mark.timeout(180)
async def test_live_view_splits_throttles_by_reason(make_app, ui_client):
    """A 10 WCU table, 60 books at concurrency 4 through the proxy with the model at time
    scale 300 (1 s of burst): the panel shows table-capacity throttles and the write bucket,
    and its count is no more than the result's (the panel polls once a second)."""
    from ddbtui.ui.screens.bench import BenchRunScreen, BenchScreen
    from ddbtui.ui.screens.bench_results import BenchResultsScreen
    from ddbtui.ui.widgets.capacity_panel import CapacityPanel

    table = f"ui_{uuid.uuid4().hex[:8]}"
    _create(ui_client, table, rcu=10, wcu=10, key="isbn")
    app = make_app()
    seen: list[dict] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchScreen), what="bench form")
        form = app.screen
        sl = form.query_one("#strategies", SelectionList)
        sl.deselect_all()
        sl.select("aiohttp")
        form.query_one("#items", Input).value = "60"
        form.query_one("#concurrency", Input).value = "4"
        form.query_one("#retry_mode", Select).value = "legacy"
        form.query_one("#table", Input).value = table
        form.query_one("#capacity_model", Select).value = "aws"
        form.query_one("#time_scale", Input).value = "300"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchRunScreen), what="live view")
        run = app.screen
        panel = run.query_one(CapacityPanel)

        def watch():
            if panel.throttled:
                seen.append(dict(panel.throttled))
            return isinstance(app.screen, BenchResultsScreen) and run.saved_path

        await wait_for(pilot, watch, timeout=150, what="the saved result")
        doc = json.loads(Path(run.saved_path).read_text())
    assert seen, "the panel never showed a throttle"
    (r,) = doc["runs"]
    final = throttles_by_group(r["proxy"]["capacity"]["throttled"])
    assert set(seen[-1]) <= set(final) and "table capacity (burst spent)" in seen[-1]
    assert 0 < seen[-1]["table capacity (burst spent)"] <= final["table capacity (burst spent)"]
    assert any(k.startswith(f"{table} write") for k in panel.history)
