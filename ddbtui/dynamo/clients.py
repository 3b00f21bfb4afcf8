"""One cached boto3 session and client per Connection: never a client per call."""

from __future__ import annotations

import threading
from typing import Any

from ddbtui.config import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, Connection

_lock = threading.Lock()
_sessions: dict[Connection, Any] = {}
_clients: dict[tuple, Any] = {}


def session_for(conn: Connection):
    import boto3

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
                    max_attempts: int | None = None, connect_timeout: float = 5,
                    read_timeout: float = 30):
    from botocore.config import Config

    retries: dict[str, Any]
    if retry_mode == "none":
        retries = {"mode": "standard", "total_max_attempts": 1}
    else:
        retries = {"mode": retry_mode}
        if max_attempts is not None:
            retries["total_max_attempts"] = max_attempts
    return Config(max_pool_connections=max_pool_connections, retries=retries,
                  connect_timeout=connect_timeout, read_timeout=read_timeout,
                  tcp_keepalive=True)


def new_client(conn: Connection, **config_kwargs):
    """A fresh client (uncached). For the benchmark's anti-pattern strategy, or tests."""
    return session_for(conn).client("dynamodb", endpoint_url=conn.endpoint_url,
                                    config=botocore_config(**config_kwargs))


def client_for(conn: Connection, **config_kwargs):
    """The cached low-level client for this connection and config."""
    key = (conn, tuple(sorted(config_kwargs.items())))
    with _lock:
        c = _clients.get(key)
    if c is None:
        c = new_client(conn, **config_kwargs)
        with _lock:
            c = _clients.setdefault(key, c)
    return c


def credentials_for(conn: Connection):
    """botocore's (refreshable) credentials for this connection, from its normal chain."""
    return session_for(conn)._session.get_credentials()


def access_key_hint(conn: Connection) -> str:
    """Access key id for display (never the secret), or a short reason."""
    if conn.local_credentials:
        return "local"
    try:
        c = credentials_for(conn)
    except Exception:
        return "?"
    if c is None:
        return "no credentials"
    return c.access_key


def clear_cache() -> None:
    with _lock:
        _clients.clear()
        _sessions.clear()
