"""Retry/backoff of RawDynamoClient against a tiny scripted aiohttp server on 127.0.0.1.

Neither DynamoDB Local nor moto throttles, drops connections or returns UnprocessedItems,
so this real HTTP server plays DynamoDB with scripted answers. Only time is faked (the
client's sleep is replaced to record the backoff instead of waiting).
"""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from ddbtui.dynamo.raw import (CallInfo, ConditionalCheckFailed, RawConnectionError,
                               RawDynamoClient, RawDynamoError, ThrottledError,
                               TransactionCanceled)

PREFIX = "com.amazonaws.dynamodb.v20120810#"


class Script:
    """Answers, in order, for the requests the server receives; then 200 {}."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[dict] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append({"target": request.headers.get("X-Amz-Target"),
                              "auth": request.headers.get("Authorization"),
                              "body": json.loads(body)})
        answer = self.answers.pop(0) if self.answers else (200, {})
        if answer == "drop":  # close the connection without answering
            request.transport.close()
            raise ConnectionResetError("dropped")
        if callable(answer):
            answer = answer(self.requests[-1]["body"])
        status, payload = answer
        return web.Response(status=status, body=json.dumps(payload).encode(),
                            content_type="application/x-amz-json-1.0")


def err(code: str, status: int = 400, **extra):
    return (status, {"__type": PREFIX + code, "message": f"scripted {code}", **extra})


@pytest.fixture
async def server():
    scripts: list[Script] = []

    async def handler(request):
        return await scripts[-1].handle(request)

    app = web.Application()
    app.router.add_post("/", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    def use(*answers) -> Script:
        scripts.append(Script(*answers))
        return scripts[-1]

    use.url = f"http://127.0.0.1:{port}"
    yield use
    await runner.cleanup()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
async def client(server, sleeps):
    async def fake_sleep(s):
        sleeps.append(s)

    c = RawDynamoClient(server.url, "us-east-1", ("AKID", "SECRET", None), max_attempts=5,
                        backoff_base=0.1, backoff_cap=0.5, seed=42)
    c._sleep = fake_sleep
    yield c
    await c.close()


async def test_throttled_then_success(server, client, sleeps):
    script = server(err("ProvisionedThroughputExceededException"), err("ThrottlingException"),
                    err("RequestLimitExceeded"), (200, {"ok": 1}))
    info = CallInfo()
    assert await client.put_item("t", {"k": {"S": "1"}}, info=info) == {"ok": 1}
    assert info.as_dict() == {"attempts": 4, "retries": 3, "throttles": 3,
                              "server_errors": 0, "conn_errors": 0}
    assert len(script.requests) == 4
    # capped exponential full jitter: retry k sleeps in [0, min(cap, base * 2**(k-1))]
    assert len(sleeps) == 3
    for k, s in enumerate(sleeps, start=1):
        assert 0 <= s <= min(0.5, 0.1 * 2 ** (k - 1))
    # every attempt is freshly signed and well-formed
    assert all(r["auth"].startswith("AWS4-HMAC-SHA256 Credential=AKID/") for r in script.requests)
    assert {r["target"] for r in script.requests} == {"DynamoDB_20120810.PutItem"}


async def test_backoff_is_reproducible_with_a_seed(server, client, sleeps):
    server(*[err("ThrottlingException")] * 4)
    await client.request("ListTables", {})
    other = RawDynamoClient(server.url, "us-east-1", ("AKID", "SECRET", None),
                            backoff_base=0.1, backoff_cap=0.5, seed=42)
    assert [other.backoff(k) for k in range(1, 5)] == sleeps
    # the cap holds for late retries
    assert all(other.backoff(k) <= 0.5 for k in range(5, 40))


async def test_gives_up_after_max_attempts(server, client, sleeps):
    server(*[err("ProvisionedThroughputExceededException")] * 10)
    info = CallInfo()
    with pytest.raises(ThrottledError) as ei:
        await client.request("PutItem", {"TableName": "t"}, info)
    assert ei.value.code == "ProvisionedThroughputExceededException"
    assert ei.value.status == 400 and ei.value.message == "scripted ProvisionedThroughputExceededException"
    assert (info.attempts, info.retries, info.throttles) == (5, 4, 5)
    assert len(sleeps) == 4


async def test_server_errors_are_retried(server, client):
    server(err("InternalServerError", 500), (503, {"__type": "ServiceUnavailable",
                                                   "Message": "capital M message"}), (200, {}))
    info = CallInfo()
    await client.request("PutItem", {}, info)
    assert (info.attempts, info.retries, info.server_errors) == (3, 2, 2)


async def test_server_error_message_key_variants(server, client):
    server(*[(503, {"__type": "ServiceUnavailable", "Message": "capital M message"})] * 5)
    with pytest.raises(RawDynamoError) as ei:
        await client.request("PutItem", {})
    assert (ei.value.code, ei.value.message, ei.value.status) == ("ServiceUnavailable",
                                                                  "capital M message", 503)


async def test_conditional_check_failed_is_not_retried(server, client, sleeps):
    script = server(err("ConditionalCheckFailedException"), (200, {}))
    info = CallInfo()
    with pytest.raises(ConditionalCheckFailed) as ei:
        await client.put_item("t", {"k": {"S": "1"}}, condition="attribute_not_exists(k)", info=info)
    assert ei.value.code == "ConditionalCheckFailedException"
    assert (info.attempts, info.retries) == (1, 0)
    assert len(script.requests) == 1 and sleeps == []


async def test_validation_error_is_not_retried(server, client):
    from ddbtui.dynamo.raw import RawValidationError

    server(err("ValidationException"), (200, {}))
    info = CallInfo()
    with pytest.raises(RawValidationError):
        await client.request("PutItem", {}, info)
    assert info.attempts == 1


async def test_dropped_connection_retried_and_transaction_token_reused(server, client):
    script = server("drop", "drop", (200, {}))
    info = CallInfo()
    await client.transact_write_items([{"Put": {"TableName": "t", "Item": {"k": {"S": "1"}}}}],
                                      info=info)
    assert (info.attempts, info.retries, info.conn_errors) == (3, 2, 2)
    tokens = {r["body"]["ClientRequestToken"] for r in script.requests}
    assert len(script.requests) == 3 and len(tokens) == 1
    assert len(tokens.pop()) == 36  # a uuid4

    script = server("drop", (200, {}))
    await client.transact_write_items([], client_request_token="mine")
    assert [r["body"]["ClientRequestToken"] for r in script.requests] == ["mine", "mine"]


async def test_dropped_connection_exhausts_attempts(server, client):
    server(*["drop"] * 5)
    info = CallInfo()
    with pytest.raises(RawConnectionError) as ei:
        await client.request("PutItem", {}, info)
    assert info.conn_errors == 5 and info.attempts == 5
    assert ei.value.__cause__ is not None


async def test_transaction_canceled_has_reasons(server, client):
    server(err("TransactionCanceledException",
               CancellationReasons=[{"Code": "ConditionalCheckFailed", "Message": "no"},
                                    {"Code": "None"}]))
    info = CallInfo()
    with pytest.raises(TransactionCanceled) as ei:
        await client.transact_write_items([], info=info)
    assert [r["Code"] for r in ei.value.reasons] == ["ConditionalCheckFailed", "None"]
    assert info.attempts == 1


async def test_batch_write_resends_unprocessed_items(server, client, sleeps):
    def half_unprocessed(body):
        reqs = body["RequestItems"]["t"]
        keep = reqs[len(reqs) // 2:]
        return 200, {"UnprocessedItems": {"t": keep} if keep else {}}

    # first chunk: processed in 3 rounds (25 -> 13 -> 7 left...), one throttle error between
    script = server(half_unprocessed, err("ProvisionedThroughputExceededException"),
                    half_unprocessed, (200, {"UnprocessedItems": {}}), (200, {}))
    items = [{"k": {"S": f"i{i}"}} for i in range(30)]
    info = CallInfo()
    sent = await client.batch_write("t", items, info=info)
    # chunk 1: 25 -> 13 left -> (throttle, retried) -> 7 left -> done; chunk 2: 5 items at once
    assert sent == 4
    assert info.attempts == 5 and info.throttles == 3 and info.retries == 3
    delivered = [r["body"]["RequestItems"]["t"] for r in script.requests]
    assert [len(d) for d in delivered] == [25, 13, 13, 7, 5]
    seen = {}
    for d in delivered:
        for r in d:
            seen[r["PutRequest"]["Item"]["k"]["S"]] = 1
    assert len(seen) == 30
    assert len(sleeps) == 3


async def test_batch_write_empty_and_chunking(server, client):
    script = server()
    assert await client.batch_write("t", []) == 0
    assert await client.batch_write("t", [{"k": {"S": str(i)}} for i in range(60)]) == 3
    assert [len(r["body"]["RequestItems"]["t"]) for r in script.requests] == [25, 25, 10]


async def test_refreshable_credentials_are_refreshed_per_sign(server):
    """A botocore RefreshableCredentials is asked for frozen credentials on every sign."""
    import datetime as dt

    from botocore.credentials import RefreshableCredentials

    calls = []

    def refresh():
        calls.append(1)
        # inside the 10-minute mandatory-refresh window, so every sign refreshes: AK1, AK2, ...
        return {"access_key": f"AK{len(calls)}", "secret_key": "S", "token": f"TOK{len(calls)}",
                "expiry_time": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)).isoformat()}

    creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    calls.clear()
    script = server((200, {}), (200, {}))
    async with RawDynamoClient(server.url, "eu-west-1", creds) as c:
        await c.request("ListTables", {})
        await c.request("ListTables", {})
    auths = [r["auth"] for r in script.requests]
    assert "Credential=AK1/" in auths[0] and "Credential=AK2/" in auths[1]
    assert all("x-amz-security-token" in a for a in auths)
    assert all("/eu-west-1/dynamodb/aws4_request" in a for a in auths)


async def test_from_connection_uses_the_credential_chain(server, monkeypatch):
    from ddbtui.config import LOCAL_ACCESS_KEY, Connection
    from ddbtui.dynamo.clients import clear_cache

    script = server((200, {}), (200, {}))
    local = Connection(region="us-east-1").with_endpoint(server.url)
    assert local.local_credentials
    async with RawDynamoClient.from_connection(local, max_connections=4) as c:
        assert c.max_connections == 4
        await c.request("ListTables", {})
    assert f"Credential={LOCAL_ACCESS_KEY}/" in script.requests[0]["auth"]

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-from-env")
    clear_cache()
    remote = Connection(endpoint_url=server.url, region="ap-south-1", local_credentials=False)
    try:
        async with RawDynamoClient.from_connection(remote) as c:
            await c.request("ListTables", {})
    finally:
        clear_cache()
    assert "Credential=AKIAFROMENV/" in script.requests[1]["auth"]
    assert "x-amz-security-token" in script.requests[1]["auth"]


def test_never_guesses_an_endpoint():
    """The raw client used to build dynamodb.<region>.amazonaws.com itself when the
    Connection had none (a profile's endpoint_url was then ignored): now the Connection
    names the endpoint and the client refuses to guess."""
    from ddbtui.config import Connection
    from ddbtui.dynamo.clients import raw_client

    with pytest.raises(ValueError, match="resolved Connection"):
        RawDynamoClient(None, "eu-central-1", ("a", "b", None))
    aws = Connection(endpoint_url="https://dynamodb.eu-central-1.amazonaws.com", region="eu-central-1",
                     local_credentials=True)
    c = raw_client(aws)
    assert c.url == "https://dynamodb.eu-central-1.amazonaws.com/"
    assert c.signer.host == "dynamodb.eu-central-1.amazonaws.com"
