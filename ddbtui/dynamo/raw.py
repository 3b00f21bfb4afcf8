"""A raw DynamoDB client: DynamoDB JSON over aiohttp (public API), signed by
ddbtui.dynamo.sigv4.

What boto3/aioboto3 spend most client CPU on (model-driven serialisation, the event
system, response parsing into Python types) is skipped: the caller passes DynamoDB JSON
(`{"user_id": {"S": "u1"}, "balance": {"N": "10"}}`), the body is serialised once, signed
by the DynamoDB fast path, and the response is `json.loads` of the body.

Retries (visible, counted in `CallInfo`): throttling errors, 5xx, and connection errors
(dropped/reset connections, timeouts) are retried with capped exponential backoff and full
jitter, up to `max_attempts` attempts in all; ConditionalCheckFailed, validation and other
4xx errors never are. TransactWriteItems always carries a ClientRequestToken (a uuid4 unless
the caller gave one), the same on every retry, so a retry after a dropped connection is
idempotent.

Per request: one JSON encode, one signature (keys, scope and header prefixes cached), one
header block; the answer is `json.loads`ed only when it is not "{}". The default transport is
aiohttp's public `ClientSession.post` (a well-kept library, as the strategy's name says).
`transport="http1"` (ddbtui.dynamo.http1, a hand-written HTTP/1.1 pool) is an experimental
opt-in that only the benchmarks use, to measure what aiohttp itself costs. Never imports textual.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from typing import TYPE_CHECKING, Any

from ddbtui.dynamo.http1 import Http1Pool, HttpConnectionError, request_head
from ddbtui.dynamo.sigv4 import DynamoDBSigner

if TYPE_CHECKING:  # pragma: no cover
    from ddbtui.config import Connection

THROTTLE_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException",
                            "RequestLimitExceeded"})
VALIDATION_CODES = frozenset({"ValidationException", "SerializationException"})
RETRYABLE_5XX_CODES = frozenset({"InternalServerError", "ServiceUnavailable",
                                 "InternalFailure", "ServiceUnavailableException"})
BATCH_WRITE_MAX = 25
# "http1": ddbtui.dynamo.http1 (default, the lean path); "aiohttp": aiohttp's public
# ClientSession.post (kept to measure what the lean path saves)
TRANSPORTS = ("http1", "aiohttp")
_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


class CallInfo:
    """Per-call counters, filled in when passed to a client method (accumulates).

    attempts: HTTP requests sent; retries: attempts after the first (error retries, and for
    batch_write also resends of UnprocessedItems); throttles: throttling errors (and batch
    rounds that came back with UnprocessedItems); server_errors: 5xx answers; conn_errors:
    connection failures and timeouts.
    """

    __slots__ = ("attempts", "retries", "throttles", "server_errors", "conn_errors")

    def __init__(self) -> None:
        self.attempts = 0
        self.retries = 0
        self.throttles = 0
        self.server_errors = 0
        self.conn_errors = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self) -> str:
        return "CallInfo(" + ", ".join(f"{k}={v}" for k, v in self.as_dict().items()) + ")"


class RawDynamoError(Exception):
    """An error answer from DynamoDB: `code` (the `__type` after '#'), `message`, HTTP `status`."""

    def __init__(self, code: str, message: str = "", status: int = 0, body: dict | None = None):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.status = status
        self.body = body or {}
        self.operation: str | None = None  # the API call that failed, set by request()


class ThrottledError(RawDynamoError):
    pass


class ConditionalCheckFailed(RawDynamoError):
    pass


class RawValidationError(RawDynamoError):
    pass


class TransactionCanceled(RawDynamoError):
    """`reasons`: the CancellationReasons list ({"Code": "ConditionalCheckFailed", ...} or {"Code": "None"})."""

    def __init__(self, code: str, message: str = "", status: int = 0, body: dict | None = None):
        super().__init__(code, message, status, body)
        self.reasons: list[dict] = list((body or {}).get("CancellationReasons") or [])


class RawConnectionError(RawDynamoError):
    """No HTTP answer (connection refused/reset/dropped, timeout); the cause is chained."""


_XML_CODE = re.compile(rb"<Code>\s*([^<]+?)\s*</Code>", re.S)
_XML_MESSAGE = re.compile(rb"<Message>\s*([^<]*?)\s*</Message>", re.S)
_HTML_TITLE = re.compile(rb"<title>\s*([^<]*?)\s*</title>", re.S | re.I)
_TAGS = re.compile(rb"<[^>]+>")


def parse_error_body(status: int, raw: bytes) -> tuple[str, str, dict[str, Any]]:
    """(code, message, JSON body) of an error answer in any shape: DynamoDB's JSON
    (`__type`/`message`), XML (`<Code>`/`<Message>`, as moto and IAM-style gateways send),
    HTML (a proxy's or load balancer's page: its <title>), or plain text."""
    body: dict[str, Any] = {}
    try:
        parsed = _loads(raw) if raw else {}
        if isinstance(parsed, dict):
            body = parsed
    except ValueError:
        pass
    code = str(body.get("__type") or body.get("code") or "").rpartition("#")[2]
    message = str(body.get("message") or body.get("Message") or "")
    if code:
        return code, message, body
    head = raw[:4096]
    m = _XML_CODE.search(head)
    if m:
        msg = _XML_MESSAGE.search(head)
        return (m.group(1).decode("utf-8", "replace"),
                msg.group(1).decode("utf-8", "replace") if msg else "", body)
    code = f"HTTP{status}"
    t = _HTML_TITLE.search(head)
    if t:
        return code, t.group(1).decode("utf-8", "replace"), body
    text = _TAGS.sub(b" ", head).decode("utf-8", "replace")
    text = " ".join(text.split())[:200]
    return code, message or text, body


def error_from_response(status: int, raw: bytes) -> RawDynamoError:
    """The typed exception for a non-200 DynamoDB answer."""
    code, message, body = parse_error_body(status, raw)
    if code in THROTTLE_CODES:
        cls: type[RawDynamoError] = ThrottledError
    elif code == "ConditionalCheckFailedException":
        cls = ConditionalCheckFailed
    elif code in VALIDATION_CODES:
        cls = RawValidationError
    elif code == "TransactionCanceledException":
        cls = TransactionCanceled
    else:
        cls = RawDynamoError
    return cls(code, message, status, body)


def _is_retryable(err: RawDynamoError) -> bool:
    return (isinstance(err, (ThrottledError, RawConnectionError)) or err.status >= 500
            or err.code in RETRYABLE_5XX_CODES)


class RawDynamoClient:
    """DynamoDB over one keep-alive aiohttp session. Use `async with` (or `await close()`)."""

    def __init__(self, endpoint_url: str, region: str, credentials, *,
                 max_connections: int = 64, connect_timeout: float = 5.0,
                 request_timeout: float = 30.0, max_attempts: int = 10,
                 backoff_base: float = 0.025, backoff_cap: float = 2.0, seed=None,
                 transport: str = "aiohttp"):
        if credentials is None:
            raise RawDynamoError("NoCredentials", "no AWS credentials were found for this connection")
        if not endpoint_url:  # never guess an endpoint: the Connection names it
            raise ValueError("RawDynamoClient needs the endpoint URL of a resolved Connection "
                             "(ddbtui.dynamo.clients.raw_client)")
        self.region = region
        self.endpoint_url = endpoint_url.rstrip("/")
        self.url = self.endpoint_url + "/"
        self.credentials = credentials
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.max_attempts = max(1, int(max_attempts))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._rng = random.Random(seed)
        self._sleep = asyncio.sleep  # tests may replace it
        self.signer = DynamoDBSigner(region, self.endpoint_url)
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}")
        self.transport = transport
        self._path = self.signer.path
        self._host_header = self.signer.host  # what SigV4 signed as `host`
        self._session: Any = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._yurl: Any = None  # yarl.URL (aiohttp transport only)
        self._conn_errors: tuple = ()

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def from_connection(cls, conn: "Connection", **kw) -> "RawDynamoClient":
        """A client for a ddbtui Connection (same as ddbtui.dynamo.clients.raw_client)."""
        from ddbtui.dynamo.clients import raw_client  # lazy: clients imports this module (a circle)

        return raw_client(conn, **kw)

    def _get_session(self) -> Any:
        """The transport for the running loop (built on first use, rebuilt if the loop changed)."""
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and not session.closed and self._session_loop is loop:
            return session
        self._session_loop = loop
        if self.transport == "http1":
            self._session = Http1Pool(self.url, limit=self.max_connections,
                                      connect_timeout=self.connect_timeout,
                                      request_timeout=self.request_timeout)
            self._conn_errors = (HttpConnectionError, OSError, asyncio.TimeoutError)
            return self._session
        import aiohttp  # lazy: only when the first request is sent
        import yarl  # lazy: with aiohttp, on first use

        connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0,
                                         keepalive_timeout=30, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=self.request_timeout, connect=self.connect_timeout)
        # No cookie jar (DynamoDB sets none), no auto headers we do not need, no
        # decompression (we never ask for compressed answers), a pre-parsed URL.
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"), auto_decompress=False)
        self._yurl = yarl.URL(self.url)
        self._conn_errors = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError,
                             asyncio.TimeoutError)
        return self._session

    async def _send(self, operation: str, data: bytes) -> tuple[int, bytes]:
        """One attempt: (HTTP status, body bytes); connection problems raise `_conn_errors`."""
        session = self._get_session()
        headers = self.signer.headers(operation, data, self.credentials)
        if self.transport == "http1":
            return await session.post(request_head(self._path, self._host_header, headers, len(data)) + data)
        async with session.post(self._yurl, data=data, headers=headers) as resp:  # aiohttp public API
            return resp.status, await resp.read()

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def __aenter__(self) -> "RawDynamoClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # ------------------------------------------------------------------- the core
    def backoff(self, retry: int) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**(retry-1))) for retry 1, 2, ..."""
        return self._rng.uniform(0.0, min(self.backoff_cap, self.backoff_base * (2 ** (retry - 1))))

    async def request(self, operation: str, body: dict, info: CallInfo | None = None) -> dict:
        """One API call (`operation` like "PutItem"), with retries; the parsed JSON answer."""
        data = _dumps(body).encode("utf-8")
        attempt = 0
        while True:
            attempt += 1
            if info is not None:
                info.attempts += 1
            try:
                status, raw = await self._send(operation, data)
            except self._conn_errors as e:
                err: RawDynamoError = RawConnectionError("ConnectionError", f"{type(e).__name__}: {e}", 0)
                err.__cause__ = e
                if info is not None:
                    info.conn_errors += 1
            else:
                if status == 200:
                    # PutItem/UpdateItem without ReturnValues answer "{}": skip the parser
                    return _loads(raw) if len(raw) > 2 else {}
                err = error_from_response(status, raw)
                if info is not None:
                    if isinstance(err, ThrottledError):
                        info.throttles += 1
                    elif status >= 500:
                        info.server_errors += 1
            if attempt >= self.max_attempts or not _is_retryable(err):
                err.operation = operation
                raise err
            if info is not None:
                info.retries += 1
            await self._sleep(self.backoff(attempt))

    # -------------------------------------------------------------- item operations
    @staticmethod
    def _expr(body: dict, condition, names, values) -> dict:
        if condition:
            body["ConditionExpression"] = condition
        if names:
            body["ExpressionAttributeNames"] = names
        if values:
            body["ExpressionAttributeValues"] = values
        return body

    async def put_item(self, table: str, item: dict, *, condition: str | None = None,
                       names: dict | None = None, values: dict | None = None,
                       return_values: str | None = None, info: CallInfo | None = None) -> dict:
        body = self._expr({"TableName": table, "Item": item}, condition, names, values)
        if return_values:
            body["ReturnValues"] = return_values
        return await self.request("PutItem", body, info)

    async def get_item(self, table: str, key: dict, *, consistent_read: bool = False,
                       projection: str | None = None, names: dict | None = None,
                       info: CallInfo | None = None) -> dict:
        """The GetItem answer: {"Item": {...}} or {} when there is no such item."""
        body: dict = {"TableName": table, "Key": key}
        if consistent_read:
            body["ConsistentRead"] = True
        if projection:
            body["ProjectionExpression"] = projection
        if names:
            body["ExpressionAttributeNames"] = names
        return await self.request("GetItem", body, info)

    async def update_item(self, table: str, key: dict, update: str, *,
                          condition: str | None = None, names: dict | None = None,
                          values: dict | None = None, return_values: str | None = None,
                          info: CallInfo | None = None) -> dict:
        body = self._expr({"TableName": table, "Key": key, "UpdateExpression": update},
                          condition, names, values)
        if return_values:
            body["ReturnValues"] = return_values
        return await self.request("UpdateItem", body, info)

    async def delete_item(self, table: str, key: dict, *, condition: str | None = None,
                          names: dict | None = None, values: dict | None = None,
                          info: CallInfo | None = None) -> dict:
        body = self._expr({"TableName": table, "Key": key}, condition, names, values)
        return await self.request("DeleteItem", body, info)

    async def batch_write(self, table: str, put_items: list[dict],
                          info: CallInfo | None = None) -> int:
        """Put all items, 25 per BatchWriteItem, resending UnprocessedItems until done.

        Resends back off (capped exponential, full jitter; the backoff restarts when a round
        makes progress). Returns the number of BatchWriteItem calls made (first sends plus
        resends; HTTP-level error retries are in `info.attempts`). Gives up with
        ThrottledError after `max_attempts * 10` consecutive rounds that made no progress.
        """
        sent = 0
        for start in range(0, len(put_items), BATCH_WRITE_MAX):
            pending = [{"PutRequest": {"Item": it}} for it in put_items[start:start + BATCH_WRITE_MAX]]
            stalled = 0
            while pending:
                resp = await self.request("BatchWriteItem", {"RequestItems": {table: pending}}, info)
                sent += 1
                left = (resp.get("UnprocessedItems") or {}).get(table) or []
                if not left:
                    break
                stalled = stalled + 1 if len(left) >= len(pending) else 1
                if stalled > self.max_attempts * 10:
                    raise ThrottledError("UnprocessedItems",
                                         f"{len(left)} items still unprocessed after {sent} requests",
                                         200, resp)
                if info is not None:
                    info.retries += 1
                    info.throttles += 1
                pending = left
                await self._sleep(self.backoff(stalled))
        return sent

    async def transact_write_items(self, items: list[dict], client_request_token: str | None = None,
                                   info: CallInfo | None = None) -> dict:
        """TransactWriteItems; the token (given or a fresh uuid4) is the same on every retry."""
        body = {"TransactItems": items,
                "ClientRequestToken": client_request_token or str(uuid.uuid4())}
        return await self.request("TransactWriteItems", body, info)

    async def scan_count(self, table: str, *, consistent_read: bool = False,
                         info: CallInfo | None = None) -> int:
        """Number of items (Scan Select=COUNT over all pages)."""
        body: dict = {"TableName": table, "Select": "COUNT"}
        if consistent_read:
            body["ConsistentRead"] = True
        total = 0
        while True:
            resp = await self.request("Scan", body, info)
            total += int(resp.get("Count", 0))
            lek = resp.get("LastEvaluatedKey")
            if not lek:
                return total
            body = {**body, "ExclusiveStartKey": lek}

    # ------------------------------------------------------------------------ tables
    async def create_table(self, **kwargs) -> dict:
        """CreateTable with the API's own parameters (TableName=..., KeySchema=..., ...)."""
        return await self.request("CreateTable", kwargs)

    async def delete_table(self, name: str) -> dict:
        return await self.request("DeleteTable", {"TableName": name})

    async def describe_table(self, name: str) -> dict:
        """The DescribeTable answer ({"Table": {...}})."""
        return await self.request("DescribeTable", {"TableName": name})

    async def wait_active(self, name: str, timeout: float = 60.0, interval: float = 0.2) -> dict:
        """Poll DescribeTable until the table is ACTIVE; its Table description."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            table = (await self.describe_table(name))["Table"]
            if table.get("TableStatus") == "ACTIVE":
                return table
            if loop.time() > deadline:
                raise RawDynamoError("Timeout", f"table {name} not ACTIVE after {timeout:.0f}s")
            await asyncio.sleep(interval)
