"""Mixed and open-loop runs against DynamoDB Local: counts, consumed capacity, the schema."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from ddbtui.bench.mixed import build_spec
from ddbtui.bench.operations import OP_NAMES
from ddbtui.bench.runner import Settings, run_benchmark

pytestmark = pytest.mark.dynamodb_local
SCHEMA = Path(__file__).parent.parent / "data" / "bench_result.schema.json"


def _conn(engine):
    from tests.conftest import connection_for

    return connection_for(engine)


def _run(engine, strategies, **spec):
    s = Settings(strategies=strategies, items=spec.pop("items", 100), concurrency=spec.pop("concurrency", 4),
                 load=build_spec(**spec).to_dict()).validate()
    doc = run_benchmark(s, _conn(engine))
    assert doc["error"] is None and doc["complete"], doc["error"]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    return doc


def _units(engine, table_name):
    """What the engine itself reports per request for 3,000-byte items, asked directly."""
    c = boto3.client("dynamodb", endpoint_url=engine.endpoint_url, region_name="us-east-1",
                     aws_access_key_id="local", aws_secret_access_key="local")
    c.create_table(TableName=table_name, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    item = lambda k: {"k": {"S": k}, "p": {"S": "x" * 2990}}  # noqa: E731
    rc = {"ReturnConsumedCapacity": "TOTAL"}
    u = {}
    u["put"] = c.put_item(TableName=table_name, Item=item("a"), **rc)["ConsumedCapacity"]["CapacityUnits"]
    u["get"] = c.get_item(TableName=table_name, Key={"k": {"S": "a"}}, **rc)["ConsumedCapacity"]["CapacityUnits"]
    u["get-strong"] = c.get_item(TableName=table_name, Key={"k": {"S": "a"}}, ConsistentRead=True,
                                 **rc)["ConsumedCapacity"]["CapacityUnits"]
    u["query"] = c.query(TableName=table_name, KeyConditionExpression="k = :k",
                         ExpressionAttributeValues={":k": {"S": "a"}}, **rc)["ConsumedCapacity"]["CapacityUnits"]
    u["update"] = c.update_item(TableName=table_name, Key={"k": {"S": "a"}}, UpdateExpression="ADD o :one",
                                ExpressionAttributeValues={":one": {"N": "1"}}, **rc)["ConsumedCapacity"]["CapacityUnits"]
    bw = c.batch_write_item(RequestItems={table_name: [{"PutRequest": {"Item": item(f"b{i}")}} for i in range(25)]}, **rc)
    u["batch-write"] = sum(x["CapacityUnits"] for x in bw["ConsumedCapacity"])
    bg = c.batch_get_item(RequestItems={table_name: {"Keys": [{"k": {"S": f"b{i}"}} for i in range(10)]}}, **rc)
    u["batch-get"] = sum(x["CapacityUnits"] for x in bg["ConsumedCapacity"])
    tw = c.transact_write_items(TransactItems=[{"Put": {"TableName": table_name, "Item": item(f"t{i}")}}
                                               for i in range(2)], **rc)
    u["transact-write"] = sum(x["CapacityUnits"] for x in tw["ConsumedCapacity"])
    c.delete_table(TableName=table_name)
    return u


def test_consumed_capacity_totals_equal_what_the_engine_returned(dynamodb_local_engine, table_name):
    units = _units(dynamodb_local_engine, table_name)
    assert units["put"] == 3.0 and units["get"] == 0.5 and units["get-strong"] == 1.0  # 3 KB items
    mix = "put=2,get=2,get-strong=1,query=1,update=1,batch-get=1,batch-write=1,transact-write=1"
    doc = _run(dynamodb_local_engine, ["aiohttp"], mix=mix, item_sizes="fixed:3000", records=60, ops=150)
    run = doc["runs"][0]
    ops = run["operations"]
    assert sum(o["ok"] for o in ops.values()) == 150 and all(o["failed"] == 0 for o in ops.values())
    for name, o in ops.items():
        cap = o["capacity"]
        expect = o["ok"] * units[name]
        got = cap["rcu"] + cap["wcu"]
        assert got == pytest.approx(expect), (name, o["ok"], cap, units[name])
    reads = sum(ops[n]["ok"] * units[n] for n in ("get", "get-strong", "query", "batch-get") if n in ops)
    writes = sum(ops[n]["ok"] * units[n] for n in ("put", "update", "batch-write", "transact-write") if n in ops)
    assert run["capacity"]["rcu"] == pytest.approx(reads)
    assert run["capacity"]["wcu"] == pytest.approx(writes)
    assert sum(run["capacity"]["rcu_per_s"]) * run["capacity"]["interval_s"] == pytest.approx(reads)
    assert doc["summary"][0]["capacity"]["wcu"] == pytest.approx(writes)
    c = run["cost"]
    assert c["on_demand"]["wru"] == pytest.approx(writes) and c["provisioned"]["wcu"] >= 1
    assert c["prices"]["as_of"] and c["prices"]["sources"]


def test_every_operation_runs_with_correct_counts(dynamodb_local_engine):
    mix = ",".join(f"{n}=1" for n in OP_NAMES)
    doc = _run(dynamodb_local_engine, ["aiohttp", "threads"], mix=mix, records=50, ops=len(OP_NAMES) * 12)
    for run in doc["runs"]:
        ops = run["operations"]
        assert set(ops) == set(OP_NAMES), run["strategy"]
        assert sum(o["ok"] for o in ops.values()) == len(OP_NAMES) * 12
        assert all(o["failed"] == 0 for o in ops.values()), {k: o["errors"] for k, o in ops.items()}
        assert run["requests"] == len(OP_NAMES) * 12 and run["failed"] == 0
        assert run["verification"].startswith("not applicable")
        assert run["records_loaded"] == 50
        assert run["response_ms"]["count"] == run["service_ms"]["count"] == len(OP_NAMES) * 12


def test_inserts_are_verified_and_open_loop_sends_the_schedule(dynamodb_local_engine):
    doc = _run(dynamodb_local_engine, ["threads", "processes"], mode="open", rate=60, duration=1.0,
               max_in_flight=8)
    for run in doc["runs"]:
        pace = run["pace"]
        assert pace["scheduled"] == 60 == pace["sent"] + pace["skipped"]
        assert run["ok"] + run["failed"] == pace["sent"]
        assert run["verification"] == "scan-count" and run["verified"] == run["ok"] and run["lost"] == 0
        assert run["operations"]["insert"]["capacity"]["wcu"] == pytest.approx(run["ok"])  # small items: 1 WCU
        assert pace["diagnosis"]["resource"] in ("none", "client CPU", "in-flight cap", "engine")
        assert run["sent_per_s"] and sum(run["sent_per_s"]) == pytest.approx(pace["sent"])
    assert doc["comparisons"] == []  # open loops last as long as their schedule


def test_ycsb_preset_loads_records_first(dynamodb_local_engine):
    doc = _run(dynamodb_local_engine, ["aioboto3"], preset="D", records=40, ops=60)
    run = doc["runs"][0]
    assert run["records_loaded"] == 40 and run["load"]["preset"] == "D"
    assert set(run["operations"]) <= {"get", "insert"} and run["failed"] == 0
    assert sum(o["ok"] for o in run["operations"].values()) == 60


def test_cancelled_open_loop_is_judged_on_the_window_it_ran(dynamodb_local_engine):
    import threading

    stop = threading.Event()

    def emit(kind, payload):
        if kind == "snap" and payload.get("phase") == "writing" and payload.get("ok", 0) >= 20:
            stop.set()

    s = Settings(strategies=["aiohttp"], items=100, load=build_spec(mode="open", rate=40, duration=60.0).to_dict())
    doc = run_benchmark(s.validate(), _conn(dynamodb_local_engine), emit=emit, stop=stop)
    run = doc["runs"][0]
    assert doc["complete"] is False and run["complete"] is False
    pace = run["pace"]
    assert pace["diagnosis"]["resource"] == "cancelled" and "cancelled after" in pace["diagnosis"]["sentence"]
    assert pace["skipped"] > 1000 and pace["sent"] == run["ok"] + run["failed"]
    assert 20 < pace["target_per_s"] < 50  # the schedule's 40/s over the window that ran (+1 arrival at its edge)
