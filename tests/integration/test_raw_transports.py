"""The raw client's two transports — the lean HTTP/1.1 pool (default) and aiohttp's public
ClientSession.post — against DynamoDB Local, through the fault proxy with retries, and the
lean pool's HTTP framing cases against a scripted loopback server."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from ddbtui.dynamo.raw import (
    CallInfo,
    RawConnectionError,
    RawDynamoClient,
    RawDynamoError,
)
from ddbtui.local.proxy import FaultConfig, ProxyThread

TRANSPORTS = ("http1", "aiohttp")


def _table(name: str) -> dict:
    return {"TableName": name, "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"}


def _item(i: int) -> dict:
    return {"k": {"S": f"k{i:05d}"}, "n": {"N": str(i)}, "s": {"S": "ünïcødé ✓"}}


@pytest.mark.dynamodb_local
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_transport_against_dynamodb_local(dynamodb_local_engine, transport):
    url = dynamodb_local_engine.endpoint_url
    name = f"t-{uuid.uuid4().hex[:8]}"
    async with RawDynamoClient(url, "us-east-1", ("local", "local", None), transport=transport,
                               max_connections=4) as c:
        await c.create_table(**_table(name))
        await c.wait_active(name)
        try:
            await asyncio.gather(*(c.put_item(name, _item(i)) for i in range(40)))
            assert (await c.get_item(name, {"k": {"S": "k00007"}}))["Item"] == _item(7)
            assert await c.get_item(name, {"k": {"S": "nope"}}) == {}
            await c.batch_write(name, [_item(i) for i in range(40, 90)])
            assert await c.scan_count(name) == 90
            with pytest.raises(RawDynamoError) as ei:
                await c.put_item(name, {"other": {"S": "x"}})
            assert ei.value.code == "ValidationException"
        finally:
            await c.delete_table(name)


@pytest.mark.dynamodb_local
@pytest.mark.timeout(120)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_transport_through_fault_proxy_retries_to_completion(dynamodb_local_engine, transport):
    url = dynamodb_local_engine.endpoint_url
    name = f"t-{uuid.uuid4().hex[:8]}"
    cfg = FaultConfig(throttle_rate=0.05, error_500_rate=0.05, drop_rate=0.04, drop_after_rate=0.03, seed=3)
    n = 150

    async def go(proxy_url: str) -> tuple[int, CallInfo]:
        info = CallInfo()
        async with RawDynamoClient(url, "us-east-1", ("local", "local", None)) as admin:
            await admin.create_table(**_table(name))
            await admin.wait_active(name)
            async with RawDynamoClient(proxy_url, "us-east-1", ("local", "local", None), transport=transport,
                                       max_connections=8, max_attempts=10, backoff_base=0.001, seed=1) as c:
                sem = asyncio.Semaphore(8)

                async def put(i: int) -> None:
                    async with sem:
                        await c.put_item(name, _item(i), info=info)

                await asyncio.gather(*(put(i) for i in range(n)))
            count = await admin.scan_count(name)
            await admin.delete_table(name)
        return count, info

    with ProxyThread(url, cfg) as proxy:
        count, info = asyncio.run(go(proxy.url))
    assert count == n
    assert info.attempts == n + info.retries
    assert info.throttles > 0 and info.server_errors > 0 and info.conn_errors > 0, info
    assert info.retries == info.throttles + info.server_errors + info.conn_errors


# ------------------------------------------------------- framing (scripted server)
class _Scripted:
    """A loopback HTTP server answering each request with the next scripted raw answer
    (None: never answer). Counts connections."""

    def __init__(self, answers: list[bytes | None]):
        self.answers = list(answers)
        self.connections = 0
        self.server: asyncio.AbstractServer | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                await reader.readexactly(length)
                answer = self.answers.pop(0)
                if answer is None:
                    await asyncio.sleep(30)
                    return
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer or b"Content-Length" not in answer and b"chunked" not in answer:
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc) -> None:
        assert self.server is not None
        self.server.close()


def _ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body), extra, body)


async def test_http1_framing_cases():
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\n{\"Tab\r\nd\r\nleNames\":[\"a\"\r\n2\r\n]}\r\n0\r\n\r\n")
    until_close = b"HTTP/1.1 200 OK\r\n\r\n{\"TableNames\":[\"c\"]}"
    answers = [b"HTTP/1.1 100 Continue\r\n\r\n" + _ok(b'{"TableNames":["x"]}'),
               chunked, _ok(b'{"TableNames":["b"]}', b"Connection: close\r\n"), until_close, _ok(b"{}")]
    srv = _Scripted(answers)
    async with srv as url:
        async with RawDynamoClient(url, "us-east-1", ("a", "b", None), max_connections=1,
                                   transport="http1") as c:
            assert await c.request("ListTables", {}) == {"TableNames": ["x"]}
            assert await c.request("ListTables", {}) == {"TableNames": ["a"]}
            assert await c.request("ListTables", {}) == {"TableNames": ["b"]}
            assert await c.request("ListTables", {}) == {"TableNames": ["c"]}
            assert await c.request("PutItem", {}) == {}
    # keep-alive reuse on the first two; "Connection: close" and read-to-close each end one
    assert srv.connections == 3


async def test_http1_request_timeout_and_cut_answer_are_connection_errors():
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\nConnection: close\r\n\r\n{\"Tab"
    srv = _Scripted([None, cut, _ok(b'{"TableNames":[]}')])
    async with srv as url:
        async with RawDynamoClient(url, "us-east-1", ("a", "b", None), max_connections=1,
                                   request_timeout=0.5, max_attempts=1, transport="http1") as c:
            with pytest.raises(RawConnectionError, match="request timeout"):
                await c.request("ListTables", {})
            with pytest.raises(RawConnectionError, match="closed before the answer"):
                await c.request("ListTables", {})
            assert await c.request("ListTables", {}) == {"TableNames": []}
