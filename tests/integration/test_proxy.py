"""The fault/latency proxy in front of real local engines (DynamoDB Local and moto).

Each test builds its own ProxyThread in front of the session's engine and talks through it
with a boto3 client whose retries are off, so every injected fault is seen as it arrives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import pytest

from ddbtui.config import Connection
from ddbtui.dynamo.clients import new_client
from ddbtui.local.engine import free_port
from ddbtui.local.proxy import (FaultConfig, FaultProxy, ProxyThread, error_body, fetch_stats,
                                reset_stats)


def _client(url: str, **kw):
    kw.setdefault("retry_mode", "none")
    kw.setdefault("read_timeout", 10)
    return new_client(Connection(region="us-east-1").with_endpoint(url), **kw)


def _create(client, name: str) -> None:
    client.create_table(TableName=name,
                        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
                        BillingMode="PAY_PER_REQUEST")
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


@pytest.fixture
def table(client, table_name):
    _create(client, table_name)
    yield table_name
    try:
        client.delete_table(TableName=table_name)
    except Exception:
        pass


@pytest.fixture
def make_proxy(conn):
    started: list[ProxyThread] = []

    def make(**cfg) -> ProxyThread:
        p = ProxyThread(conn.endpoint_url, FaultConfig(**cfg)).start()
        started.append(p)
        return p

    yield make
    for p in started:
        p.stop()


def _put(c, table, uid, balance=0):
    return c.put_item(TableName=table, Item={"user_id": {"S": uid}, "balance": {"N": str(balance)}})


def _exists(client, table, uid) -> bool:
    return "Item" in client.get_item(TableName=table, Key={"user_id": {"S": uid}}, ConsistentRead=True)


def _outcome(fn) -> str:
    try:
        fn()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    except (botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError) as e:
        return "dropped:" + type(e).__name__


# ----------------------------------------------------------------------------- latency
def test_latency_adds_at_least_latency_ms(client, table, make_proxy):
    p = make_proxy(latency_ms=40)
    via = _client(p.url)
    _put(client, table, "warm")
    _put(via, table, "warm")  # both connections warm
    direct, proxied = [], []
    for i in range(5):
        t = time.perf_counter()
        _put(client, table, f"d{i}")
        direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        _put(via, table, f"p{i}")
        proxied.append(time.perf_counter() - t)
    assert min(proxied) >= 0.040, proxied
    assert min(proxied) >= min(direct) + 0.020, (direct, proxied)  # lower bound, not a ratio
    st = p.stats()
    assert st["delayed"] == 6 and st["forwarded"] == 6 and st["injected_total"] == 0
    assert all(_exists(client, table, f"p{i}") for i in range(5))


def test_jitter_stays_within_bounds(client, table, make_proxy):
    p = make_proxy(latency_ms=30, jitter_ms=20, seed=3)
    via = _client(p.url)
    _put(via, table, "warm")
    times = []
    for i in range(8):
        t = time.perf_counter()
        _put(via, table, f"j{i}")
        times.append(time.perf_counter() - t)
    assert min(times) >= 0.010, times
    avg = p.stats()["delay_ms_total"] / p.stats()["delayed"]
    assert 10 <= avg <= 50


# ------------------------------------------------------------------------------ faults
@pytest.mark.parametrize("rate, code, status", [
    ("throttle_rate", "ProvisionedThroughputExceededException", 400),
    ("throttling_rate", "ThrottlingException", 400),
    ("error_500_rate", "InternalServerError", 500),
])
def test_error_faults_parse_as_botocore_codes(client, table, make_proxy, rate, code, status):
    p = make_proxy(**{rate: 1.0})
    via = _client(p.url)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _put(via, table, "e1")
    resp = ei.value.response
    assert resp["Error"]["Code"] == code
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == status
    assert len(resp["ResponseMetadata"]["RequestId"]) == 52
    hdrs = resp["ResponseMetadata"]["HTTPHeaders"]
    assert hdrs["content-type"] == "application/x-amz-json-1.0"
    kind = {"throttle_rate": "throttle", "throttling_rate": "throttling", "error_500_rate": "error_500"}[rate]
    assert json.loads(error_body(kind))["__type"].endswith("#" + code)
    assert not _exists(client, table, "e1")  # an injected error never reaches the engine
    st = p.stats()
    assert st["injected"][kind] == 1 and st["forwarded"] == 0


def test_error_faults_are_retried_by_botocore(client, table, make_proxy):
    p = make_proxy(throttle_rate=0.5, seed=1)
    via = _client(p.url, retry_mode="standard", max_attempts=10)
    for i in range(10):
        r = _put(via, table, f"r{i}")
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    st = p.stats()
    assert st["forwarded"] == 10 and st["injected"]["throttle"] > 0
    assert st["requests"] == 10 + st["injected"]["throttle"]


def test_drop_closes_without_applying(client, table, make_proxy):
    p = make_proxy(drop_rate=1.0)
    via = _client(p.url)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        _put(via, table, "gone")
    assert not _exists(client, table, "gone")
    assert p.stats()["injected"]["drop"] == 1 and p.stats()["forwarded"] == 0


def test_drop_after_applies_write_but_client_sees_dropped_connection(client, table, make_proxy):
    p = make_proxy(drop_after_rate=1.0)
    via = _client(p.url)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        _put(via, table, "ghost", 7)
    item = client.get_item(TableName=table, Key={"user_id": {"S": "ghost"}}, ConsistentRead=True)["Item"]
    assert item["balance"] == {"N": "7"}
    # the non-idempotent case: a blind retry of an ADD would apply twice
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        via.update_item(TableName=table, Key={"user_id": {"S": "ghost"}},
                        UpdateExpression="ADD balance :one", ExpressionAttributeValues={":one": {"N": "1"}})
    item = client.get_item(TableName=table, Key={"user_id": {"S": "ghost"}}, ConsistentRead=True)["Item"]
    assert item["balance"] == {"N": "8"}
    st = p.stats()
    assert st["injected"]["drop_after"] == 2 and st["forwarded"] == 2
    assert st["by_op"] == {"PutItem": 1, "UpdateItem": 1}


def test_control_plane_is_not_faulted_by_default(conn, client, table_name, make_proxy):
    p = make_proxy(drop_rate=0.5, throttle_rate=0.5)  # every data-plane call fails
    via = _client(p.url)
    _create(via, table_name)  # CreateTable + DescribeTable polls
    try:
        assert table_name in via.list_tables()["TableNames"]
        assert via.describe_table(TableName=table_name)["Table"]["TableStatus"] == "ACTIVE"
        assert _outcome(lambda: _put(via, table_name, "x")) in (
            "ProvisionedThroughputExceededException", "dropped:ConnectionClosedError")
        st = p.stats()
        assert st["faultable"] == 1 and st["injected_total"] == 1
    finally:
        via.delete_table(TableName=table_name)


def test_all_ops_and_only_targets(conn, client, table_name, make_proxy):
    p = make_proxy(throttle_rate=1.0, all_ops=True)
    assert _outcome(lambda: _create(_client(p.url), table_name)) == "ProvisionedThroughputExceededException"
    assert table_name not in client.list_tables()["TableNames"]
    q = make_proxy(throttle_rate=1.0, only_targets={"UpdateItem"})
    via = _client(q.url)
    _create(client, table_name)
    try:
        assert _outcome(lambda: _put(via, table_name, "a")) == "ok"
        assert _outcome(lambda: via.update_item(
            TableName=table_name, Key={"user_id": {"S": "a"}}, UpdateExpression="SET balance = :z",
            ExpressionAttributeValues={":z": {"N": "0"}})) == "ProvisionedThroughputExceededException"
    finally:
        client.delete_table(TableName=table_name)


# ---------------------------------------------------------------------- replay + stats
def _sequence(p: ProxyThread, table: str, n: int = 40) -> list[str]:
    via = _client(p.url)
    return [_outcome(lambda i=i: via.get_item(TableName=table, Key={"user_id": {"S": f"k{i}"}}))
            for i in range(n)]


def test_same_seed_same_fault_sequence_and_counts_match(client, table, make_proxy):
    cfg = dict(throttle_rate=0.15, throttling_rate=0.15, error_500_rate=0.1, drop_rate=0.1,
               drop_after_rate=0.1, seed=42)
    a = make_proxy(**cfg)
    s1 = _sequence(a, table)
    st = a.stats()
    a.reset()
    s2 = _sequence(a, table)
    s3 = _sequence(make_proxy(**cfg), table)
    s4 = _sequence(make_proxy(**{**cfg, "seed": 43}), table)
    assert s1 == s2 == s3
    assert s1 != s4
    assert len(set(s1)) >= 4, s1  # a real mix, not all one kind
    # counters agree with what the client saw
    assert st["injected"]["throttle"] == s1.count("ProvisionedThroughputExceededException")
    assert st["injected"]["throttling"] == s1.count("ThrottlingException")
    assert st["injected"]["error_500"] == s1.count("InternalServerError")
    dropped = sum(o.startswith("dropped") for o in s1)
    assert st["injected"]["drop"] + st["injected"]["drop_after"] == dropped
    assert st["forwarded"] == s1.count("ok") + st["injected"]["drop_after"]
    assert st["requests"] == 40 and st["faultable"] == 40


def test_stats_served_over_http_and_reset(client, table, make_proxy):
    p = make_proxy(throttle_rate=0.5, seed=5)
    _sequence(p, table, 10)
    remote = fetch_stats(p.url)
    local = p.stats()
    for k in ("requests", "forwarded", "injected", "by_op"):
        assert remote[k] == local[k]
    assert remote["config"]["throttle_rate"] == 0.5 and remote["target"] == p.proxy.target_url
    reset_stats(p.url)
    after = fetch_stats(p.url)
    assert after["requests"] == 0 and after["injected_total"] == 0
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(p.url + "/__ddbtui/nope")
    assert ei.value.code == 404


# ------------------------------------------------------------------ UnprocessedItems
def test_batch_write_unprocessed_items(client, table, make_proxy):
    p = make_proxy(unprocessed_rate=1.0, seed=9)
    via = _client(p.url)
    reqs = [{"PutRequest": {"Item": {"user_id": {"S": f"b{i}"}, "balance": {"N": str(i)}}}}
            for i in range(10)]
    resp = via.batch_write_item(RequestItems={table: reqs})
    unp = resp["UnprocessedItems"]
    assert list(unp) == [table]
    held = unp[table]
    assert 1 <= len(held) <= 9
    assert all(r in reqs for r in held)  # AWS's exact shape: the original write requests back
    held_ids = {r["PutRequest"]["Item"]["user_id"]["S"] for r in held}
    for i in range(10):
        assert _exists(client, table, f"b{i}") == (f"b{i}" not in held_ids)
    st = p.stats()
    assert st["injected"]["unprocessed"] == 1 and st["unprocessed_items"] == len(held)
    # the documented retry loop converges: resend until nothing is left
    pending, rounds = unp, 0
    while pending:
        pending = via.batch_write_item(RequestItems=pending)["UnprocessedItems"]
        rounds += 1
        assert rounds < 20
    assert all(_exists(client, table, f"b{i}") for i in range(10))


def test_batch_write_unprocessed_with_deletes_and_two_tables(client, table, table_name, make_proxy):
    other = table_name + "_b"
    _create(client, other)
    try:
        for i in range(4):
            _put(client, table, f"d{i}")
        p = make_proxy(unprocessed_rate=1.0, seed=2)
        via = _client(p.url)
        ri = {table: [{"DeleteRequest": {"Key": {"user_id": {"S": f"d{i}"}}}} for i in range(4)],
              other: [{"PutRequest": {"Item": {"user_id": {"S": f"o{i}"}}}} for i in range(4)]}
        unp = via.batch_write_item(RequestItems=ri)["UnprocessedItems"]
        n_held = sum(len(v) for v in unp.values())
        assert 1 <= n_held <= 7
        for t, held in unp.items():
            assert all(r in ri[t] for r in held)
        # every request was applied exactly when it was not held back
        for i in range(4):
            deleted = not _exists(client, table, f"d{i}")
            assert deleted == ({"DeleteRequest": {"Key": {"user_id": {"S": f"d{i}"}}}} not in unp.get(table, []))
            assert _exists(client, other, f"o{i}") == (
                {"PutRequest": {"Item": {"user_id": {"S": f"o{i}"}}}} not in unp.get(other, []))
    finally:
        client.delete_table(TableName=other)


# --------------------------------------------------------------------- plumbing
def test_concurrent_clients_pass_through(client, table, make_proxy):
    p = make_proxy(latency_ms=5)
    via = _client(p.url, max_pool_connections=16)
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda i: _put(via, table, f"c{i}"), range(80)))
    assert p.stats()["forwarded"] == 80
    assert client.scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"] == 80


async def test_async_api_and_unreachable_target():
    port = free_port()  # nothing listens there
    async with FaultProxy(f"http://127.0.0.1:{port}", FaultConfig()) as proxy:
        import asyncio

        via = _client(proxy.url)
        out = await asyncio.to_thread(_outcome, lambda: via.list_tables())
        assert out == "TargetUnreachable"
        assert proxy.stats()["upstream_errors"] == 1


def test_module_runs_as_a_process_and_serves_stats(conn, client, table):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ddbtui.local.proxy", "--target", conn.endpoint_url,
                             "--port", str(port), "--throttle-rate", "1", "--fault-ops", "PutItem"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        assert f"listening on {url}" in line and "throttle 1" in line
        via = _client(url)
        assert _outcome(lambda: _put(via, table, "p")) == "ProvisionedThroughputExceededException"
        assert _outcome(lambda: via.get_item(TableName=table, Key={"user_id": {"S": "p"}})) == "ok"
        st = fetch_stats(url)
        assert st["injected"]["throttle"] == 1 and st["by_op"] == {"GetItem": 1}
    finally:
        proc.terminate()
        assert proc.wait(10) == 0  # SIGTERM is a clean stop


def test_bad_rate_on_command_line_is_one_sentence():
    out = subprocess.run([sys.executable, "-m", "ddbtui.local.proxy", "--target", "http://127.0.0.1:1",
                          "--throttle-rate", "0.8", "--drop-rate", "0.8"], capture_output=True, text=True)
    assert out.returncode == 2 and "at most 1" in out.stderr and "Traceback" not in out.stderr
