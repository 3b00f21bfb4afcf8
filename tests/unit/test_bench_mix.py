"""Key and size distributions, operations and mixes, consumed capacity and cost (pure)."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from ddbtui.bench import cost
from ddbtui.bench.keys import Hotspot, Latest, Uniform, Zipfian, parse_keys, parse_sizes
from ddbtui.bench.mixed import LoadSpec, build_spec, check_strategies
from ddbtui.bench.operations import (OPERATIONS, YCSB, Plan, consumed, format_mix, parse_mix, snake,
                                     unprocessed)
from ddbtui.bench.opstats import OpStats
from ddbtui.bench.workload import Workload
from ddbtui.dynamo.codec import item_size


def draws(chooser, n=20_000, seed=1, count=None):
    rng = random.Random(seed)
    return Counter(chooser.next(rng, count) for _ in range(n))


def test_uniform_covers_the_records():
    c = draws(Uniform(100))
    assert set(c) == set(range(100))
    assert max(c.values()) < 2 * 20_000 / 100


def test_zipfian_is_skewed_and_scrambled():
    z = Zipfian(1000, 0.99)
    c = draws(z)
    top = c.most_common(10)
    assert top[0][1] / 20_000 > 0.08          # rank 0 alone takes ~13% at theta 0.99 over 1000
    assert sum(n for _, n in top) / 20_000 > 0.3
    assert top[0][0] != 0                      # scrambled: the hottest is not the first record
    assert all(0 <= k < 1000 for k in c)
    flat = draws(Zipfian(1000, 0.5))
    assert flat.most_common(1)[0][1] < top[0][1]


def test_hotspot_and_latest():
    c = draws(Hotspot(1000, 0.2, 0.8))
    hot = sum(n for k, n in c.items() if k < 200)
    assert 0.77 < hot / 20_000 < 0.83
    c = draws(Latest(1000), count=1500)
    assert c.most_common(1)[0][0] == 1499      # the newest record is the most read
    assert all(0 <= k < 1500 for k in c)


def test_parse_keys_and_sizes():
    assert isinstance(parse_keys("zipfian", 10), Zipfian)
    assert parse_keys("zipfian:0.8", 10).theta == 0.8
    assert isinstance(parse_keys("hotspot:0.1:0.9", 10), Hotspot)
    assert isinstance(parse_keys("latest", 10), Latest)
    for bad in ("zipf", "zipfian:1.5", "zipfian:x", "hotspot:2", "uniform:3"):
        with pytest.raises(ValueError):
            parse_keys(bad, 10)
    rng = random.Random(3)
    assert parse_sizes("fixed:1000").sample(rng) == 1000
    u = parse_sizes("uniform:100-200")
    assert all(100 <= u.sample(rng) <= 200 for _ in range(500))
    n = parse_sizes("normal:1000,100")
    assert 950 < sum(n.sample(rng) for _ in range(2000)) / 2000 < 1050
    z = parse_sizes("zipfian:100-10000")
    xs = [z.sample(rng) for _ in range(2000)]
    assert sorted(xs)[1000] < 5050 and min(xs) >= 100
    for bad in ("fixed", "fixed:0", "uniform:5-1", "normal:1", "lognormal:1-2", "fixed:500000"):
        with pytest.raises(ValueError):
            parse_sizes(bad)


def test_mix_parsing():
    assert parse_mix("put=50,get=50") == {"put": 0.5, "get": 0.5}
    assert parse_mix("get=3,update=1") == {"get": 0.75, "update": 0.25}
    assert format_mix(parse_mix("put=50,get=50")) == "put=50,get=50"
    for bad, word in (("", "OP=WEIGHT"), ("foo=1", "unknown operation"), ("put=x", "number"),
                      ("put=-1", "negative"), ("put=0", "0")):
        with pytest.raises(ValueError, match=word):
            parse_mix(bad)
    assert set(OPERATIONS) >= {"put", "get", "get-strong", "query", "update", "delete", "batch-get",
                               "batch-write", "transact-write"}
    for p in YCSB.values():
        parse_mix(p.mix)


def plan(mix, records=100, sizes=None, keys="uniform"):
    from ddbtui.bench.keys import parse_sizes as ps

    return Plan.build("t", Workload("books", 42), mix=mix, keys=keys, records=records,
                      sizes=ps(sizes) if sizes else None)


def test_every_operation_asks_for_consumed_capacity():
    rng = random.Random(1)
    for name, kind in OPERATIONS.items():
        p = plan(f"{name}=1")
        op = p.next_op(rng)
        assert op.name == name
        reqs = list(op.requests) + ([op.follow_up()] if op.follow_up else [])
        assert tuple(r.api for r in reqs) == kind.apis
        assert all(r.body["ReturnConsumedCapacity"] == "TOTAL" for r in reqs)


def test_operation_bodies():
    rng = random.Random(2)
    p = plan("transact-write=1")
    acts = p.next_op(rng).requests[0].body["TransactItems"]
    keys = [a["Put"]["Item"]["isbn"]["S"] for a in acts]
    assert len(set(keys)) == len(keys) == 2          # no item twice in one transaction
    bw = plan("batch-write=1").next_op(rng)
    assert bw.items == 25 and len(bw.requests[0].body["RequestItems"]["t"]) == 25
    g = plan("get-strong=1").next_op(rng).requests[0].body
    assert g["ConsistentRead"] is True and set(g["Key"]) == {"isbn"}
    ins = plan("insert=1", records=100)
    a, b = ins.next_op(rng), ins.next_op(rng)
    w = Workload("books", 42)
    assert a.requests[0].body["Item"] == w.ddb_items(1, 100)[0]
    assert b.requests[0].body["Item"] == w.ddb_items(1, 101)[0]
    sized = plan("put=1", sizes="fixed:3000").next_op(rng).requests[0].body["Item"]
    assert 3000 <= item_size(sized) <= 3010


def test_mix_proportions():
    rng = random.Random(5)
    p = plan("get=95,update=5")
    c = Counter(p.next_op(rng).name for _ in range(10_000))
    assert 0.94 < c["get"] / 10_000 < 0.96


def test_consumed_capacity_parsing():
    assert consumed("PutItem", {"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 3.0}}) == (0, 3.0)
    assert consumed("GetItem", {"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5}}) == (0.5, 0)
    assert consumed("TransactWriteItems", {"ConsumedCapacity": [{"CapacityUnits": 2.0}, {"CapacityUnits": 4.0}]}) == (0, 6.0)
    assert consumed("UpdateItem", {"ConsumedCapacity": {"CapacityUnits": 3, "ReadCapacityUnits": 1,
                                                        "WriteCapacityUnits": 2}}) == (1, 2)
    assert consumed("PutItem", {}) == (0, 0)
    body = {"RequestItems": {"t": [1, 2]}, "ReturnConsumedCapacity": "TOTAL"}
    assert unprocessed("BatchWriteItem", body, {"UnprocessedItems": {}}) is None
    again = unprocessed("BatchWriteItem", body, {"UnprocessedItems": {"t": [2]}})
    assert again == {"RequestItems": {"t": [2]}, "ReturnConsumedCapacity": "TOTAL"}
    assert unprocessed("BatchGetItem", body, {"UnprocessedKeys": {"t": {"Keys": [{"k": 1}]}}})
    assert snake("BatchWriteItem") == "batch_write_item" and snake("GetItem") == "get_item"


def test_capacity_meter_series_and_estimate():
    m = cost.CapacityMeter()
    m.start(100.0)
    m.add("put", 0, 3, 100.2)
    m.add("put", 0, 3, 100.9)
    m.add("get", 0.5, 0, 101.5)
    m.add("get", 0.0, 0.0, 102.5)   # nothing consumed: not counted
    d = m.to_dict()
    assert d["wcu"] == 6 and d["rcu"] == 0.5 and d["requests"] == 3
    assert d["wcu_per_s"] == [6, 0] and d["rcu_per_s"] == [0, 0.5]
    assert d["by_op"] == {"put": {"rcu": 0, "wcu": 6}, "get": {"rcu": 0.5, "wcu": 0}}
    other = cost.CapacityMeter()
    other.absorb(m.export())
    assert other.to_dict()["wcu"] == 6 and m.to_dict()["wcu"] == 0
    prices = cost.load_prices()
    e = cost.estimate({"rcu": 2_000_000, "wcu": 1_000_000, "peak_rcu_per_s": 100, "peak_wcu_per_s": 10},
                      1000.0, prices=prices, region="us-east-1", headroom=0.3)
    row = prices["regions"]["us-east-1"]
    assert e["on_demand"]["run_usd"] == pytest.approx(2 * row["on_demand_per_million_rru"] + row["on_demand_per_million_wru"])
    assert e["on_demand"]["per_month_usd"] == pytest.approx(e["on_demand"]["run_usd"] * 730 * 3.6)
    assert e["provisioned"]["rcu"] == 130 and e["provisioned"]["wcu"] == 13
    assert e["provisioned"]["per_month_usd"] == pytest.approx((130 * row["provisioned_rcu_hour"] + 13 * row["provisioned_wcu_hour"]) * 730)
    assert e["prices"]["sources"]["on_demand"].startswith("https://aws.amazon.com/")
    assert cost.estimate({}, 1, prices=prices, region="mars-1")["note"].startswith("no prices for mars-1")


def test_price_file_override_and_errors(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"as_of": "2030-01-01", "regions": {"xx-1": {
        "on_demand_per_million_wru": 1, "on_demand_per_million_rru": 1,
        "provisioned_wcu_hour": 1, "provisioned_rcu_hour": 1}}}))
    prices = cost.load_prices(p)
    assert cost.estimate({"wcu": 1e6}, 1, prices=prices, region="xx-1")["on_demand"]["run_usd"] == 1
    p.write_text("{")
    with pytest.raises(ValueError, match="not JSON"):
        cost.load_prices(p)
    p.write_text(json.dumps({"regions": {"xx-1": {"on_demand_per_million_wru": 1}}}))
    with pytest.raises(ValueError, match="lacks"):
        cost.load_prices(p)
    with pytest.raises(ValueError, match="cannot read"):
        cost.load_prices(tmp_path / "none.json")


def test_opstats_keeps_response_and_service_apart():
    s = OpStats()
    s.start(0.0)
    s.record("get", intended=0.0, sent=0.5, done=0.52, ok=True, items=1, rcu=0.5)
    s.record("put", intended=1.0, sent=1.0, done=1.01, ok=False, items=1, error="Boom")
    d = s.to_dict()
    assert d["response_ms"]["max"] == pytest.approx(520, rel=0.01)
    assert d["service_ms"]["max"] == pytest.approx(20, rel=0.01)
    assert d["operations"]["get"]["ok"] == 1 and d["operations"]["put"]["errors"] == {"Boom": 1}
    assert d["operations"]["get"]["capacity"] == {"rcu": 0.5, "wcu": 0.0}
    merged = OpStats()
    merged.absorb(s.export())
    assert merged.to_dict()["operations"]["get"]["response_ms"]["count"] == 1


def test_build_spec_checks_the_combination():
    s = build_spec(mode="open", rate=100, duration=2, mix="put=50,get=50")
    assert s.records == 1000 and s.expected_ops() == 200
    assert LoadSpec.from_dict(s.to_dict()) == s
    a = build_spec(preset="a", ops=100)
    assert a.mix == "get=50,update=50" and a.keys == "zipfian" and a.preset == "A"
    assert build_spec(ops=10).records == 0 and build_spec(ops=10).inserts_only()
    for kw, word in ((dict(preset="Z", ops=1), "unknown YCSB workload"), (dict(preset="A", mix="get=1", ops=1), "not both"),
                     (dict(rate=10, ops=5), "--mode open"), (dict(mix="get=1"), "--items"),
                     (dict(mix="get=1", records=0, ops=1), "--records"), (dict(mode="open", duration=5), "--rate"),
                     (dict(ops=1, max_in_flight=0), "max-in-flight")):
        with pytest.raises(ValueError, match=word):
            build_spec(**kw)
    check_strategies(["aiohttp", "threads"])
    with pytest.raises(ValueError, match="batch"):
        check_strategies(["batch"])
