"""Runs above the pre-build cap generate items on demand (nothing held) and still write and
verify exactly the workload's items, every strategy family, and the streamed key-lookup
verification of a --force run into a table that already holds other items."""

import pytest

import ddbtui.bench.runner as runner
from ddbtui.bench.runner import Settings, run_benchmark
from ddbtui.bench.workload import Workload

N = 120

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def lazy(monkeypatch):
    monkeypatch.setattr(runner, "PREBUILD_MAX_BYTES", 0)  # every run generates on demand


def test_lazy_items_every_strategy_family(dynamodb_local_engine, lazy):
    from tests.conftest import connection_for

    conn = connection_for(dynamodb_local_engine)
    names = ["sync", "threads", "aioboto3", "aiohttp", "batch-async", "processes"]
    doc = run_benchmark(Settings(strategies=names, items=N, concurrency=4, processes=2, seed=5), conn)
    assert doc["error"] is None, doc["error"]
    assert [r["strategy"] for r in doc["runs"]] == names
    for run in doc["runs"]:
        assert run["ok"] == N and run["verified"] == N and run["lost"] == 0, run
        assert any("generated on demand" in n for n in run["notes"]), run["notes"]


def test_force_run_verifies_by_streamed_key_lookup(dynamodb_local_engine, lazy, table_name):
    from tests.conftest import connection_for

    from ddbtui.dynamo.clients import client_for
    from ddbtui.dynamo.items import batch_put
    from ddbtui.dynamo.tables import create_table, delete_table

    conn = connection_for(dynamodb_local_engine)
    client = client_for(conn)
    w = Workload("books", 9)
    create_table(client, w.table_spec(table_name), wait=True)
    try:
        batch_put(client, table_name, [{"isbn": f"other-{i}", "title": "x"} for i in range(30)])
        doc = run_benchmark(Settings(strategies=["aiohttp"], items=250, concurrency=4, seed=9,
                                     table=table_name, force=True), conn)
        (run,) = doc["runs"]
        assert run["verification"] == "key-lookup"
        assert run["ok"] == 250 and run["verified"] == 250 and run["missing"] == 0, run
        # exactly the workload's items: spot-check one far into the run
        got = client.get_item(TableName=table_name, Key=w.key(249))["Item"]
        assert got == w.ddb_item(249)
    finally:
        delete_table(client, table_name, wait=False)
