"""Items against both engines: pages, query operators, edits without type loss, batches."""

from decimal import Decimal

import pytest

from ddbtui.dynamo import items as I
from ddbtui.dynamo import tables as T
from ddbtui.dynamo.errors import ConcurrentChange, ValidationError
from ddbtui.dynamo.tables import GsiSpec, KeySpec, TableSpec


@pytest.fixture
def orders(client, table_name):
    T.create_table(client, TableSpec(table_name, KeySpec("pk"), KeySpec("sk", "N"),
                                     gsis=[GsiSpec("by_status", KeySpec("status"), KeySpec("sk", "N"))]),
                   wait=True)
    rows = [{"pk": f"c{c}", "sk": Decimal(i), "status": "open" if i % 2 else "done",
             "tags": {"a", "b"}, "blob": bytes([i]), "nested": {"l": [Decimal(i), None, True]}}
            for c in range(3) for i in range(20)]
    I.batch_put(client, table_name, rows)
    yield table_name
    T.delete_table(client, table_name)


def test_scan_pages_follow_last_key(client, orders):
    seen, key, pages = [], None, 0
    while True:
        p = I.scan_page(client, orders, limit=7, start_key=key)
        seen += p.items
        pages += 1
        key = p.last_key
        if not p.has_more:
            break
    assert len(seen) == 60 and pages >= 9
    assert len({(i["pk"], i["sk"]) for i in seen}) == 60
    one = next(i for i in seen if i["pk"] == "c1" and i["sk"] == 3)
    assert one["tags"] == {"a", "b"} and one["blob"] == b"\x03"
    assert one["nested"] == {"l": [Decimal(3), None, True]}


@pytest.mark.parametrize("op, vals, expected", [
    ("=", (5,), [5]), ("<", (3,), [0, 1, 2]), ("<=", (2,), [0, 1, 2]), (">", (17,), [18, 19]),
    (">=", (18,), [18, 19]), ("BETWEEN", (4, 6), [4, 5, 6]), (None, (), list(range(20))),
])
def test_query_operators(client, orders, op, vals, expected):
    p = I.query_page(client, orders, pk_name="pk", pk_value="c2", sk_name="sk", sk_op=op,
                     sk_values=[Decimal(v) for v in vals])
    assert [int(i["sk"]) for i in p.items] == expected


def test_query_begins_with_and_gsi_and_filter(client, table_name):
    T.create_table(client, TableSpec(table_name, KeySpec("pk"), KeySpec("sk"),
                                     gsis=[GsiSpec("by_kind", KeySpec("kind"))]), wait=True)
    I.batch_put(client, table_name, [{"pk": "u", "sk": f"{p}#{i}", "kind": p, "n": Decimal(i)}
                                     for p in ("order", "invoice") for i in range(5)])
    p = I.query_page(client, table_name, pk_name="pk", pk_value="u", sk_name="sk",
                     sk_op="begins_with", sk_values=["inv"])
    assert {i["sk"] for i in p.items} == {f"invoice#{i}" for i in range(5)}
    g = I.query_page(client, table_name, pk_name="kind", pk_value="order", index="by_kind",
                     filter_expression="#n >= :min", names={"#n": "n"}, values={":min": Decimal(3)})
    assert sorted(int(i["n"]) for i in g.items) == [3, 4]
    T.delete_table(client, table_name)


def test_bad_operator_message(client, orders):
    with pytest.raises(ValidationError) as e:
        I.query_page(client, orders, pk_name="pk", pk_value="c1", sk_name="sk", sk_op="LIKE", sk_values=["x"])
    assert "sort key operator" in str(e.value)


def test_edit_keeps_types_and_refuses_key_change(client, orders):
    orig = I.get_item(client, orders, {"pk": "c0", "sk": Decimal(1)})
    edited = dict(orig, status="shipped", big=Decimal("12345678901234567890123456789012345678"))
    I.save_edit(client, orders, orig, edited, ["pk", "sk"])
    now = I.get_item(client, orders, {"pk": "c0", "sk": Decimal(1)})
    assert now["status"] == "shipped" and now["tags"] == {"a", "b"} and now["blob"] == b"\x01"
    assert now["big"] == Decimal("12345678901234567890123456789012345678")
    with pytest.raises(ValidationError) as e:
        I.save_edit(client, orders, now, dict(now, sk=Decimal(99)), ["pk", "sk"])
    assert "cannot be changed" in str(e.value)
    assert I.get_item(client, orders, {"pk": "c0", "sk": Decimal(99)}) is None


def test_concurrent_edit_is_detected(client, orders):
    orig = I.get_item(client, orders, {"pk": "c0", "sk": Decimal(2)})
    I.save_edit(client, orders, orig, dict(orig, status="by-someone-else"), ["pk", "sk"])
    with pytest.raises(ConcurrentChange):
        I.save_edit(client, orders, orig, dict(orig, status="mine"), ["pk", "sk"])
    assert I.get_item(client, orders, {"pk": "c0", "sk": Decimal(2)})["status"] == "by-someone-else"


def test_versioned_edit(client, table_name):
    T.create_table(client, TableSpec(table_name, KeySpec("id")), wait=True)
    I.put_item(client, table_name, {"id": "a", "v": "1", "version": Decimal(1)})
    orig = I.get_item(client, table_name, {"id": "a"})
    out = I.save_edit(client, table_name, orig, dict(orig, v="2"), ["id"])
    assert out["version"] == 2
    with pytest.raises(ConcurrentChange):
        I.save_edit(client, table_name, orig, dict(orig, v="3"), ["id"])
    T.delete_table(client, table_name)


def test_oversized_item_and_big_number_write_nothing(client, orders):
    with pytest.raises(ValidationError) as e:
        I.put_item(client, orders, {"pk": "huge", "sk": Decimal(0), "x": "y" * 410_000})
    assert "400 KB" in str(e.value)
    with pytest.raises(ValidationError) as e:
        I.put_item(client, orders, {"pk": "num", "sk": Decimal(0), "x": Decimal("1" * 39)})
    assert "38" in str(e.value)
    assert I.get_item(client, orders, {"pk": "huge", "sk": Decimal(0)}) is None
    assert I.get_item(client, orders, {"pk": "num", "sk": Decimal(0)}) is None


def test_batch_over_25_refused_before_sending(client, orders):
    reqs = [{"DeleteRequest": {"Key": {"pk": {"S": "c0"}, "sk": {"N": str(i)}}}} for i in range(26)]
    with pytest.raises(ValidationError) as e:
        I.batch_write_request(client, orders, reqs)
    assert "at most 25" in str(e.value)
    assert T.count_items(client, orders) == 60


def test_batch_delete_many(client, orders):
    keys = [{"pk": f"c{c}", "sk": Decimal(i)} for c in range(2) for i in range(20)]
    r = I.batch_delete(client, orders, keys)
    assert r.requests == 2 and r.written == 40
    assert T.count_items(client, orders) == 20


class FlakyBatchClient:
    """A fault we cannot get from a local engine: wraps the real client and leaves part of each
    of the first few BatchWriteItem requests unprocessed (as a throttled table does)."""

    def __init__(self, real, failures=3):
        self.real, self.failures, self.calls = real, failures, 0

    def batch_write_item(self, RequestItems):
        self.calls += 1
        (table, reqs), = RequestItems.items()
        if self.failures > 0 and len(reqs) > 1:
            self.failures -= 1
            half = len(reqs) // 2
            self.real.batch_write_item(RequestItems={table: reqs[:half]})
            return {"UnprocessedItems": {table: reqs[half:]}}
        return self.real.batch_write_item(RequestItems=RequestItems)


def test_batch_resends_unprocessed_until_done(client, table_name):
    T.create_table(client, TableSpec(table_name, KeySpec("id")), wait=True)
    flaky = FlakyBatchClient(client)
    sleeps = []
    r = I.batch_put(flaky, table_name, [{"id": str(i)} for i in range(30)], sleep=sleeps.append)
    assert r.written == 30 and r.resent_items > 0 and len(sleeps) == 3
    assert all(0 <= s <= 5 for s in sleeps)
    assert T.count_items(client, table_name) == 30
    T.delete_table(client, table_name)
