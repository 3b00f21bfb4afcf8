"""Tables against both real engines: create, describe, list (paginated), delete, wait."""

import pytest

from ddbtui.dynamo import tables as T
from ddbtui.dynamo.errors import ValidationError
from ddbtui.dynamo.tables import GsiSpec, KeySpec, TableSpec


def test_create_describe_delete_full_spec(client, table_name, engine):
    spec = TableSpec(table_name, KeySpec("pk", "S"), KeySpec("sk", "N"), billing_mode="PROVISIONED",
                     read_capacity=5, write_capacity=4,
                     gsis=[GsiSpec("by_email", KeySpec("email", "S"), projection="KEYS_ONLY")],
                     ttl_attribute="expires_at", tags={"team": "core", "env": "test"})
    T.create_table(client, spec, wait=True)
    info = T.describe_table(client, table_name)
    assert info.status == "ACTIVE"
    assert info.partition_key == KeySpec("pk", "S") and info.sort_key == KeySpec("sk", "N")
    assert info.billing_mode == "PROVISIONED"
    assert (info.read_capacity, info.write_capacity) == (5, 4)
    assert [g["IndexName"] for g in info.gsis] == ["by_email"]
    assert info.ttl.get("AttributeName") == "expires_at"
    assert info.ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
    if engine.chosen == "dynamodb-local":
        assert info.tags == {} and "does not support tags" in info.tags_note
    else:
        assert info.tags == {"team": "core", "env": "test"} and info.tags_note is None
    assert info.arn.endswith(table_name)
    assert info.raw["Table"]["TableName"] == table_name
    assert T.index_keys(info, "by_email") == (KeySpec("email", "S"), None)
    T.delete_table(client, table_name, wait=True)
    assert T.table_status(client, table_name) is None


def test_on_demand_default(client, table_name):
    T.create_table(client, T.wallet_spec(table_name), wait=True)
    info = T.describe_table(client, table_name)
    assert info.billing_mode == "PAY_PER_REQUEST" and info.key_names == ["user_id"]
    assert info.read_capacity is None
    T.delete_table(client, table_name)


def test_list_tables_paginates(client, table_name):
    names = [f"{table_name}_{i}" for i in range(7)]
    for n in names:
        T.create_table(client, TableSpec(n, KeySpec("id")))
    try:
        listed = T.list_tables(client, page_size=3)
        assert set(names) <= set(listed)
        assert len(listed) == len(set(listed))
    finally:
        for n in names:
            T.delete_table(client, n)


def test_list_tables_past_100(moto_engine, table_name):
    """Real 100-per-page limit: 103 tables on moto (cheap there)."""
    from tests.conftest import connection_for
    from ddbtui.dynamo.clients import client_for

    c = client_for(connection_for(moto_engine))
    names = [f"{table_name}_{i:03d}" for i in range(103)]
    for n in names:
        c.create_table(**TableSpec(n, KeySpec("id")).validate().create_kwargs())
    try:
        listed = T.list_tables(c)
        assert set(names) <= set(listed) and len(listed) >= 103
    finally:
        for n in names:
            c.delete_table(TableName=n)


@pytest.mark.parametrize("spec, field", [
    (TableSpec("no", KeySpec("id")), "table_name"),
    (TableSpec("bad name", KeySpec("id")), "table_name"),
    (TableSpec("x" * 256, KeySpec("id")), "table_name"),
    (TableSpec("okname", KeySpec("id", "BOOL")), "pk_type"),
    (TableSpec("okname", KeySpec("id"), gsis=[GsiSpec("i!", KeySpec("a"))]), "gsi0_name"),
])
def test_invalid_spec_creates_nothing(client, spec, field):
    before = set(T.list_tables(client))
    with pytest.raises(ValidationError) as e:
        T.create_table(client, spec)
    assert e.value.field == field and str(e.value)
    assert set(T.list_tables(client)) == before


def test_missing_table_message(client, conn):
    from ddbtui.dynamo.errors import explain

    with pytest.raises(Exception) as e:
        T.describe_table(client, "does_not_exist_here")
    msg = explain(e.value, region=conn.region)
    assert "Not found in region us-east-1" in msg


def test_wait_active_times_out_clearly(client, table_name):
    from ddbtui.dynamo.errors import DdbError

    T.create_table(client, TableSpec(table_name, KeySpec("id")), wait=True)
    with pytest.raises(DdbError) as e:
        T.wait_gone(client, table_name, timeout=0.2, poll=0.05)
    assert "still exists" in str(e.value)
    T.delete_table(client, table_name)
