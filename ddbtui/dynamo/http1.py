"""A lean HTTP/1.1 keep-alive client for one origin, on asyncio protocols (the raw client's
request path).

Why not aiohttp's ClientSession: its public request path (`session.post`) costs ~120 µs of
CPU per request here (request/response objects, header multidicts, tracing hooks, timers,
stream readers), more than everything else a DynamoDB PutItem needs together. This client
does one thing: POST a prebuilt header block and body on a pooled connection, read one
answer (Content-Length, chunked, or until close), hand back (status, body).

- Pool: at most `limit` connections; idle ones are reused (LIFO) unless idle longer than
  `keepalive` seconds or closed by the server. TCP_NODELAY is asyncio's default.
- Timeouts: `connect_timeout` per new connection; `request_timeout` per request (from send
  to the last body byte), enforced by one sweeper task per pool, not a timer per request.
- Errors (no answer): `HttpConnectionError` (a ConnectionError): refused/reset/dropped
  connection, answer cut short, unparsable answer, timeout. The connection is discarded.
- https: the system CA store (certifi's when installed) and hostname verification.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024


class HttpConnectionError(ConnectionError):
    """The request got no (complete) HTTP answer."""


def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi  # lazy: botocore's CA bundle when present, like boto3

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with botocore
        return ssl.create_default_context()


class _Conn(asyncio.Protocol):
    __slots__ = (
        "body_start",
        "buf",
        "chunked",
        "close_after",
        "closed",
        "deadline",
        "idle_since",
        "need",
        "pool",
        "status",
        "transport",
        "waiter",
    )

    def __init__(self, pool: Http1Pool):
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False
        self.body_start = -1   # index of the body in buf once the head is parsed
        self.need = -1         # total bytes of head + body (Content-Length), -2: read to EOF
        self.status = 0
        self.close_after = False
        self.chunked = False
        self.deadline = 0.0
        self.idle_since = 0.0

    # -------------------------------------------------------------- protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        w = self.waiter
        if w is not None and not w.done():
            if self.need == -2 and self.body_start >= 0:  # body delimited by the close
                self._deliver(bytes(self.buf[self.body_start:]))
                return
            err = HttpConnectionError("connection closed before the answer was complete"
                                      + (f": {exc}" if exc else ""))
            err.__cause__ = exc
            w.set_exception(err)

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost reports it

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:  # unsolicited bytes: the connection is not reusable
            self.abort()
            return
        self.buf += data
        if self.body_start < 0 and not self._parse_head():
            return
        if self.chunked:
            self._try_chunked()
        elif self.need >= 0 and len(self.buf) >= self.need:
            body = bytes(self.buf[self.body_start:self.need])
            del self.buf[:self.need]
            self._deliver(body)

    # --------------------------------------------------------------- parsing
    def _parse_head(self) -> bool:
        buf = self.buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > MAX_HEAD:
                self._fail("answer head too long")
            return False
        try:
            lines = bytes(buf[:end]).split(b"\r\n")
            version, _, rest = lines[0].partition(b" ")
            status = int(rest[:3])
            length = -2
            close = version != b"HTTP/1.1"
            chunked = False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                n = name.strip().lower()
                if n == b"content-length":
                    length = int(value)
                elif n == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                elif n == b"connection":
                    v = value.strip().lower()
                    close = v == b"close" or (close and v != b"keep-alive")
        except ValueError:
            self._fail("unparsable answer head")
            return False
        if 100 <= status < 200:  # 100 Continue and friends: skip, wait for the real answer
            del buf[:end + 4]
            return self._parse_head() if buf else False
        self.status = status
        self.body_start = end + 4
        self.close_after = close
        self.chunked = chunked
        if chunked:
            self.need = -1
        elif length >= 0:
            self.need = end + 4 + length
        elif status in (204, 304):
            self.need = end + 4
        else:
            self.need = -2
            self.close_after = True
        return True

    def _try_chunked(self) -> None:
        buf, pos, out = self.buf, self.body_start, bytearray()
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return
            try:
                size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
            except ValueError:
                self._fail("bad chunk size")
                return
            if size == 0:
                trailer_end = buf.find(b"\r\n\r\n", eol)
                if trailer_end < 0 and buf[eol:eol + 4] != b"\r\n\r\n":
                    return
                end = eol + 4 if buf[eol:eol + 4] == b"\r\n\r\n" else trailer_end + 4
                del buf[:end]
                self._deliver(bytes(out))
                return
            if len(buf) < eol + 2 + size + 2:
                return
            out += buf[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2

    def _deliver(self, body: bytes) -> None:
        w, self.waiter = self.waiter, None
        status = self.status
        self.body_start = self.need = -1
        self.chunked = False
        if self.close_after or self.buf:
            self.abort()
        if w is not None and not w.done():
            w.set_result((status, body))

    def _fail(self, why: str) -> None:
        w, self.waiter = self.waiter, None
        self.abort()
        if w is not None and not w.done():
            w.set_exception(HttpConnectionError(why))

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class Http1Pool:
    """POST to one origin over pooled keep-alive HTTP/1.1 connections."""

    def __init__(self, url: str, *, limit: int = 64, connect_timeout: float = 5.0,
                 request_timeout: float = 30.0, keepalive: float = 30.0):
        u = urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.host = u.hostname
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.ssl: ssl.SSLContext | None = _ssl_context() if u.scheme == "https" else None
        self.limit = max(1, limit)
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.keepalive = keepalive
        self._idle: list[_Conn] = []
        self._busy: set[_Conn] = set()
        self._sem = asyncio.Semaphore(self.limit)
        self._loop = asyncio.get_running_loop()
        self._sweeper: asyncio.Task[None] | None = None
        self.closed = False

    async def _connect(self) -> _Conn:
        loop = self._loop
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(lambda: _Conn(self), self.host, self.port, ssl=self.ssl,
                                       server_hostname=self.host if self.ssl else None),
                self.connect_timeout)
        except TimeoutError as e:
            raise HttpConnectionError(f"connect to {self.host}:{self.port} timed out") from e
        except OSError as e:
            raise HttpConnectionError(f"cannot connect to {self.host}:{self.port}: {e}") from e
        return conn

    def _take_idle(self) -> _Conn | None:
        idle, now = self._idle, self._loop.time()
        while idle:
            c = idle.pop()
            if not c.closed and now - c.idle_since < self.keepalive:
                return c
            c.abort()
        return None

    async def post(self, request: bytes) -> tuple[int, bytes]:
        """Send one complete request (head + body); (status, body) of its answer."""
        if self.closed:
            raise HttpConnectionError("client closed")
        sem = self._sem
        await sem.acquire()
        conn: _Conn | None = None
        try:
            conn = self._take_idle() or await self._connect()
            if self._sweeper is None:
                self._sweeper = self._loop.create_task(self._sweep())
            waiter: asyncio.Future[tuple[int, bytes]] = self._loop.create_future()
            conn.waiter = waiter
            conn.deadline = self._loop.time() + self.request_timeout
            self._busy.add(conn)
            assert conn.transport is not None
            conn.transport.write(request)
            result = await waiter
            return result
        except asyncio.CancelledError:
            if conn is not None:
                conn.abort()
            raise
        finally:
            if conn is not None:
                self._busy.discard(conn)
                if conn.closed or conn.waiter is not None:
                    conn.abort()
                else:
                    conn.idle_since = self._loop.time()
                    self._idle.append(conn)
            sem.release()

    async def _sweep(self) -> None:
        """Abort requests past their deadline (one task per pool instead of a timer each)."""
        step = min(1.0, self.request_timeout / 4) if self.request_timeout > 0 else 1.0
        while not self.closed:
            await asyncio.sleep(step)
            now = self._loop.time()
            for c in list(self._busy):
                w = c.waiter
                if w is not None and now > c.deadline:
                    c.waiter = None
                    c.abort()
                    if not w.done():
                        w.set_exception(HttpConnectionError(
                            f"no answer within {self.request_timeout:g} s (request timeout)"))

    async def close(self) -> None:
        self.closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for c in self._idle + list(self._busy):
            c.abort()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports' close callbacks run

    def __repr__(self) -> str:
        return f"Http1Pool({self.host}:{self.port}, idle={len(self._idle)}, busy={len(self._busy)})"


def request_head(path: str, host_header: str, headers: dict[str, Any], length: int) -> bytes:
    """An HTTP/1.1 POST head: request line, Host, Content-Length, then `headers`."""
    parts = [f"POST {path} HTTP/1.1\r\nHost: {host_header}\r\nContent-Length: {length}\r\n"]
    parts.extend(f"{k}: {v}\r\n" for k, v in headers.items())
    parts.append("\r\n")
    return "".join(parts).encode("latin-1")
