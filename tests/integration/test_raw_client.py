"""RawDynamoClient against real local engines (DynamoDB Local and moto), no mocks."""

from __future__ import annotations

import pytest

from ddbtui.dynamo.raw import (CallInfo, ConditionalCheckFailed, RawDynamoClient, RawDynamoError,
                               RawValidationError, TransactionCanceled)


def wallet_table(name: str) -> dict:
    return {"TableName": name,
            "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "user_id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"}


def wallet(uid: str, balance: int) -> dict:
    return {"user_id": {"S": uid}, "balance": {"N": str(balance)}}


@pytest.fixture
async def raw(conn, table_name):
    async with RawDynamoClient.from_connection(conn, max_attempts=3, seed=1) as c:
        created = await c.create_table(**wallet_table(table_name))
        assert created["TableDescription"]["TableName"] == table_name
        await c.wait_active(table_name)
        yield c
        try:
            await c.delete_table(table_name)
        except RawDynamoError:
            pass


async def test_put_get_update(raw, table_name, client):
    info = CallInfo()
    assert await raw.put_item(table_name, wallet("u1", 100), info=info) == {}
    assert (info.attempts, info.retries) == (1, 0)
    got = await raw.get_item(table_name, {"user_id": {"S": "u1"}}, consistent_read=True)
    assert got["Item"] == wallet("u1", 100)
    assert await raw.get_item(table_name, {"user_id": {"S": "nobody"}}) == {}

    resp = await raw.update_item(table_name, {"user_id": {"S": "u1"}},
                                 "SET balance = balance - :a", condition="balance >= :a",
                                 values={":a": {"N": "30"}}, return_values="UPDATED_NEW")
    assert resp["Attributes"]["balance"] == {"N": "70"}
    # boto3 sees what the raw client wrote
    assert client.get_item(TableName=table_name, Key={"user_id": {"S": "u1"}},
                           ConsistentRead=True)["Item"]["balance"] == {"N": "70"}

    # unicode survives the round trip
    await raw.put_item(table_name, {"user_id": {"S": "ü-漢字-🙂"}, "balance": {"N": "1"},
                                    "note": {"S": "naïve \"quoted\" \\ back"}})
    got = await raw.get_item(table_name, {"user_id": {"S": "ü-漢字-🙂"}}, consistent_read=True)
    assert got["Item"]["note"] == {"S": "naïve \"quoted\" \\ back"}


async def test_conditional_check_failed_is_typed_and_not_retried(raw, table_name):
    await raw.put_item(table_name, wallet("u1", 10))
    info = CallInfo()
    with pytest.raises(ConditionalCheckFailed) as ei:
        await raw.put_item(table_name, wallet("u1", 5), condition="attribute_not_exists(user_id)",
                           info=info)
    assert ei.value.code == "ConditionalCheckFailedException"
    assert ei.value.status == 400
    assert (info.attempts, info.retries, info.throttles) == (1, 0, 0)

    info = CallInfo()
    with pytest.raises(ConditionalCheckFailed):
        await raw.update_item(table_name, {"user_id": {"S": "u1"}}, "SET balance = balance - :a",
                              condition="balance >= :a", values={":a": {"N": "11"}}, info=info)
    assert info.attempts == 1


async def test_validation_error_is_typed_and_not_retried(raw, table_name):
    info = CallInfo()
    with pytest.raises(RawValidationError) as ei:  # key attribute of the wrong type
        await raw.put_item(table_name, {"user_id": {"N": "1"}}, info=info)
    assert ei.value.code == "ValidationException" and ei.value.message
    assert info.attempts == 1
    with pytest.raises(RawDynamoError) as ei:
        await raw.describe_table("t_does_not_exist_" + table_name)
    assert ei.value.code == "ResourceNotFoundException"
    assert ei.value.status == 400


async def test_batch_write_and_scan_count(raw, table_name):
    items = [wallet(f"user-{i:03d}", i) for i in range(60)]
    info = CallInfo()
    sent = await raw.batch_write(table_name, items, info=info)
    assert sent >= 3
    assert info.attempts >= 3
    assert await raw.scan_count(table_name) == 60


async def test_scan_count_pages(raw, table_name):
    # ~6 KB items so Scan pages (1 MB) are several
    big = "x" * 6000
    items = [{**wallet(f"u{i}", i), "pad": {"S": big}} for i in range(400)]
    await raw.batch_write(table_name, items)
    info = CallInfo()
    assert await raw.scan_count(table_name, info=info) == 400
    assert info.attempts >= 2


async def test_transact_write_items(raw, table_name):
    await raw.batch_write(table_name, [wallet("a", 100), wallet("b", 0)])
    key = lambda u: {"user_id": {"S": u}}  # noqa: E731
    transfer = [
        {"Update": {"TableName": table_name, "Key": key("a"),
                    "UpdateExpression": "SET balance = balance - :x",
                    "ConditionExpression": "balance >= :x",
                    "ExpressionAttributeValues": {":x": {"N": "40"}}}},
        {"Update": {"TableName": table_name, "Key": key("b"),
                    "UpdateExpression": "SET balance = balance + :x",
                    "ExpressionAttributeValues": {":x": {"N": "40"}}}},
    ]
    await raw.transact_write_items(transfer)
    a = await raw.get_item(table_name, key("a"), consistent_read=True)
    b = await raw.get_item(table_name, key("b"), consistent_read=True)
    assert (a["Item"]["balance"], b["Item"]["balance"]) == ({"N": "60"}, {"N": "40"})

    too_much = [dict(t) for t in transfer]
    too_much[0] = {"Update": {**transfer[0]["Update"],
                              "ExpressionAttributeValues": {":x": {"N": "1000"}}}}
    too_much[1] = {"Update": {**transfer[1]["Update"],
                              "ExpressionAttributeValues": {":x": {"N": "1000"}}}}
    info = CallInfo()
    with pytest.raises(TransactionCanceled) as ei:
        await raw.transact_write_items(too_much, client_request_token="tok-" + table_name, info=info)
    assert info.attempts == 1
    assert ei.value.code == "TransactionCanceledException"
    codes = [r.get("Code") for r in ei.value.reasons]
    assert codes[0] == "ConditionalCheckFailed", ei.value.reasons
    a = await raw.get_item(table_name, key("a"), consistent_read=True)
    assert a["Item"]["balance"] == {"N": "60"}


async def test_describe_and_delete(conn, table_name):
    async with RawDynamoClient.from_connection(conn) as c:
        await c.create_table(**wallet_table(table_name))
        table = await c.wait_active(table_name)
        assert table["KeySchema"] == [{"AttributeName": "user_id", "KeyType": "HASH"}]
        desc = await c.describe_table(table_name)
        assert desc["Table"]["TableName"] == table_name
        await c.delete_table(table_name)
        with pytest.raises(RawDynamoError) as ei:
            for _ in range(50):  # DynamoDB Local may show DELETING briefly
                await c.describe_table(table_name)
        assert ei.value.code == "ResourceNotFoundException"


async def test_connection_refused_is_retried_then_raised():
    from ddbtui.dynamo.raw import RawConnectionError
    from ddbtui.local.engine import free_port

    sleeps: list[float] = []

    async def fake_sleep(s):
        sleeps.append(s)

    async with RawDynamoClient(f"http://127.0.0.1:{free_port()}", "us-east-1",
                               ("AKID", "SECRET", None), max_attempts=4, seed=7) as c:
        c._sleep = fake_sleep
        info = CallInfo()
        with pytest.raises(RawConnectionError):
            await c.request("ListTables", {}, info)
    assert (info.attempts, info.retries, info.conn_errors) == (4, 3, 4)
    assert len(sleeps) == 3
