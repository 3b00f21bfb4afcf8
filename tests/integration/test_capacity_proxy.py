"""The AWS capacity model through the real proxy in front of DynamoDB Local (#16).

- The model's consumption agrees with DynamoDB Local 3.3's own ConsumedCapacity on a corpus
  of requests (item sizes, consistency, transactions, batches, GSI writes).
- A provisioned table throttles with AWS's wire format (ProvisionedThroughputExceededException
  + ThrottlingReasons [{reason, resource ARN}]), the proxy's counters by reason equal what
  the client saw, and ConsumedCapacity is returned only as the client asked.
- `python -m ddbtui.local.proxy --capacity-model aws --time-scale X` turns it on for any client.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid

import boto3
import pytest
from botocore.config import Config

from ddbtui.local.proxy import FaultConfig, ProxyThread, fetch_stats
from ddbtui.local.proxy.capacity import item_size, read_units, write_units

pytestmark = [pytest.mark.dynamodb_local, pytest.mark.timeout(120)]


def _client(url: str, attempts: int = 3):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="ddbtuilocal",
                        aws_secret_access_key="ddbtuilocalsecret",
                        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}))


def _table(client, *, wcu: int = 5, rcu: int = 5, gsi: bool = False, key: str = "pk") -> str:
    name = f"cap_{uuid.uuid4().hex[:10]}"
    attrs = [{"AttributeName": key, "AttributeType": "S"}]
    kw = {}
    if gsi:
        attrs.append({"AttributeName": "email", "AttributeType": "S"})
        kw["GlobalSecondaryIndexes"] = [{"IndexName": "by_email",
                                         "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                         "Projection": {"ProjectionType": "ALL"},
                                         "ProvisionedThroughput": {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}}]
    client.create_table(TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                        AttributeDefinitions=attrs,
                        ProvisionedThroughput={"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}, **kw)
    return name


CORPUS = [
    {"pk": {"S": "tiny"}},
    {"pk": {"S": "k1"}, "body": {"S": "x" * 1000}},  # just under 1 KB
    {"pk": {"S": "k2"}, "body": {"S": "x" * 1100}},  # just over 1 KB
    {"pk": {"S": "k3"}, "body": {"S": "é" * 1500}, "n": {"N": "123456789.25"}},
    {"pk": {"S": "k4"}, "m": {"M": {"a": {"L": [{"S": "y" * 2000}, {"N": "7"}, {"BOOL": True}]}}},
     "email": {"S": "a@example.com"}},
    {"pk": {"S": "k5"}, "blob": {"B": b"xyz" * 1500}, "email": {"S": "b@example.com"}},
    {"pk": {"S": "k6"}, "body": {"S": "z" * 9000}},  # 3 RCU strongly consistent
]


def wire_size(item: dict) -> int:
    """item_size of the item as it goes on the wire (binary base64-encoded, as boto3 sends it)."""
    def enc(v):
        if isinstance(v, dict) and "B" in v and isinstance(v["B"], bytes):
            return {"B": base64.b64encode(v["B"]).decode()}
        return v
    return item_size({k: enc(v) for k, v in item.items()})


def test_model_agrees_with_dynamodb_local_consumed_capacity(dynamodb_local_engine):
    c = _client(dynamodb_local_engine.endpoint_url)
    t = _table(c, wcu=1000, rcu=1000, gsi=True)
    for item in CORPUS:
        size = wire_size(item)
        r = c.put_item(TableName=t, Item=item, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
        assert r["Table"]["CapacityUnits"] == write_units(size), (item["pk"], size, r)
        gsi = (r.get("GlobalSecondaryIndexes") or {}).get("by_email", {}).get("CapacityUnits", 0)
        assert gsi == (write_units(size) if "email" in item else 0), (item["pk"], r)
        for consistent in (True, False):
            g = c.get_item(TableName=t, Key={"pk": item["pk"]}, ConsistentRead=consistent,
                           ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
            assert g["CapacityUnits"] == read_units(size, consistent), (item["pk"], size, consistent, g)
    tx = c.transact_write_items(TransactItems=[{"Put": {"TableName": t, "Item": CORPUS[2]}}],
                                ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert tx[0]["CapacityUnits"] == 2 * write_units(item_size(CORPUS[2]))
    tg = c.transact_get_items(TransactItems=[{"Get": {"TableName": t, "Key": {"pk": CORPUS[6]["pk"]}}}],
                              ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert tg[0]["CapacityUnits"] == 2 * read_units(item_size(CORPUS[6]), True)
    batch = [CORPUS[0], CORPUS[1], CORPUS[2], CORPUS[6]]
    b = c.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": i}} for i in batch]},
                           ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert b[0]["CapacityUnits"] == sum(write_units(item_size(i)) for i in batch)


def test_provisioned_table_throttles_in_aws_wire_format(dynamodb_local_engine):
    direct = _client(dynamodb_local_engine.endpoint_url)
    t = _table(direct, wcu=5, rcu=5)
    arn = direct.describe_table(TableName=t)["Table"]["TableArn"]
    # time scale 300: the burst keeps 1 s of unused capacity instead of 300 s
    with ProxyThread(dynamodb_local_engine.endpoint_url, FaultConfig(capacity_model="aws", time_scale=300)) as p:
        c = _client(p.url, attempts=1)  # no retries: every throttle reaches the test
        ok = throttled = 0
        for i in range(40):
            try:
                r = c.put_item(TableName=t, Item={"pk": {"S": f"k{i}"}})
            except c.exceptions.ProvisionedThroughputExceededException as e:
                throttled += 1
                assert e.response["ThrottlingReasons"] == [
                    {"reason": "TableWriteProvisionedThroughputExceeded", "resource": arn}]
                assert e.response["Error"]["Message"].startswith("The level of configured provisioned throughput")
            else:
                ok += 1
                assert "ConsumedCapacity" not in r  # the proxy asked the engine; the client did not
        st = p.stats()["capacity"]
        assert throttled > 0 and ok > 0
        assert st["throttled"] == {"TableWriteProvisionedThroughputExceeded": throttled}
        assert st["admitted"] == ok
        assert st["tables"][t]["mode"] == "PROVISIONED" and st["tables"][t]["wcu"] == 5
        time.sleep(0.3)  # refill a little (not asserted: the next put is retried until it passes)
        r = _client(p.url, attempts=20).put_item(TableName=t, Item={"pk": {"S": "x"}}, ReturnConsumedCapacity="TOTAL")
        assert r["ConsumedCapacity"] == {"TableName": t, "CapacityUnits": 1.0}  # TOTAL: no breakdown
    # what was admitted was written, nothing else
    assert direct.scan(TableName=t, Select="COUNT")["Count"] == ok + 1


def test_proxy_cli_turns_the_model_on(dynamodb_local_engine):
    direct = _client(dynamodb_local_engine.endpoint_url)
    t = _table(direct, wcu=2, rcu=2)
    proc = subprocess.Popen([sys.executable, "-m", "ddbtui.local.proxy", "--target", dynamodb_local_engine.endpoint_url,
                             "--capacity-model", "aws", "--time-scale", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "capacity model aws (time ×300)" in line, line
        url = line.split("listening on ")[1].split()[0]
        c = _client(url, attempts=1)
        codes = []
        for i in range(20):
            try:
                c.put_item(TableName=t, Item={"pk": {"S": f"k{i}"}})
                codes.append("ok")
            except c.exceptions.ProvisionedThroughputExceededException:
                codes.append("throttled")
        st = fetch_stats(url)["capacity"]
        assert st["throttled"].get("TableWriteProvisionedThroughputExceeded") == codes.count("throttled") > 0
        assert json.dumps(st)  # JSON-ready for the bench result
    finally:
        proc.terminate()
        proc.wait(10)


def test_bench_result_splits_throttles_by_reason(dynamodb_local_engine, tmp_path):
    """`ddbtui bench --capacity-model aws` on a provisioned table: the result carries the
    proxy's throttles by reason, and they equal the throttles the client counted."""
    from pathlib import Path

    direct = _client(dynamodb_local_engine.endpoint_url)
    t = _table(direct, wcu=10, rcu=10, key="isbn")  # the books workload's key; 4 workers >> 10/s
    out = tmp_path / "r.json"
    p = subprocess.run([sys.executable, "-m", "ddbtui.bench", "--endpoint-url", dynamodb_local_engine.endpoint_url,
                        "--table", t, "--strategies", "aiohttp", "--items", "60", "--concurrency", "4",
                        "--retry-mode", "legacy", "--max-attempts", "30", "--no-save", "--plain",
                        "--json", str(out), "--capacity-model", "aws", "--time-scale", "300"],
                       capture_output=True, text=True, timeout=110, cwd=Path(__file__).resolve().parents[2],
                       check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(out.read_text())
    assert doc["target"]["proxy"]["config"]["capacity_model"] == "aws"
    (r,) = doc["runs"]
    cap = r["proxy"]["capacity"]
    assert cap["throttled"]["TableWriteProvisionedThroughputExceeded"] > 0, cap
    assert r["throttled"] == cap["throttled_total"], (r["throttled"], cap)
    # a throttled request never reaches the engine: what the client counted ok is what is stored
    assert r["ok"] + r["failed"] == 60 and r["verified"] == r["ok"] > 0
    assert "throttled by reason: TableWriteProvisionedThroughputExceeded" in p.stdout


def test_daily_decrease_limit_through_the_proxy(dynamodb_local_engine):
    """Plain boto3 against the proxy: four decreases pass, the fifth within the hour is refused
    with LimitExceededException (ServiceQuotas.html "Decreasing provisioned throughput"), the
    table keeps its capacity, and an increase still passes."""
    direct = _client(dynamodb_local_engine.endpoint_url)
    t = _table(direct, wcu=50, rcu=50)
    with ProxyThread(dynamodb_local_engine.endpoint_url, FaultConfig(capacity_model="aws")) as p:
        c = _client(p.url, attempts=1)
        for wcu in (40, 30, 20, 10):
            c.update_table(TableName=t, ProvisionedThroughput={"ReadCapacityUnits": 50, "WriteCapacityUnits": wcu})
        with pytest.raises(c.exceptions.LimitExceededException) as e:
            c.update_table(TableName=t, ProvisionedThroughput={"ReadCapacityUnits": 50, "WriteCapacityUnits": 5})
        assert "Number of decreases today: 4" in e.value.response["Error"]["Message"]
        assert direct.describe_table(TableName=t)["Table"]["ProvisionedThroughput"]["WriteCapacityUnits"] == 10
        c.update_table(TableName=t, ProvisionedThroughput={"ReadCapacityUnits": 60, "WriteCapacityUnits": 10})
        pt = c.describe_table(TableName=t)["Table"]["ProvisionedThroughput"]
        assert pt["NumberOfDecreasesToday"] == 4  # DynamoDB Local itself always says 0
        assert pt["LastDecreaseDateTime"].year >= 2026
        st = p.stats()["capacity"]
        assert st["tables"][t]["decreases_today"] == 4 and st["refused_decreases"] == 1
        assert st["tables"][t]["next_decrease_at"].endswith("UTC")
