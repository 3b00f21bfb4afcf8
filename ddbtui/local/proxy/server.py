"""`FaultProxy`: the asyncio server that forwards to the target and injects what its
`FaultConfig` says (decisions driven by the fault table, ddbtui.local.proxy.faults)."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import ssl
import threading
import time
import zlib
from typing import Any
from urllib.parse import urlparse

from ddbtui.local.proxy import http
from ddbtui.local.proxy.faults import FAULTS, FaultConfig, FaultKind, counters, error_body

__all__ = ["FaultProxy", "RESET_PATH", "STATS_PATH"]

STATS_PATH = b"/__ddbtui/stats"
RESET_PATH = b"/__ddbtui/reset"
_MAX_IDLE = 256


class _Upstream:
    """One keep-alive connection to the target."""

    __slots__ = ("reader", "writer", "reused")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass


class _UpstreamError(Exception):
    pass


Forwarded = tuple[bytes, http.Headers, dict[bytes, bytes], bytes]


class FaultProxy:
    """The proxy. `await start()`, use `.url`, `await stop()`; or `async with`."""

    def __init__(self, target_url: str, config: FaultConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0, *, upstream_timeout: float = 120.0) -> None:
        u = urlparse(target_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"the proxy target {target_url!r} is not an http(s) URL like http://127.0.0.1:8000.")
        if u.path not in ("", "/") or u.query:
            raise ValueError(f"the proxy target {target_url!r} must be a bare endpoint with no path or query.")
        self.target_url = target_url.rstrip("/")
        self._t_host = u.hostname
        self._t_port = u.port or (443 if u.scheme == "https" else 80)
        self._t_ssl = ssl.create_default_context() if u.scheme == "https" else None
        self.config = config or FaultConfig()
        self.host = host
        self.port = port
        self.upstream_timeout = upstream_timeout
        self._server: asyncio.Server | None = None
        self._idle: list[_Upstream] = []
        self._clients: set[asyncio.StreamWriter] = set()
        self._lock = threading.Lock()
        self._counts: dict[str, Any] = {}
        self._since = time.time()
        self._fault_rng = random.Random()
        self._jitter_rng = random.Random()
        self._reset_state()

    # ---- lifecycle
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{h}:{self.port}"

    async def start(self) -> FaultProxy:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle_client, self.host, self.port,
                                                      reuse_address=True, backlog=1024)
            self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for w in list(self._clients):
            w.close()
        while self._idle:
            self._idle.pop().close()
        try:
            await asyncio.wait_for(self._server.wait_closed(), 2)
        except Exception:
            pass
        self._server = None

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- counters
    def _reset_state(self) -> None:
        seed = self.config.seed
        with self._lock:
            self._fault_rng = random.Random(seed)
            self._jitter_rng = random.Random(None if seed is None else seed ^ 0x5EED)
            self._counts = {"requests": 0, "forwarded": 0, "faultable": 0, "delayed": 0,
                            "delay_ms_total": 0.0, "upstream_errors": 0,
                            "unprocessed_items": 0, "injected": dict.fromkeys(counters(), 0),
                            "by_op": {}}
            self._since = time.time()

    def reset(self) -> None:
        """Zero the counters and restart the seeded generators (the fault sequence replays)."""
        self._reset_state()

    def stats(self) -> dict[str, Any]:
        """A snapshot: requests, forwarded (and by_op), injected faults by kind, config."""
        with self._lock:
            c = self._counts
            snap = dict(c)
            snap["injected"] = dict(c["injected"])
            snap["by_op"] = dict(c["by_op"])
            snap["injected_total"] = sum(snap["injected"].values())
            snap["since"] = self._since
        snap["target"] = self.target_url
        snap["config"] = self.config.to_dict()
        return snap

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def _inject(self, kind: FaultKind) -> None:
        with self._lock:
            inj = self._counts["injected"]
            inj[kind.counter] = inj.get(kind.counter, 0) + 1

    # ---- decisions
    def _decide(self, op: str | None) -> tuple[FaultKind | None, float]:
        """(fault kind or None, delay seconds) for one request."""
        cfg = self.config
        with self._lock:
            delay = cfg.latency_ms
            if cfg.jitter_ms:
                delay += self._jitter_rng.uniform(-cfg.jitter_ms, cfg.jitter_ms)
            kind: FaultKind | None = None
            if cfg.faults(op) and cfg.any_fault:
                self._counts["faultable"] += 1
                u = self._fault_rng.random()
                acc = 0.0
                for k, rate in cfg.exclusive():
                    acc += rate
                    if u < acc:
                        kind = k
                        break
                if kind is None and op == "BatchWriteItem":
                    # separate draw, only for BatchWriteItem requests, so replay holds
                    for k in FAULTS:
                        if k.action == "unprocessed" and cfg.value(k) and self._fault_rng.random() < cfg.value(k):
                            kind = k
            if delay > 0:
                self._counts["delayed"] += 1
                self._counts["delay_ms_total"] += delay
        return kind, max(0.0, delay) / 1000.0

    def _split_batch(self, body: bytes) -> tuple[bytes, dict[str, list[Any]]] | None:
        """Pick items to hold back from a BatchWriteItem: (forwarded body, unprocessed)."""
        try:
            req = json.loads(body)
            items = req["RequestItems"]
            flat = [(t, r) for t, reqs in items.items() for r in reqs]
        except Exception:
            return None  # let the target reject a malformed request itself
        n = len(flat)
        if n < 2 or n > 25:
            return None
        with self._lock:
            k = self._fault_rng.randint(1, n - 1)
            held = set(self._fault_rng.sample(range(n), k))
        fwd: dict[str, list[Any]] = {}
        unp: dict[str, list[Any]] = {}
        for i, (t, r) in enumerate(flat):
            (unp if i in held else fwd).setdefault(t, []).append(r)
        req["RequestItems"] = fwd
        return json.dumps(req, separators=(",", ":")).encode(), unp

    # ---- upstream
    async def _acquire(self) -> _Upstream:
        while self._idle:
            up = self._idle.pop()
            if not up.reader.at_eof() and not up.writer.is_closing():
                up.reused = True
                return up
            up.close()
        try:
            r, w = await asyncio.open_connection(self._t_host, self._t_port, ssl=self._t_ssl,
                                                 server_hostname=self._t_host if self._t_ssl else None)
        except OSError as e:
            raise _UpstreamError(f"cannot connect to {self.target_url}: {e}") from None
        return _Upstream(r, w)

    def _release(self, up: _Upstream) -> None:
        if len(self._idle) < _MAX_IDLE and self._server is not None:
            up.reused = False
            self._idle.append(up)
        else:
            up.close()

    async def _forward(self, method: bytes, target: bytes, headers: http.Headers, body: bytes) -> Forwarded:
        """Send one request to the target; (status line, headers, index, body)."""
        req = method + b" " + target + b" HTTP/1.1\r\n" + http.build_headers(headers, len(body)) + body
        for attempt in (0, 1):
            up = await self._acquire()
            got_bytes = False
            try:
                async with asyncio.timeout(self.upstream_timeout):
                    up.writer.write(req)
                    await up.writer.drain()
                    while True:
                        status, rh, ri = await http.read_head(up.reader)
                        got_bytes = True
                        code = status[9:12]
                        if not code.startswith(b"1"):
                            break
                    if method == b"HEAD" or code in (b"204", b"304"):
                        rbody = b""
                    elif b"content-length" in ri or b"transfer-encoding" in ri:
                        rbody = await http.read_body(up.reader, ri)
                    else:
                        rbody = await up.reader.read()  # until close
                        ri[b"connection"] = b"close"
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    TimeoutError, http.BadRequest) as e:
                up.close()
                # A pooled connection the target had closed: nothing was processed; retry once.
                if attempt == 0 and up.reused and not got_bytes and not isinstance(e, TimeoutError):
                    continue
                raise _UpstreamError(f"{self.target_url} failed: {type(e).__name__}: {e}") from None
            if b"close" in ri.get(b"connection", b"").lower() or status.startswith(b"HTTP/1.0"):
                up.close()
            else:
                self._release(up)
            return status, rh, ri, rbody
        raise AssertionError("unreachable")

    # ---- one client connection
    async def _handle_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            while True:
                try:
                    start, headers, index = await http.read_head(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                parts = start.split(b" ")
                if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
                    writer.write(http.simple_response(400, b"bad request line", [], True))
                    return
                method, target, version = parts
                if index.get(b"expect", b"").lower() == b"100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await http.read_body(reader, index)
                conn_hdr = index.get(b"connection", b"").lower()
                close = b"close" in conn_hdr or (version == b"HTTP/1.0" and b"keep-alive" not in conn_hdr)
                if target.startswith(b"/__ddbtui/"):
                    writer.write(self._control(method, target, close))
                else:
                    out = await self._handle_request(method, target, headers, index, body, close)
                    if out is None:  # injected drop
                        writer.transport.abort()
                        return
                    writer.write(out)
                await writer.drain()
                if close:
                    return
        except (http.BadRequest, asyncio.LimitOverrunError, ValueError) as e:
            try:
                writer.write(http.simple_response(400, str(e).encode(), [], True))
            except Exception:
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._clients.discard(writer)
            try:
                writer.close()
            except Exception:
                pass

    def _control(self, method: bytes, target: bytes, close: bool) -> bytes:
        path = target.split(b"?", 1)[0]
        hdrs = [(b"Content-Type", b"application/json")]
        if path == STATS_PATH and method == b"GET":
            return http.simple_response(200, json.dumps(self.stats()).encode(), hdrs, close)
        if path == RESET_PATH and method == b"POST":
            self.reset()
            return http.simple_response(200, b'{"reset":true}', hdrs, close)
        if path in (STATS_PATH, RESET_PATH):
            return http.simple_response(405, b'{"message":"GET /__ddbtui/stats, POST /__ddbtui/reset"}',
                                        hdrs, close)
        return http.simple_response(404, b'{"message":"unknown ddbtui proxy path"}', hdrs, close)

    async def _handle_request(self, method: bytes, target: bytes, headers: http.Headers,
                              index: dict[bytes, bytes], body: bytes, close: bool) -> bytes | None:
        """The bytes to answer with, or None to drop the client connection."""
        amz = index.get(b"x-amz-target")
        op = amz.rpartition(b".")[2].decode("ascii", "replace") if amz else None
        with self._lock:
            self._counts["requests"] += 1
        kind, delay = self._decide(op)
        if delay:
            await asyncio.sleep(delay)
        if kind is not None and kind.action == "drop":
            self._inject(kind)
            return None
        if kind is not None and kind.action == "error" and kind.error is not None:
            self._inject(kind)
            eb = error_body(kind.counter)
            return http.simple_response(kind.error[0], eb, http.aws_headers(eb), close)
        unprocessed = None
        if kind is not None and kind.action == "unprocessed":
            split = self._split_batch(body)
            if split is None:
                kind = None
            else:
                body, unprocessed = split
        try:
            status, rh, ri, rbody = await self._forward(method, target, headers, body)
        except _UpstreamError as e:
            self._count("upstream_errors")
            eb = json.dumps({"__type": "ddbtui.proxy#TargetUnreachable",
                             "message": f"The ddbtui proxy could not reach its target: {e}"}).encode()
            return http.simple_response(502, eb, [(b"Content-Type", http.JSON_CT)], True)
        with self._lock:
            self._counts["forwarded"] += 1
            by_op = self._counts["by_op"]
            key = op or method.decode()
            by_op[key] = by_op.get(key, 0) + 1
        if kind is not None and kind.action == "drop_after":
            self._inject(kind)
            return None
        if kind is not None and unprocessed is not None and status[9:12] == b"200":
            rbody = self._merge_unprocessed(rbody, ri, unprocessed)
            rh = [(k, v) for k, v in rh if k.lower() not in (b"x-amz-crc32", b"content-encoding")]
            rh.append((b"x-amz-crc32", b"%d" % zlib.crc32(rbody)))
            self._inject(kind)
            self._count("unprocessed_items", sum(len(v) for v in unprocessed.values()))
        return (status + b"\r\n" + http.build_headers(rh, len(rbody), b"Connection: close\r\n" if close else b"")
                + rbody)

    @staticmethod
    def _merge_unprocessed(rbody: bytes, ri: dict[bytes, bytes], held: dict[str, list[Any]]) -> bytes:
        if b"gzip" in ri.get(b"content-encoding", b"").lower():
            rbody = gzip.decompress(rbody)
        resp = json.loads(rbody or b"{}")
        unp = resp.get("UnprocessedItems") or {}
        for t, reqs in held.items():
            unp.setdefault(t, []).extend(reqs)
        resp["UnprocessedItems"] = unp
        return json.dumps(resp, separators=(",", ":")).encode()
