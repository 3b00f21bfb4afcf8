"""Every DynamoDB client, built from one `Connection`: boto3 (cached per connection and
config), aioboto3, and ddbtui's raw aiohttp client. Endpoint, region and credentials come
from the Connection only, so all of them reach the same place with the same key.

Timeouts: connect 2 s, read 10 s by default, so an unreachable endpoint fails within
seconds instead of hanging (a fault proxy's injected latency raises the read timeout: see
`bench.session`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ddbtui.config import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, Connection
from ddbtui.dynamo.errors import ConnectionProblem

if TYPE_CHECKING:  # pragma: no cover
    from ddbtui.dynamo.raw import RawDynamoClient

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 10.0

_lock = threading.Lock()
_sessions: dict[Connection, Any] = {}
_clients: dict[tuple[Any, ...], Any] = {}


def _endpoint(conn: Connection) -> str:
    if conn.endpoint_url is None:
        raise ConnectionProblem("the local engine has not started yet: no endpoint to talk to")
    return conn.endpoint_url


def session_for(conn: Connection) -> Any:
    """The cached boto3 Session of this connection (dummy keys, or the profile's chain)."""
    import boto3  # lazy: heavy (~0.3 s): only when the first client is built

    with _lock:
        s = _sessions.get(conn)
        if s is None:
            if conn.local_credentials:
                s = boto3.session.Session(aws_access_key_id=LOCAL_ACCESS_KEY,
                                          aws_secret_access_key=LOCAL_SECRET_KEY,
                                          region_name=conn.region)
            else:
                s = boto3.session.Session(profile_name=conn.profile, region_name=conn.region)
            _sessions[conn] = s
        return s


def botocore_config(*, max_pool_connections: int = 10, retry_mode: str = "standard",
                    max_attempts: int | None = None, connect_timeout: float = CONNECT_TIMEOUT,
                    read_timeout: float = READ_TIMEOUT, aio: bool = False) -> Any:
    if aio:
        from aiobotocore.config import AioConfig as Config  # lazy: aioboto3 strategies only
    else:
        from botocore.config import Config  # lazy: botocore costs ~200 ms at start-up

    retries: dict[str, Any]
    if retry_mode == "none":
        retries = {"mode": "standard", "total_max_attempts": 1}
    else:
        retries = {"mode": retry_mode}
        if max_attempts is not None:
            retries["total_max_attempts"] = max_attempts
    kw: dict[str, Any] = {} if aio else {"tcp_keepalive": True}
    return Config(max_pool_connections=max_pool_connections, retries=retries,
                  connect_timeout=connect_timeout, read_timeout=read_timeout, **kw)


def new_client(conn: Connection, **config_kwargs: Any) -> Any:
    """A fresh client (uncached). For the benchmark's anti-pattern strategy, or tests."""
    return session_for(conn).client("dynamodb", endpoint_url=_endpoint(conn),
                                    config=botocore_config(**config_kwargs))


def client_for(conn: Connection, **config_kwargs: Any) -> Any:
    """The cached low-level client for this connection and config."""
    key = (conn, tuple(sorted(config_kwargs.items())))
    with _lock:
        c = _clients.get(key)
    if c is None:
        c = new_client(conn, **config_kwargs)
        with _lock:
            c = _clients.setdefault(key, c)
    return c


def aioboto3_client(conn: Connection, **config_kwargs: Any) -> Any:
    """An aioboto3 client context manager (`async with`) for this connection."""
    import aioboto3  # lazy: only the aioboto3 strategies need it

    if conn.local_credentials:
        session = aioboto3.Session(aws_access_key_id=LOCAL_ACCESS_KEY,
                                   aws_secret_access_key=LOCAL_SECRET_KEY, region_name=conn.region)
    else:
        session = aioboto3.Session(profile_name=conn.profile, region_name=conn.region)
    return session.client("dynamodb", endpoint_url=_endpoint(conn),
                          config=botocore_config(aio=True, **config_kwargs))


def raw_client(conn: Connection, **kw: Any) -> RawDynamoClient:
    """ddbtui's raw aiohttp client for this connection (same endpoint and key as boto3)."""
    kw.setdefault("connect_timeout", CONNECT_TIMEOUT)
    from ddbtui.dynamo.raw import RawDynamoClient  # lazy: start-up (ssl, http1) only for a raw client

    return RawDynamoClient(_endpoint(conn), conn.region, raw_credentials(conn), **kw)


def raw_credentials(conn: Connection) -> Any:
    """What the raw client signs with: the dummy key tuple, or botocore's (refreshable)
    credentials from this connection's chain. Raises ConnectionProblem when there are none."""
    if conn.local_credentials:
        return (LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, None)
    creds = credentials_for(conn)
    if creds is None:
        raise ConnectionProblem(
            "No AWS credentials found for " + conn.describe() + ": set AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, pass --profile, or run `aws sso login`.")
    return creds


def credentials_for(conn: Connection) -> Any:
    """botocore's (refreshable) credentials for this connection, from its normal chain."""
    return session_for(conn).get_credentials()


def access_key_hint(conn: Connection) -> str:
    """Access key id for display (never the secret), or a short reason."""
    if conn.local_credentials:
        return LOCAL_ACCESS_KEY
    try:
        c = credentials_for(conn)
    except Exception:
        return "?"
    if c is None:
        return "no credentials"
    return str(c.access_key)


def clear_cache() -> None:
    with _lock:
        _clients.clear()
        _sessions.clear()
