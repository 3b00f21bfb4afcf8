"""Bank test: many concurrent transfers, deposits and withdrawals through the fault proxy
(throttles, 500s, dropped connections before *and after* the engine applied the write).
Afterwards the total is exactly what the acknowledged operations imply and nothing is
negative: ClientRequestTokens keep a retried write from applying twice."""

import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from ddbtui.config import Connection
from ddbtui.dynamo import tables as T
from ddbtui.dynamo import wallet as W
from ddbtui.dynamo.clients import new_client
from ddbtui.local.proxy import FaultConfig, ProxyThread
from tests.conftest import connection_for

pytestmark = pytest.mark.dynamodb_local


def test_bank_under_faults(dynamodb_local_engine, table_name):
    direct = new_client(connection_for(dynamodb_local_engine))
    T.create_table(direct, T.wallet_spec(table_name), wait=True)
    ids = [f"acct-{i}" for i in range(12)]
    for uid in ids:
        W.create_wallet(direct, table_name, uid, 200)
    total0 = Decimal(200 * len(ids))

    cfg = FaultConfig(throttle_rate=0.05, error_500_rate=0.01, drop_rate=0.005,
                      drop_after_rate=0.03, seed=20261123)
    with ProxyThread(dynamodb_local_engine.endpoint_url, cfg) as proxy:
        conn = Connection(region="us-east-1").with_endpoint(proxy.url)
        client = new_client(conn, retry_mode="standard", max_attempts=12, max_pool_connections=16,
                            read_timeout=10)
        net = {"deposits": Decimal(0), "withdrawals": Decimal(0)}
        outcomes = {"ok": 0, "insufficient": 0, "conflict": 0}

        def work(n):
            rng = random.Random(n)
            for _ in range(25):
                op = rng.random()
                a, b = rng.sample(ids, 2)
                amt = Decimal(rng.randint(1, 60))
                if op < 0.7:
                    out = W.transfer(client, table_name, a, b, amt)
                elif op < 0.85:
                    out = W.deposit(client, table_name, a, amt)
                else:
                    out = W.withdraw(client, table_name, a, amt)
                while isinstance(out, W.Unknown):
                    out = W.retry_safely(client, out)
                if isinstance(out, W.Applied):
                    outcomes["ok"] += 1
                    if out.op.kind == "deposit":
                        net["deposits"] += amt
                    elif out.op.kind == "withdraw":
                        net["withdrawals"] += amt
                elif out.code == "insufficient_funds":
                    outcomes["insufficient"] += 1
                else:
                    assert out.code == "conflict", out
                    outcomes["conflict"] += 1

        with ThreadPoolExecutor(8) as ex:
            list(ex.map(work, range(16)))
        stats = proxy.stats()

    total, n, negative = W.total_balance(direct, table_name)
    assert negative == 0
    assert n == len(ids)
    assert total == total0 + net["deposits"] - net["withdrawals"], (total, net, outcomes, stats)
    inj = stats["injected"]
    # The faults really happened, including writes applied whose answer never came back.
    assert inj["drop_after"] > 0 and inj["throttle"] > 0 and inj["error_500"] > 0, inj
    assert outcomes["ok"] > 200
    T.delete_table(direct, table_name)


def test_plain_update_retry_applies_twice_tokens_do_not(dynamodb_local_engine, table_name):
    """The control: with answers dropped after the write applied, a plain UpdateItem that
    botocore retries deposits twice; the token-carrying deposit applies exactly once."""
    direct = new_client(connection_for(dynamodb_local_engine))
    T.create_table(direct, T.wallet_spec(table_name), wait=True)
    W.create_wallet(direct, table_name, "naive", 0)
    W.create_wallet(direct, table_name, "tokened", 0)
    cfg = FaultConfig(drop_after_rate=0.2, seed=7)  # low enough for botocore's retry quota
    with ProxyThread(dynamodb_local_engine.endpoint_url, cfg) as proxy:
        client = new_client(Connection(region="us-east-1").with_endpoint(proxy.url),
                            retry_mode="standard", max_attempts=10)
        for _ in range(20):
            client.update_item(TableName=table_name, Key={"user_id": {"S": "naive"}},
                               UpdateExpression="SET balance = balance + :a",
                               ExpressionAttributeValues={":a": {"N": "1"}})
            W.deposit(client, table_name, "tokened", 1)
        assert proxy.stats()["injected"]["drop_after"] >= 3
    assert W.get_wallet(direct, table_name, "naive")["balance"] > 20
    assert W.get_wallet(direct, table_name, "tokened")["balance"] == 20
    T.delete_table(direct, table_name)
