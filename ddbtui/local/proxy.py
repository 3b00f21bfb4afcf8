"""A fault and latency proxy in front of a DynamoDB endpoint (no textual, no aiohttp).

Local engines answer in ~1 ms and never throttle; real DynamoDB answers in 5-100 ms,
throttles, fails now and then, and sometimes applies a write whose answer never arrives.
`FaultProxy` sits between a client and a target endpoint and makes that happen locally,
reproducibly (seeded), so retry paths and idempotency can be exercised and measured::

    client --HTTP--> FaultProxy (127.0.0.1:P) --HTTP(S), keep-alive pool--> target

What it injects (see `FaultConfig`): added latency with uniform jitter, HTTP 400
`ProvisionedThroughputExceededException`, HTTP 400 `ThrottlingException`, HTTP 500
`InternalServerError` (all in DynamoDB's exact wire format, so botocore parses the right
error codes), a dropped connection *before* forwarding (nothing applied), a dropped
connection *after* the target applied the request (the nasty case for idempotency), and
partial BatchWriteItem: only some items are forwarded, the rest come back in
`UnprocessedItems` exactly as DynamoDB shapes them.

Which requests are faulted: by default only data-plane operations (`DATA_PLANE_OPS`:
item reads/writes, batches, transactions, PartiQL) so a harness can create, describe and
delete tables reliably; `FaultConfig.only_targets` narrows or changes that set and
`FaultConfig.all_ops` faults everything. Latency applies to every forwarded request (real
AWS is slow for control-plane calls too). Fault decisions come from `random.Random(seed)`
drawn once per *faultable* request, so a sequential client sees the same fault sequence on
every run with the same seed, however many DescribeTable polls the setup needed; jitter
has its own generator. `reset()` (or `POST /__ddbtui/reset`) zeroes the counters and
restarts both generators, so each benchmark run after a reset replays the same faults.

Signatures and the Host header: a SigV4 client signs for the host it connects to, i.e.
the proxy's `127.0.0.1:P`. The proxy forwards every request header unchanged, Host
included (only hop-by-hop headers such as Connection and Transfer-Encoding are re-framed),
and forwards the body unchanged except for a BatchWriteItem it splits. Rewriting Host to
the target's would break the signature; keeping it means a target that verifies SigV4
against its own name (real AWS) rejects the requests. So: the proxy is for local engines
(DynamoDB Local, moto, dynalite do not verify signatures) or other signature-less targets.
Any http(s) URL is accepted as a target, because the user chose it, but expect
`InvalidSignatureException` from real AWS.

Counters (`stats()`, also served as JSON at `GET /__ddbtui/stats` for another process,
e.g. `fetch_stats(url)`) count requests, forwarded requests (by operation), and every
injected fault by kind. The implementation is plain asyncio streams with a minimal
HTTP/1.1 parser: cheaper per request than an aiohttp server plus client (see
benchmarks/proxy_cpu.py for the measured CPU per request).

Run it standalone: ``python -m ddbtui.local.proxy --target http://127.0.0.1:8000
--port 8001 --latency-ms 20 --throttle-rate 0.05``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import signal
import ssl
import sys
import threading
import time
import urllib.request
import zlib
from dataclasses import asdict, dataclass
from typing import Iterable
from urllib.parse import urlparse

__all__ = [
    "DATA_PLANE_OPS", "FAULT_KINDS", "FaultConfig", "FaultProxy", "ProxyThread",
    "add_proxy_arguments", "fault_config_from_args", "fetch_stats", "reset_stats",
    "run_proxy_forever", "error_body",
]

# Operations faulted by default. Control plane (CreateTable, DescribeTable, DeleteTable,
# ListTables, UpdateTable, TTL, tags, backups, ...) is never faulted unless asked.
DATA_PLANE_OPS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
    "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
})

# Mutually exclusive per-request faults, in the order they are drawn from one uniform.
FAULT_KINDS = ("drop", "throttle", "throttling", "error_500", "drop_after")
_RATE_FIELDS = {  # field -> CLI option (for error messages)
    "drop_rate": "--drop-rate",
    "throttle_rate": "--throttle-rate",
    "throttling_rate": "--throttling-rate",
    "error_500_rate": "--error-rate",
    "drop_after_rate": "--drop-after-rate",
    "unprocessed_rate": "--unprocessed-rate",
}

_JSON_CT = b"application/x-amz-json-1.0"
_ERRORS = {
    "throttle": (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                 "The level of configured provisioned throughput for the table was exceeded. "
                 "Consider increasing your provisioning level with the UpdateTable API."),
    "throttling": (400, "com.amazon.coral.availability#ThrottlingException",
                   "Rate of requests exceeds the allowed throughput."),
    "error_500": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError",
                  "Internal server error"),
}
_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 405: b"Method Not Allowed",
            500: b"Internal Server Error", 502: b"Bad Gateway"}
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding",
                         b"te", b"trailer", b"upgrade", b"content-length", b"expect"})
_STATS_PATH = b"/__ddbtui/stats"
_RESET_PATH = b"/__ddbtui/reset"
_MAX_IDLE = 256


def error_body(kind: str) -> bytes:
    """The exact JSON body DynamoDB sends for an injected error kind."""
    _, typ, msg = _ERRORS[kind]
    return json.dumps({"__type": typ, "message": msg}, separators=(",", ":")).encode()


def _request_id() -> bytes:
    # DynamoDB request ids are 52 characters of [A-Z0-9].
    return base64.b32encode(os.urandom(35))[:52]


# ------------------------------------------------------------------------- config
@dataclass
class FaultConfig:
    """What to inject. Rates are fractions of faultable requests (0..1).

    drop, throttle, throttling, error_500 and drop_after exclude each other (one draw per
    request picks at most one), so their sum must be <= 1. unprocessed_rate applies to a
    BatchWriteItem that drew none of them.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0  # uniform in [-jitter, +jitter], total delay clamped at 0
    throttle_rate: float = 0.0  # 400 ProvisionedThroughputExceededException
    throttling_rate: float = 0.0  # 400 ThrottlingException
    error_500_rate: float = 0.0  # 500 InternalServerError
    drop_rate: float = 0.0  # close without answer, before forwarding (not applied)
    drop_after_rate: float = 0.0  # forward (applied), then close without answer
    unprocessed_rate: float = 0.0  # BatchWriteItem: forward part, rest in UnprocessedItems
    seed: int | None = None
    only_targets: frozenset[str] | None = None  # operations to fault; None = DATA_PLANE_OPS
    all_ops: bool = False  # fault every operation, control plane included

    def __post_init__(self) -> None:
        for name, opt in (("latency_ms", "--latency-ms"), ("jitter_ms", "--jitter-ms")):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or v != v or v < 0:
                raise ValueError(f"{name} ({opt}) must be a number of milliseconds >= 0, got {v!r}.")
        for name, opt in _RATE_FIELDS.items():
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not (0.0 <= v <= 1.0):
                raise ValueError(f"{name} ({opt}) must be a fraction between 0 and 1, got {v!r}.")
        total = sum(getattr(self, f"{k}_rate") for k in FAULT_KINDS)
        if total > 1.0 + 1e-9:
            raise ValueError(
                "--drop-rate, --throttle-rate, --throttling-rate, --error-rate and "
                f"--drop-after-rate are exclusive per request and must add up to at most 1, got {total:g}.")
        if self.only_targets is not None:
            if isinstance(self.only_targets, str):
                self.only_targets = frozenset(t.strip() for t in self.only_targets.split(",") if t.strip())
            else:
                self.only_targets = frozenset(self.only_targets)

    def faults(self, op: str | None) -> bool:
        """Whether requests for this operation may be faulted."""
        if op is None:
            return False
        if self.all_ops:
            return True
        return op in (DATA_PLANE_OPS if self.only_targets is None else self.only_targets)

    @property
    def any_fault(self) -> bool:
        return any(getattr(self, f) > 0 for f in _RATE_FIELDS)

    def describe(self) -> str:
        parts = []
        if self.latency_ms or self.jitter_ms:
            parts.append(f"latency {self.latency_ms:g}±{self.jitter_ms:g} ms")
        for f, opt in _RATE_FIELDS.items():
            if getattr(self, f):
                parts.append(f"{opt.lstrip('-').replace('-rate', '')} {getattr(self, f):.3g}")
        if self.any_fault:
            ops = ("all operations" if self.all_ops else
                   "data-plane operations" if self.only_targets is None else
                   ",".join(sorted(self.only_targets)))
            parts.append(f"on {ops}")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return ", ".join(parts) or "no faults (pass-through)"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["only_targets"] = sorted(self.only_targets) if self.only_targets is not None else None
        return d


# ------------------------------------------------------------------------- HTTP bits
class _BadRequest(Exception):
    pass


async def _read_head(reader: asyncio.StreamReader) -> tuple[bytes, list[tuple[bytes, bytes]], dict[bytes, bytes]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    headers: list[tuple[bytes, bytes]] = []
    index: dict[bytes, bytes] = {}
    for line in lines[1:]:
        k, sep, v = line.partition(b":")
        if not sep:
            raise _BadRequest(f"malformed header line {line[:80]!r}")
        k = k.strip()
        v = v.strip()
        headers.append((k, v))
        index[k.lower()] = v
    return lines[0], headers, index


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        line = await reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadRequest("bad chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _read_body(reader: asyncio.StreamReader, index: dict[bytes, bytes]) -> bytes:
    if b"chunked" in index.get(b"transfer-encoding", b"").lower():
        return await _read_chunked(reader)
    cl = index.get(b"content-length")
    if cl is None:
        return b""
    try:
        n = int(cl)
    except ValueError:
        raise _BadRequest("bad Content-Length") from None
    return await reader.readexactly(n) if n else b""


def _build_headers(headers: Iterable[tuple[bytes, bytes]], body_len: int, extra: bytes = b"") -> bytes:
    out = [k + b": " + v + b"\r\n" for k, v in headers if k.lower() not in _HOP_BY_HOP]
    out.append(b"Content-Length: %d\r\n" % body_len)
    if extra:
        out.append(extra)
    out.append(b"\r\n")
    return b"".join(out)


def _simple_response(status: int, body: bytes, headers: list[tuple[bytes, bytes]], close: bool) -> bytes:
    line = b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"Error"))
    return line + _build_headers(headers, len(body), b"Connection: close\r\n" if close else b"") + body


def _aws_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Server", b"Server"),
            (b"Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()).encode()),
            (b"Content-Type", _JSON_CT),
            (b"x-amzn-RequestId", _request_id()),
            (b"x-amz-crc32", b"%d" % zlib.crc32(body))]


class _Upstream:
    """One keep-alive connection to the target."""

    __slots__ = ("reader", "writer", "reused")

    def __init__(self, reader, writer):
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


# ------------------------------------------------------------------------- the proxy
class FaultProxy:
    """The proxy. `await start()`, use `.url`, `await stop()`; or `async with`."""

    def __init__(self, target_url: str, config: FaultConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0, *, upstream_timeout: float = 120.0):
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
        self._server: asyncio.base_events.Server | None = None
        self._idle: list[_Upstream] = []
        self._clients: set[asyncio.StreamWriter] = set()
        self._lock = threading.Lock()
        self._counts: dict = {}
        self._reset_state()

    # ---- lifecycle
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{h}:{self.port}"

    async def start(self) -> "FaultProxy":
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
        except (asyncio.TimeoutError, Exception):
            pass
        self._server = None

    async def __aenter__(self) -> "FaultProxy":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # ---- counters
    def _reset_state(self) -> None:
        seed = self.config.seed
        with self._lock:
            self._fault_rng = random.Random(seed)
            self._jitter_rng = random.Random(None if seed is None else seed ^ 0x5EED)
            self._counts = {"requests": 0, "forwarded": 0, "faultable": 0, "delayed": 0,
                            "delay_ms_total": 0.0, "upstream_errors": 0,
                            "unprocessed_items": 0, "injected": dict.fromkeys((*FAULT_KINDS, "unprocessed"), 0),
                            "by_op": {}}
            self._since = time.time()

    def reset(self) -> None:
        """Zero the counters and restart the seeded generators (the fault sequence replays)."""
        self._reset_state()

    def stats(self) -> dict:
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

    def _count(self, key: str, n=1) -> None:
        with self._lock:
            self._counts[key] += n

    def _inject(self, kind: str) -> None:
        with self._lock:
            self._counts["injected"][kind] += 1

    # ---- decisions
    def _decide(self, op: str | None) -> tuple[str | None, float]:
        """(fault kind or None, delay seconds) for one request."""
        cfg = self.config
        with self._lock:
            delay = cfg.latency_ms
            if cfg.jitter_ms:
                delay += self._jitter_rng.uniform(-cfg.jitter_ms, cfg.jitter_ms)
            kind = None
            if cfg.faults(op) and (cfg.any_fault):
                self._counts["faultable"] += 1
                u = self._fault_rng.random()
                acc = 0.0
                for k in FAULT_KINDS:
                    acc += getattr(cfg, f"{k}_rate")
                    if u < acc:
                        kind = k
                        break
                if kind is None and op == "BatchWriteItem" and cfg.unprocessed_rate:
                    # separate draw, only for BatchWriteItem requests, so replay holds
                    if self._fault_rng.random() < cfg.unprocessed_rate:
                        kind = "unprocessed"
            if delay > 0:
                self._counts["delayed"] += 1
                self._counts["delay_ms_total"] += delay
        return kind, max(0.0, delay) / 1000.0

    def _split_batch(self, body: bytes) -> tuple[bytes, dict] | None:
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
        fwd: dict[str, list] = {}
        unp: dict[str, list] = {}
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

    async def _forward(self, method: bytes, target: bytes, headers, body: bytes
                       ) -> tuple[bytes, list[tuple[bytes, bytes]], dict[bytes, bytes], bytes]:
        """Send one request to the target; (status line, headers, index, body)."""
        req = method + b" " + target + b" HTTP/1.1\r\n" + _build_headers(headers, len(body)) + body
        for attempt in (0, 1):
            up = await self._acquire()
            got_bytes = False
            try:
                async with asyncio.timeout(self.upstream_timeout):
                    up.writer.write(req)
                    await up.writer.drain()
                    while True:
                        status, rh, ri = await _read_head(up.reader)
                        got_bytes = True
                        code = status[9:12]
                        if not code.startswith(b"1"):
                            break
                    if method == b"HEAD" or code in (b"204", b"304"):
                        rbody = b""
                    elif b"content-length" in ri or b"transfer-encoding" in ri:
                        rbody = await _read_body(up.reader, ri)
                    else:
                        rbody = await up.reader.read()  # until close
                        ri[b"connection"] = b"close"
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    TimeoutError, _BadRequest) as e:
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
                    start, headers, index = await _read_head(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                parts = start.split(b" ")
                if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
                    writer.write(_simple_response(400, b"bad request line", [], True))
                    return
                method, target, version = parts
                if index.get(b"expect", b"").lower() == b"100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await _read_body(reader, index)
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
        except (_BadRequest, asyncio.LimitOverrunError, ValueError) as e:
            try:
                writer.write(_simple_response(400, str(e).encode(), [], True))
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
        if path == _STATS_PATH and method == b"GET":
            return _simple_response(200, json.dumps(self.stats()).encode(), hdrs, close)
        if path == _RESET_PATH and method == b"POST":
            self.reset()
            return _simple_response(200, b'{"reset":true}', hdrs, close)
        if path in (_STATS_PATH, _RESET_PATH):
            return _simple_response(405, b'{"message":"GET /__ddbtui/stats, POST /__ddbtui/reset"}', hdrs, close)
        return _simple_response(404, b'{"message":"unknown ddbtui proxy path"}', hdrs, close)

    async def _handle_request(self, method, target, headers, index, body, close) -> bytes | None:
        """The bytes to answer with, or None to drop the client connection."""
        amz = index.get(b"x-amz-target")
        op = amz.rpartition(b".")[2].decode("ascii", "replace") if amz else None
        with self._lock:
            self._counts["requests"] += 1
        kind, delay = self._decide(op)
        if delay:
            await asyncio.sleep(delay)
        if kind == "drop":
            self._inject("drop")
            return None
        if kind in _ERRORS:
            self._inject(kind)
            status = _ERRORS[kind][0]
            eb = error_body(kind)
            return _simple_response(status, eb, _aws_headers(eb), close)
        unprocessed = None
        if kind == "unprocessed":
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
            return _simple_response(502, eb, [(b"Content-Type", _JSON_CT)], True)
        with self._lock:
            self._counts["forwarded"] += 1
            by_op = self._counts["by_op"]
            key = op or method.decode()
            by_op[key] = by_op.get(key, 0) + 1
        if kind == "drop_after":
            self._inject("drop_after")
            return None
        if unprocessed is not None and status[9:12] == b"200":
            rbody = self._merge_unprocessed(rbody, ri, unprocessed)
            rh = [(k, v) for k, v in rh if k.lower() not in (b"x-amz-crc32", b"content-encoding")]
            rh.append((b"x-amz-crc32", b"%d" % zlib.crc32(rbody)))
            self._inject("unprocessed")
            self._count("unprocessed_items", sum(len(v) for v in unprocessed.values()))
        return status + b"\r\n" + _build_headers(rh, len(rbody), b"Connection: close\r\n" if close else b"") + rbody

    @staticmethod
    def _merge_unprocessed(rbody: bytes, ri: dict, held: dict) -> bytes:
        if b"gzip" in ri.get(b"content-encoding", b"").lower():
            import gzip

            rbody = gzip.decompress(rbody)
        resp = json.loads(rbody or b"{}")
        unp = resp.get("UnprocessedItems") or {}
        for t, reqs in held.items():
            unp.setdefault(t, []).extend(reqs)
        resp["UnprocessedItems"] = unp
        return json.dumps(resp, separators=(",", ":")).encode()


# ------------------------------------------------------------------ thread / process
class ProxyThread:
    """A FaultProxy on its own event loop in a daemon thread (for sync code and tests)."""

    def __init__(self, target_url: str, config: FaultConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0):
        self.proxy = FaultProxy(target_url, config, host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return self.proxy.url

    def stats(self) -> dict:
        return self.proxy.stats()

    def reset(self) -> None:
        self.proxy.reset()  # thread-safe: counters and generators are swapped under a lock

    def start(self, timeout: float = 10.0) -> "ProxyThread":
        """Start; returns once the proxy is listening."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="ddbtui-fault-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the fault proxy did not start in time")
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.proxy.start())
        except BaseException as e:  # e.g. port in use
            self._error = e
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
            loop.run_until_complete(self.proxy.stop())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            loop.close()

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> "ProxyThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def fetch_stats(proxy_url: str, timeout: float = 5.0) -> dict:
    """Counters of a proxy running anywhere (e.g. another process), via GET /__ddbtui/stats."""
    with urllib.request.urlopen(proxy_url.rstrip("/") + _STATS_PATH.decode(), timeout=timeout) as r:
        return json.loads(r.read())


def reset_stats(proxy_url: str, timeout: float = 5.0) -> None:
    """POST /__ddbtui/reset on a proxy running anywhere."""
    req = urllib.request.Request(proxy_url.rstrip("/") + _RESET_PATH.decode(), data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        r.read()


def run_proxy_forever(target: str, config: FaultConfig | None = None, port: int = 0,
                      host: str = "127.0.0.1", *, announce=None) -> None:
    """Run until SIGINT/SIGTERM (the CLI's `ddbtui proxy`). Prints one line once listening."""
    announce = announce or (lambda s: print(s, flush=True))
    cfg = config or FaultConfig()

    async def main() -> None:
        proxy = FaultProxy(target, cfg, host, port)
        await proxy.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        announce(f"ddbtui proxy listening on {proxy.url} -> {target} ({cfg.describe()}); "
                 f"stats at {proxy.url}{_STATS_PATH.decode()}")
        try:
            await stop.wait()
        finally:
            await proxy.stop()

    asyncio.run(main())


# ------------------------------------------------------------------------- CLI helpers
def _rate(opt: str):
    def parse(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{opt} takes a fraction between 0 and 1, got {s!r}") from None
        if not 0.0 <= v <= 1.0:
            raise argparse.ArgumentTypeError(f"{opt} takes a fraction between 0 and 1, got {s!r}")
        return v
    return parse


def _ms(opt: str):
    def parse(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{opt} takes milliseconds >= 0, got {s!r}") from None
        if not v >= 0:
            raise argparse.ArgumentTypeError(f"{opt} takes milliseconds >= 0, got {s!r}")
        return v
    return parse


_OPT_FIELDS = {"latency_ms": "latency_ms", "jitter_ms": "jitter_ms",
               "throttle_rate": "throttle_rate", "throttling_rate": "throttling_rate",
               "error_rate": "error_500_rate", "drop_rate": "drop_rate",
               "drop_after_rate": "drop_after_rate", "unprocessed_rate": "unprocessed_rate"}


def add_proxy_arguments(parser: argparse.ArgumentParser):
    """Add the fault/latency options (an argument group) to a parser; returns the group."""
    g = parser.add_argument_group(
        "fault and latency injection",
        "Put a proxy in front of the engine that adds latency and injects DynamoDB errors. "
        "Faults apply to data-plane operations only unless --fault-all-ops. "
        "For local engines: the proxy keeps the client's signature, which real AWS rejects.")
    g.add_argument("--latency-ms", type=_ms("--latency-ms"), default=None, metavar="MS",
                   help="added delay per request (real DynamoDB: 5-100 ms)")
    g.add_argument("--jitter-ms", type=_ms("--jitter-ms"), default=None, metavar="MS",
                   help="uniform ± jitter around --latency-ms")
    g.add_argument("--throttle-rate", type=_rate("--throttle-rate"), default=None, metavar="F",
                   help="fraction answered 400 ProvisionedThroughputExceededException")
    g.add_argument("--throttling-rate", type=_rate("--throttling-rate"), default=None, metavar="F",
                   help="fraction answered 400 ThrottlingException")
    g.add_argument("--error-rate", type=_rate("--error-rate"), default=None, metavar="F",
                   help="fraction answered 500 InternalServerError")
    g.add_argument("--drop-rate", type=_rate("--drop-rate"), default=None, metavar="F",
                   help="fraction whose connection is closed before forwarding (not applied)")
    g.add_argument("--drop-after-rate", type=_rate("--drop-after-rate"), default=None, metavar="F",
                   help="fraction applied by the engine, then the connection is closed unanswered")
    g.add_argument("--unprocessed-rate", type=_rate("--unprocessed-rate"), default=None, metavar="F",
                   help="fraction of BatchWriteItem calls that return part of the items in UnprocessedItems")
    g.add_argument("--fault-seed", type=int, default=None, metavar="N",
                   help="seed the fault sequence so a run replays")
    g.add_argument("--fault-all-ops", action="store_true", default=False,
                   help="fault control-plane calls (CreateTable, DescribeTable, ...) too")
    g.add_argument("--fault-ops", default=None, metavar="OP,OP",
                   help="fault only these operations, e.g. PutItem,BatchWriteItem")
    return g


def fault_config_from_args(args: argparse.Namespace) -> FaultConfig | None:
    """A FaultConfig from parsed options, or None when no latency/fault option was given.

    Raises ValueError with a sentence naming the option when a value is out of range.
    """
    given = {f: getattr(args, opt, None) for opt, f in _OPT_FIELDS.items()}
    if all(v is None for v in given.values()):
        return None
    kw = {f: v for f, v in given.items() if v is not None}
    ops = getattr(args, "fault_ops", None)
    return FaultConfig(**kw, seed=getattr(args, "fault_seed", None),
                       only_targets=frozenset(o.strip() for o in ops.split(",") if o.strip()) if ops else None,
                       all_ops=bool(getattr(args, "fault_all_ops", False)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ddbtui.local.proxy",
                                description="Fault and latency proxy in front of a DynamoDB endpoint.")
    p.add_argument("--target", required=True, help="endpoint URL to forward to, e.g. http://127.0.0.1:8000")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add_proxy_arguments(p)
    args = p.parse_args(argv)
    try:
        cfg = fault_config_from_args(args) or FaultConfig()
        run_proxy_forever(args.target, cfg, args.port, args.host)
    except (ValueError, OSError) as e:
        print(f"ddbtui proxy: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
