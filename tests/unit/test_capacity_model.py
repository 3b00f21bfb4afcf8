"""The AWS capacity model (ddbtui.local.proxy.capacity) on a fake clock: every rule's numbers
against the documented values, each with the Developer Guide page it comes from
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/<page>)."""

from __future__ import annotations

import json

import pytest

from ddbtui.local.proxy import capacity as cap
from ddbtui.local.proxy.capacity import CapacityModel, Charge, item_size, partitions_for, read_units, write_units

ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/"


def describe(name: str, *, wcu: int = 0, rcu: int = 0, on_demand: bool = False, gsis=(), max_write=0,
             key: str = "pk") -> dict:
    t = {"TableName": name, "TableArn": ARN + name, "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
         "ProvisionedThroughput": {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu},
         "GlobalSecondaryIndexes": [
             {"IndexName": g, "IndexArn": f"{ARN}{name}/index/{g}",
              "KeySchema": [{"AttributeName": gk, "KeyType": "HASH"}],
              "ProvisionedThroughput": {"ReadCapacityUnits": grcu, "WriteCapacityUnits": gwcu}}
             for g, gk, grcu, gwcu in gsis]}
    if on_demand:
        t["BillingModeSummary"] = {"BillingMode": "PAY_PER_REQUEST"}
        t["ProvisionedThroughput"] = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    if max_write:
        t["OnDemandThroughput"] = {"MaxWriteRequestUnits": max_write}
    return {"Table": t}


def put(model: CapacityModel, table: str, key: str, now: float, units: float = 1.0, **extra) -> cap.Throttle | None:
    item = {"pk": {"S": key}, **extra}
    (c,) = model.charges("PutItem", {"TableName": table, "Item": item})
    c.units = units
    return model.check([c], now)


def open_loop(model, table, rate_per_s, seconds, start, keys=("k",), units=1.0):
    """`rate_per_s` puts per second spread evenly; returns per-second (accepted, {reason: n})."""
    out = []
    n = int(rate_per_s)
    for s in range(int(seconds)):
        ok, reasons = 0, {}
        for i in range(n):
            th = put(model, table, keys[i % len(keys)], start + s + i / n, units)
            if th is None:
                ok += 1
            else:
                reasons[th.reason] = reasons.get(th.reason, 0) + 1
        out.append((ok, reasons))
    return out


# ------------------------------------------------------------------ documented numbers
def test_documented_constants():
    assert cap.BURST_SECONDS == 300  # burst-adaptive-capacity.html: "up to five minutes (300 seconds)"
    assert (cap.PARTITION_RCU, cap.PARTITION_WCU) == (3000, 1000)  # bp-partition-key-design.html
    assert cap.PARTITION_BYTES == 10 * 1024 ** 3  # 10 GB per partition
    assert (cap.ON_DEMAND_INITIAL_WRITE, cap.ON_DEMAND_INITIAL_READ) == (4000, 12000)  # on-demand-capacity-mode.html
    assert cap.PEAK_WINDOW_SECONDS == 30 * 60  # pre-warming-on-demand-capacity-mode.html: "within the same 30 minutes"
    assert cap.TRANSACTION_FACTOR == 2  # transaction-apis.html


def test_units_and_sizes():
    # provisioned-capacity-mode.html: 1 WCU = one write of up to 1 KB; 1 RCU = one strongly
    # consistent read of up to 4 KB, or two eventually consistent
    assert [write_units(s) for s in (0, 1, 1024, 1025, 3072, 409_600)] == [1, 1, 1, 2, 3, 400]
    assert [read_units(s, True) for s in (1, 4096, 4097)] == [1, 1, 2]
    assert [read_units(s, False) for s in (1, 4096, 4097)] == [0.5, 0.5, 1]
    # CapacityUnitCalculations.html: name bytes + value bytes; numbers 1 byte per 2 digits + 1;
    # null/bool 1; list/map 3 + 1 per element
    assert item_size({"ab": {"S": "héllo"}}) == 2 + 6
    assert item_size({"n": {"N": "12345"}}) == 1 + 4 and item_size({"n": {"N": "0.00100"}}) == 1 + 2
    assert item_size({"b": {"BOOL": True}, "z": {"NULL": True}}) == 4
    assert item_size({"l": {"L": [{"S": "ab"}, {"S": "c"}]}}) == 1 + 3 + (2 + 1) + (1 + 1)
    assert item_size({"m": {"M": {"x": {"S": "ab"}}}}) == 1 + 3 + (1 + 2 + 1)
    assert item_size({"bin": {"B": "AAECAw=="}}) == 3 + 4


def test_partitions():
    # bp-partition-key-design.html: 3,000 RCU / 1,000 WCU / 10 GB per partition
    assert partitions_for(100, 100) == 1
    assert partitions_for(3000, 1000) == 2
    assert partitions_for(0, 4000) == 4
    assert partitions_for(10, 10, 25 * 1024 ** 3) == 3


# ------------------------------------------------------------------ provisioned
def test_provisioned_converges_to_capacity_after_burst():
    """100 WCU, 150 writes/s of 1 KB: burst (300 s of unused capacity, here /10) carries the
    excess, then the accepted rate is 100/s with TableWriteProvisionedThroughputExceeded."""
    m = CapacityModel(time_scale=10)  # 300 s of burst -> 30 s
    m.set_table(describe("t", wcu=100), 0.0)
    assert m.tables["t"].write.capacity == 100 * 30
    per_s = open_loop(m, "t", 150, 100, start=30.0)  # 30 s idle first: the burst bucket fills
    throttled_at = next(i for i, (_ok, r) in enumerate(per_s) if r)
    assert 58 <= throttled_at <= 61  # 3,000 burst units / 50 excess per s = 60 s
    assert all(ok == 150 for ok, _ in per_s[:throttled_at])
    tail = per_s[70:]
    assert all(98 <= ok <= 102 for ok, _ in tail), [ok for ok, _ in tail]
    assert sum(ok for ok, _ in tail) / len(tail) == pytest.approx(100, abs=1)
    assert {r for _, rs in tail for r in rs} == {"TableWriteProvisionedThroughputExceeded"}


def test_unused_capacity_is_kept_up_to_300_seconds_only():
    m = CapacityModel()
    m.set_table(describe("t", wcu=10), 0.0)
    m.tables["t"].write.refill(10_000.0)
    assert m.tables["t"].write.level == 10 * 300


def test_hot_key_throttles_a_table_with_spare_capacity():
    """4,000 WCU (4 partitions), one key at 1,500 writes/s: its partition serves 1,000/s
    (TableWriteKeyRangeThroughputExceeded) while keys on other partitions all pass."""
    m = CapacityModel()
    tc = m.set_table(describe("t", wcu=4000), 0.0)
    assert m.partitions(tc, 0.0) == 4
    hot = json.dumps({"S": "hot"}, sort_keys=True, separators=(",", ":"))
    hot_p = cap.partition_of(hot, 4)
    others = [f"u{i}" for i in range(200)
              if cap.partition_of(json.dumps({"S": f"u{i}"}, sort_keys=True, separators=(",", ":")), 4) != hot_p][:30]
    hot_ok, hot_reasons, other_throttles = 0, {}, 0
    for s in range(10):
        for i in range(1500):
            th = put(m, "t", "hot", 5.0 + s + i / 1500)
            if th is None:
                hot_ok += 1
            else:
                hot_reasons[th.reason] = hot_reasons.get(th.reason, 0) + 1
            if i % 5 == 0:  # 300 writes/s spread over other partitions
                other_throttles += put(m, "t", others[i % len(others)], 5.0 + s + i / 1500) is not None
    assert set(hot_reasons) == {"TableWriteKeyRangeThroughputExceeded"}
    assert 9_900 <= hot_ok <= 11_100  # ~1,000/s for 10 s (+ the first second's full bucket)
    assert other_throttles == 0


def test_gsi_back_pressure_throttles_base_table_writes():
    m = CapacityModel()
    m.set_table(describe("t", wcu=1000, gsis=[("by_email", "email", 5, 5)]), 0.0)
    results = [put(m, "t", f"k{i}", 1.0 + i / 100, email={"S": f"e{i}"}) for i in range(100)]
    th = [r for r in results if r is not None]
    assert th and th[0].reasons == (("IndexWriteProvisionedThroughputExceeded", ARN + "t/index/by_email"),)
    assert th[0].limit == "ProvisionedThroughputExceeded"
    assert all(put(m, "t", f"n{i}", 2.0 + i / 1000) is None for i in range(100))  # no GSI key: not projected


def test_update_table_capacity_takes_effect():
    m = CapacityModel()
    m.set_table(describe("t", wcu=10), 0.0)
    # a new bucket holds 1 s of capacity; 1 s later another 10: 20 of 100 pass
    assert sum(put(m, "t", f"k{i}", 1.0 + i / 1000) is None for i in range(100)) == 20
    m.set_table(describe("t", wcu=500), 1.0)
    assert m.tables["t"].write.rate == 500
    assert sum(put(m, "t", f"k{i}", 3.0 + i / 1000) is None for i in range(100)) == 100


# ------------------------------------------------------------------ on-demand
def test_on_demand_jump_to_three_times_the_peak_waits_for_the_doubling_rule():
    """Previous peak 3,000 WCU/s: up to 6,000/s at once; 9,000/s (3x) is throttled until the
    6,000/s peak is 30 minutes old (here /60 = 30 s), then it passes."""
    m = CapacityModel(time_scale=60)
    m.set_table(describe("t", on_demand=True), 0.0)
    # 3,000 WCU/s (10-unit writes, no partition key so only the table rule applies)
    phase1 = _od_loop(m, 300, 40, 0.0)
    assert all(ok == 300 for ok, _ in phase1)  # under the 4,000 initial throughput
    phase2 = _od_loop(m, 900, 80, 40.0)
    # the first 2 s drain the 1 s bucket; then 6,000 WCU/s = 600 writes of 10 units
    first = phase2[2:25]
    assert all(r == {"TableWriteKeyRangeThroughputExceeded"} for _, r in first), first[:3]
    assert all(ok == 600 for ok, _ in first), [ok for ok, _ in first]
    late = phase2[-10:]
    assert all(ok == 900 and not r for ok, r in late), late


def _od_loop(m, writes_per_s, seconds, start):
    out = []
    for s in range(seconds):
        ok, reasons = 0, set()
        for i in range(writes_per_s):
            th = m.check([Charge("t", 10.0, True, None)], start + s + i / writes_per_s)
            if th is None:
                ok += 1
            else:
                reasons.add(th.reason)
        out.append((ok, reasons))
    return out


def test_on_demand_new_table_initial_throughput():
    m = CapacityModel()
    m.set_table(describe("t", on_demand=True), 0.0)
    ok = sum(m.check([Charge("t", 1.0, True, None)], 0.0) is None for i in range(5000))
    assert ok == 4000  # at once: 4,000 writes/s


def test_on_demand_maximum_is_a_throttling_exception():
    m = CapacityModel()
    m.set_table(describe("t", on_demand=True, max_write=50), 0.0)
    res = [m.check([Charge("t", 1.0, True, None)], 1.0 + i / 1000) for i in range(100)]
    th = next(r for r in res if r is not None)
    body = json.loads(th.body())
    assert body["__type"] == "com.amazonaws.dynamodb.v20120810#ThrottlingException"
    assert body["throttlingReasons"] == [{"reason": "TableWriteMaxOnDemandThroughputExceeded", "resource": ARN + "t"}]


def test_wire_format_of_a_provisioned_throttle():
    m = CapacityModel()
    m.set_table(describe("t", wcu=1), 0.0)
    assert put(m, "t", "a", 0.0) is None
    th = put(m, "t", "b", 0.0)
    body = json.loads(th.body())
    assert body["__type"] == "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
    assert body["ThrottlingReasons"] == [{"reason": "TableWriteProvisionedThroughputExceeded", "resource": ARN + "t"}]
    assert m.snapshot(0.0)["throttled"] == {"TableWriteProvisionedThroughputExceeded": 1}


def test_transactions_and_batches_cost():
    m = CapacityModel()
    m.set_table(describe("t", wcu=100), 0.0)
    item = {"pk": {"S": "a"}, "blob": {"S": "x" * 2000}}
    (c,) = m.charges("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "t", "Item": item}}]})
    assert c.units == 2 * 2  # 2 KB item, transactional x2
    cs = m.charges("BatchWriteItem", {"RequestItems": {"t": [{"PutRequest": {"Item": item}}] * 3}})
    assert sum(x.units for x in cs) == 6


# ------------------------------------------------------------------ account quotas and decreases
def test_quota_constants_are_the_documented_defaults():
    # ServiceQuotas.html "Throughput default quotas": per table, on-demand, 40,000 RRU and 40,000 WRU
    assert (cap.ACCOUNT_TABLE_READ, cap.ACCOUNT_TABLE_WRITE) == (40000, 40000)
    # ServiceQuotas.html "Decreasing provisioned throughput": 4 any time, then 1 per hour, 27 a day
    assert cap.DECREASES_ANYTIME == 4 and cap.DECREASE_SPACING_SECONDS == 3600 and cap.MAX_DECREASES_PER_DAY == 27


def _warm(name: str, write: int, max_write: int = 0) -> dict:
    d = describe(name, on_demand=True, max_write=max_write)
    d["Table"]["WarmThroughput"] = {"WriteUnitsPerSecond": write, "ReadUnitsPerSecond": 12000}
    return d


def test_on_demand_table_is_held_to_the_per_table_account_quota():
    """A table pre-warmed to 100,000 writes/s still serves only 40,000 WRU/s: the rest is
    throttled with TableWriteAccountLimitExceeded in a RequestLimitExceeded
    (throttling-account-limit-exceeded-mitigation.html)."""
    m = CapacityModel()
    m.set_table(_warm("t", 100000), 0.0)
    res = [m.check([Charge("t", 10.0, True, None)], 5.0) for _ in range(5000)]  # 50,000 WRU at once
    assert sum(r is None for r in res) == 4000  # 40,000 WRU
    th = next(r for r in res if r is not None)
    body = json.loads(th.body())
    assert body["__type"] == "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded"
    assert body["ThrottlingReasons"] == [{"reason": "TableWriteAccountLimitExceeded", "resource": ARN + "t"}]
    # a raised quota (adjustable in Service Quotas) lets the warm throughput through
    m2 = CapacityModel(account_table_write=100000)
    m2.set_table(_warm("t", 100000), 0.0)
    assert all(m2.check([Charge("t", 10.0, True, None)], 5.0) is None for _ in range(5000))


def test_a_table_maximum_replaces_the_account_quota():
    m = CapacityModel()
    m.set_table(_warm("t", 100000, max_write=60000), 0.0)
    res = [m.check([Charge("t", 10.0, True, None)], 5.0) for _ in range(7000)]
    assert sum(r is None for r in res) == 6000
    assert {r.reason for r in res if r is not None} == {"TableWriteMaxOnDemandThroughputExceeded"}


DAY0 = 1_795_564_800.0  # 2026-11-25 00:00:00 UTC


def _decrease(m: CapacityModel, t: float, wcu: int) -> bytes | None:
    req = {"TableName": "t", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": wcu}}
    assert m.is_decrease(req)
    refusal = m.decrease_refusal("t", t)
    if refusal is None:
        m.record_decrease("t", t)
        m.set_table(describe("t", rcu=10, wcu=wcu), 0.0)
    return refusal


def test_daily_decrease_limit_four_then_one_per_hour_27_a_day():
    m = CapacityModel()
    m.set_table(describe("t", rcu=10, wcu=1000), 0.0)
    assert not m.is_decrease({"TableName": "t", "ProvisionedThroughput": {"ReadCapacityUnits": 10,
                                                                          "WriteCapacityUnits": 2000}})
    wcu = 1000
    for i in range(4):  # four at once, in the first minute
        wcu -= 10
        assert _decrease(m, DAY0 + 60 + i, wcu) is None
    refusal = _decrease(m, DAY0 + 120, wcu - 10)
    body = json.loads(refusal)
    assert body["__type"] == "com.amazonaws.dynamodb.v20120810#LimitExceededException"
    assert "Number of decreases today: 4" in body["message"]
    assert "Next decrease can be made at Wednesday, November 25, 2026 1:01:03 AM UTC" in body["message"]
    done = 4
    for h in range(1, 30):  # then try every hour: one each hour until the day ends
        t = DAY0 + h * 3600 + 64
        if t >= DAY0 + cap.DAY_SECONDS:
            break
        wcu -= 10
        assert _decrease(m, t, wcu) is None
        done += 1
        assert _decrease(m, t + 1800, wcu - 1) is not None  # a second one within the hour is refused
    assert done == cap.MAX_DECREASES_PER_DAY
    assert m.snapshot(0.0, DAY0 + 86000)["tables"]["t"]["decreases_today"] == 27
    # a new UTC day starts again with four
    assert _decrease(m, DAY0 + cap.DAY_SECONDS + 1, wcu - 10) is None


def test_gsi_decrease_counts_and_switching_to_on_demand_does_not():
    m = CapacityModel()
    m.set_table(describe("t", rcu=10, wcu=10, gsis=[("g", "gk", 10, 10)]), 0.0)
    assert m.is_decrease({"TableName": "t", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "g", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10}}}]})
    assert not m.is_decrease({"TableName": "t", "BillingMode": "PAY_PER_REQUEST"})
    assert not m.is_decrease({"TableName": "other", "ProvisionedThroughput": {"WriteCapacityUnits": 1}})
