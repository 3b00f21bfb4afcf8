"""Every benchmark strategy survives injected faults, and reports exactly what was injected.

Setup: DynamoDB Local (in memory) behind the fault proxy, seeded, faulting data-plane calls
only (tables are created, verified and deleted directly, not through the proxy):
5 % throttles (3 % ProvisionedThroughputExceededException + 2 % ThrottlingException),
1 % HTTP 500 InternalServerError, 0.5 % connections dropped before forwarding (the write
is not applied). Each strategy writes 200 items at concurrency 8, retry mode "legacy"
(botocore's DynamoDB policy: 10 attempts, 50 ms exponential backoff; the raw client uses
10 attempts too): 10 attempts make exhaustion practically impossible at a 6.5 % fault rate
(6.5 %^10), and legacy mode has no retry quota, unlike "standard" whose token bucket can
run dry and turn a retryable fault into a failure.

"Match" means, per run (the proxy's counters are reset just before each run's measured
window and read right after it):

- nothing lost or missing, no failed item: ok == verified == items.
- throttled == injected["throttle"] + injected["throttling"]   (exact, every strategy)
- server_errors == injected["error_500"]                       (exact)
- conn_errors == injected["drop"]                              (exact)
- retries == throttled + server_errors + conn_errors == injected_total   (exact): every
  injected fault costs exactly one retry attempt, nothing else does (no UnprocessedItems
  are injected, so batch strategies have no resends of their own).
- the proxy forwarded exactly one write per request the client recorded:
  by_op[PutItem or BatchWriteItem] == requests (calls as the application sees them:
  items for single-put strategies, ceil(items / 25) for batch strategies).

Batch strategies see only ceil(200 / 25) = 8 requests above, so a second run gives them
2,500 items (100 BatchWriteItem calls) with the same faults plus 20 % partial batches
(UnprocessedItems). There a round that came back with UnprocessedItems counts as one
throttle and one retry (the resend) on the client side, so:
- throttled == throttle + throttling + unprocessed;  retries == injected_total
- server_errors == error_500;  conn_errors == drop
- batch (boto3 batch_writer records every BatchWriteItem call, resends included):
  by_op[BatchWriteItem] == requests
- batch-async (one recorded request per chunk of 25, from its first send to its last
  resend): by_op[BatchWriteItem] == requests + unprocessed, requests == 100

Exact is possible because every attempt is visible on both sides: the client counts
each failed attempt in a botocore `needs-retry` hook / the raw client's CallInfo, and the
proxy counts each fault it injected; a dropped-before-forward connection never reaches the
engine, so it cannot be applied twice.
"""

from __future__ import annotations

import pytest

from ddbtui.bench.runner import Settings, start_run
from ddbtui.bench.strategies import NAMES
from ddbtui.local.proxy import FaultConfig, ProxyThread

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.timeout(240)]

ITEMS = 200
CONCURRENCY = 8
FAULTS = dict(throttle_rate=0.03, throttling_rate=0.02, error_500_rate=0.01, drop_rate=0.005, seed=7)


def _conn(engine):
    from ddbtui.config import Connection

    return Connection(region="us-east-1").with_endpoint(engine.endpoint_url, engine=engine.chosen)


def _run(engine, strategies, items, **faults) -> dict:
    """The strategies once each, through one seeded proxy (one benchmark process, like the CLI)."""
    import dataclasses

    conn = _conn(engine)
    cfg = FaultConfig(**faults)
    with ProxyThread(conn.endpoint_url, cfg) as proxy:
        settings = Settings(strategies=list(strategies), items=items, concurrency=CONCURRENCY,
                            retry_mode="legacy", processes=2, proxy_url=proxy.url,
                            proxy_config={**cfg.to_dict(), "describe": cfg.describe()})
        handle = start_run(settings, dataclasses.replace(conn, endpoint_url=proxy.url), admin_conn=conn)
        doc = handle.join(timeout=150)
        if doc is None:
            handle.kill()
            pytest.fail("the benchmark did not finish in 150 s")
    return doc


@pytest.fixture(scope="module")
def faulty_run(dynamodb_local_engine):
    return _run(dynamodb_local_engine, NAMES, ITEMS, **FAULTS)


def _where(r: dict) -> str:
    return (f"{r['strategy']}: client ok={r['ok']} failed={r['failed']} requests={r['requests']} "
            f"retries={r['retries']} throttled={r['throttled']} 5xx={r['server_errors']} "
            f"conn={r['conn_errors']} | proxy {r['proxy']}")


def _no_loss(r: dict, items: int) -> None:
    where = _where(r)
    assert r["failed"] == 0, where + f" first error: {r['first_error']}"
    assert r["ok"] == items and r["verified"] == items, where
    assert r["lost"] == 0 and r["missing"] == 0, where


def test_run_completes(faulty_run):
    doc = faulty_run
    assert doc["error"] is None, doc["error"]
    assert doc["complete"], [(r["strategy"], r["error"], r["first_error"]) for r in doc["runs"]]
    assert [r["strategy"] for r in doc["runs"]] == list(NAMES)


@pytest.mark.parametrize("strategy", NAMES)
def test_no_loss_and_counts_match_proxy(faulty_run, strategy):
    (r,) = [r for r in faulty_run["runs"] if r["strategy"] == strategy]
    px = r["proxy"]
    assert px is not None, "proxy stats missing from the run record"
    inj = px["injected"]
    where = _where(r)
    _no_loss(r, ITEMS)
    # faults really happened (seeded: the draws are fixed; 200+ faultable requests at 6.5 %)
    assert px["injected_total"] > 0, where
    assert inj["drop_after"] == 0 and inj["unprocessed"] == 0, where
    # exact matches, attempt by attempt
    assert r["throttled"] == inj["throttle"] + inj["throttling"], where
    assert r["server_errors"] == inj["error_500"], where
    assert r["conn_errors"] == inj["drop"], where
    assert r["retries"] == r["throttled"] + r["server_errors"] + r["conn_errors"] == px["injected_total"], where
    # one forwarded (applied) write per recorded request; single puts: one per item
    op = "BatchWriteItem" if strategy in ("batch", "batch-async") else "PutItem"
    assert px["by_op"].get(op, 0) == r["requests"], where
    assert r["requests"] == (-(-ITEMS // 25) if op == "BatchWriteItem" else ITEMS), where


BATCH_ITEMS = 2500


@pytest.fixture(scope="module")
def faulty_batch_run(dynamodb_local_engine):
    # seed 6: the sequential `batch` run draws every kind at least once (its draw order is
    # fixed); batch-async's order depends on timing (which chunk gets which draw, and how
    # many items a partial batch holds back), so its counts vary from run to run
    return _run(dynamodb_local_engine, ("batch", "batch-async"), BATCH_ITEMS,
                **{**FAULTS, "seed": 6, "unprocessed_rate": 0.2})


@pytest.mark.parametrize("strategy", ("batch", "batch-async"))
def test_batches_with_unprocessed_items(faulty_batch_run, strategy):
    assert faulty_batch_run["error"] is None and faulty_batch_run["complete"], faulty_batch_run["runs"]
    (r,) = [r for r in faulty_batch_run["runs"] if r["strategy"] == strategy]
    px, where = r["proxy"], _where(r)
    inj = px["injected"]
    _no_loss(r, BATCH_ITEMS)
    # faults really happened: every kind for the sequential (deterministic) batch run
    assert inj["unprocessed"] > 0 and px["injected_total"] > inj["unprocessed"], where
    if strategy == "batch":
        assert min(inj["drop"], inj["throttle"], inj["throttling"], inj["error_500"]) > 0, where
    assert r["throttled"] == inj["throttle"] + inj["throttling"] + inj["unprocessed"], where
    assert r["server_errors"] == inj["error_500"], where
    assert r["conn_errors"] == inj["drop"], where
    assert r["retries"] == px["injected_total"], where
    if strategy == "batch":
        assert px["by_op"]["BatchWriteItem"] == r["requests"], where
    else:
        assert r["requests"] == BATCH_ITEMS // 25, where
        assert px["by_op"]["BatchWriteItem"] == r["requests"] + inj["unprocessed"], where
