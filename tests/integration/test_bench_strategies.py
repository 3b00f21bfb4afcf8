"""Every strategy writes N items and the table holds exactly them, on both engines."""

import pytest

from ddbtui.bench.runner import Settings, run_benchmark
from ddbtui.bench.strategies import NAMES

N = 60


@pytest.mark.parametrize("strategy", NAMES)
def test_strategy_writes_and_verifies(conn, strategy):
    doc = run_benchmark(Settings(strategies=[strategy], items=N, concurrency=4, processes=2,
                                 seed=11), conn)
    assert doc["error"] is None, doc["error"]
    (run,) = doc["runs"]
    assert run["complete"], run
    assert run["ok"] == N and run["failed"] == 0, run["first_error"]
    assert run["verified"] == N
    assert run["lost"] == 0 and run["missing"] == 0
    assert run["verification"] == "scan-count"
    assert run["latency_ms"]["count"] == run["requests"] > 0
    assert run["wall_s"] > 0 and run["items_per_s"] > 0
    assert run["cpu_us_per_item"] > 0
    assert run["histogram"]
    assert doc["complete"] is True
    # the fresh table was deleted afterwards
    from ddbtui.dynamo.clients import client_for
    from ddbtui.dynamo.tables import table_status

    assert table_status(client_for(conn), run["table"]) in (None, "DELETING")
